"""Broadcast schedules (from the settings or added by a moderator) and ad hoc drafts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

ScheduleState = Literal["active", "paused", "deleted"]


@dataclass(frozen=True)
class Schedule:
    id: int
    config_key: str | None
    cron: str
    target: str
    topic: str | None
    state: ScheduleState
    checked_until: datetime
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Adhoc:
    id: int
    body: str
    state: Literal["draft", "confirmed"]
    created_by: str
    created_at: datetime
    expires_at: datetime


# ---- schedules ---------------------------------------------------------------------------

_SCHEDULE = (
    "SELECT id, config_key, cron, target, topic, state, checked_until, created_by, created_at"
    " FROM broadcast_schedule"
)


def _schedule(row: aiosqlite.Row) -> Schedule:
    return Schedule(
        id=row["id"],
        config_key=row["config_key"],
        cron=row["cron"],
        target=row["target"],
        topic=row["topic"],
        state=row["state"],
        checked_until=datetime.fromisoformat(row["checked_until"]),
        created_by=row["created_by"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )


async def add_schedule(
    conn: aiosqlite.Connection,
    *,
    cron: str,
    target: str,
    topic: str | None,
    created_by: str,
    now: datetime,
    config_key: str | None = None,
) -> int:
    cur = await conn.execute(
        "INSERT INTO broadcast_schedule (config_key, cron, target, topic, checked_until,"
        " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (config_key, cron, target, topic, now.isoformat(), created_by, now.isoformat(),
         now.isoformat()),
    )  # fmt: skip
    return int(cur.lastrowid or 0)


async def sync_config_schedule(
    conn: aiosqlite.Connection,
    *,
    key: str,
    cron: str,
    target: str,
    topic: str | None,
    now: datetime,
) -> int:
    """Insert a config schedule or update its definition; its state (paused by a
    moderator) is kept. A deleted config schedule comes back only if its definition
    changed."""
    async with conn.execute(
        _SCHEDULE + " WHERE config_key = ?",
        (key,),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return await add_schedule(
            conn, cron=cron, target=target, topic=topic, created_by="config", now=now,
            config_key=key,
        )  # fmt: skip
    old = _schedule(row)
    if (old.cron, old.target, old.topic) != (cron, target, topic):
        state = "active" if old.state == "deleted" else old.state
        await conn.execute(
            "UPDATE broadcast_schedule SET cron = ?, target = ?, topic = ?, state = ?,"
            " updated_at = ? WHERE id = ?",
            (cron, target, topic, state, now.isoformat(), old.id),
        )
    return old.id


async def retire_config_schedules(
    conn: aiosqlite.Connection, keep: Sequence[str], now: datetime
) -> int:
    """Config schedules whose key is no longer in the config are deleted."""
    marks = ", ".join("?" for _ in keep)
    where = f" AND config_key NOT IN ({marks})" if keep else ""
    cur = await conn.execute(
        "UPDATE broadcast_schedule SET state = 'deleted', updated_at = ?"
        " WHERE config_key IS NOT NULL AND state != 'deleted'" + where,
        (now.isoformat(), *keep),
    )
    return cur.rowcount


async def schedules(conn: aiosqlite.Connection, *, include_deleted: bool = False) -> list[Schedule]:
    where = "" if include_deleted else " WHERE state != 'deleted'"
    async with conn.execute(_SCHEDULE + where + " ORDER BY id") as cur:
        return [_schedule(r) for r in await cur.fetchall()]


async def schedule(conn: aiosqlite.Connection, schedule_id: int) -> Schedule | None:
    async with conn.execute(
        _SCHEDULE + " WHERE id = ? AND state != 'deleted'", (schedule_id,)
    ) as cur:
        row = await cur.fetchone()
    return _schedule(row) if row else None


async def set_schedule_state(
    conn: aiosqlite.Connection, schedule_id: int, state: ScheduleState, now: datetime
) -> None:
    """Change the state. Resuming starts from now: slots missed while paused are not sent."""
    await conn.execute(
        "UPDATE broadcast_schedule SET state = ?, updated_at = ?,"
        " checked_until = CASE WHEN ? = 'active' THEN ? ELSE checked_until END WHERE id = ?",
        (state, now.isoformat(), state, now.isoformat(), schedule_id),
    )


async def set_checked(conn: aiosqlite.Connection, schedule_id: int, until: datetime) -> None:
    await conn.execute(
        "UPDATE broadcast_schedule SET checked_until = ? WHERE id = ? AND checked_until < ?",
        (until.isoformat(), schedule_id, until.isoformat()),
    )


# ---- ad hoc drafts -----------------------------------------------------------------------


async def add_adhoc(
    conn: aiosqlite.Connection, body: str, created_by: str, now: datetime, expires: datetime
) -> int:
    cur = await conn.execute(
        "INSERT INTO broadcast_adhoc (body, state, created_by, created_at, expires_at)"
        " VALUES (?, 'draft', ?, ?, ?)",
        (body, created_by, now.isoformat(), expires.isoformat()),
    )
    return int(cur.lastrowid or 0)


async def adhoc(conn: aiosqlite.Connection, adhoc_id: int) -> Adhoc | None:
    async with conn.execute(
        "SELECT id, body, state, created_by, created_at, expires_at FROM broadcast_adhoc"
        " WHERE id = ?",
        (adhoc_id,),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Adhoc(
        row["id"],
        row["body"],
        row["state"],
        row["created_by"],
        datetime.fromisoformat(row["created_at"]),
        datetime.fromisoformat(row["expires_at"]),
    )


async def confirm_adhoc(conn: aiosqlite.Connection, adhoc_id: int) -> bool:
    """Draft -> confirmed; False if it was not a draft (already confirmed)."""
    cur = await conn.execute(
        "UPDATE broadcast_adhoc SET state = 'confirmed' WHERE id = ? AND state = 'draft'",
        (adhoc_id,),
    )
    return cur.rowcount == 1
