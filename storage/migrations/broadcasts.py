"""Migration 6: broadcasts: schedules, runs, deliveries, subscribers, rotation,
fingerprints."""

from __future__ import annotations

from .step import Migration

BROADCASTS = Migration(
    6,
    "broadcasts: schedules, runs, deliveries, subscribers, rotation, fingerprints",
    (
        # The schedule is the database: config schedules are kept here by their key,
        # moderators' schedules have none. ``checked_until`` (UTC): slots up to this
        # time have been sent, skipped or were not due.
        """
            CREATE TABLE broadcast_schedule (
                id INTEGER PRIMARY KEY,
                config_key TEXT UNIQUE,
                cron TEXT NOT NULL,
                target TEXT NOT NULL,
                topic TEXT,
                state TEXT NOT NULL DEFAULT 'active'
                    CHECK (state IN ('active', 'paused', 'deleted')),
                checked_until TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT
            """,
        # Ad hoc warnings written by a moderator: a draft until confirmed.
        """
            CREATE TABLE broadcast_adhoc (
                id INTEGER PRIMARY KEY,
                body TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('draft', 'confirmed')),
                created_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL
            ) STRICT
            """,
        # One fan-out: a schedule's slot (local wall-clock time, so the repeated hour
        # when daylight saving ends is one slot), a manual send or an ad hoc warning.
        """
            CREATE TABLE broadcast_run (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                schedule_id INTEGER REFERENCES broadcast_schedule (id),
                adhoc_id INTEGER UNIQUE REFERENCES broadcast_adhoc (id),
                slot TEXT NOT NULL,
                slot_at TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('sending', 'done', 'skipped')),
                reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
                created_at TEXT NOT NULL,
                finished_at TEXT,
                UNIQUE (schedule_id, slot)
            ) STRICT
            """,
        "CREATE INDEX broadcast_run_state ON broadcast_run (state, id)",
        "CREATE INDEX broadcast_run_slot_at ON broadcast_run (slot_at)",
        # Each delivery is claimed here (with its rendered body, so a resend after a
        # crash is the very same message) before it is sent. Ids are never reused: the
        # transaction id of a send is derived from it.
        """
            CREATE TABLE broadcast_delivery (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL REFERENCES broadcast_run (id) ON DELETE CASCADE,
                target TEXT NOT NULL,
                room_id TEXT NOT NULL,
                language TEXT NOT NULL,
                items TEXT NOT NULL,
                body TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'claimed'
                    CHECK (state IN ('claimed', 'sent', 'failed', 'skipped')),
                attempts INTEGER NOT NULL DEFAULT 0,
                event_id TEXT,
                claimed_at TEXT NOT NULL,
                done_at TEXT,
                UNIQUE (run_id, target)
            ) STRICT
            """,
        "CREATE INDEX broadcast_delivery_state ON broadcast_delivery (run_id, state)",
        "CREATE INDEX broadcast_delivery_target ON broadcast_delivery (target)",
        "CREATE INDEX broadcast_delivery_event ON broadcast_delivery (event_id)",
        # A subscriber: the keyed hash of the person and the direct chat to send to.
        """
            CREATE TABLE broadcast_subscriber (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                person TEXT NOT NULL UNIQUE CHECK (length(person) = 32),
                room_id TEXT NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('every', 'digest')),
                created_at TEXT NOT NULL
            ) STRICT
            """,
        # Rotation: when (which run) a target last got each warning.
        """
            CREATE TABLE broadcast_shown (
                target TEXT NOT NULL,
                warning_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                PRIMARY KEY (target, warning_id)
            ) STRICT, WITHOUT ROWID
            """,
        # Keyed hashes of every body broadcast, for !äkta. No text.
        """
            CREATE TABLE broadcast_fingerprint (
                hash TEXT PRIMARY KEY,
                first_sent_at TEXT NOT NULL
            ) STRICT
            """,
    ),
)
