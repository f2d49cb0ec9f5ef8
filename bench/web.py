"""The web chat under many pages at once: N pages connect (a session and a reply stream each),
then all send one message at the same moment; the figure is the time from sending to the
first reply on the page's stream. The floor is a bare aiohttp endpoint in the same process
layout (its own process, the same session/send/stream routes, replying with an echo),
measured in the same run. Memory per idle connected page: the server's resident memory with
N idle streams open, less before, divided by N. CPU per message: the server process's CPU
time (all threads) during the burst, divided by N: steadier than the latencies on a machine
shared with other work.

    .venv/bin/python bench/web.py [--pages 500] [--rounds 1]

Tryggbot's side is the real engine and SQLite database (the first message of a page gets
the safety notice first, as in chat); Matrix is replaced by a messenger that drops what it
is given (no Matrix room is involved). Prints figures; asserts nothing about speed."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))


# ------------------------------------------------------------------ the two servers


class NullMessenger:
    """Matrix is not part of this bench: what would go there is dropped."""

    async def send(self, out: Any) -> str | None:
        return None

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        return None

    async def direct_room(self, user_id: str) -> str:
        return "!none:bench"

    def known_direct_room(self, user_id: str) -> str | None:
        return None


async def serve_tryggbot(port: int, pages: int) -> None:
    from bot.app import build_app
    from bot.web.messenger import RoutingMessenger, WebMessenger
    from bot.web.server import WebServer
    from config.settings import Secrets
    from tests.harness import make_settings

    settings = make_settings(
        **{
            "web.enabled": True,
            "web.port": port,
            "web.public_url": f"http://127.0.0.1:{port}",
            "web.max_streams": pages + 10,
            "web.max_streams_per_address": pages + 10,
            "web.address_per_minute": 100_000,
            "web.sessions_per_address_minute": 100_000,
            "web.heartbeat_seconds": 30,
        }
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    web_messenger = WebMessenger()
    app = await build_app(
        settings,
        Secrets(pseudonym_key=b"bench-web-pseudonym-key-0123456789"),
        RoutingMessenger(NullMessenger(), web_messenger),
        base_dir=folder,
        db_path=folder / "bench.sqlite3",
        inline=web_messenger.inline,
    )
    web_messenger.bind(app.svc)
    server = WebServer(app.svc, app.engine, web_messenger.hub)
    await server.start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
        await app.close()


async def serve_echo(port: int) -> None:
    """The floor: the same routes, a JSON body, an in-memory queue per session, SSE out."""
    queues: dict[str, asyncio.Queue[str]] = {}

    async def session(request: web.Request) -> web.Response:
        data = await request.json()
        ticket = str(data["secret"])[:32]
        queues.setdefault(ticket, asyncio.Queue())
        return web.json_response({"ticket": ticket, "last_seq": 0})

    async def send(request: web.Request) -> web.Response:
        data = await request.json()
        await queues[data["ticket"]].put(json.dumps({"text": data["text"]}))
        return web.json_response({"accepted": True}, status=202)

    async def stream(request: web.Request) -> web.StreamResponse:
        queue = queues[request.query["t"]]
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(b"retry: 3000\n\n")
        seq = 0
        while True:
            try:
                text = await asyncio.wait_for(queue.get(), 30)
            except TimeoutError:
                await resp.write(b": ping\n\n")
                continue
            seq += 1
            await resp.write(f"id: {seq}\ndata: {text}\n\n".encode())

    app = web.Application()
    app.add_routes(
        [
            web.post("/api/session", session),
            web.post("/api/send", send),
            web.get("/api/stream", stream),
        ]
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


# ------------------------------------------------------------------ the pages


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Page:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base
        self.ticket = ""
        self.first_reply = asyncio.get_running_loop().create_future()
        self.connected = asyncio.get_running_loop().create_future()
        self.sent_at = 0.0
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        headers = {"Origin": self.base}
        body = {"secret": secrets.token_urlsafe(32), "lang": "sv"}
        async with self.http.post(f"{self.base}/api/session", json=body, headers=headers) as r:
            self.ticket = (await r.json())["ticket"]
        self.task = asyncio.create_task(self._listen())
        await self.connected

    async def _listen(self) -> None:
        async with self.http.get(f"{self.base}/api/stream?t={self.ticket}") as resp:
            assert resp.status == 200, await resp.text()
            self.connected.set_result(None)
            async for line in resp.content:
                if line.startswith(b"data: ") and not self.first_reply.done():
                    self.first_reply.set_result(time.perf_counter())

    async def send(self, text: str) -> float:
        headers = {"Origin": self.base}
        body = {"ticket": self.ticket, "id": secrets.token_urlsafe(12), "text": text}
        self.sent_at = time.perf_counter()
        async with self.http.post(f"{self.base}/api/send", json=body, headers=headers) as r:
            assert r.status == 202, await r.text()
        return float(await self.first_reply) - self.sent_at

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


async def profiled(work: Any, path: str | None) -> None:
    """Run ``work`` until SIGTERM; with ``path``, the burst (SIGUSR1 to SIGUSR2 from the
    measuring side) under cProfile, the stats written there at the end."""
    import cProfile
    import signal

    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    profile = cProfile.Profile() if path else None
    if profile is not None:
        loop.add_signal_handler(signal.SIGUSR1, profile.enable)
        loop.add_signal_handler(signal.SIGUSR2, profile.disable)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if profile is not None and path is not None:
        profile.disable()
        profile.dump_stats(path)


async def measure(kind: str, pages: int, profile: str | None = None) -> dict[str, float]:
    from devtools.homeserver import free_port

    port = free_port()
    extra = ["--profile", profile] if profile and kind == "tryggbot" else []
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE),
        "--serve",
        kind,
        "--port",
        str(port),
        "--pages",
        str(pages),
        *extra,
        stdout=asyncio.subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert line.strip() == b"ready", line
    base = f"http://127.0.0.1:{port}"
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=60)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            warm = Page(http, base)  # one message first: lazy set-up is not measured
            await warm.open()
            await warm.send("hej")
            await warm.close()
            await asyncio.sleep(0.5)
            before = rss_kib(proc.pid)
            opened = [Page(http, base) for _ in range(pages)]
            for start in range(0, pages, 50):  # connect in waves, as pages load
                await asyncio.gather(*(p.open() for p in opened[start : start + 50]))
            await asyncio.sleep(1.0)
            idle = rss_kib(proc.pid)
            if extra:  # the burst alone under the profiler
                proc.send_signal(signal.SIGUSR1)
                await asyncio.sleep(0.2)
            started, cpu_before = time.perf_counter(), cpu_seconds(proc.pid)
            latencies = await asyncio.gather(*(p.send("hej") for p in opened))
            wall = time.perf_counter() - started
            cpu = cpu_seconds(proc.pid) - cpu_before
            if extra:
                proc.send_signal(signal.SIGUSR2)
            for p in opened:
                await p.close()
    finally:
        proc.terminate()
        await proc.wait()
    ordered = sorted(latencies)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
        "wall": wall,
        "kib_per_page": (idle - before) / pages,
        "cpu_ms": cpu / pages * 1000,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--serve", choices=["tryggbot", "echo"])
    parser.add_argument("--port", type=int)
    parser.add_argument(
        "--profile", metavar="FILE", help="profile Tryggbot's server; cProfile stats to FILE"
    )
    args = parser.parse_args()
    if args.serve == "tryggbot":
        await profiled(serve_tryggbot(args.port, args.pages), args.profile)
        return
    if args.serve == "echo":
        await serve_echo(args.port)
        return
    print(f"{args.pages} pages connected at once, each sending one message")
    print(
        f"{'server':<10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'all s':>7} {'kB/page':>8}"
        f" {'CPU ms/msg':>10}"
    )
    for _ in range(args.rounds):
        results = {
            kind: await measure(kind, args.pages, args.profile) for kind in ("echo", "tryggbot")
        }
        for kind, r in results.items():
            print(
                f"{kind:<10} {r['p50'] * 1000:>8.1f} {r['p99'] * 1000:>8.1f}"
                f" {r['max'] * 1000:>8.1f} {r['wall']:>7.2f} {r['kib_per_page'] * 1.024:>8.1f}"
                f" {r['cpu_ms']:>10.2f}"
            )
        echo, bot = results["echo"], results["tryggbot"]
        p50, p99 = bot["p50"] / echo["p50"], bot["p99"] / echo["p99"]
        met = p50 <= 1.5 and p99 <= 2.0 and bot["kib_per_page"] * 1.024 <= 20
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"tryggbot / echo: p50 {p50:.1f}x, p99 {p99:.1f}x"
            f" (goal 1.5x / 2x, <= 20 kB a page: {'met' if met else 'not met'} in this run;"
            f" load average {load})"
        )


if __name__ == "__main__":
    asyncio.run(main())
