"""The web chat's inbox worker: hands the page messages stored by ``/api/send`` to the engine,
in order per session and sessions in parallel (bounded), and purges replies past their time.

A message is stored in the inbox (committed) before the page gets its 202; ``/api/send`` then
hands the stored event to the worker (`WebWorker.take`), so the worker need not read the inbox
on every message. At start, and after a failed attempt, it reads the inbox itself: what a
crash or a failure left there is handled then (the engine skips an event already handled)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime, timedelta

from bot.commands import Role
from bot.context import Services
from bot.engine import Engine
from bot.messages import IncomingMessage
from bot.transports import WEB_SUFFIX
from storage import inbox
from storage import web as rows

log = logging.getLogger(__name__)

INBOX_PURPOSE = "web-inbox"
MAX_ATTEMPTS = 5
WORKER_CONCURRENCY = 8
PURGE_EVERY = 3600.0
RESCAN_BATCH = 500


class WebWorker:
    """Start with `start(spawn)`; `stop()` asks it to end (the caller cancels the tasks)."""

    def __init__(self, svc: Services, engine: Engine) -> None:
        self.svc = svc
        self.engine = engine
        self.history = timedelta(days=svc.settings.web.history_days)
        self._wake = asyncio.Event()
        self._fresh: list[inbox.InboxEvent] = []  # stored by /api/send, for the worker
        self._rescan = True  # read the inbox itself: at start, and after a failure
        self._stopping = asyncio.Event()

    def take(self, event: inbox.InboxEvent) -> None:
        """An event committed to the inbox just now: handle it soon."""
        self._fresh.append(event)
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Hand web events from the inbox to the engine: in order per session, sessions in
        parallel (bounded). What a crash left in the inbox is handled at the next start."""
        running: dict[str, asyncio.Task[None]] = {}
        queues: dict[str, list[inbox.InboxEvent]] = {}
        dispatched: set[str] = set()
        slots = asyncio.Semaphore(WORKER_CONCURRENCY)

        async def lane(room_id: str) -> None:
            queue = queues[room_id]
            try:
                while queue and not self._stopping.is_set():
                    row = queue.pop(0)
                    try:
                        async with slots:
                            await self._handle(row)
                    finally:
                        dispatched.discard(row.event_id)
            finally:
                queues.pop(room_id, None)
                running.pop(room_id, None)
                self._wake.set()

        self._wake.set()
        try:
            while not self._stopping.is_set():
                await self._wake.wait()
                self._wake.clear()
                batch: list[inbox.InboxEvent] = []
                if self._rescan:  # what a crash or a failure left in the inbox
                    self._rescan = False
                    async with self.svc.db.read() as conn:
                        batch = await inbox.pending(conn, RESCAN_BATCH, room_suffix=WEB_SUFFIX)
                    if len(batch) == RESCAN_BATCH:
                        self._rescan = True  # more behind these
                        self._wake.set()
                batch += self._fresh
                self._fresh = []
                for row in batch:
                    if row.event_id in dispatched:
                        continue
                    dispatched.add(row.event_id)
                    queues.setdefault(row.room_id, []).append(row)
                    if row.room_id not in running:
                        running[row.room_id] = asyncio.create_task(lane(row.room_id))
        finally:
            if running:
                await asyncio.gather(*running.values(), return_exceptions=True)

    async def _handle(self, row: inbox.InboxEvent) -> None:
        svc = self.svc
        try:
            data = json.loads(svc.sealer.open(row.payload, INBOX_PURPOSE))
            msg = IncomingMessage(
                event_id=str(data["event_id"]),
                room_id=str(data["room_id"]),
                sender=str(data["sender"]),
                body=str(data["body"]),
                timestamp=datetime.fromisoformat(str(data["ts"])),  # when the page sent it
                is_direct=True,
            )
            await self.engine.handle(msg, person=row.person, role=Role.RESIDENT)
            return
        except Exception:
            async with svc.db.transaction() as conn:
                attempts = await inbox.record_attempt(conn, row.event_id)
            log.exception("handling web event %s failed (attempt %d)", row.event_id, attempts)
            svc.metrics.incident()
            if attempts < MAX_ATTEMPTS:
                self._rescan = True  # it is still in the inbox: taken again at the next wake
                return
        async with svc.db.transaction() as conn:
            await inbox.mark_handled(conn, row.event_id, svc.clock.now())

    async def purge_loop(self) -> None:
        """Replies past ``history_days`` are deleted, hourly and at start."""
        while not self._stopping.is_set():
            try:
                now = self.svc.clock.now()
                async with self.svc.db.transaction() as conn:
                    purged = await rows.purge(conn, now, now - self.history, WEB_SUFFIX)
                if purged:
                    log.info("web: deleted %d replies past their time", purged)
            except Exception:
                log.exception("purging web replies failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), PURGE_EVERY)
