"""Scale: Tryggbot (its own process) in many direct chats, opened as a burst of newcomers.

1. The direct-chat round trip (``!hjälp``, one at a time) while the bot is in 3 rooms.
2. ``--people`` residents open ``--rooms`` direct chats in total, all at once; every chat must
   be joined, recorded as a direct chat (the bot's ``room`` table and its ``m.direct``) and
   answer a plain message.
3. The same round trip at that size, and its ratio to 1 (goal <= 1.1x). The reference: a bare
   echo bot (its own process) in one room throughout, asked in turn with Tryggbot in 1 and 3;
   its ratio is what the homeserver alone adds (its database has grown by 1,000 rooms).
4. Restart (SIGTERM, start again): the time from starting the process to the first answer
   to a message sent while it was down (goal <= 2 s); RSS after it.

Run: ``.venv/bin/python bench/scale.py [--rooms 1000] [--people 20]``. Prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import time
from pathlib import Path

from procs import (
    BotProc,
    Resident,
    client_for,
    register,
    start_echo,
    start_tryggbot,
    tryggbot_config,
    with_synapse,
)

from devtools.homeserver import LocalSynapse


async def round_trips(
    person: Resident, room: str, echo_room: str, n: int
) -> tuple[list[float], list[float]]:
    """``n`` round trips to Tryggbot and to the echo bot, in turn."""
    mine: list[float] = []
    ref: list[float] = []
    for _ in range(n):
        mine.append(await person.ask(room, "!hjälp"))
        ref.append(await person.ask(echo_room, "!hjälp"))
    return mine, ref


def med(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def run(server: LocalSynapse, base: Path, args: argparse.Namespace) -> None:
    bot_user = await register(server, "tryggbot")
    home = base / "tryggbot"
    config = tryggbot_config(home, server, bot_user, flood_messages=1000)
    bot = await start_tryggbot(home, config, bot_user)
    echo: BotProc = await start_echo(server, await register(server, "echo"))
    probe = await Resident(client_for(server, await register(server, "probe"))).start()
    people = [
        await Resident(client_for(server, await register(server, "newcomer"))).start()
        for _ in range(args.people)
    ]
    try:
        probe_rooms = [await probe.direct_chat(bot_user.user_id) for _ in range(3)]
        for room in probe_rooms:
            await probe.wait_joined(room, bot_user.user_id)
        await probe.ask(probe_rooms[0], "!om")
        echo_room = await probe.direct_chat(echo.user.user_id)
        await probe.wait_joined(echo_room, echo.user.user_id)
        await probe.ask(echo_room, "!hjälp")
        small, echo_small = await round_trips(probe, probe_rooms[0], echo_room, args.samples)
        print(f"Synapse {server.base_url}")
        print(
            f"1. round trip in 3 rooms: median {med(small):.1f} ms (n={len(small)});"
            f" the echo bot {med(echo_small):.1f} ms"
        )

        each = args.rooms // args.people
        t0 = time.perf_counter()
        made = await asyncio.gather(
            *(p.direct_chat(bot_user.user_id) for p in people for _ in range(each))
        )
        owners = [p for p in people for _ in range(each)]
        await asyncio.gather(
            *(o.wait_joined(r, bot_user.user_id) for o, r in zip(owners, made, strict=True))
        )
        joined = time.perf_counter() - t0
        await asyncio.gather(
            *(
                o.client.room_send(r, "m.room.message", {"msgtype": "m.text", "body": "Hej"})
                for o, r in zip(owners, made, strict=True)
            )
        )
        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline:
            answered = sum(1 for o, r in zip(owners, made, strict=True) if o.notices.get(r))
            if answered == len(made):
                break
            await asyncio.sleep(1)
        print(
            f"2. {len(made)} direct chats opened at once: all joined after {joined:.1f} s; "
            f"{answered}/{len(made)} answered a plain message"
        )
        large, echo_large = await round_trips(probe, probe_rooms[0], echo_room, args.samples)
        print(
            f"3. round trip in {len(made) + 3} rooms: median {med(large):.1f} ms "
            f"= {med(large) / med(small):.2f}x the 3-room figure (goal <= 1.1x); the echo bot,"
            f" in one room throughout, {med(echo_large):.1f} ms"
            f" = {med(echo_large) / med(echo_small):.2f}x its own figure in 1"
            " (the homeserver's share)"
        )

        await bot.stop()
        db = sqlite3.connect(home / ".local" / "tryggbot.sqlite3")
        direct = {r for (r,) in db.execute("SELECT room_id FROM room WHERE kind = 'direct'")}
        db.close()
        session = json.loads((home / ".local" / "matrix-session.json").read_text())
        bot_client = client_for(server, bot_user)
        bot_client.restore_login(bot_user.user_id, session["device_id"], session["access_token"])
        resp = await bot_client.send(
            "GET",
            f"/_matrix/client/v3/user/{bot_user.user_id}/account_data/m.direct",
            headers={"Authorization": f"Bearer {session['access_token']}"},
        )
        m_direct = await resp.json()
        await bot_client.close()
        in_m_direct = {r for rooms in m_direct.values() for r in rooms}
        print(
            f"   recorded as direct chats: {len(set(made) & direct)}/{len(made)} in the room "
            f"table, {len(set(made) & in_m_direct)}/{len(made)} in m.direct"
        )

        fut = asyncio.create_task(probe.ask(probe_rooms[1], "!hjälp", within=300))
        await asyncio.sleep(0.5)  # the message is on the server while the bot is down
        t0 = time.perf_counter()
        bot = await start_tryggbot(home, config, bot_user)
        ready = time.perf_counter() - t0
        await fut
        first = time.perf_counter() - t0
        print(
            f"4. restart to first answer: {first:.2f} s (goal <= 2 s); the process was up"
            f" and logged in after {ready:.2f} s"
        )
        await asyncio.sleep(3)
        print(f"   RSS after the restart: {bot.rss_mb():.0f} MB")
    finally:
        for p in [probe, *people]:
            await p.close()
        await bot.stop()
        await echo.kill()


async def main(args: argparse.Namespace) -> None:
    await with_synapse("tryggbot-scale-", lambda server, base: run(server, base, args))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--samples", type=int, default=40)
    asyncio.run(main(parser.parse_args()))
