"""Migration 3: tips: EST records, short-lived text, relay links, cards, notes, audit."""

from __future__ import annotations

from .step import Migration

TIPS = Migration(
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
)
