"""Reply latency of Tryggbot on a real Synapse, against a bare matrix-nio echo bot.

Starts a throwaway Synapse (relaxed rate limits, 127.0.0.1, free port), then in one process:

1. a bare nio echo bot (own sync loop, replies an m.notice to every ``!help``, nothing else),
2. Tryggbot (inbox, worker, engine, router, SQLite), answering ``!help`` in a neighbourhood room,

and one measuring client that sends ``!help`` and waits for the reply (``m.in_reply_to``),
one message at a time, N times per bot (after a warm-up). Then the time for Tryggbot's Matrix
messenger to send one notice to 200 rooms (bounded concurrency, ``matrix.send_concurrency``).

Run: ``.venv/bin/python bench/matrix_latency.py [--messages 200] [--rooms 200]``.
Prints figures; it asserts nothing. Goal: Tryggbot's median within 1.15x of the echo bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import nio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli import open_matrix  # noqa: E402
from bot.matrix.homeserver import LocalSynapse, RegisteredUser, free_port  # noqa: E402
from bot.matrix.session import Credentials  # noqa: E402
from bot.messages import Outgoing  # noqa: E402
from config.settings import EXAMPLE_PATH, Secrets, parse_settings  # noqa: E402

CONFIG = nio.AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False)


def _client(server: LocalSynapse, user: RegisteredUser) -> nio.AsyncClient:
    client = nio.AsyncClient(server.base_url, user.user_id, device_id=user.device_id, config=CONFIG)
    client.restore_login(user.user_id, user.device_id, user.access_token)
    return client


async def echo_bot(client: nio.AsyncClient, stop: asyncio.Event) -> None:
    """The reference: sync, and answer each ``!help`` with a notice reply. No storage."""
    first = await client.sync(timeout=0, full_state=True)
    assert isinstance(first, nio.SyncResponse)
    while not stop.is_set():
        resp = await client.sync(timeout=30_000)
        if not isinstance(resp, nio.SyncResponse):
            continue
        for room_id in resp.rooms.invite:
            await client.join(room_id)
        for room_id, info in resp.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, nio.RoomMessageText) and event.body == "!help":
                    await client.room_send(
                        room_id,
                        "m.room.message",
                        {
                            "msgtype": "m.notice",
                            "body": "help",
                            "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
                        },
                    )


class Measurer:
    """Sends ``!help`` and times the reply (seen through its own sync loop)."""

    def __init__(self, client: nio.AsyncClient) -> None:
        self.client = client
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.early: dict[str, float] = {}
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        first = await self.client.sync(timeout=0, full_state=True)
        assert isinstance(first, nio.SyncResponse)
        self.task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            resp = await self.client.sync(timeout=30_000)
            now = time.perf_counter()
            if not isinstance(resp, nio.SyncResponse):
                continue
            for info in resp.rooms.join.values():
                for event in info.timeline.events:
                    rel = event.source.get("content", {}).get("m.relates_to") or {}
                    target = (rel.get("m.in_reply_to") or {}).get("event_id")
                    if target in self.waiting and not self.waiting[target].done():
                        self.waiting[target].set_result(now)
                    elif target:
                        self.early.setdefault(target, now)

    async def ask(self, room_id: str) -> float:
        t0 = time.perf_counter()
        resp = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": "!help"}
        )
        assert isinstance(resp, nio.RoomSendResponse), resp
        if resp.event_id in self.early:
            return self.early.pop(resp.event_id) - t0
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[resp.event_id] = fut
        t1 = await asyncio.wait_for(fut, 30)
        return t1 - t0

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def figures(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return (
        f"{name:<22} n={len(ms):<4} median {statistics.median(ms):7.1f} ms   "
        f"p99 {p99:7.1f} ms   mean {statistics.fmean(ms):7.1f} ms"
    )


async def room_with(owner: nio.AsyncClient, invite: list[str]) -> str:
    resp = await owner.room_create(preset=nio.RoomPreset.public_chat, invite=invite)
    assert isinstance(resp, nio.RoomCreateResponse), resp
    return str(resp.room_id)


async def wait_joined(client: nio.AsyncClient, room_id: str, user_id: str) -> None:
    for _ in range(600):
        resp = await client.room_get_state_event(room_id, "m.room.member", user_id)
        if (
            isinstance(resp, nio.RoomGetStateEventResponse)
            and resp.content.get("membership") == "join"
        ):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{user_id} did not join {room_id}")


async def measure(measurer: Measurer, room: str, n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        await measurer.ask(room)
    return [await measurer.ask(room) for _ in range(n)]


async def main(n: int, n_rooms: int, warmup: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tryggbot-bench-") as tmp:
        base = Path(tmp)
        server = LocalSynapse(base / "synapse", port=free_port())
        await server.start()
        try:
            await run(server, base, n, n_rooms, warmup)
        finally:
            await server.stop()


async def run(server: LocalSynapse, base: Path, n: int, n_rooms: int, warmup: int) -> None:
    tag = secrets.token_hex(3)
    person = await server.register(f"person-{tag}", secrets.token_urlsafe(12))
    echo_user = await server.register(f"echo-{tag}", secrets.token_urlsafe(12))
    bot_user = await server.register(f"tryggbot-{tag}", secrets.token_urlsafe(12))
    measurer = Measurer(_client(server, person))
    await measurer.start()

    # 1. bare echo bot
    echo = _client(server, echo_user)
    stop = asyncio.Event()
    echo_task = asyncio.create_task(echo_bot(echo, stop))
    echo_room = await room_with(measurer.client, [echo_user.user_id])
    await wait_joined(measurer.client, echo_room, echo_user.user_id)

    # 2. Tryggbot, answering in a configured neighbourhood room
    bot_room = await room_with(measurer.client, [bot_user.user_id])
    data: dict[str, Any] = tomllib.loads(EXAMPLE_PATH.read_text("utf-8"))
    data["matrix"].update(homeserver=server.base_url, user_id=bot_user.user_id)
    data["limits"]["flood_messages"] = 1000  # one person sends everything here
    data["rooms"] = [{"id": bot_room, "locality": "varnamo", "language": "sv"}]
    settings = parse_settings(data)
    runtime = await open_matrix(
        settings,
        Secrets(pseudonym_key=b"bench-pseudonym-key-0123456789"),
        Credentials(password=bot_user.password),
        base_dir=base,
        db_path=base / "bot.sqlite3",
    )
    bot_task = asyncio.create_task(runtime.run())
    await wait_joined(measurer.client, bot_room, bot_user.user_id)

    try:
        # Interleave rounds so both see the same machine state over time.
        echo_samples: list[float] = []
        bot_samples: list[float] = []
        rounds = 4
        per_round = max(1, n // rounds)
        for i in range(rounds):
            w = warmup if i == 0 else 0
            echo_samples += await measure(measurer, echo_room, per_round, w)
            bot_samples += await measure(measurer, bot_room, per_round, w)
        print(f"Synapse {server.base_url}, {len(echo_samples)} messages per bot, one at a time")
        print(figures("bare nio echo bot", echo_samples))
        print(figures("Tryggbot !help", bot_samples))
        ratio = statistics.median(bot_samples) / statistics.median(echo_samples)
        print(f"median ratio Tryggbot / echo: {ratio:.2f}x (goal <= 1.15x)")

        # 3. one notice to many rooms through Tryggbot's messenger
        owner = _client(server, person)
        rooms = []
        for _ in range(n_rooms):
            resp = await runtime.transport.client.room_create(preset=nio.RoomPreset.public_chat)
            assert isinstance(resp, nio.RoomCreateResponse), resp
            rooms.append(str(resp.room_id))
        await owner.close()
        messenger = runtime.app.svc.messenger
        t0 = time.perf_counter()
        await asyncio.gather(
            *(
                messenger.send(Outgoing(room_id=r, text="**Info:** test", txn_key=f"bench/{r}"))
                for r in rooms
            )
        )
        took = time.perf_counter() - t0
        print(
            f"one notice to {n_rooms} rooms: {took:.2f} s "
            f"({n_rooms / took:.0f} rooms/s, send_concurrency={settings.matrix.send_concurrency})"
        )
    finally:
        stop.set()
        echo_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await echo_task
        await echo.close()
        runtime.request_stop()
        await bot_task
        await measurer.close()
        await measurer.client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.rooms, args.warmup))
