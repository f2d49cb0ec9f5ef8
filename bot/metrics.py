"""What an operator can watch: counters and gauges of one bot process, in Prometheus form.

A tiny interface for the places that know something happened (the engine, the Matrix bot and
transport, the tip handler) and a `render` for ``/metrics`` (`bot.health`). Each `Metrics`
has its own registry, so tests and several bots in one process never share numbers. Labels
never carry a Matrix id, a room id or text: only fixed words.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST

# From a resident's message to the bot handling it: well under a second when all is well;
# minutes or hours after an outage (the inbox is worked off in order).
_LAG_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, float("inf"))
# One event's handling: a few milliseconds normally; a slow disk or a fan-out shows above.
_HANDLING_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, float("inf"))


class Metrics:
    """Counters of one bot process. Every method is cheap and never raises."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self._events = Counter(
            "tryggbot_events_handled", "Events handed to the engine", ["kind"], registry=r
        )
        self._lag = Histogram(
            "tryggbot_event_lag_seconds",
            "Seconds from an event's own timestamp to the bot handling it",
            buckets=_LAG_BUCKETS,
            registry=r,
        )
        self._incidents = Counter(
            "tryggbot_handler_incidents",
            "Unexpected errors while handling an event (each logged with an incident id)",
            registry=r,
        )
        self._retries = Counter(
            "tryggbot_requests_retried",
            "Homeserver requests retried (request: send, sync, join ...; reason: rate_limit, "
            "server_error, unreachable)",
            ["request", "reason"],
            registry=r,
        )
        self._rate_waits = Counter(
            "tryggbot_rate_limit_waits", "Times the homeserver asked the bot to wait", registry=r
        )
        self._rate_seconds = Counter(
            "tryggbot_rate_limit_wait_seconds",
            "Seconds spent waiting because of rate limits",
            registry=r,
        )
        self._send_failed = Counter(
            "tryggbot_sends_failed", "Messages the homeserver refused for good", registry=r
        )
        self._tips = Counter("tryggbot_tips_created", "Tips created by residents", registry=r)
        self._backlog = Gauge(
            "tryggbot_inbox_backlog", "Events received but not yet handled", registry=r
        )
        self._sync_age = Gauge(
            "tryggbot_sync_age_seconds",
            "Seconds since the last completed sync with the homeserver (-1: none yet)",
            registry=r,
        )
        self._sync_age.set_function(self._sync_age_or_none)
        self._last_sync: float | None = None
        self._handling = Histogram(
            "tryggbot_handling_seconds",
            "Seconds the engine spent on one event (unit of work and replies queued)",
            buckets=_HANDLING_BUCKETS,
            registry=r,
        )
        self._job_runs = Counter(
            "tryggbot_job_runs",
            "Runs of scheduled jobs (job: retention, cards, polls, est, broadcast:<id>, ...; "
            "outcome: ok, failed)",
            ["job", "outcome"],
            registry=r,
        )
        self._job_failing = Gauge(
            "tryggbot_job_failing",
            "1 while a scheduled job's last run failed (or it could not be scheduled), else 0",
            ["job"],
            registry=r,
        )
        self._deliveries = Counter(
            "tryggbot_broadcast_deliveries",
            "Broadcast deliveries by outcome (sent, failed, skipped)",
            ["outcome"],
            registry=r,
        )
        self._outbox = Gauge(
            "tryggbot_outbox_depth", "Replies written but not yet sent (read at scrape)", registry=r
        )
        self._last_delivery = Gauge(
            "tryggbot_broadcast_last_delivery_timestamp_seconds",
            "Unix time of the newest broadcast delivery sent (0: none kept; read at scrape)",
            registry=r,
        )
        self._schedules = Gauge(
            "tryggbot_broadcast_schedules_active",
            "Broadcast schedules that are active (read at scrape)",
            registry=r,
        )
        self._web_messages = Counter(
            "tryggbot_web_messages", "Messages accepted from web chat pages", registry=r
        )
        self._web_refused = Counter(
            "tryggbot_web_refused",
            "Web chat requests refused (reason: origin, too_large, slow_down, session, busy, "
            "bad, timeout ...)",
            ["reason"],
            registry=r,
        )
        self._web_streams = Gauge(
            "tryggbot_web_streams", "Web chat reply streams open now (read at scrape)", registry=r
        )
        self._failing: dict[str, str] = {}
        self.phase = "no sync yet"
        """Before the first sync: what the bot is doing (for ``/healthz``)."""

    # ---------------------------------------------------------------- what happened

    def event_handled(self, kind: str, lag: timedelta | None = None) -> None:
        self._events.labels(kind=kind).inc()
        if lag is not None:
            self._lag.observe(max(0.0, lag.total_seconds()))

    def incident(self) -> None:
        self._incidents.inc()

    def retried(self, request: str, reason: str) -> None:
        self._retries.labels(request=request.split(" ", 1)[0] or "request", reason=reason).inc()

    def rate_limited(self, request: str, seconds: float) -> None:
        self.retried(request, "rate_limit")
        self._rate_waits.inc()
        self._rate_seconds.inc(max(0.0, seconds))

    def send_failed(self) -> None:
        self._send_failed.inc()

    def web_message(self) -> None:
        self._web_messages.inc()

    def web_refused(self, reason: str) -> None:
        self._web_refused.labels(reason=reason).inc()

    def watch_web_streams(self, count: Callable[[], float]) -> None:
        """Read the number of open web streams from ``count`` at every scrape."""
        self._web_streams.set_function(count)

    def tip_created(self) -> None:
        self._tips.inc()

    def handled(self, seconds: float) -> None:
        self._handling.observe(max(0.0, seconds))

    def job_ran(self, job: str, *, ok: bool, reason: str = "", lasting: bool = True) -> None:
        """A scheduled job ran (or could not be scheduled: ``ok=False`` with the reason).
        A failing job stays listed by `failing_jobs` until it runs well again; a one-off
        (``lasting=False``) is only counted."""
        self._job_runs.labels(job=job, outcome="ok" if ok else "failed").inc()
        if not lasting:
            return
        self._job_failing.labels(job=job).set(0 if ok else 1)
        if ok:
            self._failing.pop(job, None)
        else:
            self._failing[job] = reason or "failed"

    def job_removed(self, job: str) -> None:
        """A job that no longer exists (a broadcast schedule deleted) is not failing."""
        if self._failing.pop(job, None) is not None:
            self._job_failing.labels(job=job).set(0)

    def failing_jobs(self) -> dict[str, str]:
        """Job name -> why its last run failed."""
        return dict(self._failing)

    def delivery(self, outcome: str) -> None:
        self._deliveries.labels(outcome=outcome).inc()

    def synced(self) -> None:
        """A sync with the homeserver completed and its events are in the inbox."""
        self._last_sync = time.monotonic()

    # ---------------------------------------------------------------- reading

    def sync_age(self) -> float | None:
        """Seconds since the last completed sync, or None if there was none yet."""
        return None if self._last_sync is None else time.monotonic() - self._last_sync

    def _sync_age_or_none(self) -> float:
        age = self.sync_age()
        return -1.0 if age is None else age

    def healthy(self, max_age: float) -> bool:
        age = self.sync_age()
        return age is not None and age <= max_age

    def render(
        self,
        backlog: int | None = None,
        *,
        outbox: int | None = None,
        last_delivery: float | None = None,
        schedules: int | None = None,
    ) -> bytes:
        """The Prometheus text format, with the values read from the database just now."""
        for gauge, value in (
            (self._backlog, backlog),
            (self._outbox, outbox),
            (self._last_delivery, last_delivery),
            (self._schedules, schedules),
        ):
            if value is not None:
                gauge.set(value)
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """One sample's current value (0 if absent); for tests and `tryggbot status`."""
        found = self.registry.get_sample_value(name, labels)
        return float(found) if found is not None else 0.0
