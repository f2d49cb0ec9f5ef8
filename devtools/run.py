"""``make run``: a local Synapse with demo accounts and rooms, and the bot on it with the web
chat and a sample kommun page (``python -m devtools.run [--port N] [--web-port N]``).

Development tooling, run from a copy of the source (the installed ``tryggbot`` has no such
command); the bot itself runs as ``tryggbot run`` would, through `bot.cli.login_and_run`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
from pathlib import Path

from bot.cli import Console, guarded, login_and_run
from bot.logs import DEFAULT_LEVEL, FORMATS, LEVELS, setup_logging
from config.settings import load_settings, settings_base
from devtools import demo
from devtools.homeserver import HomeserverStartError
from devtools.sample_page import serve_sample


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.run",
        description="Start a local Synapse with demo accounts and rooms, and run the bot on it "
        "(everything in .local/ of the current folder, reused on the next run).",
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LEVELS,
        default=DEFAULT_LEVEL,
        metavar="LEVEL",
        help=f"{', '.join(LEVELS)} (default {DEFAULT_LEVEL})",
    )
    parser.add_argument("--log-format", choices=FORMATS, default="text")
    parser.add_argument("--port", type=int, default=8008, help="homeserver port (default 8008)")
    parser.add_argument(
        "--web-port",
        type=int,
        default=demo.WEB_PORT,
        help=f"web chat port (default {demo.WEB_PORT}; the sample kommun page uses the next one)",
    )
    return parser


async def run(port: int, web_port: int) -> int:
    console = Console()
    if importlib.util.find_spec("synapse") is None:
        print(console.text("operator.no_synapse"), file=sys.stderr)
        return 2
    try:
        setup = await demo.prepare(Path.cwd(), port=port, web_port=web_port)
    except HomeserverStartError as exc:
        print(console.text("operator.synapse_failed", reason=exc), file=sys.stderr)
        return 2
    sample = None
    try:
        settings = load_settings(setup.config_path)
        base = settings_base(setup.config_path)
        console = Console(settings)
        if settings.web.enabled:
            sample = await serve_sample(settings.web.origin, "127.0.0.1", setup.web_port + 1)
        await login_and_run(
            settings, base, console, after_login=lambda: print(demo.instructions(setup), flush=True)
        )
    finally:
        if sample is not None:
            await sample.cleanup()
        await setup.synapse.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level, args.log_format)
    return guarded(lambda: asyncio.run(run(args.port, args.web_port)))


if __name__ == "__main__":
    sys.exit(main())
