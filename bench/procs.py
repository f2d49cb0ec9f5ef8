"""Shared pieces of the Matrix benchmarks: a throwaway Synapse, the two bots as their own
processes (Tryggbot via ``python -m bot.cli run``, the bare echo bot), residents with their
own sync loops that time the first bot notice after each message, and figures."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import nio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matrix.homeserver import LocalSynapse, RegisteredUser, free_port  # noqa: E402
from config.settings import EXAMPLE_PATH  # noqa: E402

# A request is never abandoned and sent again: nio would resend a timed-out room creation,
# and on a saturated homeserver that made a burst of 1,000 new chats into 12,000 rooms.
CONFIG = nio.AsyncClientConfig(
    encryption_enabled=False, store_sync_tokens=False, request_timeout=3600
)


def client_for(server: LocalSynapse, user: RegisteredUser) -> nio.AsyncClient:
    client = nio.AsyncClient(server.base_url, user.user_id, device_id=user.device_id, config=CONFIG)
    client.restore_login(user.user_id, user.device_id, user.access_token)
    return client


async def register(server: LocalSynapse, prefix: str) -> RegisteredUser:
    return await server.register(f"{prefix}-{secrets.token_hex(4)}", secrets.token_urlsafe(12))


class BotProc:
    """A bot process; ``rss_mb()`` reads its resident set size."""

    def __init__(self, proc: asyncio.subprocess.Process, user: RegisteredUser) -> None:
        self.proc = proc
        self.user = user

    def rss_mb(self) -> float:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", text)
        return int(match[1]) / 1024 if match else float("nan")

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 60)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


async def _ready(proc: asyncio.subprocess.Process, marker: bytes) -> None:
    assert proc.stdout is not None
    line = b""
    for _ in range(5):  # Tryggbot first says it is connecting, then that it runs
        line = await asyncio.wait_for(proc.stdout.readline(), 300)
        if marker in line or not line:
            break
    if marker not in line:
        raise RuntimeError(f"the bot did not start: {line!r}")


async def start_echo(
    server: LocalSynapse, user: RegisteredUser, only_from: str | None = None
) -> BotProc:
    """The bare echo bot; with ``only_from`` it answers that user alone."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "echo_bot.py"),
        server.base_url,
        user.user_id,
        user.access_token,
        user.device_id,
        *([only_from] if only_from else []),
        stdout=asyncio.subprocess.PIPE,
    )
    await _ready(proc, b"echo bot ready")
    return BotProc(proc, user)


def tryggbot_config(home: Path, server: LocalSynapse, user: RegisteredUser, **limits: int) -> Path:
    text = EXAMPLE_PATH.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^homeserver = ".*"$', f'homeserver = "{server.base_url}"', text)
    text = re.sub(r'(?m)^user_id = ".*"$', f'user_id = "{user.user_id}"', text)
    # Compared with an echo bot that does not encrypt; the residents' chats are unencrypted.
    text = re.sub(r"(\[encryption\][^\[]*?)enabled = true", r"\1enabled = false", text)
    for key, value in limits.items():
        text = re.sub(rf"(?m)^{key} = \d+$", f"{key} = {value}", text)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "tryggbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def start_tryggbot(home: Path, config: Path, user: RegisteredUser) -> BotProc:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LC_ALL="en_US.UTF-8", LANG="en_US.UTF-8")
    env["TRYGGBOT_PASSWORD"] = user.password
    env["TRYGGBOT_PSEUDONYM_KEY"] = "bench-pseudonym-key-0123456789"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--log-level",
        "WARNING",
        "run",
        "--config",
        str(config),
        cwd=home,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=(home / "tryggbot.log").open("ab"),
    )
    await _ready(proc, b"is running")
    return BotProc(proc, user)


