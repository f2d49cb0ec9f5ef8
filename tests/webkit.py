"""Helpers for the web transport's tests: the real engine and a real SQLite file (the
`Harness`), with the web chat served by aiohttp's test server and Matrix replaced by the
harness's `FakeMessenger` behind the same `RoutingMessenger` as in production."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector
from aiohttp.test_utils import TestServer

from bot.web.messenger import RoutingMessenger, WebMessenger
from bot.web.server import WebServer
from storage import web as web_rows
from tests.harness import Harness, make_settings

ORIGIN = "https://chatt.example.se"


def web_settings(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "web.enabled": True,
        "web.public_url": ORIGIN,
        "web.allowed_origins": ["https://www.example.se"],
        "web.heartbeat_seconds": 1,
    }
    values.update(overrides)
    return make_settings(**values)


@dataclass
class Event:
    id: str | None
    kind: str
    data: str

    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.data)
        return parsed


@dataclass
class WebBot:
    harness: Harness
    server: WebServer
    http: TestServer
    client: ClientSession
    web: WebMessenger
    streams: list[Any] = field(default_factory=list)

    def url(self, path: str) -> str:
        return str(self.http.make_url(path))

    async def post(
        self, path: str, body: Any, *, origin: str | None = ORIGIN, raw: bytes | None = None
    ) -> tuple[int, dict[str, Any], Any]:
        headers = {"Content-Type": "application/json"}
        if origin is not None:
            headers["Origin"] = origin
        data = raw if raw is not None else json.dumps(body).encode()
        async with self.client.post(self.url(path), data=data, headers=headers) as resp:
            payload = await resp.json(content_type=None)
            return resp.status, payload, resp.headers

    async def session(self, secret: str | None = None, lang: str = "sv") -> str:
        status, data, _ = await self.post(
            "/api/session", {"secret": secret or new_secret(), "lang": lang}
        )
        assert status == 200, data
        return str(data["ticket"])

    async def send(self, ticket: str, text: str, client_id: str | None = None) -> int:
        status, _, _ = await self.post(
            "/api/send", {"ticket": ticket, "id": client_id or new_id(), "text": text}
        )
        return status

    async def open_stream(self, ticket: str, after: int = 0, last_event_id: int | None = None):  # type: ignore[no-untyped-def]
        headers = {}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        resp = await self.client.get(
            self.url(f"/api/stream?t={ticket}&after={after}"), headers=headers
        )
        self.streams.append(resp)
        return resp

    async def replies(self, ticket: str, count: int, *, after: int = 0) -> list[Event]:
        """Open a stream after ``after`` and read ``count`` replies (then close it)."""
        resp = await self.open_stream(ticket, after)
        try:
            assert resp.status == 200, await resp.text()
            return await read_events(resp, count)
        finally:
            resp.close()

    async def settle(self) -> None:
        """Wait until the web events in the inbox are handled and their replies stored."""
        for _ in range(2000):
            async with self.harness.svc.db.read() as conn:
                rows = await conn.execute_fetchall(
                    "SELECT (SELECT count(*) FROM inbox) + (SELECT count(*) FROM outbox) AS n"
                )
            if rows[0]["n"] == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the web events were not handled")

    async def say(self, ticket: str, text: str, after: int) -> list[Event]:
        """Send ``text``, wait until it is handled, and read every reply after ``after``."""
        assert await self.send(ticket, text) == 202
        await self.settle()
        async with self.harness.svc.db.read() as conn:
            last = await web_rows.last_seq(conn, ticket.split(".")[0])
        return await self.replies(ticket, last - after, after=after) if last > after else []

    async def close(self) -> None:
        for resp in self.streams:
            resp.close()
        await self.client.close()
        await self.server.stop()
        await self.http.close()
        await self.harness.stop()


async def read_events(resp: Any, count: int, wait: float = 30) -> list[Event]:
    """Read SSE events (not comments) until ``count`` messages arrived."""
    events: list[Event] = []

    async def read() -> None:
        ev_id, kind, data = None, "message", []
        while sum(1 for e in events if e.kind == "message") < count:
            line = (await resp.content.readline()).decode("utf-8")
            if line == "":
                raise AssertionError("the stream ended early")
            line = line.rstrip("\n")
            if line == "":
                if data:
                    events.append(Event(ev_id, kind, "\n".join(data)))
                ev_id, kind, data = None, "message", []
            elif line.startswith(":"):
                continue
            elif line.startswith("id: "):
                ev_id = line[4:]
            elif line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])

    await asyncio.wait_for(read(), wait)
    return [e for e in events if e.kind == "message"]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_id() -> str:
    return secrets.token_urlsafe(12)


async def start_web(tmp_path: Path, settings: Any = None) -> WebBot:
    harness = Harness(tmp_path, settings or web_settings())
    web = WebMessenger()
    fake = harness.messenger
    harness.messenger = RoutingMessenger(fake, web)  # type: ignore[assignment]
    harness.inline = web.inline
    await harness.start()
    harness.messenger = fake  # the harness reads what Matrix got from the fake
    web.bind(harness.svc)
    assert harness.app is not None
    server = WebServer(harness.svc, harness.app.engine, web.hub)
    server.start_background()
    http = TestServer(server.app())
    await http.start_server()
    client = ClientSession(connector=TCPConnector(limit=0), timeout=ClientTimeout(total=120))
    return WebBot(harness, server, http, client, web)
