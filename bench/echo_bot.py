"""The reference for the Matrix benchmarks: a bare matrix-nio bot as its own process.

It syncs, joins every invite, and answers every text message with an ``m.notice`` (a reply),
straight from the sync loop and concurrently: no storage, no routing, no language, no order.
Run by bench/load.py and bench/scale.py:
``python bench/echo_bot.py HOMESERVER USER_ID ACCESS_TOKEN DEVICE_ID [ONLY_FROM]``; with
ONLY_FROM it answers that user alone and ignores everyone else (bench/load.py's floor: a bot
in the burst's rooms that has nothing to do but answer one question).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

import nio


async def main(
    homeserver: str, user_id: str, token: str, device_id: str, only_from: str | None = None
) -> None:
    config = nio.AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False)
    client = nio.AsyncClient(homeserver, user_id, device_id=device_id, config=config)
    client.restore_login(user_id, device_id, token)
    first = await client.sync(timeout=0, full_state=True)
    assert isinstance(first, nio.SyncResponse), first
    since = first.next_batch
    print("echo bot ready", flush=True)
    tasks: set[asyncio.Task[object]] = set()

    def spawn(coro: Coroutine[Any, Any, object]) -> None:  # concurrently: it never queues
        task = asyncio.ensure_future(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    while True:
        resp = await client.sync(timeout=30_000, since=since)
        if not isinstance(resp, nio.SyncResponse):
            await asyncio.sleep(0.5)
            continue
        since = resp.next_batch
        for room_id in resp.rooms.invite:
            spawn(client.join(room_id))
        for room_id, info in resp.rooms.join.items():
            for event in info.timeline.events:
                if not isinstance(event, nio.RoomMessageText) or event.sender == user_id:
                    continue
                if only_from is None or event.sender == only_from:
                    spawn(
                        client.room_send(
                            room_id,
                            "m.room.message",
                            {
                                "msgtype": "m.notice",
                                "body": "echo",
                                "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
                            },
                        )
                    )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
