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
)
