"""Where each poll was posted: one target per room, its start event, and what was sent there."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from .keys import NO_PLACE


@dataclass(frozen=True)
class NewTarget:
    room_id: str
    locality: str | None
    area: str | None
    language: str


@dataclass(frozen=True)
class Target:
    id: int
    poll_id: int
    room_id: str
    locality: str | None
    area: str | None
    language: str
    start_event_id: str | None
    end_sent: bool
    outcome_sent: bool

    @property
    def place(self) -> str:
        """The place key results are grouped by: ``locality`` or ``locality/area``."""
        if not self.locality:
            return NO_PLACE
        return f"{self.locality}/{self.area}" if self.area else self.locality


def _target(row: aiosqlite.Row) -> Target:
    return Target(
        id=row["id"],
        poll_id=row["poll_id"],
        room_id=row["room_id"],
        locality=row["locality"],
        area=row["area"],
        language=row["language"],
        start_event_id=row["start_event_id"],
        end_sent=bool(row["end_sent"]),
        outcome_sent=bool(row["outcome_sent"]),
    )


# ---- targets --------------------------------------------------------------------------


async def targets(conn: aiosqlite.Connection, poll_id: int) -> list[Target]:
    async with conn.execute(
        "SELECT * FROM poll_target WHERE poll_id = ? ORDER BY id", (poll_id,)
    ) as cur:
        return [_target(r) for r in await cur.fetchall()]


async def target_by_start(conn: aiosqlite.Connection, event_id: str) -> Target | None:
    async with conn.execute(
        "SELECT * FROM poll_target WHERE start_event_id = ?", (event_id,)
    ) as cur:
        row = await cur.fetchone()
    return _target(row) if row else None


async def open_starts(conn: aiosqlite.Connection) -> list[tuple[str, str]]:
    """(room id, start event id) of every open native poll: what to recover after a gap."""
    async with conn.execute(
        "SELECT t.room_id, t.start_event_id FROM poll_target t JOIN poll p ON p.id = t.poll_id"
        " WHERE p.state = 'open' AND t.start_event_id IS NOT NULL ORDER BY t.id"
    ) as cur:
        return [(r["room_id"], r["start_event_id"]) for r in await cur.fetchall()]


async def set_start_event(conn: aiosqlite.Connection, target_id: int, event_id: str) -> None:
    await conn.execute(
        "UPDATE poll_target SET start_event_id = ? WHERE id = ?", (event_id, target_id)
    )


async def mark_end_sent(conn: aiosqlite.Connection, target_id: int) -> None:
    await conn.execute("UPDATE poll_target SET end_sent = 1 WHERE id = ?", (target_id,))


async def mark_outcome_sent(conn: aiosqlite.Connection, target_id: int) -> None:
    await conn.execute("UPDATE poll_target SET outcome_sent = 1 WHERE id = ?", (target_id,))
