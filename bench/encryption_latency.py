"""What encryption costs: Tryggbot's reply latency in an encrypted direct chat against the same
bot in an unencrypted one, and its start-up time with and without encryption (first start:
store, device keys, cross-signing bootstrap; restart: checks only).

Starts a throwaway Synapse, one bot with encryption on (encrypted direct chat, an encrypting
nio client with a cross-signed device) and one with encryption off (unencrypted direct chat, the
same kind of client), and sends ``!hjälp`` N times to each, one at a time, timing until the help
text is shown (decrypted) to the resident.

Run: ``.venv/bin/python bench/encryption_latency.py [--messages 50]``.
Prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.homeserver import LocalSynapse, free_port  # noqa: E402
from tests.e2e.botkit import Peer, RunningBot, bot_settings, start_bot  # noqa: E402
from tests.e2e.cryptokit import crypto_peer, encrypted_direct_chat  # noqa: E402

HELP = "Det här kan du göra"


async def timed_start(server: LocalSynapse, home: Path, encrypted: bool, user: object) -> float:
    settings = bot_settings(
        server, user, **{"encryption.enabled": encrypted, "limits.flood_messages": 1000}
    )  # type: ignore[arg-type]
    began = time.perf_counter()
    bot = await start_bot(settings, user, home)  # type: ignore[arg-type]
    took = time.perf_counter() - began
    await bot.stop()
    return took


async def round_trips(resident: Peer, room: str, bot_id: str, n: int) -> list[float]:
    def count() -> int:
        return sum(HELP in m["content"]["body"] for m in resident.notices(room, bot_id))

    out = []
    for i in range(n + 2):  # two warm-ups (the first answer also shows the safety notice)
        before = count()
        began = time.perf_counter()
        await resident.say(room, "!hjälp")
        await resident.wait_for(lambda _, b=before: count() > b, within=60)  # type: ignore[misc]
        if i >= 2:
            out.append(time.perf_counter() - began)
    return out


def describe(name: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{name:<26} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   n={len(ms)}"


async def main(messages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        server = LocalSynapse(base / "synapse", port=free_port())
        await server.start()
        bots: list[RunningBot] = []
        peers: list[Peer] = []
        try:
            results: dict[str, list[float]] = {}
            starts: dict[str, tuple[float, float]] = {}
            for encrypted in (False, True):
                tag = "encrypted" if encrypted else "unencrypted"
                bot_user = await server.register(
                    f"bot-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
                )
                home = base / tag
                first = await timed_start(server, home, encrypted, bot_user)
                again = await timed_start(server, home, encrypted, bot_user)
                starts[tag] = (first, again)
                resident_user = await server.register(
                    f"res-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
                )
                resident = await crypto_peer(server, resident_user, base / f"{tag}-client")
                peers.append(resident)
                bot = await start_bot(
                    bot_settings(
                        server,
                        bot_user,
                        **{"encryption.enabled": encrypted, "limits.flood_messages": 1000},
                    ),
                    bot_user,
                    home,
                )
                bots.append(bot)
                if encrypted:
                    room = await encrypted_direct_chat(resident, bot_user.user_id)
                else:
                    resp = await resident.client.room_create(
                        is_direct=True,
                        invite=[bot_user.user_id],
                        preset=nio.RoomPreset.trusted_private_chat,
                    )
                    assert isinstance(resp, nio.RoomCreateResponse), resp
                    room = str(resp.room_id)
                    await resident.wait_membership(room, bot_user.user_id, "join")
                results[tag] = await round_trips(resident, room, bot_user.user_id, messages)
            print(f"Tryggbot !hjälp round trip in a direct chat, {messages} messages each")
            print(describe("unencrypted (reference)", results["unencrypted"]))
            print(describe("encrypted", results["encrypted"]))
            ratio = statistics.median(results["encrypted"]) / statistics.median(
                results["unencrypted"]
            )
            print(f"encrypted / unencrypted median: {ratio:.2f}x")
            print("start-up until the first sync (first start / restart)")
            for tag, (first, again) in starts.items():
                print(f"  {tag:<24} {first * 1000:7.0f} ms / {again * 1000:7.0f} ms")
        finally:
            for bot in bots:
                await bot.stop()
            for p in peers:
                await p.close()
            await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.messages))
