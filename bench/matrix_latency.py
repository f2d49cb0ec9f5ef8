"""Reply latency of Tryggbot on a real Synapse, against two echo bots, each bot in its own
process: the raw-HTTP echo bot (``bench/raw_echo_bot.py``: aiohttp, no nio, the homeserver's
floor) and the bare matrix-nio echo bot (``bench/echo_bot.py``).

Starts a throwaway Synapse (relaxed rate limits, 127.0.0.1, free port) and the three bots; one
measuring client with its own sync loop opens a direct chat with each, sends ``!hjälp`` and
waits for the bot's notice, one message at a time, in interleaved rounds (each bot goes first
in turn), N times per bot after a warm-up. Then the time for Tryggbot's Matrix messenger to
send one notice to 200 rooms (bounded concurrency, ``matrix.send_concurrency``), from a
second Tryggbot run in this process on its own account.

Run: ``.venv/bin/python bench/matrix_latency.py [--messages 200] [--rooms 200]``.
Prints figures; it asserts nothing. Goal (issue 24): Tryggbot's median within 1.15x and its
p99 within 1.3x of the raw-HTTP echo bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
import tomllib
from pathlib import Path
from typing import Any

import nio
from procs import (
    BotProc,
    Resident,
    client_for,
    line,
    pct,
    register,
    start_echo,
    start_raw_echo,
    start_tryggbot,
    tryggbot_config,
    with_synapse,
)

from bot.cli import open_matrix
from bot.matrix.session import Credentials
from bot.messages import Outgoing
from config.base import EXAMPLE_PATH
from config.settings import Secrets, parse_settings
from devtools.homeserver import LocalSynapse

RAW, NIO, BOT = "raw echo", "nio echo", "Tryggbot"


async def latency(server: LocalSynapse, base: Path, n: int, warmup: int) -> None:
    """Phase 1: the three bots, each its own process, asked in interleaved rounds."""
    bot_user = await register(server, "tryggbot")
    home = base / "tryggbot"
    config = tryggbot_config(home, server, bot_user, flood_messages=1000)
    bots: dict[str, BotProc] = {
        RAW: await start_raw_echo(server, await register(server, "raw")),
        NIO: await start_echo(server, await register(server, "echo")),
        BOT: await start_tryggbot(home, config, bot_user),
    }
    person = await Resident(client_for(server, await register(server, "person"))).start()
    try:
        rooms = {}
        for name, proc in bots.items():
            rooms[name] = await person.direct_chat(proc.user.user_id)
            await person.wait_joined(rooms[name], proc.user.user_id)
        await person.ask(rooms[BOT], "!om")  # first contact: the safety notice comes first
        for _ in range(warmup):
            for name in bots:
                await person.ask(rooms[name], "!hjälp")
        samples: dict[str, list[float]] = {name: [] for name in bots}
        cpu = {name: proc.cpu_seconds() for name, proc in bots.items()}
        order = list(bots)
        for k in range(n):
            for name in order[k % 3 :] + order[: k % 3]:  # each bot goes first in turn
                samples[name].append(await person.ask(rooms[name], "!hjälp"))
        print(f"Synapse {server.base_url}, {n} messages per bot, one at a time, interleaved")
        for name, got in samples.items():
            used = (bots[name].cpu_seconds() - cpu[name]) / n * 1000
            print(line(name, got) + f"  CPU {used:5.2f} ms/reply")
        for ref in (RAW, NIO):
            med = statistics.median(samples[BOT]) / statistics.median(samples[ref])
            p99 = pct(samples[BOT], 0.99) / pct(samples[ref], 0.99)
            print(
                f"Tryggbot / {ref}: median {med:.2f}x (goal <= 1.15x), p99 {p99:.2f}x"
                " (goal <= 1.3x)"
            )
    finally:
        await person.close()
        await bots[BOT].stop()
        await bots[RAW].kill()
        await bots[NIO].kill()


async def fanout(server: LocalSynapse, base: Path, n_rooms: int) -> None:
    """Phase 2: one notice to ``n_rooms`` rooms through Tryggbot's messenger."""
    bot_user = await server.register(f"fanout-{secrets.token_hex(3)}", secrets.token_urlsafe(12))
    data: dict[str, Any] = tomllib.loads(EXAMPLE_PATH.read_text("utf-8"))
    data["matrix"].update(homeserver=server.base_url, user_id=bot_user.user_id)
    settings = parse_settings(data)
    runtime = await open_matrix(
        settings,
        Secrets(pseudonym_key=b"bench-pseudonym-key-0123456789"),
        Credentials(password=bot_user.password),
        base_dir=base / "fanout",
        db_path=base / "fanout" / "bot.sqlite3",
    )
    bot_task = asyncio.create_task(runtime.run())
    try:
        rooms = []
        for _ in range(n_rooms):
            resp = await runtime.transport.client.room_create(preset=nio.RoomPreset.public_chat)
            assert isinstance(resp, nio.RoomCreateResponse), resp
            rooms.append(str(resp.room_id))
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
        runtime.request_stop()
        await bot_task


async def run(server: LocalSynapse, base: Path, args: argparse.Namespace) -> None:
    await latency(server, base, args.messages, args.warmup)
    if args.rooms:
        await fanout(server, base, args.rooms)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(with_synapse("tryggbot-bench-", lambda server, base: run(server, base, args)))
