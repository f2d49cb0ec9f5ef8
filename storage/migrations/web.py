"""Migration 8: the web chat: sessions' reply sequences and replies waiting for the page."""

from __future__ import annotations

from .step import Migration

WEB = Migration(
    8,
    "web: sessions' reply sequences and replies waiting for the page",
    (
        # One row per web session: its id is a keyed hash of the page's own secret (the
        # secret itself is never stored), ``last_seq`` the sequence of its latest reply.
        """
            CREATE TABLE web_session (
                session TEXT PRIMARY KEY CHECK (length(session) = 32),
                last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
                updated_at TEXT NOT NULL
            ) STRICT, WITHOUT ROWID
            """,
        # Replies for a page, numbered per session, kept (sealed) until ``expires_at`` so
        # a page that reconnects or comes back gets exactly what it missed. ``txn_id`` is
        # the outbox row's: a resend after a crash stores nothing twice.
        """
            CREATE TABLE web_message (
                id INTEGER PRIMARY KEY,
                session TEXT NOT NULL CHECK (length(session) = 32),
                seq INTEGER NOT NULL CHECK (seq > 0),
                txn_id TEXT NOT NULL UNIQUE,
                payload TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                UNIQUE (session, seq)
            ) STRICT
            """,
        "CREATE INDEX web_message_expires ON web_message (expires_at)",
    ),
)
