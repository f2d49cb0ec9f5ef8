"""The homeserver's floor for the Matrix benchmarks: an echo bot over plain HTTP (aiohttp, no
matrix-nio), as its own process.

It long-polls ``/sync`` (with Tryggbot's own sync filter, so the homeserver does the same work
for it), joins every invite, and answers every ``m.text`` with an ``m.notice`` that replies to
it, straight from the sync loop and concurrently: no parsing beyond ``json.loads``, no
validation, no storage, no order. What is left of a round trip is the homeserver's time and
the loopback. Run by bench/load.py and bench/matrix_latency.py:
``python bench/raw_echo_bot.py HOMESERVER USER_ID ACCESS_TOKEN DEVICE_ID FILTER_JSON
[ONLY_FROM]`` (bench/procs.py passes Tryggbot's ``SYNC_FILTER``, so this process never imports
nio); with ONLY_FROM it answers that user alone.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import sys
from collections.abc import Coroutine
from typing import Any
from urllib.parse import quote

import aiohttp

API = "/_matrix/client/v3"


async def main(
    homeserver: str,
    user_id: str,
    token: str,
    device_id: str,
    sync_filter: str,
    only_from: str | None = None,
) -> None:
    del device_id  # the access token names the device
    headers = {"Authorization": f"Bearer {token}"}
    txns = itertools.count()
    prefix = f"raw-echo-{secrets.token_hex(4)}"  # txn ids unique to this process
    tasks: set[asyncio.Task[object]] = set()
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(homeserver, headers=headers, timeout=timeout) as http:

        async def sync(since: str | None, wait_ms: int) -> dict[str, Any]:
            params = {"timeout": str(wait_ms), "filter": sync_filter}
            if since:
                params["since"] = since
            while True:
                async with http.get(f"{API}/sync", params=params) as resp:
                    if resp.status == 200:
                        body: dict[str, Any] = json.loads(await resp.read())
                        return body
                await asyncio.sleep(0.5)

        async def join(room_id: str) -> None:
            async with http.post(f"{API}/join/{quote(room_id, safe='')}", json={}) as resp:
                await resp.read()

        async def answer(room_id: str, event_id: str) -> None:
            content = {
                "msgtype": "m.notice",
                "body": "echo",
                "m.relates_to": {"m.in_reply_to": {"event_id": event_id}},
            }
            room = quote(room_id, safe="")
            path = f"{API}/rooms/{room}/send/m.room.message/{prefix}-{next(txns)}"
            async with http.put(path, json=content) as resp:
                await resp.read()

        def spawn(coro: Coroutine[Any, Any, object]) -> None:  # concurrently: it never queues
            task = asyncio.ensure_future(coro)
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        first = await sync(None, 0)
        since = str(first["next_batch"])
        for room_id in (first.get("rooms") or {}).get("invite") or {}:
            spawn(join(room_id))
        print("raw echo bot ready", flush=True)
        while True:
            body = await sync(since, 30_000)
            since = str(body["next_batch"])
            rooms = body.get("rooms") or {}
            for room_id in rooms.get("invite") or {}:
                spawn(join(room_id))
            for room_id, info in (rooms.get("join") or {}).items():
                for event in (info.get("timeline") or {}).get("events") or ():
                    sender = event.get("sender")
                    content = event.get("content") or {}
                    if (
                        event.get("type") != "m.room.message"
                        or content.get("msgtype") != "m.text"
                        or sender == user_id
                        or "state_key" in event
                    ):
                        continue
                    if only_from is None or sender == only_from:
                        spawn(answer(room_id, str(event["event_id"])))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
