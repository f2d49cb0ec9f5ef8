"""``tryggbot`` command line: chat (console), run (Matrix), status, check-config, backup, est
(EST report and export), i18n, privacy (data map and retention report), records-request (what
the kommun holds, for the registrar). The local homeserver with demo accounts is development
tooling outside the installed package (``make run``, `devtools.run`).

Relative paths in a settings file are resolved against the folder of that file; without
``--config`` the built-in example is used, with paths relative to the current directory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.logs import DEFAULT_LEVEL, FORMATS, LEVELS, setup_logging
from config.settings import (
    EXAMPLE_PATH,
    LOCALES_DIR,
    ConfigError,
    Secrets,
    Settings,
    load_secrets,
    load_settings,
    read_toml,
    resolve_path,
    settings_base,
)
from storage.db import StorageError

log = logging.getLogger("tryggbot")

# Exit codes (docs/deploy.md; the systemd unit does not restart on 2, 4, 5 and 6).
EXIT_OK = 0
EXIT_BUG = 1
"""An unexpected error (a bug: the log has the details)."""
EXIT_CONFIG = 2
"""The settings, the secrets or the files they name are not usable."""
EXIT_NOT_CONNECTED = 3
"""``status``: the bot has not synced recently."""
EXIT_LOGIN_REFUSED = 4
"""The homeserver refused the login (a wrong password, a revoked token)."""
EXIT_CRYPTO_STORE = 5
"""The encryption store is lost or belongs to another device."""
EXIT_DATABASE = 6
"""The database cannot be used (written by a newer Tryggbot, unreadable, damaged)."""
EXIT_UNREACHABLE = 7
"""``check-config --login``: the homeserver did not answer."""


def failure(exc: ConfigError | StorageError) -> tuple[str, int]:
    """The header an operator reads above the problems, and the exit code."""
    from bot.errors import CryptoStoreError, LoginRefused

    if isinstance(exc, LoginRefused):
        return "The homeserver refused the bot's login:", EXIT_LOGIN_REFUSED
    if isinstance(exc, CryptoStoreError):
        return "The encryption store cannot be used as it is:", EXIT_CRYPTO_STORE
    if isinstance(exc, StorageError):
        return "The database cannot be used:", EXIT_DATABASE
    return "The configuration has problems:", EXIT_CONFIG


def version() -> str:
    try:
        return metadata.version("tryggbot")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _config_file(path: str | None) -> tuple[Path, Path]:
    """The settings file and the folder its relative paths are resolved against."""
    if path:
        return Path(path), settings_base(path)
    return EXAMPLE_PATH, Path.cwd()


def _load(path: str | None) -> tuple[Settings, Path]:
    file, base = _config_file(path)
    return load_settings(file), base


# ---------------------------------------------------------------------------- console


class Console:
    """Translated lines for the person at the console (operator text, Swedish or English).

    The language is the locale's (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) when it is Swedish
    or English, otherwise ``moderation.language`` of the settings, otherwise Swedish.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        from bot.i18n import Catalog

        self.catalog = Catalog.load(LOCALES_DIR)
        self.lang = operator_language(settings)

    def text(self, key: str, **params: Any) -> str:
        return self.catalog.t(self.lang, key, **params)

    def say(self, key: str, **params: Any) -> None:
        print(self.text(key, **params), flush=True)

    def backoff_reporter(self, homeserver: str) -> Callable[[str, str, float, int], None]:
        """A `MatrixTransport.on_backoff` that prints one line per backoff step."""

        def report(what: str, reason: str, delay: float, attempt: int) -> None:
            key = "operator.server_error" if reason == "server_error" else "operator.unreachable"
            seconds = f"{delay:.1f}" if self.lang == "en" else f"{delay:.1f}".replace(".", ",")
            self.say(key, homeserver=homeserver, seconds=seconds, attempt=attempt)

        return report


def operator_language(settings: Settings | None = None) -> str:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value[:2].lower()
            if code in ("sv", "en"):
                return code
            break
    if settings is not None and settings.moderation.language in ("sv", "en"):
        return settings.moderation.language
    return "sv"


