"""Migration 1: people, rooms, conversations and completions."""

from __future__ import annotations

from .step import Migration

CORE = Migration(
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
)
