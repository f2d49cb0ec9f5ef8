"""The worker: hands inbox events to the engine in lanes, in order within a lane (one room
and person), lanes in parallel (at most ``WORKER_CONCURRENCY`` events at once), so one slow
or flooding sender never holds up the others. When the inbox has stayed empty for a moment,
the database's WAL is folded, off the reply path."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from bot.context import Services
from bot.matrix.transport import MatrixTransport
from bot.slots import ON_BEHALF, FairSlots
from bot.transports import WEB_SUFFIX
from storage import inbox
from storage.inbox import InboxEvent

WORKER_CONCURRENCY = 16
CHECKPOINT_AFTER = 1.0  # seconds of an empty inbox before the WAL is checkpointed
BATCH = 500

Handle = Callable[[InboxEvent], Awaitable[None]]


class Lanes:
    """Runs `run()` until the transport stops; ``wake`` says there is new work."""

    def __init__(
        self, transport: MatrixTransport, svc: Services, wake: asyncio.Event, handle: Handle
    ) -> None:
        self.t = transport
        self.svc = svc
        self._wake = wake
        self._handle = handle

    async def run(self) -> None:
        svc = self.svc
        lanes: dict[tuple[str, str], list[InboxEvent]] = {}
        running: dict[tuple[str, str], asyncio.Task[None]] = {}
        dispatched: set[str] = set()
        slots = FairSlots(WORKER_CONCURRENCY)  # a newcomer goes before a busy sender's next
        dirty = truncated = False

        async def lane(key: tuple[str, str]) -> None:
            queue = lanes[key]
            ON_BEHALF.set(key[1])  # this lane's task only: its sends take the person's turn
            try:
                while queue and not self.t.stopping.is_set():
                    row = queue.pop(0)
                    try:
                        with self.t.stages.handling(row.event_id):
                            self.t.stages.mark("worker")
                            async with slots.hold(key[1]):
                                self.t.stages.mark("worker_slot")
                                await self._handle(row)
                    finally:
                        dispatched.discard(row.event_id)
            finally:
                lanes.pop(key, None)
                running.pop(key, None)
                if not running or truncated:
                    self._wake.set()  # look again: for the rest of a long backlog, or to tidy

        try:
            while True:
                self._wake.clear()
                if self.t.stopping.is_set():
                    return
                crypto = self.t.crypto
                waiting = crypto.waiting_count if crypto is not None else 0
                async with svc.db.read() as conn:
                    batch = await inbox.pending(conn, BATCH + waiting, other_than_suffix=WEB_SUFFIX)
                truncated = len(batch) == BATCH + waiting
                if crypto is not None:  # encryption: events waiting for their key stay put
                    batch = crypto.ready(batch, svc.clock.now())
                fresh = [row for row in batch if row.event_id not in dispatched]
                for row in fresh:
                    dispatched.add(row.event_id)
                    key = (row.room_id, row.person or row.event_id)
                    lanes.setdefault(key, []).append(row)
                    if key not in running:
                        running[key] = asyncio.create_task(lane(key))
                    dirty = True
                if not batch and not running and dirty:
                    # Drained: fold the WAL (handled events leave no -wal frames behind),
                    # once the inbox has stayed empty for a moment, off the reply path.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), CHECKPOINT_AFTER)
                    if not self._wake.is_set():
                        await svc.db.checkpoint()
                        dirty = False
                    continue
                await self._sleep_until_woken()
        finally:
            # Stopping: each lane finishes the event in hand; the rest stays in the inbox.
            if running:
                await asyncio.gather(*running.values(), return_exceptions=True)

    async def _sleep_until_woken(self) -> None:
        """Until new work arrives, or (encryption) the next waiting event's time is up."""
        crypto = self.t.crypto
        deadline = crypto.next_deadline() if crypto is not None else None
        if deadline is None:
            await self._wake.wait()
            return
        delay = max(0.05, (deadline - self.svc.clock.now()).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)
