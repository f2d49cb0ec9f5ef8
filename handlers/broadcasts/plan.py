"""From a schedule to claimed deliveries.

``tick`` looks at the slots of a schedule since it was last checked: the newest slot within
the grace period becomes a run (unique per schedule and slot, so a second firing or a
restart finds it taken); older slots are skipped and logged. ``plan`` then claims one
delivery per target in the same transaction, with its language, its warning (rotation per
target: the warning it saw least recently, so nothing repeats until all have been shown)
and its rendered body. Sending happens only after the commit (see ``fanout``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite
from apscheduler.triggers.cron import CronTrigger

from bot.context import Services
from config.broadcasts import Warning, WarningCatalogue, cron_trigger
from handlers.broadcasts.render import ADHOC_PREFIX, DIGEST_MARK, render
from storage import broadcasts as store
from storage import rooms
from storage.broadcasts import NewDelivery, Schedule

log = logging.getLogger(__name__)

TARGETS = ("rooms", "subscribers", "all", "digest")
LOCALITY = "locality:"
MAX_SLOTS = 10_000  # slots kept per tick
LOOKBACK = timedelta(hours=3)  # more than any daylight-saving shift
HORIZON = timedelta(days=2)  # slots older than this (plus grace) are skipped uncounted
SKIP_RECORDED = 50  # missed slots recorded one by one; beyond that only counted in the log


@dataclass(frozen=True)
class Target:
    key: str  # room:<room id> or sub:<subscriber id>
    room_id: str
    lang: str
    readable: bool = True
    digest: bool = False


def trigger_for(svc: Services, sched: Schedule) -> CronTrigger:
    return cron_trigger(sched.cron, svc.settings.kommun.tz)


def fire_times(trigger: CronTrigger, after: datetime, until: datetime) -> list[datetime]:
    """The schedule's fire times in (after, until], oldest first (at most MAX_SLOTS, the
    newest).

    The chain starts a few hours before ``after`` and follows APScheduler's own
    previous-to-next steps: asked cold, just after a spring-forward change, for "02:30"
    APScheduler would skip the day whose 02:30 fell into the gap (it fires at 03:30)."""
    out: list[datetime] = []
    step = timedelta(microseconds=1)
    t = trigger.get_next_fire_time(None, after.astimezone(UTC) - LOOKBACK)
    while t is not None and t <= until:
        if t > after:
            out.append(t)
            if len(out) > MAX_SLOTS:
                out.pop(0)
        t = trigger.get_next_fire_time(t, t.astimezone(UTC) + step)
    return out


def next_fires(trigger: CronTrigger, now: datetime, n: int) -> list[datetime]:
    """The next ``n`` fire times after ``now``."""
    out: list[datetime] = []
    t = trigger.get_next_fire_time(None, now)
    while t is not None and len(out) < n:
        out.append(t)
        t = trigger.get_next_fire_time(t, t.astimezone(UTC) + timedelta(microseconds=1))
    return out


def slot_key(fire: datetime) -> str:
    """The slot as local wall-clock time: when daylight saving ends, 02:30 happens twice
    but is one slot."""
    return fire.replace(tzinfo=None).isoformat(timespec="seconds")


def next_fire(svc: Services, sched: Schedule, now: datetime) -> datetime | None:
    fire: datetime | None = trigger_for(svc, sched).get_next_fire_time(None, now)
    return fire


def _lang(svc: Services, lang: str | None) -> str:
    enabled = svc.settings.language.enabled
    return lang if lang in enabled else svc.settings.language.default  # type: ignore[return-value]


async def targets(svc: Services, conn: aiosqlite.Connection, spec: str) -> list[Target]:
    """The rooms and subscribers a schedule's target means, each with its language."""
    out: list[Target] = []
    if spec in ("rooms", "all") or spec.startswith(LOCALITY):
        locality = spec.removeprefix(LOCALITY) if spec.startswith(LOCALITY) else None
        for room in await rooms.by_kind(conn, "neighbourhood"):
            if locality is not None and room.locality != locality:
                continue
            out.append(
                Target(
                    f"room:{room.room_id}",
                    room.room_id,
                    _lang(svc, room.language),
                    # An encrypted room is unreadable only when the bot runs without
                    # encryption (its messages would not be shown there).
                    readable=svc.settings.encryption.enabled or not room.encrypted,
                )
            )
    if spec in ("subscribers", "all"):
        for sub in await store.subscribers(conn, "every"):
            out.append(Target(f"sub:{sub.id}", sub.room_id, _lang(svc, sub.language)))
    if spec == "digest":
        for sub in await store.subscribers(conn, "digest"):
            out.append(Target(f"sub:{sub.id}", sub.room_id, _lang(svc, sub.language), digest=True))
    return out


def pick(eligible: tuple[Warning, ...], shown: dict[str, int]) -> Warning:
    """Rotation: the warning this target saw least recently (never: first), in catalogue
    order among equals. Nothing repeats until every eligible warning has been shown."""
    order = {w.id: i for i, w in enumerate(eligible)}
    return min(eligible, key=lambda w: (shown.get(w.id, -1), order[w.id]))


async def _adhoc_texts(conn: aiosqlite.Connection, items: list[str]) -> dict[int, str]:
    texts: dict[int, str] = {}
    for item in items:
        if item.startswith(ADHOC_PREFIX):
            found = await store.adhoc(conn, int(item.removeprefix(ADHOC_PREFIX)))
            if found is not None:
                texts[found.id] = found.body
    return texts


