"""``tryggbot`` command line: chat (console), run (Matrix), status, check-config, backup, est
(EST report and export), i18n, privacy (data map and retention report), records-request (what
the kommun holds, for the registrar). The local homeserver with demo accounts is development
tooling outside the installed package (``make run``, `devtools.run`).

Relative paths in a settings file are resolved against the folder of that file; without
``--config`` the built-in example is used, with paths relative to the current directory.

This module parses the arguments and dispatches: the subcommands live in `bot.cli_ops` (run
and look after a deployment) and `bot.cli_reports` (reports, exports, translations); what
they share in `bot.cli_common`; the Matrix wiring in `bot.matrix.app`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from bot import cli_ops, cli_reports
from bot.cli_common import (
    EXIT_BUG,
    EXIT_CONFIG,
    EXIT_CRYPTO_STORE,
    EXIT_DATABASE,
    EXIT_LOGIN_REFUSED,
    EXIT_NOT_CONNECTED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    Console,
    failure,
    operator_language,
    version,
)
from bot.logs import DEFAULT_LEVEL, FORMATS, LEVELS, setup_logging
from config.base import ConfigError
from storage.db import StorageError

__all__ = [
    "EXIT_BUG",
    "EXIT_CONFIG",
    "EXIT_CRYPTO_STORE",
    "EXIT_DATABASE",
    "EXIT_LOGIN_REFUSED",
    "EXIT_NOT_CONNECTED",
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "Console",
    "build_parser",
    "failure",
    "guarded",
    "main",
    "operator_language",
    "version",
]

log = logging.getLogger("tryggbot")

_MATRIX = frozenset({"MatrixRuntime", "open_matrix", "login_and_run"})


def __getattr__(name: str) -> Any:
    """The Matrix wiring's old import path (``from bot.cli import open_matrix``), loaded only
    when asked for, so the other subcommands start without nio."""
    if name in _MATRIX:
        from bot.matrix import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _level(value: str) -> str:
    level = value.upper()
    if level not in LEVELS:
        raise argparse.ArgumentTypeError(
            f"unknown log level {value!r} (choose from {', '.join(LEVELS)})"
        )
    return level


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
        return asyncio.run(cli_ops.chat(args))
    if args.command == "check-config":
        return cli_ops.check_config(args)
    if args.command == "run":
        return asyncio.run(cli_ops.run(args))
    if args.command == "status":
        return asyncio.run(cli_ops.status(args))
    if args.command == "i18n":
        return cli_reports.i18n(args)
    if args.command == "backup":
        return cli_ops.backup(args)
    if args.command == "restore":
        return cli_ops.restore(args)
    if args.command == "est":
        return asyncio.run(cli_reports.est(args))
    if args.command == "records-request":
        return asyncio.run(cli_reports.records_request(args))
    if args.command == "privacy" and args.privacy_command == "docs":
        return cli_reports.privacy_docs(args)
    if args.command == "privacy":
        return asyncio.run(cli_reports.privacy(args))
    if args.command == "recovery-key":
        return cli_ops.recovery_key()
    return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
