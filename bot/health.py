"""The optional health and metrics listener (``[monitoring] port``), off by default.

It listens from the first second of ``tryggbot run``, before the login, so a homeserver that
is down shows as an answer, not as a refused connection.

``GET /healthz``:

- 200 ``ok`` when the bot completed a sync within the last 90 seconds (syncs long-poll for
  30) and no scheduled job is failing;
- 503 ``starting: ...`` before the first sync (logging in, homeserver unreachable, ...);
- 503 ``unhealthy: no sync for N s``;
- 503 ``degraded: job broadcast:3 failing (...)`` while a scheduled job's last run failed or
  it could not be scheduled (a broadcast schedule whose cron cannot run), until it runs well.

``GET /metrics``: the Prometheus text format of `bot.metrics.Metrics`, with the inbox
backlog, the outbox depth and the broadcast figures read from the database at that moment.
It listens on 127.0.0.1 unless ``monitoring.host`` says otherwise, and answers nothing else;
no request is logged.
"""

from __future__ import annotations

import logging
from datetime import datetime

import aiosqlite
from aiohttp import web

from bot.metrics import CONTENT_TYPE, Metrics
from config.base import ConfigError
from storage import inbox, outbox
from storage.db import Database

log = logging.getLogger(__name__)

HEALTHY_WITHIN = 90.0
"""Seconds: a bot whose last completed sync is older than this is not healthy."""


class HealthServer:
    """Serves ``/healthz`` and ``/metrics`` until `stop()`."""

    def __init__(
        self, metrics: Metrics, db: Database | None = None, *, host: str, port: int
    ) -> None:
        self.metrics = metrics
        self.db = db
        """Set once the app is built (`tryggbot run` starts listening before that)."""
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(
                [f"monitoring.port: cannot listen on {self.host}:{self.port} ({exc.strerror})"]
            ) from None
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        age = self.metrics.sync_age()
        if age is None:
            return web.Response(status=503, text=f"starting: {self.metrics.phase}\n")
        if age > HEALTHY_WITHIN:
            return web.Response(status=503, text=f"unhealthy: no sync for {age:.0f} s\n")
        failing = self.metrics.failing_jobs()
        if failing:
            jobs = "; ".join(f"job {name} failing ({why})" for name, why in sorted(failing.items()))
            return web.Response(status=503, text=f"degraded: {jobs}\n")
        return web.Response(text=f"ok: last sync {age:.0f} s ago\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        backlog = depth = None
        figures: tuple[int, float] | None = None
        if self.db is not None:
            try:
                async with self.db.read() as conn:
                    backlog = (await inbox.backlog(conn)).count
                    depth = await outbox.count(conn)
                    figures = await _broadcast_figures(conn)
            except Exception:
                log.exception("metrics: could not read the database")
        body = self.metrics.render(
            backlog,
            outbox=depth,
            schedules=figures[0] if figures else None,
            last_delivery=figures[1] if figures else None,
        )
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def _broadcast_figures(conn: aiosqlite.Connection) -> tuple[int, float]:
    """Active schedules and the newest delivery sent (deliveries are kept 30 days)."""
    async with conn.execute(
        "SELECT (SELECT count(*) FROM broadcast_schedule WHERE state = 'active'),"
        " (SELECT max(done_at) FROM broadcast_delivery WHERE state = 'sent')"
    ) as cur:
        row = await cur.fetchone()
    schedules, newest = (row[0], row[1]) if row else (0, None)
    return int(schedules or 0), datetime.fromisoformat(newest).timestamp() if newest else 0.0
