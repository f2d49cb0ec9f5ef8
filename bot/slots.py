"""Fair slots: at most ``limit`` holders at once, and a freed slot goes to whoever has had
the fewest turns so far.

The worker holds one slot per event it handles (keyed by person) and the transport one per
request it sends (keyed by room). A plain semaphore hands freed slots out first come, first
served, so a resident who asks one question during a burst of 200 messages from others
waits behind all 200. Here every key counts its turns while it has work in hand; a freed
slot goes to the waiter with the lowest (rank, turns, arrival): someone new is served next,
and a busy key takes its turn in rotation with the others.

The rank comes from the ``BULK`` context variable: work done on behalf of nobody in
particular (fan-outs, the background drain of the outbox) sets it, and then waits for every
slot that someone's reply wants. A key is forgotten once it holds and waits for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    turns: int
    seq: int
    key: Hashable = field(compare=False)
    future: asyncio.Future[None] = field(compare=False)


class FairSlots:
    """A bounded number of holders, freed slots handed out fairly between keys."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("at least one slot")
        self._free = limit
        self._waiters: list[_Waiter] = []
        self._turns: dict[Hashable, int] = {}
        self._active: dict[Hashable, int] = {}  # holders + waiters per key
        self._seq = itertools.count()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold one slot for ``key`` (or for whom ``ON_BEHALF`` names) while the block runs."""
        key = ON_BEHALF.get() or key
        self._active[key] = self._active.get(key, 0) + 1
        try:
            await self._acquire(key)
        except BaseException:
            self._leave(key)
            raise
        try:
            yield
        finally:
            self._free += 1
            self._leave(key)
            self._hand_out()

    async def _acquire(self, key: Hashable) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            self._turns[key] = self._turns.get(key, 0) + 1
            return
        loop = asyncio.get_running_loop()
        waiter = _Waiter(1 if BULK.get() else 0, 0, next(self._seq), key, loop.create_future())
        self._waiters.append(waiter)
        try:
            await waiter.future
        except BaseException:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif not waiter.future.cancelled():  # granted, but cancelled before it ran
                self._free += 1
                self._hand_out()
            raise

    def _hand_out(self) -> None:
        while self._free > 0 and self._waiters:
            for w in self._waiters:  # turns change while waiting: look them up now
                w.turns = self._turns.get(w.key, 0)
            best = min(self._waiters)
            self._waiters.remove(best)
            if best.future.done():
                continue
            self._free -= 1
            self._turns[best.key] = self._turns.get(best.key, 0) + 1
            best.future.set_result(None)

    def _leave(self, key: Hashable) -> None:
        left = self._active[key] - 1
        if left:
            self._active[key] = left
        else:
            del self._active[key]
            self._turns.pop(key, None)
