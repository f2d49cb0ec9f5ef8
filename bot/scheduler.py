"""Background jobs. The database holds all state; APScheduler is only the alarm clock.

Jobs are declared as `Job` values by the features (`bot.features.Feature.jobs`, triggers from
settings); the composition root collects them (`bot.app.jobs`) and this module only runs them:
each with a stable id, ``replace_existing``, ``coalesce`` and an explicit
``misfire_grace_time``, and a failure logged and retried at the next slot. A job that sends
commits its claim first and then sends with a ``txn_key`` derived from the claim, or writes
outbox rows in its transaction (see `bot.outbox.enqueue`). That is the one way to schedule
work. A feature whose alarms are rows of its own tables (one per broadcast schedule) is also
handed the scheduler to rebuild them from the table (``Registry.scheduler_hooks``); start-up
work is ``Registry.start_hooks``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import BaseScheduler

from bot.context import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """``run(svc)`` at every slot of ``trigger(tz)`` (an APScheduler trigger); also once at
    start when ``at_start``."""

    id: str
    run: Callable[[Services], Awaitable[object]]
    trigger: Callable[[tzinfo], Any]
    misfire_grace_time: int
    at_start: bool = False


async def _run_job(job: Job, svc: Services) -> None:
    """Run once; a failure is logged, shown in ``/healthz`` and ``/metrics`` until the job
    runs well again, and retried at the next slot."""
    try:
        await job.run(svc)
    except Exception as exc:
        log.exception("job %s failed; it runs again at the next slot", job.id)
        svc.metrics.job_ran(job.id, ok=False, reason=type(exc).__name__)
    else:
        svc.metrics.job_ran(job.id, ok=True)


def start_scheduler(svc: Services, jobs: Sequence[Job]) -> AsyncIOScheduler:
    """Start the jobs on the running event loop; the caller shuts the scheduler down."""
    scheduler = AsyncIOScheduler(timezone=svc.settings.kommun.tz)
    add_jobs(scheduler, svc, jobs)
    for hook in svc.registry.scheduler_hooks:
        hook(svc, scheduler)
    scheduler.start()
    return scheduler


def add_jobs(scheduler: BaseScheduler, svc: Services, jobs: Sequence[Job]) -> None:
    """Add ``jobs`` to ``scheduler``, triggers in the kommun's time zone."""
    tz = svc.settings.kommun.tz
    for job in jobs:
        scheduler.add_job(
            _run_job,
            job.trigger(tz),
            args=[job, svc],
            id=job.id,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=job.misfire_grace_time,
        )


async def run_startup_jobs(svc: Services, jobs: Sequence[Job]) -> None:
    """What should not wait for the first slot after a restart."""
    for job in jobs:
        if job.at_start:
            await _run_job(job, svc)
    for hook in svc.registry.start_hooks:
        name = f"start:{getattr(hook, '__qualname__', 'hook').split('.')[0].lower()}"
        try:
            await hook(svc)
        except Exception as exc:
            # counted, but not shown as failing: the feature's periodic job does the same
            # work and reports its own state
            log.exception("a start-up job failed; its periodic job retries")
            svc.metrics.job_ran(name, ok=False, reason=type(exc).__name__, lasting=False)