# ---------------------------------------------------------------------------- commands


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

    def __init__(self, bot: Any, transport: Any, app: Any, web: Any = None) -> None:
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
        from bot.health import HealthServer
        from bot.scheduler import run_startup_jobs, start_scheduler

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
            await self.bot.run(self.app.engine, svc)
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
    creds: Any,
    *,
    base_dir: Path,
    db_path: Path | None = None,
    sync_timeout_ms: int = 30_000,
    on_backoff: Callable[[str, str, float, int], None] | None = None,
    metrics: Any = None,
) -> MatrixRuntime:
    """Log in (restoring the saved session when possible) and build the app around it.

    ``on_backoff`` is told about every wait while the homeserver cannot be reached;
    ``metrics`` (a `bot.metrics.Metrics`) is the one a health listener already serves.
    """
    from bot.app import build_app
    from bot.faults import from_environment
    from bot.matrix.bot import MatrixBot
    from bot.matrix.crypto import enable as enable_encryption
    from bot.matrix.session import session_path
    from bot.matrix.transport import MatrixMessenger, MatrixTransport
    from bot.metrics import Metrics
    from bot.roles import ConfigRoles
    from bot.stages import from_environment as stages_from_environment

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
        bot = MatrixBot(transport, sync_timeout_ms=sync_timeout_ms)
        messenger: Any = MatrixMessenger(transport)
        if web_messenger is not None:  # one outbox, each reply routed by its room
            messenger = RoutingMessenger(messenger, web_messenger)
        app = await build_app(
            settings,
            secrets,
            messenger,
            base_dir=base_dir,
            roles=ConfigRoles(settings.matrix.moderators, extra=bot.is_moderator_by_power),
            db_path=db_path,
            metrics=metrics,
            faults=from_environment(),
            stages=transport.stages,
        )
    except BaseException:
        await transport.close()
        raise
    web = None
    if web_messenger is not None:
        from bot.web.server import WebServer

        web_messenger.bind(app.svc)
        web = WebServer(app.svc, app.engine, web_messenger.hub)
    return MatrixRuntime(bot, transport, app, web)


async def _run_until_signal(runtime: MatrixRuntime) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runtime.request_stop)
    try:
        await runtime.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def login_and_run(
    settings: Settings, base: Path, console: Console, *, after_login: Callable[[], None]
) -> None:
    """Log in (saying on the console while the homeserver cannot be reached), then run
    until SIGTERM or Ctrl-C. A Ctrl-C during the login stops it cleanly too. With
    ``[monitoring] port``, ``/healthz`` answers (503 with the reason) from before the login."""
    from bot.health import HealthServer
    from bot.matrix.session import load_credentials
    from bot.metrics import Metrics

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
    await _run_until_signal(runtime)


async def _run(args: argparse.Namespace) -> int:
    settings, base = _load(args.config)
    console = Console(settings)
    m = settings.matrix

    def running() -> None:
        console.say("operator.running", user=m.user_id, homeserver=m.homeserver)

    await login_and_run(settings, base, console, after_login=running)
    return 0


async def _status(args: argparse.Namespace) -> int:
    from bot.matrix.status import read_status

    settings, base = _load(args.config)
    status = await read_status(settings, base)
    print(status.render())
    return EXIT_OK if status.connected else EXIT_NOT_CONNECTED


def _recovery_key() -> int:
    from bot.matrix.crosssign import new_recovery_key

    print(new_recovery_key())
    print(
        "\nKeep it like a password (a password manager or the kommun's key safe). Give it to the "
        "bot in the environment variable named by encryption.recovery_key_env (default "
        "TRYGGBOT_RECOVERY_KEY). A new key means a new identity: the first start with it needs "
        "the bot's password to replace the cross-signing keys. See docs/encryption.md.",
        file=sys.stderr,
    )
    return 0