class Resident:
    """A person's client: its own sync loop; `ask` sends a message in a room and returns the
    time until the next notice from the bot in that room (one question per room at a time)."""

    def __init__(self, client: nio.AsyncClient) -> None:
        self.client = client
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.task: asyncio.Task[None] | None = None
        self.notices: dict[str, int] = {}
        self.last: dict[str, float] = {}  # per room: how long the last `ask` took to send
        self.stamps: dict[str, tuple[int, int]] = {}  # per room, ms: (asked, reply's server time)
        self.members: dict[str, set[str]] = {}  # per room: who has joined, from this sync
        self.texts: dict[str, list[str]] = {}  # per room: the bodies of the bot's notices
        self._joins = asyncio.Condition()
        self._noticed = asyncio.Condition()

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def start(self) -> Resident:
        first = await self.client.sync(timeout=0, full_state=True)
        assert isinstance(first, nio.SyncResponse), first
        self.task = asyncio.create_task(self._loop(first.next_batch))
        return self

    async def _loop(self, since: str) -> None:
        while True:
            resp = await self.client.sync(timeout=30_000, since=since)
            now = time.perf_counter()
            if not isinstance(resp, nio.SyncResponse):
                await asyncio.sleep(0.2)
                continue
            since = resp.next_batch
            await self._learn_members(resp)
            for room_id, info in resp.rooms.join.items():
                for event in info.timeline.events:
                    if event.source.get("sender") == self.user_id:
                        continue
                    if (event.source.get("content") or {}).get("msgtype") != "m.notice":
                        continue
                    self.notices[room_id] = self.notices.get(room_id, 0) + 1
                    body = (event.source.get("content") or {}).get("body")
                    self.texts.setdefault(room_id, []).append(str(body))
                    fut = self.waiting.pop(room_id, None)
                    if fut is not None and not fut.done():
                        asked = self.stamps.get(room_id, (0, 0))[0]
                        self.stamps[room_id] = (asked, int(event.source["origin_server_ts"]))
                        fut.set_result(now)

            async with self._noticed:
                self._noticed.notify_all()

    async def say_until(self, room_id: str, body: str, contains: str, within: float = 600) -> str:
        """Send ``body`` and wait for a later notice in the room that contains ``contains``;
        return that notice's body."""
        seen = len(self.texts.get(room_id, ()))
        resp = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        assert isinstance(resp, nio.RoomSendResponse), resp

        def found() -> str | None:
            return next((t for t in self.texts.get(room_id, [])[seen:] if contains in t), None)

        async with self._noticed:
            await asyncio.wait_for(self._noticed.wait_for(lambda: found() is not None), within)
        text = found()
        assert text is not None
        return text

    async def _learn_members(self, resp: nio.SyncResponse) -> None:
        changed = False
        for room_id, info in resp.rooms.join.items():
            for event in [*info.state, *info.timeline.events]:
                source = getattr(event, "source", {})
                if source.get("type") != "m.room.member":
                    continue
                joined = self.members.setdefault(room_id, set())
                who = str(source.get("state_key"))
                if (source.get("content") or {}).get("membership") == "join":
                    joined.add(who)
                else:
                    joined.discard(who)
                changed = True
        if changed:
            async with self._joins:
                self._joins.notify_all()

    async def wait_joined(self, room_id: str, user_id: str, within: float = 1800) -> None:
        """Until this resident's own sync shows ``user_id`` joined ``room_id`` (no polling:
        a thousand residents polling the room state would load the homeserver themselves)."""
        async with self._joins:
            await asyncio.wait_for(
                self._joins.wait_for(lambda: user_id in self.members.get(room_id, ())), within
            )

    async def ask(self, room_id: str, body: str, within: float = 120) -> float:
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[room_id] = fut
        t0, wall = time.perf_counter(), time.time()
        resp = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        assert isinstance(resp, nio.RoomSendResponse), resp
        self.last[room_id] = time.perf_counter() - t0
        self.stamps[room_id] = (int(wall * 1000), 0)
        t1 = await asyncio.wait_for(fut, within)
        await asyncio.sleep(0.3)  # let a second notice (if any) pass before the next question
        return t1 - t0

    async def direct_chat(self, bot_id: str) -> str:
        for attempt in range(3):  # a saturated Synapse sometimes refuses ("Couldn't generate
            # a unique room ID"); a refused creation made no room, so asking again is safe
            resp = await self.client.room_create(
                is_direct=True, invite=[bot_id], preset=nio.RoomPreset.trusted_private_chat
            )
            if isinstance(resp, nio.RoomCreateResponse) or attempt == 2:
                break
            await asyncio.sleep(1 + attempt)
        assert isinstance(resp, nio.RoomCreateResponse), resp
        return str(resp.room_id)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        await self.client.close()


def pct(samples: Sequence[float], q: float) -> float:
    ms = sorted(s * 1000 for s in samples)
    return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]


def line(name: str, samples: Sequence[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"{name:<34} n={len(ms):<5} p50 {statistics.median(ms):7.1f} ms  "
        f"p95 {pct(samples, 0.95):7.1f} ms  p99 {pct(samples, 0.99):7.1f} ms"
    )


def ratio(name: str, mine: Sequence[float], ref: Sequence[float], goals: Sequence[float]) -> str:
    parts = []
    for q, goal in zip((0.5, 0.95, 0.99), goals, strict=True):
        parts.append(f"p{round(q * 100)} {pct(mine, q) / pct(ref, q):.2f}x (goal <= {goal}x)")
    return f"{name}: " + ", ".join(parts)


async def with_synapse(prefix: str, run: Callable[[LocalSynapse, Path], Awaitable[None]]) -> None:
    """Start a throwaway Synapse in a temporary folder, ``run(server, folder)``, stop it.

    With ``BENCH_SYNAPSE_LOG=FILE`` in the environment, Synapse logs at INFO (a line per
    request, with its time) and the log is copied to FILE at the end: to see where the time
    goes. The extra logging slows Synapse a little."""
    keep = os.environ.get("BENCH_SYNAPSE_LOG")
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        base = Path(tmp)
        server = LocalSynapse(
            base / "synapse", port=free_port(), log_level="INFO" if keep else "WARNING"
        )
        await server.start()
        try:
            await run(server, base)
        finally:
            await server.stop()
            if keep:
                shutil.copyfile(server.log_path, keep)
