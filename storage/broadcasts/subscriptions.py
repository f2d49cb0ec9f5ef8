"""Subscribers: the keyed hash of a person plus the direct chat the bot sends to, and the mode.
Deliveries to a subscriber are deleted with the subscription."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

Mode = Literal["every", "digest"]


@dataclass(frozen=True)
class Subscriber:
    id: int
    person: str
    room_id: str
    mode: Mode
    language: str | None


# ---- subscribers -------------------------------------------------------------------------


async def subscribe(
    conn: aiosqlite.Connection, person: str, room_id: str, mode: Mode, now: datetime
) -> bool:
    """Subscribe or change mode/room; True if the person was not subscribed before."""
    async with conn.execute(
        "SELECT id FROM broadcast_subscriber WHERE person = ?", (person,)
    ) as cur:
        existing = await cur.fetchone()
    if existing is None:
        await conn.execute(
            "INSERT INTO broadcast_subscriber (person, room_id, mode, created_at)"
            " VALUES (?, ?, ?, ?)",
            (person, room_id, mode, now.isoformat()),
        )
        return True
    await conn.execute(
        "UPDATE broadcast_subscriber SET room_id = ?, mode = ? WHERE id = ?",
        (room_id, mode, existing["id"]),
    )
    return False


async def subscriber(conn: aiosqlite.Connection, person: str) -> Subscriber | None:
    async with conn.execute(
        "SELECT s.id, s.person, s.room_id, s.mode, p.language FROM broadcast_subscriber s"
        " LEFT JOIN person p ON p.pseudonym = s.person WHERE s.person = ?",
        (person,),
    ) as cur:
        row = await cur.fetchone()
    return Subscriber(*row) if row else None


async def subscribers(conn: aiosqlite.Connection, mode: Mode) -> list[Subscriber]:
    async with conn.execute(
        "SELECT s.id, s.person, s.room_id, s.mode, p.language FROM broadcast_subscriber s"
        " LEFT JOIN person p ON p.pseudonym = s.person WHERE s.mode = ? ORDER BY s.id",
        (mode,),
    ) as cur:
        return [Subscriber(*r) for r in await cur.fetchall()]


async def unsubscribe(conn: aiosqlite.Connection, person: str) -> bool:
    """Remove the subscription, its rotation and every delivery to it (sent or not)."""
    async with conn.execute(
        "SELECT id FROM broadcast_subscriber WHERE person = ?", (person,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return False
    target = f"sub:{row['id']}"
    await conn.execute("DELETE FROM broadcast_delivery WHERE target = ?", (target,))
    await conn.execute("DELETE FROM broadcast_shown WHERE target = ?", (target,))
    await conn.execute("DELETE FROM broadcast_subscriber WHERE id = ?", (row["id"],))
    return True


async def count_subscribers(conn: aiosqlite.Connection) -> dict[str, int]:
    async with conn.execute("SELECT mode, count(*) FROM broadcast_subscriber GROUP BY mode") as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}
