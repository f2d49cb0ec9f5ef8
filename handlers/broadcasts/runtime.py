"""The broadcast feature's per-app runtime: the loaded catalogue, the alarm clock and the
fan-outs in flight.

The database is the schedule. APScheduler only wakes the bot: one job per active schedule
(id ``broadcast:<id>``, a CronTrigger in the kommun's time zone), rebuilt from the table at
start and after every change, plus a sweep every few minutes that catches up anything an
alarm missed and resumes unfinished runs. Whatever wakes it, the work is the same ``tick``:
claim the due slot (unique per schedule and slot), then send."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

from bot.context import Services
from config.broadcasts import CronError, WarningCatalogue, load_catalogue
from handlers.broadcasts import fanout, plan
from storage import broadcasts as store
from storage.datamap import DELIVERY_KEEP_DAYS

log = logging.getLogger(__name__)

JOB_PREFIX = "broadcast:"
SWEEP_JOB = "broadcasts.sweep"
SWEEP_MINUTES = 5


class Broadcasts:
    def __init__(self) -> None:
        self.scheduler: BaseScheduler | None = None
        self._catalogue: WarningCatalogue | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running: set[int] = set()

    def catalogue(self, svc: Services) -> WarningCatalogue:
        if self._catalogue is None:
            b = svc.settings.broadcasts
            self._catalogue = load_catalogue(b.catalogue_path, b.allowed_domains)
        return self._catalogue

    # ---- alarm clock ---------------------------------------------------------------------

    def install(self, svc: Services, scheduler: BaseScheduler) -> None:
        """Called when the app's scheduler is created: the alarm clock for the per-schedule
        jobs, which ``start`` adds (they need the database). The periodic sweep is a job the
        feature declares (`handlers.broadcasts.FEATURE`)."""
        self.scheduler = scheduler

    async def rebuild(self, svc: Services) -> None:
        """Make the scheduler's broadcast jobs match the table (stable ids)."""
        if self.scheduler is None:
            return
        async with svc.db.read() as conn:
            found = await store.schedules(conn)
        wanted = {f"{JOB_PREFIX}{s.id}": s for s in found if s.state == "active"}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
                svc.metrics.job_removed(job.id)
        grace = max(60, svc.settings.broadcasts.grace_minutes * 60)
        for job_id, sched in wanted.items():
            try:
                trigger = plan.trigger_for(svc, sched)
            except CronError as exc:
                # stored before this check existed, or by a newer Tryggbot: visible in
                # /healthz and /metrics until a moderator changes it
                log.error("broadcast schedule %d (%r) cannot run: %s", sched.id, sched.cron, exc)
                svc.metrics.job_ran(job_id, ok=False, reason=f"cannot be scheduled: {exc}")
                continue
            self.scheduler.add_job(
                self.fire,
                trigger,
                args=[svc, sched.id],
                id=job_id,
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=grace,
            )

    # ---- work ----------------------------------------------------------------------------

    async def start(self, svc: Services) -> None:
        """At start (after the first sync): keep the config's schedules in the table, build
        the jobs, send a slot missed while down (within grace), resume unfinished runs."""
        now = svc.clock.now()
        async with svc.db.transaction() as conn:
            configured = svc.settings.broadcasts.schedules
            for s in configured:
                await store.sync_config_schedule(
                    conn, key=s.key, cron=s.cron, target=s.target, topic=s.topic, now=now
                )
            retired = await store.retire_config_schedules(conn, [s.key for s in configured], now)
            if retired:
                log.info("%d broadcast schedule(s) removed from the config: deleted", retired)
        await self.rebuild(svc)
        await self.sweep(svc)

    async def sweep(self, svc: Services) -> None:
        """`sweep_once`, its failure logged and counted (at start; the job is counted by the
        scheduler)."""
        try:
            await self.sweep_once(svc)
        except Exception as exc:
            log.exception("broadcast sweep failed; it runs again in %d minutes", SWEEP_MINUTES)
            svc.metrics.job_ran(SWEEP_JOB, ok=False, reason=type(exc).__name__)
        else:
            svc.metrics.job_ran(SWEEP_JOB, ok=True)

    async def sweep_once(self, svc: Services) -> None:
        """Send the due slots, resume unfinished runs, delete old deliveries."""
        for run_id in await plan.tick(svc, self.catalogue(svc)):
            await self.send(svc, run_id)
        async with svc.db.read() as conn:
            unfinished = await store.unfinished_runs(conn)
        for run in unfinished:
            await self.send(svc, run.id)
        if svc.settings.retention.decided:  # deliveries are records: see handlers/retention
            async with svc.db.transaction() as conn:
                await store.purge_deliveries(
                    conn, svc.clock.now() - timedelta(days=DELIVERY_KEEP_DAYS)
                )

    async def fire(self, svc: Services, schedule_id: int) -> None:
        """The alarm of one schedule."""
        try:
            for run_id in await plan.tick(svc, self.catalogue(svc), schedule_id):
                await self.send(svc, run_id)
        except Exception as exc:
            log.exception("broadcast schedule %d failed; the sweep retries", schedule_id)
            svc.metrics.job_ran(f"{JOB_PREFIX}{schedule_id}", ok=False, reason=type(exc).__name__)
        else:
            svc.metrics.job_ran(f"{JOB_PREFIX}{schedule_id}", ok=True)

    async def send(self, svc: Services, run_id: int) -> None:
        """Fan out one run, unless this process is already doing so."""
        if run_id in self._running:
            return
        self._running.add(run_id)
        try:
            await fanout.fan_out(svc, run_id)
        finally:
            self._running.discard(run_id)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a fan-out in the background (a command answers at once)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background broadcast failed", exc_info=task.exception())

    async def idle(self) -> None:
        """Wait for background fan-outs (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
