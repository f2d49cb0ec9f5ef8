"""Fair slots: at most ``limit`` holders at once, freed slots handed out fairly between keys.

The worker holds one slot per event it handles and the transport one per request it sends,
both keyed by the person the work is for (``ON_BEHALF``; the room when no person is known).
A plain semaphore serves first come, first served, so a resident who asks one question
during a burst of 200 messages from others waits behind all 200.

Here slots are handed out by start-time fair queueing: each request gets a start tag when it
asks, ``max(virtual time, the end tag of that key's previous request)``, and the waiter with
the lowest tag goes next; the virtual time is the tag last served. A key that has had many
turns lately carries tags far ahead, so someone new (whose tag is the virtual time, and who
wins a tie against keys that were served up to it) is served at the next free slot, and busy
keys take turns in rotation. Idle time earns no credit, and a
key whose last tag the virtual time has passed is forgotten.

The ``BULK`` context variable ranks work done on behalf of nobody in particular (fan-outs,
the background drain of the outbox) below every reply: it waits for every slot a reply wants.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator, Hashable
from contextvars import ContextVar
from dataclasses import dataclass, field

BULK: ContextVar[bool] = ContextVar("tryggbot_bulk", default=False)
# Whose turn a request is, when the code that makes it knows better than its own key (the
# worker sets the person it is handling, so their reply's send takes their turn).
ON_BEHALF: ContextVar[Hashable | None] = ContextVar("tryggbot_on_behalf", default=None)


@dataclass(order=True)
class _Waiter:
    rank: int
    start: int
    before: int  # the key's end tag before this request: among equal tags, the least served
    seq: int
    future: asyncio.Future[None] = field(compare=False)


class FairSlots:
    """A bounded number of holders, freed slots handed out fairly between keys."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("at least one slot")
        self._free = limit
        self._waiters: list[_Waiter] = []  # a heap
        self._waiting = 0
        self._vtime = 0
        self._end: dict[Hashable, int] = {}  # per key: the end tag of its last request
        self._seq = itertools.count()

    @property
    def waiting(self) -> int:
        return self._waiting

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold one slot for ``key`` (or for whom ``ON_BEHALF`` names) while the block runs."""
        key = ON_BEHALF.get() or key
        before = self._end.get(key, 0)
        start = max(self._vtime, before)
        self._end[key] = start + 1
        await self._acquire(start, before)
        try:
            yield
        finally:
            self._free += 1
            self._hand_out()

    async def _acquire(self, start: int, before: int) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            self._served(start)
            return
        future = asyncio.get_running_loop().create_future()
        waiter = _Waiter(1 if BULK.get() else 0, start, before, next(self._seq), future)
        heapq.heappush(self._waiters, waiter)
        self._waiting += 1
        self._hand_out()  # a slot may be free: a waiter ahead was cancelled a moment ago
        try:
            await waiter.future
        except BaseException:
            if not waiter.future.done() or waiter.future.cancelled():
                if not waiter.future.cancelled():
                    waiter.future.cancel()
                self._waiting -= 1  # left in the heap, skipped when it comes up
                self._hand_out()
            else:  # granted, but cancelled before it ran
                self._free += 1
                self._hand_out()
            raise

    def _hand_out(self) -> None:
        while self._free > 0 and self._waiters:
            best = heapq.heappop(self._waiters)
            if best.future.done():
                continue  # cancelled while waiting
            self._waiting -= 1
            self._free -= 1
            self._served(best.start)
            best.future.set_result(None)

    def _served(self, start: int) -> None:
        if start > self._vtime:
            self._vtime = start
            if len(self._end) > 1024:  # forget keys the virtual time has passed
                self._end = {k: e for k, e in self._end.items() if e > self._vtime}
