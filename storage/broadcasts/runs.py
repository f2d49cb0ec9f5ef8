"""Runs (one fan-out of a schedule's slot or an ad hoc warning) and their deliveries, claimed
before they are sent; counts, and deleting what is old."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

RunState = Literal["sending", "done", "skipped"]
DeliveryState = Literal["claimed", "sent", "failed", "skipped"]


@dataclass(frozen=True)
class Run:
    id: int
    schedule_id: int | None
    adhoc_id: int | None
    slot: str
    slot_at: datetime
    state: RunState
    reported: bool


@dataclass(frozen=True)
class Delivery:
    id: int
    run_id: int
    target: str
    room_id: str
    language: str
    items: tuple[str, ...]
    body: str
    state: DeliveryState
    attempts: int
    event_id: str | None


@dataclass(frozen=True)
class NewDelivery:
    target: str
    room_id: str
    language: str
    items: tuple[str, ...]
    body: str
    state: DeliveryState = "claimed"


@dataclass(frozen=True)
class Counts:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0

    @property
    def total(self) -> int:
        return self.claimed + self.sent + self.failed + self.skipped


# ---- runs and deliveries -----------------------------------------------------------------

_RUN = "SELECT id, schedule_id, adhoc_id, slot, slot_at, state, reported FROM broadcast_run"


def _run(row: aiosqlite.Row) -> Run:
    return Run(
        id=row["id"],
        schedule_id=row["schedule_id"],
        adhoc_id=row["adhoc_id"],
        slot=row["slot"],
        slot_at=datetime.fromisoformat(row["slot_at"]),
        state=row["state"],
        reported=bool(row["reported"]),
    )


async def claim_run(
    conn: aiosqlite.Connection,
    *,
    schedule_id: int | None,
    adhoc_id: int | None,
    slot: str,
    slot_at: datetime,
    now: datetime,
    state: RunState = "sending",
) -> int | None:
    """Create the run for this (schedule, slot) or ad hoc warning; None if it exists
    already (a second firing of the same slot)."""
    cur = await conn.execute(
        "INSERT INTO broadcast_run (schedule_id, adhoc_id, slot, slot_at, state, created_at,"
        " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            schedule_id,
            adhoc_id,
            slot,
            slot_at.isoformat(),
            state,
            now.isoformat(),
            now.isoformat() if state != "sending" else None,
        ),
    )
    return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None


async def run(conn: aiosqlite.Connection, run_id: int) -> Run | None:
    async with conn.execute(_RUN + " WHERE id = ?", (run_id,)) as cur:
        row = await cur.fetchone()
    return _run(row) if row else None


async def unfinished_runs(conn: aiosqlite.Connection) -> list[Run]:
    """Runs still sending, and finished runs whose report was not posted yet."""
    async with conn.execute(
        _RUN + " WHERE state = 'sending' OR (state = 'done' AND reported = 0) ORDER BY id"
    ) as cur:
        return [_run(r) for r in await cur.fetchall()]


async def last_runs(conn: aiosqlite.Connection, schedule_id: int, limit: int = 1) -> list[Run]:
    async with conn.execute(
        _RUN + " WHERE schedule_id = ? ORDER BY slot_at DESC, id DESC LIMIT ?",
        (schedule_id, limit),
    ) as cur:
        return [_run(r) for r in await cur.fetchall()]


async def finish_run(conn: aiosqlite.Connection, run_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE broadcast_run SET state = 'done', finished_at = ?"
        " WHERE id = ? AND state = 'sending'",
        (now.isoformat(), run_id),
    )


async def mark_reported(conn: aiosqlite.Connection, run_id: int) -> None:
    await conn.execute("UPDATE broadcast_run SET reported = 1 WHERE id = ?", (run_id,))


async def add_deliveries(
    conn: aiosqlite.Connection, run_id: int, items: Iterable[NewDelivery], now: datetime
) -> None:
    await conn.executemany(
        "INSERT INTO broadcast_delivery (run_id, target, room_id, language, items, body, state,"
        " claimed_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (
                run_id,
                d.target,
                d.room_id,
                d.language,
                ",".join(d.items),
                d.body,
                d.state,
                now.isoformat(),
                None if d.state == "claimed" else now.isoformat(),
            )
            for d in items
        ],
    )


_DELIVERY = (
    "SELECT id, run_id, target, room_id, language, items, body, state, attempts, event_id"
    " FROM broadcast_delivery"
)


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        run_id=row["run_id"],
        target=row["target"],
        room_id=row["room_id"],
        language=row["language"],
        items=tuple(i for i in row["items"].split(",") if i),
        body=row["body"],
        state=row["state"],
        attempts=row["attempts"],
        event_id=row["event_id"],
    )


async def claimed(conn: aiosqlite.Connection, run_id: int) -> list[Delivery]:
    async with conn.execute(
        _DELIVERY + " WHERE run_id = ? AND state = 'claimed' ORDER BY id", (run_id,)
    ) as cur:
        return [_delivery(r) for r in await cur.fetchall()]


async def deliveries(conn: aiosqlite.Connection, run_id: int) -> list[Delivery]:
    async with conn.execute(_DELIVERY + " WHERE run_id = ? ORDER BY id", (run_id,)) as cur:
        return [_delivery(r) for r in await cur.fetchall()]


async def delivery_by_event(conn: aiosqlite.Connection, event_id: str) -> Delivery | None:
    async with conn.execute(_DELIVERY + " WHERE event_id = ? LIMIT 1", (event_id,)) as cur:
        row = await cur.fetchone()
    return _delivery(row) if row else None


async def mark_sent(
    conn: aiosqlite.Connection, delivery_id: int, event_id: str | None, now: datetime
) -> None:
    await conn.execute(
        "UPDATE broadcast_delivery SET state = 'sent', event_id = ?, attempts = attempts + 1,"
        " done_at = ? WHERE id = ? AND state = 'claimed'",
        (event_id, now.isoformat(), delivery_id),
    )


async def mark_attempt(
    conn: aiosqlite.Connection, delivery_id: int, now: datetime, *, final: bool
) -> None:
    """A failed attempt; ``final``: the delivery counts as failed."""
    await conn.execute(
        "UPDATE broadcast_delivery SET attempts = attempts + 1,"
        " state = CASE WHEN ? THEN 'failed' ELSE state END,"
        " done_at = CASE WHEN ? THEN ? ELSE done_at END WHERE id = ? AND state = 'claimed'",
        (int(final), int(final), now.isoformat(), delivery_id),
    )


async def counts(conn: aiosqlite.Connection, run_id: int) -> Counts:
    async with conn.execute(
        "SELECT state, count(*) AS n, sum(state = 'sent' AND attempts > 1) AS retried"
        " FROM broadcast_delivery"
        " WHERE run_id = ? GROUP BY state",
        (run_id,),
    ) as cur:
        rows = await cur.fetchall()
    by = {r["state"]: int(r["n"]) for r in rows}
    retried = sum(int(r["retried"] or 0) for r in rows)
    return Counts(
        claimed=by.get("claimed", 0),
        sent=by.get("sent", 0),
        failed=by.get("failed", 0),
        skipped=by.get("skipped", 0),
        retried=retried,
    )


async def items_between(
    conn: aiosqlite.Connection, start: datetime, end: datetime, limit: int
) -> list[str]:
    """Warning ids and ad hoc items sent between ``start`` and ``end`` (newest runs last),
    for the weekly digest."""
    async with conn.execute(
        "SELECT d.items FROM broadcast_delivery d JOIN broadcast_run r ON r.id = d.run_id"
        " WHERE d.state = 'sent' AND r.slot_at > ? AND r.slot_at <= ?"
        " AND d.items NOT LIKE 'digest%' ORDER BY r.slot_at, d.id",
        (start.isoformat(), end.isoformat()),
    ) as cur:
        rows = await cur.fetchall()
    out: list[str] = []
    for row in rows:
        for item in row["items"].split(","):
            if item and item not in out:
                out.append(item)
    return out[-limit:]


async def purge_deliveries(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete finished deliveries of runs older than ``before`` (the fingerprints stay)."""
    cur = await conn.execute(
        "DELETE FROM broadcast_delivery WHERE state != 'claimed' AND run_id IN"
        " (SELECT id FROM broadcast_run WHERE state != 'sending' AND slot_at < ?)",
        (before.isoformat(),),
    )
    return cur.rowcount


