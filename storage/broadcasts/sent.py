"""What was sent before: the rotation of warnings per target, and fingerprints of sent bodies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

# ---- rotation ----------------------------------------------------------------------------


async def shown(conn: aiosqlite.Connection, target: str) -> dict[str, int]:
    async with conn.execute(
        "SELECT warning_id, seq FROM broadcast_shown WHERE target = ?", (target,)
    ) as cur:
        return {r["warning_id"]: int(r["seq"]) for r in await cur.fetchall()}


async def mark_shown(
    conn: aiosqlite.Connection, target: str, warning_ids: Sequence[str], seq: int
) -> None:
    await conn.executemany(
        "INSERT INTO broadcast_shown (target, warning_id, seq) VALUES (?, ?, ?)"
        " ON CONFLICT (target, warning_id) DO UPDATE SET seq = excluded.seq",
        [(target, w, seq) for w in warning_ids],
    )


# ---- fingerprints ------------------------------------------------------------------------


async def add_fingerprints(
    conn: aiosqlite.Connection, hashes: Sequence[str], now: datetime
) -> None:
    if not hashes:
        return
    await conn.executemany(
        "INSERT INTO broadcast_fingerprint (hash, first_sent_at) VALUES (?, ?)"
        " ON CONFLICT DO NOTHING",
        [(h, now.isoformat()) for h in hashes],
    )


async def fingerprint(conn: aiosqlite.Connection, hash_: str) -> datetime | None:
    async with conn.execute(
        "SELECT first_sent_at FROM broadcast_fingerprint WHERE hash = ?", (hash_,)
    ) as cur:
        row = await cur.fetchone()
    return datetime.fromisoformat(row[0]) if row else None
