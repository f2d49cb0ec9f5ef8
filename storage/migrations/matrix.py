"""Migration 2: the Matrix inbox, handled events and key-value state."""

from __future__ import annotations

from .step import Migration

MATRIX = Migration(
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
)
