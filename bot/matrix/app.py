"""The composition root of the Matrix transport: log in, switch encryption on, build the app
(engine, services, features) around the transport and the room directory, and the bot with
that engine; then run it all (health listener, scheduler, web chat) until stopped.

``tryggbot run`` (`bot.cli`), the development run (`devtools.run`), the end-to-end tests and
the benches all start the bot through `open_matrix` or `login_and_run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from bot.app import App, build_app
from bot.faults import from_environment
from bot.health import HealthServer
from bot.matrix.bot import MatrixBot
from bot.matrix.crypto import enable as enable_encryption
from bot.matrix.directory import RoomDirectory
from bot.matrix.messenger import MatrixMessenger
from bot.matrix.session import Credentials, load_credentials, session_path
from bot.matrix.transport import MatrixTransport
from bot.metrics import Metrics
from bot.roles import ConfigRoles
from bot.scheduler import run_startup_jobs, start_scheduler
from bot.stages import from_environment as stages_from_environment
from config.settings import Secrets, Settings, load_secrets

Backoff = Callable[[str, str, float, int], None]


class Operator(Protocol):
    """The console the operator reads (`bot.cli_common.Console`)."""

    def say(self, key: str, **params: Any) -> None: ...

    def backoff_reporter(self, homeserver: str) -> Backoff: ...


class MatrixRuntime:
    """A Matrix bot wired to the engine: ``await rt.run()`` until ``rt.request_stop()``.

    Built by `open_matrix`; the CLI and the end-to-end tests use it the same way.
    """

    def __init__(self, bot: MatrixBot, transport: MatrixTransport, app: App, web: Any = None):
        self.bot = bot
        self.transport = transport
        self.app = app
        self.web: Any = web
        """The web chat (`bot.web.server.WebServer`) when ``[web] enabled``, else None."""
        self.health: Any = None
        """The health and metrics listener while `run()` runs (``[monitoring] port``)."""

    def request_stop(self) -> None:
        self.bot.request_stop()

    async def run(self) -> None:
        """Sync and answer until stopped; then close the client and the database.

        Background jobs (retention, re-posting lost moderation cards) start with it; the
        start-up run waits for the first sync, so rooms such as the moderation room are known.
        With ``[monitoring] port`` set, ``/healthz`` and ``/metrics`` are served meanwhile.
        """
        svc = self.app.svc
        monitoring = svc.settings.monitoring
        if self.health is not None:  # listening since before the login (`tryggbot run`)
            self.health.db = svc.db
        elif monitoring.port is not None:
            health = HealthServer(svc.metrics, svc.db, host=monitoring.host, port=monitoring.port)
            try:
                await health.start()
            except BaseException:
                await self.transport.close()
                await self.app.close()
                raise
            self.health = health
        scheduler = start_scheduler(svc, self.app.jobs)

        async def startup_jobs() -> None:
            await self.bot.synced.wait()
            await run_startup_jobs(svc, self.app.jobs)

        startup = asyncio.create_task(startup_jobs())
        try:
            if self.web is not None:
                await self.web.start()
            await self.bot.run()
        finally:
            if self.web is not None:
                await self.web.stop()
            startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await startup
            scheduler.shutdown(wait=False)
            if self.health is not None:
                await self.health.stop()
            await self.transport.close()
            await self.app.close()


async def open_matrix(
    settings: Settings,
    secrets: Secrets,
    creds: Credentials,
    *,
    base_dir: Path,
    db_path: Path | None = None,
    sync_timeout_ms: int = 30_000,
    on_backoff: Backoff | None = None,
    metrics: Metrics | None = None,
) -> MatrixRuntime:
    """Log in (restoring the saved session when possible) and build the app around it.

    ``on_backoff`` is told about every wait while the homeserver cannot be reached;
    ``metrics`` (a `bot.metrics.Metrics`) is the one a health listener already serves.
    """
    metrics = metrics or Metrics()
    web_messenger = None
    if settings.web.enabled:
        from bot.web.messenger import RoutingMessenger, WebMessenger

        web_messenger = WebMessenger()
    transport = MatrixTransport(settings, MatrixTransport.create_client(settings))
    transport.metrics = metrics
    transport.on_backoff = on_backoff
    transport.use_stages(stages_from_environment())
    try:
        await transport.login(creds, session_path(settings, base_dir))
        await enable_encryption(transport, settings, base_dir, creds.password)
        directory = RoomDirectory(transport)
        messenger: Any = MatrixMessenger(transport)
        if web_messenger is not None:  # one outbox, each reply routed by its room
            messenger = RoutingMessenger(messenger, web_messenger)
        app = await build_app(
            settings,
            secrets,
            messenger,
            base_dir=base_dir,
            roles=ConfigRoles(settings.matrix.moderators, extra=directory.is_moderator_by_power),
            db_path=db_path,
            metrics=metrics,
            faults=from_environment(),
            stages=transport.stages,
            inline=web_messenger.inline if web_messenger is not None else None,
        )
        bot = MatrixBot(transport, directory, app.engine, app.svc, sync_timeout_ms=sync_timeout_ms)
    except BaseException:
        await transport.close()
        raise
    web = None
    if web_messenger is not None:
        from bot.web.server import WebServer

        web_messenger.bind(app.svc)
        web = WebServer(app.svc, app.engine, web_messenger.hub)
    return MatrixRuntime(bot, transport, app, web)


async def run_until_signal(runtime: MatrixRuntime) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runtime.request_stop)
    try:
        await runtime.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def login_and_run(
    settings: Settings, base: Path, console: Operator, *, after_login: Callable[[], None]
) -> None:
    """Log in (saying on the console while the homeserver cannot be reached), then run
    until SIGTERM or Ctrl-C. A Ctrl-C during the login stops it cleanly too. With
    ``[monitoring] port``, ``/healthz`` answers (503 with the reason) from before the login."""
    secrets = load_secrets(settings, base)
    creds = load_credentials(settings, base)
    m = settings.matrix
    metrics = Metrics()
    metrics.phase = f"logging in to {m.homeserver}"
    health = None
    mon = settings.monitoring
    if mon.port is not None:
        health = HealthServer(metrics, None, host=mon.host, port=mon.port)
        await health.start()
    report = console.backoff_reporter(m.homeserver)

    def backoff(what: str, reason: str, delay: float, attempt: int) -> None:
        metrics.phase = (
            f"the homeserver {m.homeserver} cannot be reached ({reason}, attempt {attempt})"
        )
        report(what, reason, delay, attempt)

    console.say("operator.connecting", homeserver=m.homeserver, user=m.user_id)
    opening = asyncio.create_task(
        open_matrix(settings, secrets, creds, base_dir=base, on_backoff=backoff, metrics=metrics)
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, opening.cancel)
    try:
        runtime = await opening
    except BaseException:
        if health is not None:
            await health.stop()
        if opening.cancelled():
            return
        raise
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    metrics.phase = "waiting for the first sync"
    runtime.health = health
    after_login()
    await run_until_signal(runtime)
