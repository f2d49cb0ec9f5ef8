"""The schema, as numbered forward-only migrations. Never edit a released migration:
add a new one. Each runs in one transaction with its ``user_version`` bump."""

from __future__ import annotations

from storage.db import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "core: people, rooms, conversations, completions",
        (
            # A person is known only by the keyed hash (HMAC) of their Matrix id.
            """
            CREATE TABLE person (
                id INTEGER PRIMARY KEY,
                pseudonym TEXT NOT NULL UNIQUE CHECK (length(pseudonym) = 32),
                language TEXT CHECK (language IS NULL OR length(language) BETWEEN 2 AND 3),
                language_explicit INTEGER NOT NULL DEFAULT 0 CHECK (language_explicit IN (0, 1)),
                notice_shown_at TEXT,
                created_at TEXT NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE room (
                id INTEGER PRIMARY KEY,
                room_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL
                    CHECK (kind IN ('direct', 'moderation', 'neighbourhood', 'other')),
                locality TEXT,
                area TEXT,
                language TEXT,
                encrypted INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
                updated_at TEXT NOT NULL
            ) STRICT
            """,
            # Guided conversations, one per (room, person), both as keyed hashes.
            # ``data`` holds only scrubbed text.
            """
            CREATE TABLE conversation (
                id INTEGER PRIMARY KEY,
                room_key TEXT NOT NULL,
                person TEXT NOT NULL,
                flow TEXT NOT NULL,
                step TEXT NOT NULL,
                history TEXT NOT NULL DEFAULT '[]',
                data TEXT NOT NULL DEFAULT '{}',
                token TEXT NOT NULL UNIQUE,
                language TEXT NOT NULL,
                started_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                UNIQUE (room_key, person)
            ) STRICT
            """,
            "CREATE INDEX conversation_expires ON conversation (expires_at)",
            # A completed conversation's token: finishing twice is a no-op.
            """
            CREATE TABLE completion (
                token TEXT PRIMARY KEY,
                flow TEXT NOT NULL,
                completed_at TEXT NOT NULL
            ) STRICT
            """,
        ),
    ),
    Migration(
        2,
        "matrix: inbox, handled events, key-value state",
        (
            # Incoming events wait here until handled (at-least-once). The row, with its
            # raw text and sender, is deleted as soon as the event has been handled.
            """
            CREATE TABLE inbox (
                id INTEGER PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                room_id TEXT NOT NULL,
                kind TEXT NOT NULL
                    CHECK (kind IN ('message', 'reaction', 'encrypted', 'other')),
                payload TEXT NOT NULL,
                received_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0
            ) STRICT
            """,
            # Event ids already handled, so a replayed event is never handled twice.
            # Holds no text and no sender; purged after a few days.
            """
            CREATE TABLE handled_event (
                event_id TEXT PRIMARY KEY,
                handled_at TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX handled_event_at ON handled_event (handled_at)",
            # Small named values: the sync token, the time of the last sync.
            """
            CREATE TABLE kv (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT
            """,
        ),
    ),
    Migration(
        3,
        "tips: EST records, short-lived text, relay links, cards, notes, audit",
        (
            # The EST-grade record: no text, no person. ``reporter`` is the keyed hash of the
            # reporter, used only for limits and !mina; !glöm clears it.
            """
            CREATE TABLE tip (
                id INTEGER PRIMARY KEY,
                code TEXT NOT NULL UNIQUE,
                category TEXT NOT NULL,
                locality TEXT NOT NULL,
                area TEXT,
                place_type TEXT NOT NULL,
                occurred_date TEXT NOT NULL,
                weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
                time_band TEXT NOT NULL
                    CHECK (time_band IN ('00-06', '06-12', '12-18', '18-24', 'okand')),
                iso_week TEXT NOT NULL,
                language TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'new'
                    CHECK (state IN ('new', 'reviewed', 'forwarded', 'closed', 'dismissed')),
                priority TEXT NOT NULL DEFAULT 'normal'
                    CHECK (priority IN ('high', 'normal', 'low')),
                public_note TEXT,
                assignee TEXT,
                reporter TEXT CHECK (reporter IS NULL OR length(reporter) = 32),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                expires_at TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX tip_reporter ON tip (reporter, created_at)",
            "CREATE INDEX tip_related ON tip (category, locality, occurred_date)",
            "CREATE INDEX tip_queue ON tip (state, priority, created_at)",
            "CREATE INDEX tip_expires ON tip (expires_at)",
            # The scrubbed free text, deleted after retention.text_days.
            """
            CREATE TABLE tip_text (
                tip_id INTEGER PRIMARY KEY REFERENCES tip (id) ON DELETE CASCADE,
                body TEXT NOT NULL,
                delete_after TEXT NOT NULL
            ) STRICT
            """,
            # How to reach a reporter with follow-up questions: their direct chat with the
            # bot (a room id, never their Matrix id), until the link expires.
            """
            CREATE TABLE relay (
                tip_id INTEGER PRIMARY KEY REFERENCES tip (id) ON DELETE CASCADE,
                room_id TEXT NOT NULL,
                expires_at TEXT NOT NULL
            ) STRICT
            """,
            # Where a tip's card is in the moderation room (its thread root).
            """
            CREATE TABLE tip_card (
                tip_id INTEGER PRIMARY KEY REFERENCES tip (id) ON DELETE CASCADE,
                room_id TEXT NOT NULL,
                event_id TEXT NOT NULL UNIQUE
            ) STRICT
            """,
            # Follow-up questions (moderators) and answers (reporters, scrubbed), short-lived.
            """
            CREATE TABLE tip_message (
                id INTEGER PRIMARY KEY,
                tip_id INTEGER NOT NULL REFERENCES tip (id) ON DELETE CASCADE,
                direction TEXT NOT NULL CHECK (direction IN ('question', 'answer', 'note')),
                body TEXT NOT NULL,
                author TEXT,
                created_at TEXT NOT NULL,
                delete_after TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX tip_message_tip ON tip_message (tip_id, id)",
            "CREATE INDEX tip_message_delete ON tip_message (delete_after)",
            # Who changed what and when (moderators only; never resident text).
            """
            CREATE TABLE audit (
                id INTEGER PRIMARY KEY,
                tip_id INTEGER REFERENCES tip (id) ON DELETE CASCADE,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT,
                created_at TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX audit_tip ON audit (tip_id, id)",
        ),
    ),
    Migration(
        4,
        "exactly once: outbox, inbox without raw ids",
        (
            # Messages a handled event (or a job) will send, written in the same transaction
            # as the state change that caused them. ``txn_id`` is fixed when the row is
            # written, so a resend after a crash reuses it and the homeserver deduplicates.
            # ``payload`` is sealed (AEAD); the row is deleted once the homeserver has it.
            """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                room_id TEXT NOT NULL,
                txn_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('message', 'reaction')),
                payload TEXT NOT NULL,
                created_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0
            ) STRICT
            """,
            "CREATE INDEX outbox_room ON outbox (room_id, id)",
            # The inbox keeps the sender only as a pseudonym and a role resolved at ingest;
            # the payload is sealed.
            "ALTER TABLE inbox ADD COLUMN person TEXT",
            "ALTER TABLE inbox ADD COLUMN role INTEGER NOT NULL DEFAULT 0",
        ),
    ),
)