def _check_config(args: argparse.Namespace) -> int:
    """Every problem in one pass (`bot.preflight`); with ``--login`` also the homeserver."""
    from bot.preflight import preflight

    file, base = _config_file(args.config)
    report = preflight(file, base)
    for warning in report.warnings:
        print(f"warning: {warning.render(file)}", file=sys.stderr)
    code = EXIT_CONFIG if report.problems else EXIT_OK
    if report.problems:
        print("The configuration has problems:", file=sys.stderr)
        for problem in report.problems:
            print(f"  - {problem.render(file)}", file=sys.stderr)
    settings = report.settings
    if args.login:
        try:
            data = read_toml(file)
        except ConfigError:
            data = None  # not valid TOML: already reported
        if data is not None:
            found = asyncio.run(_check_login(data, base))
            code = found if code == EXIT_OK else code
    if code != EXIT_OK or settings is None:
        return code
    print(
        f"ok: {settings.kommun.name.sv}, {len(settings.localities)} localities, "
        f"{len(settings.categories)} categories, {len(settings.rooms)} rooms"
    )
    print(f"relative paths are resolved against {base}")
    print(f"database:     {resolve_path(settings.storage.path, base)}")
    print(f"session file: {resolve_path(settings.matrix.session_file, base)}")
    if settings.monitoring.port is not None:
        mon = settings.monitoring
        print(f"health:       http://{mon.host}:{mon.port}/healthz and /metrics")
    return EXIT_OK


async def _check_login(data: dict[str, Any], base: Path) -> int:
    """The login part of ``check-config --login``, on the ``[matrix]``, ``[storage]`` and
    ``[encryption]`` sections alone, so it runs even when other sections have problems.
    Returns the exit code for what it found (EXIT_OK if nothing)."""
    from bot.matrix.cryptostore import paths_for
    from bot.matrix.logincheck import check_login
    from config.settings import EncryptionSettings, MatrixSettings, StorageSettings, lenient

    matrix = lenient(MatrixSettings, data.get("matrix", {}))
    if matrix is None:
        return EXIT_CONFIG  # reported among the problems
    storage = lenient(StorageSettings, data.get("storage", {})) or StorageSettings()
    enc = lenient(EncryptionSettings, data.get("encryption", {})) or EncryptionSettings()
    crypto = paths_for(storage, enc, base) if enc.enabled else None
    found = await check_login(matrix, base, crypto)
    for line in found.ok:
        print(f"login: {line}")
    code = EXIT_OK
    for header, lines, exit_code in (
        ("The homeserver could not be reached:", found.unreachable, EXIT_UNREACHABLE),
        ("The homeserver refused the bot's login:", found.refused, EXIT_LOGIN_REFUSED),
        ("The encryption store cannot be used as it is:", found.crypto, EXIT_CRYPTO_STORE),
    ):
        if lines:
            print(header, file=sys.stderr)
            for line in lines:
                print(f"  - {line}", file=sys.stderr)
            code = code or exit_code
    return code


def _i18n(args: argparse.Namespace) -> int:
    """``i18n status``, ``i18n export LANG``, ``i18n import FILE`` (see bot/translations.py)."""
    from bot.i18n import Catalog
    from bot.translations import (
        SheetError,
        config_name_gaps,
        export_sheet,
        import_sheet,
        render_status,
        status,
    )

    root = Path(args.locales) if args.locales else LOCALES_DIR
    catalog = Catalog.load(root)
    if args.i18n_command == "status":
        settings, _ = _load(args.config)
        print(render_status(status(catalog, settings.language.enabled, settings)))
        print(
            "Reviewed texts per kind: catalogue (chat texts), warnings (fraud warnings), polls "
            "(poll and survey templates), names (the kommun's configured names). A language is "
            "reviewed only when every kind is."
        )
        gaps = {lang: keys for lang, keys in config_name_gaps(settings).items() if keys}
        if not gaps:
            print("Names in the configuration (categories, place types, kommun): all languages.")
        for lang, keys in gaps.items():
            print(f"{lang}: no name in the configuration for {', '.join(keys)} (English shown)")
        return 0
    if args.i18n_command == "packet":
        from bot.glossary import glossary_rows, load_glossary
        from bot.reviewtexts import review_packet

        if args.lang not in catalog.languages:
            print(f"Unknown language {args.lang!r}", file=sys.stderr)
            return 2
        settings, _ = _load(args.config)
        glossary = load_glossary(root, args.lang)
        packet = review_packet(
            catalog,
            settings,
            args.lang,
            register=glossary.register if glossary else "",
            glossary=glossary_rows(glossary) if glossary else (),
        )
        out = Path(args.output or f"tryggbot-review-{args.lang}.md")
        out.write_text(packet, encoding="utf-8")
        print(f"Wrote {out}: every resident text in {args.lang} for an independent reviewer")
        return 0
    if args.i18n_command == "export":
        if args.lang not in catalog.languages:
            print(f"Unknown language {args.lang!r}", file=sys.stderr)
            return 2
        settings, _ = _load(args.config)
        out = Path(args.output or f"tryggbot-{args.lang}.csv")
        out.write_text(export_sheet(catalog, args.lang, settings), encoding="utf-8", newline="")
        print(
            f"Wrote {out}: fill in the column 'translation', mark checked rows 'yes' in "
            f"'reviewed' (with 'reviewer', or --reviewer at import), then run: "
            f"tryggbot i18n import {out} --reviewer NAME"
        )
        return 0
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
        settings, _ = _load(args.config)
        result = import_sheet(
            catalog, root, text, settings, reviewer=args.reviewer or "", today=args.date or ""
        )
    except OSError as exc:
        print(f"Cannot read {args.file} ({exc.strerror})", file=sys.stderr)
        return 2
    except SheetError as exc:
        print("The sheet was not imported; nothing was changed:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    print(
        f"Imported {result.lang}: {result.changed} texts changed, {result.reviewed} marked reviewed"
    )
    return 0


