"""Where a round trip's time goes: a timestamp at each stage of handling one event, for the
benchmarks (``bench/load.py`` prints the table). Off unless ``TRYGGBOT_STAGES=FILE`` is set;
then each handled event appends one JSON line to FILE: its event id and, per stage, the
monotonic clock in nanoseconds (``time.monotonic_ns``, the same clock in every process of the
machine, so a bench can line the stamps up with its own) and how many database round trips
had been made so far. Nothing else: no text, no Matrix id, no room.

Stages are marked by the code that reaches them; the event in hand is the one set with
`handling` in the current task (the worker's lane), so code far from the event (the
transport's send) marks it without being told. Stamps taken before the event is known (the
sync request returning, nio's parsing) are kept per sync batch and given to each event of
that batch when it is queued (`batch` and `queued`).
"""

from __future__ import annotations

import contextvars
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STAGES_ENV = "TRYGGBOT_STAGES"


class Stages:
    """Per-event stage stamps; every method is a no-op when disabled (``path`` None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.enabled = path is not None
        self.db_trips = 0
        """Database round trips so far (counted by `storage.db.Database.count_trips`)."""
        self._current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
            f"stages-{id(self)}", default=None
        )
        self._batch: list[tuple[str, int, int]] = []
        self._open: dict[str, list[tuple[str, int, int]]] = {}

    def count_trip(self) -> None:
        self.db_trips += 1

    def batch(self, stage: str) -> None:
        """A stamp for the sync batch in hand (before its events are known)."""
        if self.enabled:
            if stage == "sync_http":
                self._batch.clear()
            self._batch.append((stage, time.monotonic_ns(), self.db_trips))

    def queued(self, event_id: str) -> None:
        """``event_id`` came in the batch in hand: it gets the batch's stamps."""
        if self.enabled:
            self._open[event_id] = list(self._batch)

    def mark(self, stage: str, event_id: str | None = None) -> None:
        """A stamp for ``event_id`` (default: the event this task is handling)."""
        if not self.enabled:
            return
        stamps = self._open.get(event_id or self._current.get() or "")
        if stamps is not None:
            stamps.append((stage, time.monotonic_ns(), self.db_trips))

    @contextmanager
    def handling(self, event_id: str) -> Iterator[None]:
        """Within the block, this task handles ``event_id``; at its end the event's stamps
        are written out."""
        if not self.enabled:
            yield
            return
        token = self._current.set(event_id)
        try:
            yield
        finally:
            self._current.reset(token)
            self.mark("done", event_id)
            stamps = self._open.pop(event_id, None)
            if stamps is not None and self.path is not None:
                line = json.dumps({"event": event_id, "stages": stamps})
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(line + "\n")


def from_environment() -> Stages:
    path = os.environ.get(STAGES_ENV)
    return Stages(Path(path) if path else None)


NO_STAGES = Stages(None)
