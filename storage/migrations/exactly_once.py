"""Migration 4: exactly once: the outbox, and the inbox without raw ids."""

from __future__ import annotations

from .step import Migration

EXACTLY_ONCE = Migration(
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
)
