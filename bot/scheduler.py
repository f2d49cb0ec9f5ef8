"""Background jobs. The database holds all state; APScheduler is only the alarm clock.

* retention: daily at 03:15 local time (and once at start) deletes what has outlived its
  retention period;
* cards: every five minutes, posts moderation cards that a crash between commit and send
  left unposted (each tip has at most one card; the send uses a stable transaction id);
* polls: every ``POLL_TICK_SECONDS`` (and once at start), opens and closes the polls that
  are due by the ``poll`` table and sends whatever a crash left unsent; a close missed
  while the bot was down happens at start;
* est: the EST situation picture at its configured slot, and every ten minutes a check that
  the latest slot was posted (claimed in the database: exactly once per slot).
* features' own jobs (``Registry.scheduler_hooks``, e.g. broadcast schedules) and their
  start-up work (``Registry.start_hooks``).
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.context import Services

log = logging.getLogger(__name__)


async def retention_job(svc: Services) -> None:
    from handlers.retention import run_retention

    try:
        await run_retention(svc)
    except Exception:
        log.exception("retention job failed; it runs again at the next slot")


async def cards_job(svc: Services) -> None:
    from handlers.moderation import post_missing_cards

    try:
        posted = await post_missing_cards(svc)
        if posted:
            log.info("posted %d missing moderation cards", posted)
    except Exception:
        log.exception("posting missing cards failed; retried in five minutes")


POLL_TICK_SECONDS = 10


async def polls_job(svc: Services) -> None:
    from handlers.polls.lifecycle import run_due

    try:
        await run_due(svc)
    except Exception:
        log.exception("opening or closing polls failed; retried at the next tick")


async def est_job(svc: Services) -> None:
    from handlers.est.schedule import post_scheduled

    try:
        await post_scheduled(svc)
    except Exception:
        log.exception("posting the EST picture failed; retried within ten minutes")


def start_scheduler(svc: Services) -> AsyncIOScheduler:
    """Start the jobs on the running event loop; the caller shuts the scheduler down."""
    tz = svc.settings.kommun.tz
    scheduler = AsyncIOScheduler(timezone=tz)
    scheduler.add_job(
        retention_job,
        CronTrigger(hour=3, minute=15, timezone=tz),
        args=[svc],
        id="retention",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=6 * 3600,
    )
    scheduler.add_job(
        cards_job,
        IntervalTrigger(minutes=5, timezone=tz),
        args=[svc],
        id="cards",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=300,
    )
    scheduler.add_job(
        polls_job,
        IntervalTrigger(seconds=POLL_TICK_SECONDS, timezone=tz),
        args=[svc],
        id="polls",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=POLL_TICK_SECONDS * 6,
    )
    est = svc.settings.est.schedule
    if est.enabled:
        hour, minute = est.time.split(":")
        scheduler.add_job(
            est_job,
            CronTrigger(
                day_of_week=est.day_of_week,
                week=est.weeks,
                hour=int(hour),
                minute=int(minute),
                timezone=tz,
            ),
            args=[svc],
            id="est",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=est.grace_hours * 3600 or 60,
        )
        scheduler.add_job(
            est_job,
            IntervalTrigger(minutes=10, timezone=tz),
            args=[svc],
            id="est_check",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=600,
        )
    for hook in svc.registry.scheduler_hooks:
        hook(svc, scheduler)
    scheduler.start()
    return scheduler


async def run_startup_jobs(svc: Services) -> None:
    """What should not wait for the first slot after a restart."""
    await retention_job(svc)
    await cards_job(svc)
    await polls_job(svc)
    await est_job(svc)
    for hook in svc.registry.start_hooks:
        try:
            await hook(svc)
        except Exception:
            log.exception("a start-up job failed; its periodic job retries")
