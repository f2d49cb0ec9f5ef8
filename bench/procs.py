"""Shared pieces of the Matrix benchmarks: a throwaway Synapse, the bots as their own
processes (Tryggbot via ``python -m bot.cli run``, the bare nio echo bot, the raw-HTTP echo
bot), residents with their own sync loops that time the first bot notice after each message,
and figures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matrix.bot import SYNC_FILTER  # noqa: E402
from config.base import EXAMPLE_PATH  # noqa: E402
from devtools.homeserver import LocalSynapse, RegisteredUser, free_port  # noqa: E402

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

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (user + system)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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


async def start_raw_echo(
    server: LocalSynapse, user: RegisteredUser, only_from: str | None = None
) -> BotProc:
    """The raw-HTTP echo bot (aiohttp, no nio), with Tryggbot's sync filter: the floor."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "raw_echo_bot.py"),
        server.base_url,
        user.user_id,
        user.access_token,
        user.device_id,
        json.dumps(SYNC_FILTER),
        *([only_from] if only_from else []),
        stdout=asyncio.subprocess.PIPE,
    )
    await _ready(proc, b"raw echo bot ready")
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


async def start_tryggbot(
    home: Path, config: Path, user: RegisteredUser, stages: Path | None = None
) -> BotProc:
    """Tryggbot as its own process; with ``stages``, it stamps each round trip's stages
    into that file (``TRYGGBOT_STAGES``, see bot/stages.py)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), LC_ALL="en_US.UTF-8", LANG="en_US.UTF-8")
    if stages is not None:
        env["TRYGGBOT_STAGES"] = str(stages)
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


@dataclass(frozen=True)
class Trip:
    """One question and its answer as the resident saw them (``time.monotonic_ns``)."""

    room_id: str
    event_id: str
    asked: int
    accepted: int  # the homeserver answered the resident's send
    seen: int  # the resident's sync brought the bot's notice


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
        self.trips: list[Trip] = []  # every `ask`, with monotonic stamps (for stage tables)
        self._seen_ns: dict[str, int] = {}
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
            now, now_ns = time.perf_counter(), time.monotonic_ns()
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
                        self._seen_ns[room_id] = now_ns
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
        t0, wall, asked_ns = time.perf_counter(), time.time(), time.monotonic_ns()
        resp = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        assert isinstance(resp, nio.RoomSendResponse), resp
        accepted_ns = time.monotonic_ns()
        self.last[room_id] = time.perf_counter() - t0
        self.stamps[room_id] = (int(wall * 1000), 0)
        t1 = await asyncio.wait_for(fut, within)
        self.trips.append(
            Trip(room_id, str(resp.event_id), asked_ns, accepted_ns, self._seen_ns[room_id])
        )
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


# The stages of one round trip, in order: (stamp, what happened since the previous stamp).
# "asked", "accepted" and "seen" are the resident's; the others Tryggbot's (bot/stages.py).
STAGES = (
    ("accepted", "resident's send, until Synapse accepted it"),
    ("sync_http", "Synapse answers the bot's long-poll (response headers in)"),
    ("parsed", "nio: read the body, JSON, schema validation, parsing"),
    ("synced", "nio: the sync's room state and callbacks"),
    ("inbox", "classify, role, seal, inbox write and commit"),
    ("worker", "worker wakes and takes the event"),
    ("worker_slot", "worker slot"),
    ("unit", "open the inbox payload, unit of work begins"),
    ("written", "the handling: context, route, !hjälp, outbox write"),
    ("committed", "commit"),
    ("send", "flush: read the outbox row, open, decode, content"),
    ("send_slot", "send slot"),
    ("send_http", "the send: Synapse stores the reply (response in)"),
    ("send_parsed", "nio: the send's response"),
    ("seen", "Synapse answers the resident's sync; resident's nio"),
)


def stage_table(stamps_file: Path, trips: Sequence[Trip], floor: Sequence[Trip]) -> list[str]:
    """The median time of each stage of Tryggbot's round trips ``trips`` (stamps from the
    bot's ``TRYGGBOT_STAGES`` file joined with the resident's own), the database round trips
    made in it, and the same resident-side stages of ``floor`` (the raw echo bot's trips)."""
    recorded: dict[str, dict[str, tuple[int, int]]] = {}
    if stamps_file.exists():
        for text in stamps_file.read_text(encoding="utf-8").splitlines():
            entry = json.loads(text)
            recorded[entry["event"]] = {name: (ns, db) for name, ns, db in entry["stages"]}
    spans: dict[str, list[float]] = {name: [] for name, _ in STAGES}
    trips_db: dict[str, list[int]] = {name: [] for name, _ in STAGES}
    after: list[float] = []
    after_db: list[int] = []
    totals: list[float] = []
    for trip in trips:
        bot = recorded.get(trip.event_id)
        if bot is None or any(name not in bot for name, _ in STAGES[1:-1]):
            continue
        stamps = {"asked": (trip.asked, 0), **bot, "accepted": (trip.accepted, 0)}
        stamps["seen"] = (trip.seen, bot["send_parsed"][1])
        previous = "asked"
        for name, _ in STAGES:
            spans[name].append((stamps[name][0] - stamps[previous][0]) / 1e6)
            if name not in ("accepted", "sync_http"):
                trips_db[name].append(stamps[name][1] - stamps[previous][1])
            previous = name
        if "done" in bot:
            after.append((bot["done"][0] - bot["send_parsed"][0]) / 1e6)
            after_db.append(bot["done"][1] - bot["send_parsed"][1])
        totals.append((trip.seen - trip.asked) / 1e6)
    if not totals:
        return ["(no stage stamps recorded)"]
    out = [f"{'stage (medians of ' + str(len(totals)) + ' round trips)':<62} {'ms':>7}  db"]
    for name, label in STAGES:
        db = f"{statistics.median(trips_db[name]):3.0f}" if trips_db[name] else "  -"
        out.append(f"{label:<62} {statistics.median(spans[name]):7.2f}  {db}")
    out.append(f"{'round trip':<62} {statistics.median(totals):7.2f}")
    outside = ("accepted", "sync_http", "send_http", "seen")  # the homeserver's (and loopback)
    in_bot = [
        sum(spans[name][i] for name, _ in STAGES if name not in outside) for i in range(len(totals))
    ]
    out.append(
        f"{'  of it inside the bot (all but the four homeserver stages)':<62}"
        f" {statistics.median(in_bot):7.2f}"
    )
    if after:
        out.append(
            f"{'after the send, off the path: outbox row deleted, event marked':<62}"
            f" {statistics.median(after):7.2f}  {statistics.median(after_db):3.0f}"
        )
    if floor:
        sent = statistics.median((t.accepted - t.asked) / 1e6 for t in floor)
        rest = statistics.median((t.seen - t.accepted) / 1e6 for t in floor)
        out.append(
            f"raw echo bot, same run: resident's send {sent:.2f} ms, accepted to seen "
            f"{rest:.2f} ms, round trip "
            f"{statistics.median((t.seen - t.asked) / 1e6 for t in floor):.2f} ms"
        )
    return out
