"""Migration 7: est: the covering index for the situation picture, claims of scheduled
posts."""

from __future__ import annotations

from .step import Migration

EST = Migration(
    7,
    "est: covering index for the situation picture, claims of scheduled posts",
    (
        # Every picture query filters on the local date and groups by the other columns:
        # with this covering index a 14-day picture reads only the index.
        """
            CREATE INDEX tip_est ON tip (occurred_date, category, locality, area, place_type,
                                         weekday, time_band, state)
            """,
        # One row per scheduled post of the picture: claimed before sending, so a restart
        # or a duplicate firing never posts a slot twice.
        """
            CREATE TABLE est_posting (
                id INTEGER PRIMARY KEY,
                slot TEXT NOT NULL,
                room_id TEXT NOT NULL,
                period_start TEXT NOT NULL,
                period_end TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'claimed' CHECK (state IN ('claimed', 'sent')),
                claimed_at TEXT NOT NULL,
                sent_at TEXT,
                UNIQUE (slot, room_id)
            ) STRICT
            """,
    ),
)
