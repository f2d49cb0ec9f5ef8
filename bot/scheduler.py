"""Background jobs. The database holds all state; APScheduler is only the alarm clock.

* retention: daily at 03:15 local time (and once at start) deletes what has outlived its
  retention period;
* cards: every five minutes, posts moderation cards that a crash between commit and send
  left unposted (each tip has at most one card; the send uses a stable transaction id);
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
    for hook in svc.registry.scheduler_hooks:
        hook(svc, scheduler)
    scheduler.start()
    return scheduler


async def run_startup_jobs(svc: Services) -> None:
    """What should not wait for the first slot after a restart."""
    await retention_job(svc)
    await cards_job(svc)
    for hook in svc.registry.start_hooks:
        try:
            await hook(svc)
        except Exception:
            log.exception("a start-up job failed; its periodic job retries")
