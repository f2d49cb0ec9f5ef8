"""``tryggbot`` command line: chat (console), run (Matrix), dev (local homeserver and demo
accounts), status, check-config."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from config.settings import (
    EXAMPLE_PATH,
    ConfigError,
    Secrets,
    Settings,
    load_secrets,
    load_settings,
)
from storage.db import StorageError

log = logging.getLogger("tryggbot")


def _load(path: str | None) -> tuple[Settings, Path]:
    file = Path(path) if path else EXAMPLE_PATH
    return load_settings(file), Path.cwd()


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Libraries that log message contents at DEBUG never go below WARNING.
    for name in ("aiosqlite", "nio", "nio.rooms", "nio.client", "nio.responses"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


async def _chat(args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.console.chat import ConsoleMessenger, ConsoleRoles, run_console

    settings, base = _load(args.config)
    secrets = load_secrets(settings, base)

    async def build(messenger: ConsoleMessenger):  # type: ignore[no-untyped-def]
        db_path = Path(args.db) if args.db else None
        return await build_app(
            settings,
            secrets,
            messenger,
            base_dir=base,
            roles=ConsoleRoles(settings.matrix.moderators),
            db_path=db_path,
        )

    await run_console(build)
    return 0


class MatrixRuntime:
    """A Matrix bot wired to the engine: ``await rt.run()`` until ``rt.request_stop()``.

    Built by `open_matrix`; the CLI and the end-to-end tests use it the same way.
    """

    def __init__(self, bot: Any, transport: Any, app: Any) -> None:
        self.bot = bot
        self.transport = transport
        self.app = app

    def request_stop(self) -> None:
        self.bot.request_stop()

    async def run(self) -> None:
        """Sync and answer until stopped; then close the client and the database.

        Background jobs (retention, re-posting lost moderation cards) start with it; the
        start-up run waits for the first sync, so rooms such as the moderation room are known.
        """
        from bot.scheduler import run_startup_jobs, start_scheduler

        scheduler = start_scheduler(self.app.svc, self.app.jobs)

        async def startup_jobs() -> None:
            await self.bot.synced.wait()
            await run_startup_jobs(self.app.svc, self.app.jobs)

        startup = asyncio.create_task(startup_jobs())
        try:
            await self.bot.run(self.app.engine, self.app.svc)
        finally:
            startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await startup
            scheduler.shutdown(wait=False)
            await self.transport.close()
            await self.app.close()


async def open_matrix(
    settings: Settings,
    secrets: Secrets,
    creds: Any,
    *,
    base_dir: Path,
    db_path: Path | None = None,
    sync_timeout_ms: int = 30_000,
) -> MatrixRuntime:
    """Log in (restoring the saved session when possible) and build the app around it."""
    from bot.app import build_app
    from bot.faults import from_environment
    from bot.matrix.bot import MatrixBot
    from bot.matrix.session import session_path
    from bot.matrix.transport import MatrixMessenger, MatrixTransport
    from bot.roles import ConfigRoles

    transport = MatrixTransport(settings, MatrixTransport.create_client(settings))
    try:
        await transport.login(creds, session_path(settings, base_dir))
        bot = MatrixBot(transport, sync_timeout_ms=sync_timeout_ms)
        app = await build_app(
            settings,
            secrets,
            MatrixMessenger(transport),
            base_dir=base_dir,
            roles=ConfigRoles(settings.matrix.moderators, extra=bot.is_moderator_by_power),
            db_path=db_path,
            faults=from_environment(),
        )
    except BaseException:
        await transport.close()
        raise
    return MatrixRuntime(bot, transport, app)


async def _run_until_signal(runtime: MatrixRuntime) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runtime.request_stop)
    try:
        await runtime.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _run(args: argparse.Namespace) -> int:
    from bot.matrix.session import load_credentials

    settings, base = _load(args.config)
    secrets = load_secrets(settings, base)
    creds = load_credentials(settings, base)
    runtime = await open_matrix(settings, secrets, creds, base_dir=base)
    print(
        f"Tryggbot is running as {settings.matrix.user_id} on {settings.matrix.homeserver}",
        flush=True,
    )
    await _run_until_signal(runtime)
    return 0


async def _dev(args: argparse.Namespace) -> int:
    from bot.matrix import dev
    from bot.matrix.session import load_credentials

    base = Path.cwd()
    setup = await dev.prepare(base, port=args.port)
    try:
        settings = load_settings(setup.config_path)
        secrets = load_secrets(settings, base)
        creds = load_credentials(settings, base)
        runtime = await open_matrix(settings, secrets, creds, base_dir=base)
        print(dev.instructions(setup), flush=True)
        await _run_until_signal(runtime)
    finally:
        await setup.synapse.stop()
    return 0


async def _status(args: argparse.Namespace) -> int:
    from bot.matrix.status import read_status

    settings, base = _load(args.config)
    status = await read_status(settings, base)
    print(status.render())
    return 0 if status.connected else 3


def _check_config(args: argparse.Namespace) -> int:
    settings, base = _load(args.config)
    load_secrets(settings, base)
    print(
        f"ok: {settings.kommun.name.sv}, {len(settings.localities)} localities, "
        f"{len(settings.categories)} categories, {len(settings.rooms)} rooms"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tryggbot", description=__doc__)
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ERROR")
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no homeserver)")
    chat.add_argument("--config", help="settings TOML (default: the embedded example)")
    chat.add_argument("--db", help="SQLite file (default: storage.path from the config)")
    run = sub.add_parser("run", help="run the bot on a Matrix homeserver")
    run.add_argument("--config", required=True, help="settings TOML")
    status = sub.add_parser("status", help="is the bot connected; last sync; inbox backlog")
    status.add_argument("--config", required=True, help="settings TOML")
    dev = sub.add_parser(
        "dev", help="start a local Synapse with demo accounts and rooms, and run the bot on it"
    )
    dev.add_argument("--port", type=int, default=8008, help="homeserver port (default 8008)")
    check = sub.add_parser("check-config", help="validate a settings file and its secrets")
    check.add_argument("--config", help="settings TOML (default: the embedded example)")
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.faults import check_environment

    args = build_parser().parse_args(argv)
    _setup_logging(args.log_level)
    refusal = check_environment()
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    try:
        if args.command == "chat":
            return asyncio.run(_chat(args))
        if args.command == "check-config":
            return _check_config(args)
        if args.command == "run":
            return asyncio.run(_run(args))
        if args.command == "dev":
            return asyncio.run(_dev(args))
        if args.command == "status":
            return asyncio.run(_status(args))
    except ConfigError as exc:
        print("The configuration has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"Storage problem: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
