"""The Matrix inbox: incoming events wait here, keyed by event id, until they are handled.

Contract (at-least-once, never twice):

- `add` stores an event unless it is already waiting or was handled before; it returns whether
  the event is new. The caller adds a whole sync batch and saves the sync token in the same
  transaction, so a crash can lose neither.
- `pending` returns waiting events oldest first (insertion order = timeline order).
- `mark_handled` deletes the row (and with it the text and sender) and remembers only the event
  id in ``handled_event``; `purge_handled` forgets those ids after a few days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

InboxKind = Literal["message", "reaction", "encrypted", "other"]


@dataclass(frozen=True)
class InboxEvent:
    """One waiting event; ``payload`` is transport-specific JSON text."""

    id: int
    event_id: str
    room_id: str
    kind: InboxKind
    payload: str
    received_at: datetime
    attempts: int
    person: str | None = None
    role: int = 0


async def add(
    conn: aiosqlite.Connection,
    event_id: str,
    room_id: str,
    kind: InboxKind,
    payload: str,
    now: datetime,
    *,
    person: str | None = None,
    role: int = 0,
) -> bool:
    """Queue an event; False if it is already queued or was handled before. ``person`` is
    the sender's pseudonym and ``role`` their role, resolved at ingest; ``payload`` should
    be sealed by the caller. One statement: the check against ``handled_event`` is part of
    the insert."""
    cur = await conn.execute(
        "INSERT INTO inbox (event_id, room_id, kind, payload, received_at, person, role)"
        " SELECT ?, ?, ?, ?, ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM handled_event WHERE event_id = ?)"
        " ON CONFLICT (event_id) DO NOTHING",
        (event_id, room_id, kind, payload, now.isoformat(), person, role, event_id),
    )
    return cur.rowcount == 1


async def is_handled(conn: aiosqlite.Connection, event_id: str) -> bool:
    sql = "SELECT 1 FROM handled_event WHERE event_id = ?"
    return bool(await conn.execute_fetchall(sql, (event_id,)))


async def is_known(conn: aiosqlite.Connection, event_id: str) -> bool:
    """True if the event is waiting in the inbox or was handled."""
    if await is_handled(conn, event_id):
        return True
    async with conn.execute("SELECT 1 FROM inbox WHERE event_id = ?", (event_id,)) as cur:
        return await cur.fetchone() is not None


async def pending(
    conn: aiosqlite.Connection,
    limit: int = 100,
    *,
    room_suffix: str | None = None,
    other_than_suffix: str | None = None,
) -> list[InboxEvent]:
    """Waiting events, oldest first; only rooms whose id ends with ``room_suffix``, or
    only the others (``other_than_suffix``): each transport drains its own events."""
    where, params = "", []
    if room_suffix is not None:
        where, params = " WHERE substr(room_id, -?) = ?", [len(room_suffix), room_suffix]
    elif other_than_suffix is not None:
        where = " WHERE substr(room_id, -?) != ?"
        params = [len(other_than_suffix), other_than_suffix]
    rows = await conn.execute_fetchall(
        "SELECT id, event_id, room_id, kind, payload, received_at, attempts, person, role"
        f" FROM inbox{where} ORDER BY id LIMIT ?",
        (*params, limit),
    )
    return [
        InboxEvent(
            id=row["id"],
            event_id=row["event_id"],
            room_id=row["room_id"],
            kind=row["kind"],
            payload=row["payload"],
            received_at=datetime.fromisoformat(row["received_at"]),
            attempts=row["attempts"],
            person=row["person"],
            role=row["role"],
        )
        for row in rows
    ]


async def record_attempt(conn: aiosqlite.Connection, event_id: str) -> int:
    """Count a failed attempt at handling an event; return the new count (0 if not queued)."""
    await conn.execute("UPDATE inbox SET attempts = attempts + 1 WHERE event_id = ?", (event_id,))
    async with conn.execute("SELECT attempts FROM inbox WHERE event_id = ?", (event_id,)) as cur:
        row = await cur.fetchone()
    return int(row["attempts"]) if row else 0


async def mark_handled(conn: aiosqlite.Connection, event_id: str, now: datetime) -> None:
    """Delete the event from the inbox and remember only its id."""
    await conn.execute("DELETE FROM inbox WHERE event_id = ?", (event_id,))
    await conn.execute(
        "INSERT INTO handled_event (event_id, handled_at) VALUES (?, ?)"
        " ON CONFLICT (event_id) DO NOTHING",
        (event_id, now.isoformat()),
    )


@dataclass(frozen=True)
class Backlog:
    """How much is waiting: the number of events and when the oldest arrived."""

    count: int
    oldest: datetime | None


async def backlog(conn: aiosqlite.Connection) -> Backlog:
    async with conn.execute("SELECT count(*) AS n, min(received_at) AS oldest FROM inbox") as cur:
        row = await cur.fetchone()
    if row is None or not row["n"]:
        return Backlog(0, None)
    return Backlog(int(row["n"]), datetime.fromisoformat(row["oldest"]))


async def purge_handled(conn: aiosqlite.Connection, before: datetime) -> int:
    """Forget handled event ids older than ``before``; return how many."""
    cur = await conn.execute(
        "DELETE FROM handled_event WHERE handled_at < ?", (before.isoformat(),)
    )
    return cur.rowcount