def _backup(args: argparse.Namespace) -> int:
    """The database, and beside it the bot's Matrix identity, encrypted (`.identity`)."""
    from bot.matrix.identity_backup import write_identity
    from storage.backup import backup_database

    settings, base = _load(args.config)
    secrets = load_secrets(settings, base)
    source = resolve_path(settings.storage.path, base)
    folder = args.path.endswith(("/", os.sep))
    report = backup_database(source, Path(args.path), folder=folder)
    print(
        f"backup written: {report.path} ({report.size // 1024} KiB, schema version "
        f"{report.schema_version}, tips: {report.tips})"
    )
    identity = write_identity(settings, base, secrets.pseudonym_key, report.path)
    if identity is None:
        print("no Matrix identity to back up yet (the bot has not logged in with these settings)")
    else:
        path, held = identity
        print(f"identity written: {path} ({', '.join(held)}; encrypted with the pseudonym key)")
    print(
        "The pseudonym key is not in the backup: keep a copy of it, secret and apart "
        "from the backups. It is needed to restore them."
    )
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    """Put a backup in place on a stopped bot: the database and, if the backup has one, the
    identity (session, cross-signing keys, crypto store). Never overwrites anything."""
    from bot.matrix.identity_backup import identity_path, members, read_identity, restore_identity
    from storage.backup import restore_database
    from storage.migrations import MIGRATIONS

    settings, base = _load(args.config)
    secrets = load_secrets(settings, base)
    backup = Path(args.backup)
    bundle = identity_path(backup)
    files = read_identity(bundle, secrets.pseudonym_key) if bundle.is_file() else {}
    in_the_way = [
        str(m.path) for m in members(settings, base) if m.name in files and m.path.exists()
    ]
    if in_the_way:
        raise ConfigError(
            [
                f"{path} exists: stop the bot and move it aside first; restore never "
                "overwrites the bot's identity"
                for path in in_the_way
            ]
        )
    target = resolve_path(settings.storage.path, base)
    report = restore_database(backup, target, max(m.version for m in MIGRATIONS))
    print(
        f"database restored: {report.path} (schema version {report.schema_version}, "
        f"tips: {report.tips})"
    )
    if files:
        for path in restore_identity(settings, base, files):
            print(f"identity restored: {path}")
        print("The bot starts as the same device, with the same cross-signing identity.")
    else:
        print(
            f"There is no identity backup ({bundle}): the bot logs in as a new device. With "
            "the recovery key in the environment its identity stays the same; without it, "
            "it makes new cross-signing keys and residents' clients show a changed identity."
        )
    return EXIT_OK


# ---------------------------------------------------------------------------- parser


def _level(value: str) -> str:
    level = value.upper()
    if level not in LEVELS:
        raise argparse.ArgumentTypeError(
            f"unknown log level {value!r} (choose from {', '.join(LEVELS)})"
        )
    return level


