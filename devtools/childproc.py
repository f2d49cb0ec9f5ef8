"""A server run as a child process (development tooling): start it, wait until it answers,
stop it. Shared by `devtools.homeserver` (Synapse) and `devtools.postgres` (PostgreSQL):
both are a `ChildServer` and use the three coroutines below.

The child runs in its own session, so a Ctrl-C aimed at the parent reaches only the parent,
which is expected to call `stop_child()`. All three coroutines must run on the event loop that
started the child (asyncio subprocess handles are bound to it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import IO, Any, Self

__all__ = ["ChildServer", "launch", "stop_child", "wait_until_ready"]

Process = asyncio.subprocess.Process


class ChildServer:
    """A server whose process `start()` starts (a no-op while running) and `stop()` ends
    (idempotent); ``async with`` runs it for the block. Subclasses keep the child in
    ``_process``."""

    _process: Process | None = None

    def is_running(self) -> bool:
        """True while the child process started by `start()` is alive."""
        return self._process is not None and self._process.returncode is None

    async def start(self, timeout: float = 60) -> None:  # noqa: ASYNC109
        raise NotImplementedError

    async def stop(self, grace: float = 15) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def launch(argv: Sequence[str], *, output: IO[bytes], **options: Any) -> Process:
    """Start ``argv`` in its own session, stdin closed, stdout and stderr into ``output``;
    ``options`` (cwd, env, user, ...) go to `asyncio.create_subprocess_exec`."""
    return await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=output,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        **options,
    )


async def wait_until_ready(
    process: Process,
    answers: Callable[[], Awaitable[bool]],
    *,
    name: str,
    deadline: float,
    late: str,
    error: Callable[[str], Exception],
    log_tail: Callable[[], Awaitable[str]],
) -> None:
    """Ask ``answers()`` every 50 ms until it says yes.

    Raises ``error(message + "\\n" + log tail)`` if the child exits first
    (``"<name> exited with code <code> during start-up"``) or once ``deadline`` (a
    `time.monotonic()` value) has passed (``"<name> <late>"``).
    """
    while True:
        if process.returncode is not None:
            message = f"{name} exited with code {process.returncode} during start-up"
            raise error(message + "\n" + await log_tail())
        if await answers():
            return
        if time.monotonic() > deadline:
            raise error(f"{name} {late}\n" + await log_tail())
        await asyncio.sleep(0.05)


async def stop_child(
    process: Process,
    *,
    signum: int,
    grace: float,
    whole_group: bool = False,
    before_kill: Callable[[], None] | None = None,
) -> None:
    """Send ``signum``, wait up to ``grace`` s, then SIGKILL (the child's whole process group
    with ``whole_group``; ``before_kill()`` is called first). Cancelled while waiting, the
    child is killed at once and the cancellation goes on. A child that already exited is
    just reaped."""
    if process.returncode is not None:
        await process.wait()
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signum)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        if before_kill is not None:
            before_kill()
        _kill(process, whole_group=whole_group)
        await process.wait()
    except BaseException:  # cancelled: do not leave an orphan behind
        _kill(process, whole_group=whole_group)
        raise


def _kill(process: Process, *, whole_group: bool) -> None:
    with contextlib.suppress(ProcessLookupError):
        if whole_group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
