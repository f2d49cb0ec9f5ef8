"""The scheduled post of the situation picture before the EST meeting, exactly once per
slot.

The slot is the latest time the configured cron trigger fired (at or before now, within
``grace_hours``). Whoever runs first claims the slot in ``est_posting`` (unique per slot and
room) and posts; a duplicate firing or a restart finds the claim and does nothing. A
sender that crashed mid-post leaves the claim unsent: after ten minutes the next run takes
it over and sends again with the same transaction ids, which the homeserver deduplicates.
The job may therefore run as often as one likes (at the slot, at start, every few minutes).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.context import Services
from bot.scheduler import Job
from config.est import EstSchedule
from config.settings import Settings
from handlers.est.posts import build_posts, moderator_lang, period_ending
from storage import est, rooms

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)


def cron_trigger(schedule: EstSchedule, tz: Any) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = schedule.time.split(":")
    return CronTrigger(
        day_of_week=schedule.day_of_week,
        week=schedule.weeks,
        hour=int(hour),
        minute=int(minute),
        timezone=tz,
    )


def latest_slot(schedule: EstSchedule, tz: Any, now: datetime) -> datetime | None:
    """The latest time the trigger fired at or before ``now``, if within the grace period."""
    trigger = cron_trigger(schedule, tz)
    start = now - timedelta(hours=schedule.grace_hours, minutes=1)
    found: datetime | None = None
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= now:
        found = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return found


async def post_scheduled(svc: Services) -> str | None:
    """Post the picture for the current slot if nobody has; return the slot posted."""
    schedule = svc.settings.est.schedule
    if not schedule.enabled:
        return None
    tz = svc.settings.kommun.tz
    now = svc.clock.now()
    fired = latest_slot(schedule, tz, now)
    if fired is None:
        return None
    async with svc.db.read() as conn:
        room = await rooms.moderation_room(conn, svc.settings)
    if room is None:
        log.warning("EST picture due but there is no moderation room")
        return None
    local = fired.astimezone(tz)
    slot = local.strftime("%Y-%m-%dT%H:%M")
    span = period_ending(local.date() - timedelta(days=1), schedule.period_days)
    async with svc.db.transaction() as conn:
        mine = await est.claim_posting(conn, slot, room, span, now, stale_after=STALE_CLAIM)
    if not mine:
        return None
    lang = moderator_lang(svc, svc.settings.moderation.language)
    outs = await build_posts(svc, span, lang, room, intro=svc.catalog.t(lang, "est.scheduled"))
    for i, out in enumerate(outs):
        await svc.messenger.send(replace(out, txn_key=f"est/{slot}/{i}"))
    async with svc.db.transaction() as conn:
        await est.mark_posted(conn, slot, room, svc.clock.now())
    log.info("posted the EST picture for slot %s", slot)
    return slot


def jobs(settings: Settings) -> list[Job]:
    """The EST picture at its configured slot, and every ten minutes (and at start) a check
    that the latest slot was posted (claimed in the database: exactly once per slot)."""
    est = settings.est.schedule
    if not est.enabled:
        return []
    hour, minute = (int(part) for part in est.time.split(":"))
    return [
        Job(
            "est",
            post_scheduled,
            lambda tz: CronTrigger(
                day_of_week=est.day_of_week, week=est.weeks, hour=hour, minute=minute, timezone=tz
            ),
            misfire_grace_time=est.grace_hours * 3600 or 60,
        ),
        Job(
            "est_check",
            post_scheduled,
            lambda tz: IntervalTrigger(minutes=10, timezone=tz),
            misfire_grace_time=600,
            at_start=True,
        ),
    ]