async def plan(
    svc: Services,
    conn: aiosqlite.Connection,
    catalogue: WarningCatalogue,
    run_id: int,
    *,
    spec: str,
    topic: str | None,
    slot_at: datetime,
    adhoc_id: int | None = None,
) -> int:
    """Claim every delivery of a run (inside the caller's transaction). Returns how many."""
    now = svc.clock.now()
    eligible = catalogue.with_topic(topic) or catalogue.warnings
    digest_items: list[str] | None = None
    adhoc: dict[int, str] = {}
    if spec == "digest":
        window = slot_at - timedelta(days=7)
        digest_items = await store.items_between(
            conn, window, slot_at, svc.settings.broadcasts.digest_max
        )
        adhoc = await _adhoc_texts(conn, digest_items)
    if adhoc_id is not None:
        found = await store.adhoc(conn, adhoc_id)
        if found is not None:
            adhoc[adhoc_id] = found.body
    new: list[NewDelivery] = []
    for target in await targets(svc, conn, spec):
        if not target.readable:
            new.append(NewDelivery(target.key, target.room_id, target.lang, (), "", "skipped"))
            continue
        if adhoc_id is not None:
            items: tuple[str, ...] = (f"{ADHOC_PREFIX}{adhoc_id}",)
        elif digest_items:
            items = (DIGEST_MARK, *digest_items)
        else:
            warning = pick(eligible, await store.shown(conn, target.key))
            await store.mark_shown(conn, target.key, [warning.id], run_id)
            items = (DIGEST_MARK, warning.id) if target.digest else (warning.id,)
        body = render(svc, catalogue, items, target.lang, adhoc).body
        new.append(NewDelivery(target.key, target.room_id, target.lang, items, body))
    await store.add_deliveries(conn, run_id, new, now)
    return len(new)


async def tick(
    svc: Services, catalogue: WarningCatalogue, schedule_id: int | None = None
) -> list[int]:
    """Turn due slots into claimed runs; return the ids of the runs to send.

    For each active schedule (or only ``schedule_id``): the slots since ``checked_until``
    up to now. The newest slot at most ``grace_minutes`` old is claimed; every other slot
    is skipped and logged (recorded as a skipped run, so it is never sent later)."""
    now = svc.clock.now()
    grace = timedelta(minutes=svc.settings.broadcasts.grace_minutes)
    started: list[int] = []
    async with svc.db.transaction() as conn:
        found = await store.schedules(conn)
        for sched in found:
            if sched.state != "active" or (schedule_id is not None and sched.id != schedule_id):
                continue
            after = max(sched.checked_until, now - HORIZON - grace)
            if after > sched.checked_until:
                log.warning(
                    "broadcast schedule %d: not checked since %s; its slots before %s are skipped",
                    sched.id,
                    sched.checked_until.isoformat(timespec="minutes"),
                    after.isoformat(timespec="minutes"),
                )
            times = fire_times(trigger_for(svc, sched), after, now)
            due = [t for t in times if now - t <= grace]
            chosen = due[-1] if due else None
            skipped = [t for t in times if t is not chosen and slot_key(t) != _key(chosen)]
            for t in skipped[-SKIP_RECORDED:]:
                await store.claim_run(
                    conn,
                    schedule_id=sched.id,
                    adhoc_id=None,
                    slot=slot_key(t),
                    slot_at=t.astimezone(UTC),
                    now=now,
                    state="skipped",
                )
            if skipped:
                log.warning(
                    "broadcast schedule %d: %d slot(s) skipped (missed beyond the %d-minute "
                    "grace period, or superseded by a newer slot), last %s",
                    sched.id,
                    len(skipped),
                    svc.settings.broadcasts.grace_minutes,
                    slot_key(skipped[-1]),
                )
            if chosen is not None:
                run_id = await store.claim_run(
                    conn,
                    schedule_id=sched.id,
                    adhoc_id=None,
                    slot=slot_key(chosen),
                    slot_at=chosen.astimezone(UTC),
                    now=now,
                )
                if run_id is not None:
                    n = await plan(
                        svc,
                        conn,
                        catalogue,
                        run_id,
                        spec=sched.target,
                        topic=sched.topic,
                        slot_at=chosen.astimezone(UTC),
                    )
                    log.info(
                        "broadcast schedule %d: slot %s claimed as run %d (%d deliveries)",
                        sched.id,
                        slot_key(chosen),
                        run_id,
                        n,
                    )
                    started.append(run_id)
            await store.set_checked(conn, sched.id, now)
    return started


def _key(t: datetime | None) -> str | None:
    return slot_key(t) if t is not None else None


async def start_manual(
    svc: Services, catalogue: WarningCatalogue, sched: Schedule, key: str
) -> int | None:
    """``!utskick skicka nu ID``: a run of the schedule now, unique per command event."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        run_id = await store.claim_run(
            conn, schedule_id=sched.id, adhoc_id=None, slot=f"manual:{key}", slot_at=now, now=now
        )
        if run_id is not None:
            await plan(
                svc, conn, catalogue, run_id, spec=sched.target, topic=sched.topic, slot_at=now
            )
    return run_id


async def start_adhoc(svc: Services, catalogue: WarningCatalogue, adhoc_id: int) -> int | None:
    """A confirmed ad hoc warning: one run to every room and every-warning subscriber."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        if not await store.confirm_adhoc(conn, adhoc_id):
            return None
        run_id = await store.claim_run(
            conn, schedule_id=None, adhoc_id=adhoc_id, slot="adhoc", slot_at=now, now=now
        )
        if run_id is not None:
            await plan(
                svc, conn, catalogue, run_id, spec="all", topic=None, slot_at=now, adhoc_id=adhoc_id
            )
    return run_id
