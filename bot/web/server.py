"""The web chat's HTTP side, served by the bot process (aiohttp): the page, its static files,
and a small API.

- ``POST /api/session`` ``{"secret", "lang"}``: the page's secret (made and kept by the
  page) becomes a session id (keyed hash; the secret is not stored) and a stream ticket.
- ``POST /api/send`` ``{"ticket", "id", "text"}``: one message, written to the inbox under
  an event id made of the session and the page's own message id, so a resend is handled
  once. Answered 202 as soon as it is stored; the reply comes on the stream.
- ``GET /api/stream?t=TICKET&after=SEQ``: Server-Sent Events, one per reply, ``id`` the
  session's reply sequence; a reconnect (``Last-Event-ID``) gets exactly what it missed.
- ``POST /api/forget`` ``{"ticket"}``: the session's stored replies are deleted (the page
  sends ``!glöm`` first, for what the engine holds).

Every write must come from the configured origin with a JSON body under the size limit;
sessions and addresses are rate limited, streams capped, slow clients cut off; any error
is a JSON ``{"error": code, "incident": id}`` and nothing else. Addresses stay in memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.commands import Role
from bot.context import Services
from bot.engine import Engine
from bot.transports import web_room_id, web_user_id
from bot.web.http import ApiError, Handler, csp, error_response, small_int
from bot.web.identity import BadTicket, Identity
from bot.web.limits import Gauge, RateLimit
from bot.web.messenger import PURPOSE as REPLY_PURPOSE
from bot.web.messenger import WebHub
from bot.web.page import PageMaker
from bot.web.worker import INBOX_PURPOSE, MAX_ATTEMPTS, WORKER_CONCURRENCY, WebWorker
from storage import inbox, rooms
from storage import web as rows
from storage.rooms import RoomInfo

log = logging.getLogger(__name__)

CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class WebServer:
    """The web transport: start with `start()`, stop with `stop()`."""

    def __init__(self, svc: Services, engine: Engine, hub: WebHub) -> None:
        self.svc = svc
        self.engine = engine
        self.hub = hub
        self.settings = svc.settings.web
        cfg = self.settings
        self.identity = Identity(svc.pseudonymize, timedelta(hours=cfg.ticket_hours))
        self.session_rate = RateLimit(cfg.session_per_minute)
        self.address_rate = RateLimit(cfg.address_per_minute)
        self.new_session_rate = RateLimit(cfg.sessions_per_address_minute)
        self.streams = Gauge(cfg.max_streams, cfg.max_streams_per_address)
        self.pages = PageMaker(svc)
        svc.metrics.watch_web_streams(lambda: self.streams.total)
        self.worker = WebWorker(svc, engine)
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._guard], client_max_size=self.settings.max_body_bytes
        )
        app.add_routes(
            [
                web.get("/", self.page),
                web.get("/static/{name}", self.static),
                web.get("/embed.js", self.embed),
                web.post("/api/session", self.session),
                web.post("/api/send", self.send),
                web.get("/api/stream", self.stream),
                web.post("/api/forget", self.forget),
            ]
        )
        return app

    async def start(self) -> None:
        runner = web.AppRunner(
            self.app(), access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port)
        await site.start()
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.port
        self.start_background()
        log.info("web chat listening on %s:%s", self.settings.host, self.port)

    def start_background(self) -> None:
        """The inbox worker and the hourly purge (`start` runs them; tests call this alone
        when they serve `app()` themselves)."""
        self._spawn(self.worker.run())
        self._spawn(self.worker.purge_loop())

    async def stop(self) -> None:
        self._stopping.set()
        self.worker.stop()
        self.hub.wake_all()
        if self._runner is not None:
            await self._runner.cleanup()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ guard

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Security headers on everything; every refusal and error as JSON with a code."""
        try:
            if request.method == "POST":
                self._check_write(request)
            response = await handler(request)
        except ApiError as exc:
            self.svc.metrics.web_refused(exc.code)
            response = error_response(exc.status, exc.code, retry_after=exc.retry_after)
        except web.HTTPRequestEntityTooLarge:
            self.svc.metrics.web_refused("too_large")
            response = error_response(413, "too_large")
        except web.HTTPException as exc:
            if exc.status == 405:
                response = error_response(405, "method")
            else:
                response = error_response(exc.status, "not_found" if exc.status == 404 else "bad")
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception:
            incident = secrets.token_hex(4)
            log.exception("incident %s in web request %s", incident, request.path)
            self.svc.metrics.incident()
            response = error_response(500, "incident", incident=incident)
        if not response.prepared:
            self._headers(request, response)
        return response

    def _headers(self, request: web.Request, response: web.StreamResponse) -> None:
        h = response.headers
        ancestors = " ".join(self.settings.allowed_origins) or "'none'"
        h["Content-Security-Policy"] = csp(ancestors)
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        h.setdefault("Cache-Control", "no-store")

    def _check_write(self, request: web.Request) -> None:
        if request.headers.get("Origin", "") != self.settings.origin:
            raise ApiError(403, "origin")
        if request.content_type != "application/json":
            raise ApiError(415, "bad")
        length = request.content_length
        if length is not None and length > self.settings.max_body_bytes:
            raise ApiError(413, "too_large")

    def address(self, request: web.Request) -> str:
        """The client's address, for the in-memory limits only."""
        remote = request.remote or "?"
        if remote in self.settings.trusted_proxies:
            forwarded = request.headers.get("X-Forwarded-For", "")
            last = forwarded.split(",")[-1].strip()
            if last:
                return last
        return remote

    async def _json(self, request: web.Request) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                raw = await request.read()
        except TimeoutError as exc:
            raise ApiError(408, "timeout") from exc
        if len(raw) > self.settings.max_body_bytes:
            raise ApiError(413, "too_large")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "bad") from exc
        if not isinstance(data, dict):
            raise ApiError(400, "bad")
        return data

    def _ticket(self, value: object) -> str:
        if not isinstance(value, str):
            raise ApiError(401, "session")
        try:
            return self.identity.check(value, self.svc.clock.now())
        except BadTicket as exc:
            raise ApiError(401, "session") from exc

    def _limit(self, limit: RateLimit, key: str) -> None:
        wait = limit.hit(key)
        if wait is not None:
            raise ApiError(429, "slow_down", retry_after=wait)

    # ------------------------------------------------------------------ pages

    async def page(self, request: web.Request) -> web.StreamResponse:
        lang = self.pages.language(request.query.get("lang"), request.headers)
        return web.Response(text=self.pages.chat(lang), content_type="text/html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        found = self.pages.static(request.match_info["name"])
        if found is None:
            raise ApiError(404, "not_found")
        body, content_type = found
        response = web.Response(body=body, content_type=content_type)
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def embed(self, request: web.Request) -> web.StreamResponse:
        response = web.Response(
            text=self.pages.embed_script(), content_type="application/javascript"
        )
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        response.headers["Cache-Control"] = "no-cache"
        return response

    # ------------------------------------------------------------------ api

    async def session(self, request: web.Request) -> web.StreamResponse:
        data = await self._json(request)
        self._limit(self.new_session_rate, self.address(request))
        secret = data.get("secret")
        try:
            session = self.identity.session_of(secret if isinstance(secret, str) else "")
        except ValueError as exc:
            raise ApiError(400, "bad") from exc
        lang = data.get("lang")
        svc = self.svc
        now = svc.clock.now()
        async with svc.db.transaction() as conn:
            if isinstance(lang, str) and lang in svc.settings.language.enabled:
                # The page's language is the chat's: it answers in it when a message is too
                # short to tell (the person's explicit choice still wins).
                await rooms.upsert(
                    conn, RoomInfo(room_id=web_room_id(session), kind="direct", language=lang), now
                )
            last = await rows.last_seq(conn, session)
        return web.json_response({"ticket": self.identity.ticket(session, now), "last_seq": last})

    async def send(self, request: web.Request) -> web.StreamResponse:
        data = await self._json(request)
        session = self._ticket(data.get("ticket"))
        client_id, text = data.get("id"), data.get("text")
        if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
            raise ApiError(400, "bad")
        if not isinstance(text, str):
            raise ApiError(400, "bad")
        self._limit(self.address_rate, self.address(request))
        self._limit(self.session_rate, session)
        svc = self.svc
        now = svc.clock.now()
        event_id = f"$web.{session}.{client_id}"
        room_id, sender = web_room_id(session), web_user_id(session)
        payload = json.dumps(
            {"event_id": event_id, "room_id": room_id, "sender": sender, "body": text,
             "ts": now.isoformat()},
            ensure_ascii=False,
        )  # fmt: skip
        sealed, person = svc.sealer.seal(payload, INBOX_PURPOSE), svc.pseudonymize(sender)
        async with svc.db.write() as conn:  # one statement: it commits by itself
            added = await inbox.add(
                conn, event_id, room_id, "message", sealed, now, person=person,
                role=int(Role.RESIDENT),
            )  # fmt: skip
        if added:  # committed: the worker takes it from here (or from the inbox after a crash)
            svc.metrics.web_message()
            self.worker.take(
                inbox.InboxEvent(0, event_id, room_id, "message", sealed, now, 0, person)
            )
        return web.json_response({"accepted": True, "new": added}, status=202)

    async def forget(self, request: web.Request) -> web.StreamResponse:
        data = await self._json(request)
        session = self._ticket(data.get("ticket"))
        async with self.svc.db.transaction() as conn:
            removed = await rows.forget(conn, session, web_room_id(session))
        log.info("web session forgot %d stored replies", removed)
        return web.json_response({"forgotten": True})

    async def stream(self, request: web.Request) -> web.StreamResponse:
        session = self._ticket(request.query.get("t"))
        after = max(
            small_int(request.query.get("after")),
            small_int(request.headers.get("Last-Event-ID")),
        )
        address = self.address(request)
        if not self.streams.acquire(address):
            raise ApiError(503, "busy", retry_after=5)
        try:
            return await self._stream(request, session, after)
        finally:
            self.streams.release(address)

    async def _stream(self, request: web.Request, session: str, after: int) -> web.StreamResponse:
        cfg = self.settings
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "X-Accel-Buffering": "no",  # nginx: do not hold the stream back
            }
        )
        self._headers(request, response)
        await response.prepare(request)
        listener = self.hub.subscribe(session)
        deadline = time.monotonic() + cfg.stream_seconds
        try:
            await self._write(response, "retry: 3000\n\n")
            async with self.svc.db.read() as conn:
                last = await rows.last_seq(conn, session)
            if after > last:  # the session was forgotten or expired: start again from 0
                await self._write(response, f"event: reset\ndata: {last}\n\n")
                after = 0
            from_db = True
            while not self._stopping.is_set() and time.monotonic() < deadline:
                listener.event.clear()
                handed = [(s, d) for s, d in listener.take() if s > after]
                events: list[str] = []  # written at once: one send for a handler's replies
                if not from_db and handed and handed[0][0] == after + 1:
                    for seq, data in handed:  # up to date: what was just stored, in order
                        if seq != after + 1:
                            from_db = True  # a gap: read the rest from the database
                            break
                        events.append(f"id: {seq}\ndata: {data}\n\n")
                        after = seq
                    await self._write(response, "".join(events))
                    continue
                if from_db or handed:
                    async with self.svc.db.read() as conn:
                        replies = await rows.after(conn, session, after)
                    for reply in replies:
                        data = self.svc.sealer.open(reply.payload, REPLY_PURPOSE)
                        events.append(f"id: {reply.seq}\ndata: {data}\n\n")
                        after = reply.seq
                    if events:
                        await self._write(response, "".join(events))
                    from_db = len(replies) == rows.PAGE
                    continue
                try:
                    async with asyncio.timeout(cfg.heartbeat_seconds):  # no task per wait
                        await listener.event.wait()
                except TimeoutError:
                    await self._write(response, ": ping\n\n")
        except (ConnectionResetError, TimeoutError):
            pass  # the page went away or reads too slowly; it reconnects and resumes
        finally:
            self.hub.unsubscribe(session, listener)
        return response

    async def _write(self, response: web.StreamResponse, text: str) -> None:
        async with asyncio.timeout(self.settings.request_timeout_seconds):
            await response.write(text.encode("utf-8"))


__all__ = [
    "INBOX_PURPOSE",
    "MAX_ATTEMPTS",
    "WORKER_CONCURRENCY",
    "ApiError",
    "WebServer",
    "csp",
]