async def _est(args: argparse.Namespace) -> int:
    from datetime import date

    from bot.app import FEATURES
    from bot.app import EstRequest as Request
    from bot.app import run_est_export as run
    from bot.commands import fold
    from bot.features import build_registry
    from config.settings import resolve_path

    settings, base = _load(args.config)
    place = None
    if args.place:
        wanted = fold(args.place)
        found = [loc.key for loc in settings.localities if wanted in (loc.key, fold(loc.name))]
        if not found:
            raise ConfigError([f"--place: unknown locality {args.place!r}"])
        place = found[0]
    try:
        start = date.fromisoformat(args.date_from) if args.date_from else None
        end = date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError:
        raise ConfigError(["--from/--to: give dates as YYYY-MM-DD"]) from None
    if start and end and start > end:
        raise ConfigError(["--from must not be after --to"])
    db = Path(args.db) if args.db else resolve_path(settings.storage.path, base)
    lang = args.lang or settings.moderation.language
    req = Request(start, end, place, args.format, Path(args.out), lang if lang == "en" else "sv")
    paths, count = await run(settings, db, req, build_registry(FEATURES).report_sections)
    for path in paths:
        print(path)
    if count is not None:
        print(f"{count} records", file=sys.stderr)
    return 0


def _privacy_docs(args: argparse.Namespace) -> int:
    """Rewrite (or with --check only list) the generated tables of the go-live pack."""
    from bot.privacy import update_docs

    settings, _ = _load(args.config)
    folder = Path(args.dir)
    if not folder.is_dir():
        raise ConfigError([f"--dir: {folder} is not a folder (run this in a checkout)"])
    changed = update_docs(settings, folder, write=not args.check)
    for name in changed:
        print(f"{'out of date' if args.check else 'updated'}: {folder / name}")
    return 1 if args.check and changed else EXIT_OK


async def _privacy(args: argparse.Namespace) -> int:
    """``privacy map`` (from the code) and ``privacy report`` (read-only counts)."""
    from datetime import UTC, datetime, timedelta

    from bot.privacy import render_map, render_report
    from storage import privacy
    from storage.db import Database

    settings, base = _load(args.config)
    if args.privacy_command == "map":
        print(render_map(settings, args.format), end="")
        return EXIT_OK
    path = Path(args.db) if args.db else resolve_path(settings.storage.path, base)
    db = await Database.open_readonly(path)
    now, grace = datetime.now(UTC), timedelta(days=1)
    try:
        async with db.read() as conn:
            counts = await privacy.count(conn, settings, now, grace)
    finally:
        await db.close()
    print(render_report(settings, counts, now, grace, args.format), end="")
    return EXIT_OK


async def _records_request(args: argparse.Namespace) -> int:
    """What the kommun holds for a tip or a period, for the registrar (nothing is sent)."""
    from datetime import UTC, date, datetime

    from bot.app import RecordsRequest, run_records_request

    settings, base = _load(args.config)
    if bool(args.code) == bool(args.date_from or args.date_to):
        raise ConfigError(["give either a tip's CODE or a period (--from and/or --to)"])
    try:
        start = date.fromisoformat(args.date_from) if args.date_from else None
        end = date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError:
        raise ConfigError(["--from/--to: give dates as YYYY-MM-DD"]) from None
    if start and end and start > end:
        raise ConfigError(["--from must not be after --to"])
    by = args.by or os.environ.get("USER") or "operator"
    req = RecordsRequest(args.code, start, end, Path(args.out), by, args.ref or "")
    db = Path(args.db) if args.db else resolve_path(settings.storage.path, base)
    for path in await run_records_request(settings, db, req, datetime.now(UTC)):
        print(path)
    print(
        "Written for the registrar's secrecy review; nothing was sent. The request is in "
        "the tips' audit trail.",
        file=sys.stderr,
    )
    return EXIT_OK


