"""Per-person flood guard: a sliding window over message timestamps.

Someone answering a guided conversation (a tip: eight short questions) may type a short answer
every two or three seconds; that is a brisk human, not a flood. Their messages are therefore
judged against a higher limit (``conversation_factor`` times the normal one) while a
conversation is active. The guard only decides; dropping is cheap (nothing else waits)."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from enum import Enum


class FloodVerdict(Enum):
    OK = "ok"
    WARN = "warn"  # first message over the limit: answer once
    DROP = "drop"  # further messages in the same window: ignore


class FloodGuard:
    """At most ``limit`` messages per ``window`` per key; windows use message timestamps so a
    backlog replayed after a restart is judged by when it was sent, not when it is handled."""

    def __init__(
        self,
        limit: int,
        window: timedelta,
        max_keys: int = 10_000,
        *,
        conversation_factor: int = 3,
    ) -> None:
        self._limit = limit
        self._conversation_limit = limit * conversation_factor
        self._window = window
        self._max_keys = max_keys
        self._seen: dict[str, deque[datetime]] = {}
        self._warned: dict[str, datetime] = {}

    def check(self, key: str, at: datetime, *, in_conversation: bool = False) -> FloodVerdict:
        times = self._seen.get(key)
        if times is None:
            if len(self._seen) >= self._max_keys:
                self._evict(at)
            times = self._seen[key] = deque()
        while times and at - times[0] >= self._window:
            times.popleft()
        times.append(at)
        limit = self._conversation_limit if in_conversation else self._limit
        if len(times) <= limit:
            self._warned.pop(key, None)
            return FloodVerdict.OK
        warned = self._warned.get(key)
        if warned is not None and at - warned < self._window:
            return FloodVerdict.DROP
        self._warned[key] = at
        return FloodVerdict.WARN

    def _evict(self, at: datetime) -> None:
        stale = [k for k, q in self._seen.items() if not q or at - q[-1] >= self._window]
        for k in stale or list(self._seen)[: self._max_keys // 10]:
            self._seen.pop(k, None)
            self._warned.pop(k, None)
