"""In-memory guards for the open internet: sliding-window rate limits and a count of open
streams, per key (a session id, or a client address). Addresses live only in these maps,
only as long as their window, and are never written anywhere."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateLimit:
    """At most ``limit`` hits per ``window`` seconds per key."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._next_sweep = 0.0

    def hit(self, key: str) -> float | None:
        """Count a hit; None if allowed, else the seconds until one is allowed again."""
        now = self._clock()
        self._sweep(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(0.1, hits[0] + self.window - now)
        hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]

    def __len__(self) -> int:
        return len(self._hits)


class Gauge:
    """Open streams: in all and per key, with caps."""

    def __init__(self, total: int, per_key: int) -> None:
        self.max_total = total
        self.max_per_key = per_key
        self.total = 0
        self._by_key: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        if self.total >= self.max_total or self._by_key.get(key, 0) >= self.max_per_key:
            return False
        self.total += 1
        self._by_key[key] = self._by_key.get(key, 0) + 1
        return True

    def release(self, key: str) -> None:
        self.total -= 1
        left = self._by_key.get(key, 1) - 1
        if left > 0:
            self._by_key[key] = left
        else:
            self._by_key.pop(key, None)
