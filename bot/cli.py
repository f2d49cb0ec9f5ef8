"""``tryggbot`` command line: chat (console), run (Matrix), status, check-config."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from config.settings import EXAMPLE_PATH, ConfigError, Settings, load_secrets, load_settings
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
    check = sub.add_parser("check-config", help="validate a settings file and its secrets")
    check.add_argument("--config", help="settings TOML (default: the embedded example)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.log_level)
    try:
        if args.command == "chat":
            return asyncio.run(_chat(args))
        if args.command == "check-config":
            return _check_config(args)
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
