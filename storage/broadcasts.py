"""Fraud-warning broadcasts: schedules, ad hoc drafts, runs (one fan-out each), deliveries
(claimed before they are sent), subscribers, rotation and fingerprints of sent bodies.

A subscriber is the keyed hash of a person plus the direct chat the bot sends to; nothing
else. Deliveries to a subscriber are deleted with the subscription."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

ScheduleState = Literal["active", "paused", "deleted"]
RunState = Literal["sending", "done", "skipped"]
DeliveryState = Literal["claimed", "sent", "failed", "skipped"]
Mode = Literal["every", "digest"]


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
class Subscriber:
    id: int
    person: str
    room_id: str
    mode: Mode
    language: str | None


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


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


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
        checked_until=_dt(row["checked_until"]),
        created_by=row["created_by"],
        created_at=_dt(row["created_at"]),
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
        _dt(row["created_at"]),
        _dt(row["expires_at"]),
    )


async def confirm_adhoc(conn: aiosqlite.Connection, adhoc_id: int) -> bool:
    """Draft -> confirmed; False if it was not a draft (already confirmed)."""
    cur = await conn.execute(
        "UPDATE broadcast_adhoc SET state = 'confirmed' WHERE id = ? AND state = 'draft'",
        (adhoc_id,),
    )
    return cur.rowcount == 1


# ---- runs and deliveries -----------------------------------------------------------------

_RUN = "SELECT id, schedule_id, adhoc_id, slot, slot_at, state, reported FROM broadcast_run"


def _run(row: aiosqlite.Row) -> Run:
    return Run(
        id=row["id"],
        schedule_id=row["schedule_id"],
        adhoc_id=row["adhoc_id"],
        slot=row["slot"],
        slot_at=_dt(row["slot_at"]),
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
    return _dt(row[0]) if row else None


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
