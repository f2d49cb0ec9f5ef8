"""Tryggbot as its own process (``python -m bot.cli run``) on the session Synapse, for
fault-injection and outage tests: the bot can be killed (SIGKILL) and started again on the
same database and session file, as in production."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot.faults import KILL_ENV, TEST_ENV
from config.base import EXAMPLE_PATH
from devtools.homeserver import LocalSynapse, RegisteredUser

REPO = Path(__file__).resolve().parents[2]


def write_config(
    home: Path,
    synapse: LocalSynapse,
    bot: RegisteredUser,
    *,
    rooms: list[tuple[str, str]] = (),  # type: ignore[assignment]
    flood_messages: int = 200,
) -> Path:
    """The example settings pointed at the test homeserver, with (room id, locality) rooms."""
    text = EXAMPLE_PATH.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^homeserver = ".*"$', f'homeserver = "{synapse.base_url}"', text)
    text = re.sub(r'(?m)^user_id = ".*"$', f'user_id = "{bot.user_id}"', text)
    text = re.sub(r"(?m)^flood_messages = \d+$", f"flood_messages = {flood_messages}", text)
    # These trials are about the outbox; residents' clients here do not encrypt, and a chat
    # the bot opens would be encrypted (tests/e2e/test_encryption.py covers that path).
    text = re.sub(r"(\[encryption\][^\[]*?)enabled = true", r"\1enabled = false", text)
    for room_id, locality in rooms:
        text += f'\n[[rooms]]\nid = "{room_id}"\nlocality = "{locality}"\nlanguage = "sv"\n'
    home.mkdir(parents=True, exist_ok=True)
    path = home / "tryggbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class BotProcess:
    """One bot deployment (a home folder with config, database and session)."""

    home: Path
    bot: RegisteredUser
    config: Path
    proc: asyncio.subprocess.Process | None = None
    starts: int = 0
    _log: list[str] = field(default_factory=list)

    async def start(self, *, kill_at: str | None = None) -> None:
        """Start the process and wait until it says it runs (login done)."""
        env = dict(os.environ, PYTHONPATH=str(REPO), LC_ALL="en_US.UTF-8", LANG="en_US.UTF-8")
        env["TRYGGBOT_PASSWORD"] = self.bot.password
        env["TRYGGBOT_PSEUDONYM_KEY"] = "kill-point-trials-key-0123456789"
        env.pop(KILL_ENV, None)
        if kill_at:
            env[KILL_ENV] = kill_at
            env[TEST_ENV] = "1"
        log = (self.home / f"bot-{self.starts}.log").open("wb")
        self.starts += 1
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "--log-level",
            "INFO",
            "run",
            "--config",
            str(self.config),
            cwd=self.home,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        log.close()
        assert self.proc.stdout is not None
        # The console says it is connecting, then that it runs (in English: LANG below).
        line = b""
        for _ in range(5):
            line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
            if b"is running" in line or not line:
                break
        if b"is running" not in line:
            raise AssertionError(f"the bot did not start: {line!r}\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        out = []
        for path in sorted(self.home.glob("bot-*.log")):
            out += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def exited(self) -> int:
        assert self.proc is not None
        return await self.proc.wait()

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 60)
            except TimeoutError:
                await self.kill()
