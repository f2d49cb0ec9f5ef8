"""Run Tryggbot's command line (``python -m bot.cli``) as a child process, for the tests that
check what an operator sees: the console, the exit code, the health endpoint."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

PIPE = asyncio.subprocess.PIPE
STDOUT = asyncio.subprocess.STDOUT


async def start_cli(
    *args: str,
    cwd: Path,
    env: Mapping[str, str],
    stdout: int | IO[Any] = PIPE,
    stderr: int | IO[Any] = STDOUT,
    **options: Any,
) -> asyncio.subprocess.Process:
    """``python -m bot.cli <args>`` in ``cwd`` with exactly ``env``; stdout piped and stderr
    into it unless said otherwise. ``options`` go to `asyncio.create_subprocess_exec`."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=stderr,
        **options,
    )
