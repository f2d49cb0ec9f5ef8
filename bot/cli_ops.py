"""The subcommands that run or look after a deployment: ``chat`` (the console), ``run``
(Matrix), ``status``, ``check-config``, ``backup``, ``restore`` and ``recovery-key``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from bot.cli_common import (
    EXIT_CONFIG,
    EXIT_CRYPTO_STORE,
    EXIT_LOGIN_REFUSED,
    EXIT_NOT_CONNECTED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    Console,
    config_file,
    load,
)
from config.base import ConfigError
from config.settings import load_secrets, read_toml, resolve_path


async def chat(args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.console.chat import ConsoleMessenger, ConsoleRoles, run_console

    settings, base = load(args.config)
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


async def run(args: argparse.Namespace) -> int:
    settings, base = load(args.config)
    console = Console(settings)
    m = settings.matrix

    def running() -> None:
        console.say("operator.running", user=m.user_id, homeserver=m.homeserver)

    from bot.matrix.app import login_and_run

    await login_and_run(settings, base, console, after_login=running)
    return 0


async def status(args: argparse.Namespace) -> int:
    from bot.matrix.status import read_status

    settings, base = load(args.config)
    status = await read_status(settings, base)
    print(status.render())
    return EXIT_OK if status.connected else EXIT_NOT_CONNECTED


def recovery_key() -> int:
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


def check_config(args: argparse.Namespace) -> int:
    """Every problem in one pass (`bot.preflight`); with ``--login`` also the homeserver."""
    from bot.preflight import preflight

    file, base = config_file(args.config)
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
    from config.base import lenient
    from config.matrix import EncryptionSettings, MatrixSettings
    from config.operations import StorageSettings

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


def backup(args: argparse.Namespace) -> int:
    """The database, and beside it the bot's Matrix identity, encrypted (`.identity`)."""
    from bot.matrix.identity_backup import write_identity
    from storage.backup import backup_database

    settings, base = load(args.config)
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


def restore(args: argparse.Namespace) -> int:
    """Put a backup in place on a stopped bot: the database and, if the backup has one, the
    identity (session, cross-signing keys, crypto store). Never overwrites anything."""
    from bot.matrix.identity_backup import identity_path, members, read_identity, restore_identity
    from storage.backup import restore_database
    from storage.migrations import MIGRATIONS

    settings, base = load(args.config)
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
