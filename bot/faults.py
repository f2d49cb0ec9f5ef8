"""Fault injection for tests: make the process kill itself (SIGKILL) at a named point.

Set ``TRYGGBOT_KILL_AT=<point>`` (or ``<point>:<n>`` to die at the n-th time the point is
reached, default the first). The production entry point refuses the variable unless
``TRYGGBOT_TEST_MODE=1`` is also set (see `check_environment`). Points:

- ``handled``: after an event's handling transaction committed, before its replies are sent;
- ``sent``: after the homeserver accepted an outbox message, before its row is deleted;
- ``ingest``: in the middle of taking in a sync batch (inbox rows written, not committed);
- ``fanout``: in the middle of a fan-out (after the first of several rooms got its message).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

KILL_ENV = "TRYGGBOT_KILL_AT"
TEST_ENV = "TRYGGBOT_TEST_MODE"
POINTS = frozenset({"handled", "sent", "ingest", "fanout"})


class FaultInjection:
    """Counts how often each point is reached and kills the process at the chosen one."""

    def __init__(self, spec: str | None) -> None:
        self._point: str | None = None
        self._at = 1
        self._seen: Counter[str] = Counter()
        if spec:
            point, _, nth = spec.partition(":")
            if point not in POINTS:
                raise ValueError(f"{KILL_ENV}: unknown kill point {point!r}")
            self._point = point
            self._at = int(nth) if nth else 1

    def reached(self, point: str) -> None:
        if self._point != point:
            return
        self._seen[point] += 1
        if self._seen[point] >= self._at:
            os.kill(os.getpid(), signal.SIGKILL)


def from_environment() -> FaultInjection:
    return FaultInjection(os.environ.get(KILL_ENV))


def check_environment() -> str | None:
    """A complaint if fault injection is requested outside a test run, else None."""
    if os.environ.get(KILL_ENV) and os.environ.get(TEST_ENV) != "1":
        return f"{KILL_ENV} is set but {TEST_ENV}=1 is not: refusing to run with fault injection"
    return None


NO_FAULTS = FaultInjection(None)