def _describe(sub: Any) -> None:
    """Each subcommand's ``--help`` opens with its one-line help as a sentence."""
    for action in sub._choices_actions:
        parser = sub.choices[action.dest]
        if parser.description is None and action.help:
            parser.description = action.help[0].upper() + action.help[1:] + "."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tryggbot",
        description="Tryggbot: the kommun's and the local police's Matrix chat bot for "
        "citizen dialogue and safety tips. Relative paths in a settings file are resolved "
        "against the folder of that file; without --config the built-in example is used.",
        epilog="Exit codes: 0 ok, 1 unexpected error, 2 configuration, 3 not connected "
        "(status), 4 login refused, 5 encryption store, 6 database, 7 homeserver unreachable "
        "(check-config --login). See docs/deploy.md.",
    )
    parser.add_argument("--version", action="version", version=f"tryggbot {version()}")
    parser.add_argument(
        "--log-level",
        type=_level,
        default=DEFAULT_LEVEL,
        metavar="LEVEL",
        help=f"{', '.join(LEVELS)} (default {DEFAULT_LEVEL})",
    )
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default="text",
        help="text lines, or one JSON object per line for log collectors (default text)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="talk to the bot in this terminal (no homeserver)")
    chat.add_argument("--config", help="settings TOML (default: the embedded example)")
    chat.add_argument("--db", help="SQLite file (default: storage.path from the config)")
    run = sub.add_parser("run", help="run the bot on a Matrix homeserver")
    run.add_argument("--config", required=True, help="settings TOML")
    status = sub.add_parser(
        "status", help="is the bot connected; last sync; inbox backlog (reads, never writes)"
    )
    status.add_argument("--config", required=True, help="settings TOML")
    check = sub.add_parser(
        "check-config",
        help="validate a settings file, its secrets and files (writes nothing)",
    )
    est = sub.add_parser(
        "est", help="EST meeting report (md, html, png) or record export (csv, json), read-only"
    )
    est.add_argument("--config", help="settings TOML (default: the embedded example)")
    est.add_argument("--db", help="SQLite file (default: storage.path from the config)")
    est.add_argument("--from", dest="date_from", help="first local date, YYYY-MM-DD")
    est.add_argument("--to", dest="date_to", help="last local date, YYYY-MM-DD (included)")
    est.add_argument("--place", help="one locality (key or name)")
    est.add_argument("--format", required=True, choices=("md", "html", "csv", "json", "png"))
    est.add_argument("--out", required=True, help="output file (png: PATH-<chart>.png)")
    est.add_argument("--lang", choices=("sv", "en"), help="report language")
    sub.add_parser(
        "recovery-key",
        help="print a new recovery key to derive the bot's cross-signing keys from",
    )
    check.add_argument("--config", help="settings TOML (default: the embedded example)")
    check.add_argument(
        "--login",
        action="store_true",
        help="also log in to the homeserver (as a temporary device, logged out at once) and "
        "check the crypto store",
    )
    i18n = sub.add_parser("i18n", help="translations: status, export a sheet, import it")
    i18n.add_argument("--locales", help="catalogue folder (default: config/locales)")
    i18n_sub = i18n.add_subparsers(dest="i18n_command", required=True)
    i18n_status = i18n_sub.add_parser("status", help="completeness and review per language")
    i18n_status.add_argument("--config", help="settings TOML (default: the embedded example)")
    i18n_export = i18n_sub.add_parser("export", help="write a CSV sheet for a translator")
    i18n_export.add_argument("lang", help="language code, e.g. so")
    i18n_export.add_argument("-o", "--output", help="file (default: tryggbot-LANG.csv)")
    i18n_export.add_argument("--config", help="settings TOML (default: the embedded example)")
    i18n_packet = i18n_sub.add_parser(
        "packet", help="write a Markdown review packet of every resident text of a language"
    )
    i18n_packet.add_argument("lang", help="language code, e.g. so")
    i18n_packet.add_argument("-o", "--output", help="file (default: tryggbot-review-LANG.md)")
    i18n_packet.add_argument("--config", help="settings TOML (default: the embedded example)")
    i18n_import = i18n_sub.add_parser("import", help="read a filled-in sheet back")
    i18n_import.add_argument("file", help="the CSV sheet")
    i18n_import.add_argument("--reviewer", help="who reviewed the rows marked reviewed")
    i18n_import.add_argument("--date", help="date of the review, YYYY-MM-DD (default: today)")
    i18n_import.add_argument("--config", help="settings TOML (default: the embedded example)")
    backup = sub.add_parser(
        "backup", help="a consistent copy of the live database (safe while the bot runs)"
    )
    backup.add_argument(
        "path", help="file to write (replaced atomically), or a folder (existing, or ending in /)"
    )
    backup.add_argument("--config", required=True, help="settings TOML")
    restore = sub.add_parser(
        "restore",
        help="put a backup (database and identity) in place for a stopped bot; overwrites nothing",
        description="Restore a backup taken with `tryggbot backup`: the database, and the "
        "bot's Matrix identity from BACKUP.identity when it exists (opened with the pseudonym "
        "key). Stop the bot and move the old files aside first.",
    )
    restore.add_argument("backup", help="the backup file (BACKUP.identity is read beside it)")
    restore.add_argument("--config", required=True, help="settings TOML")
    rr = sub.add_parser(
        "records-request",
        help="write what the kommun holds for a tip or a period (HTML and CSV) for the "
        "registrar's secrecy review; logged in the audit trail, sends nothing",
    )
    rr.add_argument("code", nargs="?", help="the tip's code, e.g. VMO-7K3Q")
    rr.add_argument("--from", dest="date_from", help="tips received from this local date")
    rr.add_argument("--to", dest="date_to", help="... up to this local date (included)")
    rr.add_argument("--out", required=True, help="files to write: OUT.html and OUT.csv")
    rr.add_argument("--by", help="who asks (for the audit trail; default: $USER)")
    rr.add_argument("--ref", help="the request's registration number (diarienummer)")
    rr.add_argument("--config", help="settings TOML (default: the embedded example)")
    rr.add_argument("--db", help="SQLite file (default: storage.path from the config)")
    priv = sub.add_parser(
        "privacy", help="the data map (from the code) and retention counts (read-only)"
    )
    priv_sub = priv.add_subparsers(dest="privacy_command", required=True)
    priv_map = priv_sub.add_parser(
        "map", help="every table and column: what it holds, its retention rule, !glöm"
    )
    priv_report = priv_sub.add_parser(
        "report", help="per table, rows by age band and rows past their retention rule"
    )
    priv_docs = priv_sub.add_parser(
        "docs", help="rewrite the generated parts of docs/lawful-operation/ from the code"
    )
    priv_docs.add_argument("--check", action="store_true", help="only say what is out of date")
    priv_docs.add_argument(
        "--dir", default="docs/lawful-operation", help="the pack (default: docs/lawful-operation)"
    )
    priv_docs.add_argument("--config", help="settings TOML (default: the embedded example)")
    for p in (priv_map, priv_report):
        p.add_argument("--config", help="settings TOML (default: the embedded example)")
        p.add_argument("--format", choices=("text", "md"), default="text")
    priv_report.add_argument("--db", help="SQLite file (default: storage.path from the config)")
    _describe(sub)
    _describe(i18n_sub)
    _describe(priv_sub)
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (after the global options), if any."""
    values = iter(argv)
    for word in values:
        if word in ("--log-level", "--log-format"):
            next(values, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if _command(argv) == "dev":  # the development run left the package; say where it went
        print(Console().text("operator.dev_from_source"), file=sys.stderr)
        return EXIT_CONFIG
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level, args.log_format)
    return guarded(lambda: _dispatch(args))


def guarded(command: Callable[[], int]) -> int:
    """Run a command the way every ``tryggbot`` command runs (also `devtools.run`): refused in
    an unsafe environment, and a configuration, login, encryption-store or database problem
    said as a header and its problems, with its exit code, instead of a traceback."""
    from bot.faults import check_environment

    refusal = check_environment()
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    try:
        return command()
    except BrokenPipeError:
        # `tryggbot status | head`: the reader left; say nothing more
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except (ConfigError, StorageError) as exc:
        header, code = failure(exc)
        print(header, file=sys.stderr)
        problems = exc.problems if isinstance(exc, ConfigError) else [str(exc)]
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return code


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "chat":
        return asyncio.run(_chat(args))
    if args.command == "check-config":
        return _check_config(args)
    if args.command == "run":
        return asyncio.run(_run(args))
    if args.command == "status":
        return asyncio.run(_status(args))
    if args.command == "i18n":
        return _i18n(args)
    if args.command == "backup":
        return _backup(args)
    if args.command == "restore":
        return _restore(args)
    if args.command == "est":
        return asyncio.run(_est(args))
    if args.command == "records-request":
        return asyncio.run(_records_request(args))
    if args.command == "privacy" and args.privacy_command == "docs":
        return _privacy_docs(args)
    if args.command == "privacy":
        return asyncio.run(_privacy(args))
    if args.command == "recovery-key":
        return _recovery_key()
    return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