@dataclass(frozen=True)
class PurgedBroadcasts:
    runs: int
    adhoc: int
    schedules: int


async def purge_old(
    conn: aiosqlite.Connection, now: datetime, before: datetime
) -> PurgedBroadcasts:
    """Delete finished runs whose slot was before ``before`` (with their deliveries), ad hoc
    warnings written before ``before`` (and unconfirmed drafts past their expiry) that no run
    refers to, and schedules deleted before ``before`` that no run refers to."""
    cut = before.isoformat()
    runs = await conn.execute(
        "DELETE FROM broadcast_run WHERE state != 'sending' AND slot_at < ?", (cut,)
    )
    adhoc = await conn.execute(
        "DELETE FROM broadcast_adhoc WHERE id NOT IN"
        " (SELECT adhoc_id FROM broadcast_run WHERE adhoc_id IS NOT NULL)"
        " AND ((state = 'draft' AND expires_at < ?) OR created_at < ?)",
        (now.isoformat(), cut),
    )
    schedules = await conn.execute(
        "DELETE FROM broadcast_schedule WHERE state = 'deleted' AND updated_at < ? AND id NOT IN"
        " (SELECT schedule_id FROM broadcast_run WHERE schedule_id IS NOT NULL)",
        (cut,),
    )
    return PurgedBroadcasts(runs.rowcount, adhoc.rowcount, schedules.rowcount)
