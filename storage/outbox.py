"""The outbox: what the bot will send, written in the same transaction as the state change
that caused it (the transactional-outbox pattern).

Contract:

- `add` queues one row inside the caller's transaction. ``txn_id`` is the transaction id the
  homeserver will see; it is fixed here and never recomputed, so a resend after a crash is
  deduplicated by the homeserver. A second row with the same ``txn_id`` is ignored (the
  message is already queued or was the same message). ``payload`` is opaque text (the caller
  seals it).
- `rooms_waiting` and `next_in_room` let a sender drain rows in order (``id`` order) per
  room.
- `delete` removes a row once the homeserver has accepted it (or refused it for good); it is
  one statement, fit for autocommit.

Use `bot.outbox.enqueue` rather than this module directly: it serialises and seals an
`Outgoing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

OutboxKind = Literal["message", "reaction"]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    room_id: str
    txn_id: str
    kind: OutboxKind
    payload: str
    attempts: int


async def add(
    conn: aiosqlite.Connection,
    room_id: str,
    txn_id: str,
    kind: OutboxKind,
    payload: str,
    now: datetime,
) -> bool:
    """Queue a row; False if a row with this ``txn_id`` is already waiting."""
    cur = await conn.execute(
        "INSERT INTO outbox (room_id, txn_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (txn_id) DO NOTHING",
        (room_id, txn_id, kind, payload, now.isoformat()),
    )
    return cur.rowcount == 1


async def rooms_waiting(conn: aiosqlite.Connection) -> list[str]:
    """Rooms with rows waiting, the room of the oldest row first."""
    async with conn.execute(
        "SELECT room_id, min(id) AS first FROM outbox GROUP BY room_id ORDER BY first"
    ) as cur:
        rows = await cur.fetchall()
    return [str(r["room_id"]) for r in rows]


async def next_in_room(
    conn: aiosqlite.Connection, room_id: str, limit: int = 20
) -> list[OutboxRow]:
    """The oldest waiting rows of ``room_id``, oldest first."""
    rows = await conn.execute_fetchall(
        "SELECT id, room_id, txn_id, kind, payload, attempts FROM outbox"
        " WHERE room_id = ? ORDER BY id LIMIT ?",
        (room_id, limit),
    )
    return [
        OutboxRow(
            id=row["id"],
            room_id=row["room_id"],
            txn_id=row["txn_id"],
            kind=row["kind"],
            payload=row["payload"],
            attempts=row["attempts"],
        )
        for row in rows
    ]


async def record_attempt(conn: aiosqlite.Connection, row_id: int) -> None:
    await conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (row_id,))


async def delete(conn: aiosqlite.Connection, row_id: int) -> None:
    await conn.execute("DELETE FROM outbox WHERE id = ?", (row_id,))


async def count(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT count(*) FROM outbox") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
