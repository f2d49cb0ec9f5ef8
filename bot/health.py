"""The optional health and metrics listener (``[monitoring] port``), off by default.

``GET /healthz``: 200 ``ok`` when the bot completed a sync within the last 90 seconds (syncs
long-poll for 30), otherwise 503 with the reason. ``GET /metrics``: the Prometheus text
format of `bot.metrics.Metrics`, with the inbox backlog read from the database at that
moment. It listens on 127.0.0.1 unless ``monitoring.host`` says otherwise, and answers
nothing else; no request is logged.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.metrics import CONTENT_TYPE, Metrics
from config.settings import ConfigError
from storage import inbox
from storage.db import Database

log = logging.getLogger(__name__)

HEALTHY_WITHIN = 90.0
"""Seconds: a bot whose last completed sync is older than this is not healthy."""


class HealthServer:
    """Serves ``/healthz`` and ``/metrics`` until `stop()`."""

    def __init__(self, metrics: Metrics, db: Database, *, host: str, port: int) -> None:
        self.metrics = metrics
        self.db = db
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
        if age is not None and age <= HEALTHY_WITHIN:
            return web.Response(text=f"ok: last sync {age:.0f} s ago\n")
        reason = "no sync yet" if age is None else f"no sync for {age:.0f} s"
        return web.Response(status=503, text=f"unhealthy: {reason}\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        backlog: int | None
        try:
            async with self.db.read() as conn:
                backlog = (await inbox.backlog(conn)).count
        except Exception:
            log.exception("metrics: could not read the inbox backlog")
            backlog = None
        body = self.metrics.render(backlog)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
