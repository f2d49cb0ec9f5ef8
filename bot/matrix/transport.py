"""The nio client, wrapped once: login, requests with retries, direct chats. The Matrix
`Messenger` over it is `bot.matrix.messenger`; the errors it raises are `bot.matrix.failures`.

nio returns errors instead of raising; this module turns them into three outcomes: a value,
a retry (rate limit, 5xx, connection trouble: wait and try again with the same transaction id),
or `SendFailed` (the homeserver refused for good, e.g. 403). While the bot is stopping, waits
are cut short after a grace period and `SendAborted` is raised, so the worker leaves the event
in the inbox for the next start instead of dropping it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import nio

from bot.errors import LoginRefused
from bot.matrix.convert import backoff_delay, direct_rooms
from bot.matrix.cryptostore import ENCRYPTION_STATE, STORE_CLASS, STORE_NAME
from bot.matrix.failures import (
    NETWORK_ERRORS,
    SendAborted,
    SendFailed,
    is_retryable,
    status_text,
)
from bot.matrix.rooms import RoomLoader
from bot.matrix.session import Credentials, Session, read_session, write_session
from bot.metrics import Metrics
from bot.slots import FairSlots
from bot.stages import NO_STAGES, Stages
from config.base import ConfigError
from config.settings import Settings

if TYPE_CHECKING:
    from bot.matrix.crypto import Crypto

log = logging.getLogger(__name__)

T = TypeVar("T")


class MatrixTransport:
    """One logged-in nio client plus the retry policy. Create with `connect`."""

    def __init__(self, settings: Settings, client: nio.AsyncClient, *, seed: int | None = None):
        self.settings = settings
        self.client = client
        self.user_id: str = settings.matrix.user_id
        self._send_slots = FairSlots(settings.matrix.send_concurrency)
        self._rng = random.Random(seed)
        self.stopping = asyncio.Event()
        self.grace_seconds = 10.0
        self._stop_deadline: float | None = None
        self.aborted_sends = 0
        self.direct: dict[str, set[str]] = {}
        """m.direct of the bot: user id -> direct room ids (merged from every copy seen)."""
        self.known_direct: set[str] = set()
        """Rooms the bot knows to be direct chats (m.direct, or joined on a direct invite,
        or recorded so in the database): never forgotten, whatever later copies say."""
        self._direct_locks: dict[str, asyncio.Lock] = {}
        self._opened: dict[str, str] = {}  # user id -> the direct chat this process opened
        self.on_opened_direct: Callable[[str], Awaitable[None]] | None = None
        """Told about each direct chat the bot opens (the bot records it as direct: a sync
        may have brought the new room before it was known to be one)."""
        self.metrics = Metrics()
        """Where retries, rate-limit waits and failed sends are counted (set by the app)."""
        self.on_backoff: Callable[[str, str, float, int], None] | None = None
        """Called as (request, reason, delay, attempt) before each backoff wait, so the
        command line can say on the console that the homeserver cannot be reached."""
        self.rooms = RoomLoader(client, self.call)
        """Rooms this process has not seen in a sync yet, loaded when needed."""
        self.crypto: Crypto | None = None
        """Set by `bot.matrix.crypto.enable` after login when encryption is on."""
        self._account_data_lock = asyncio.Lock()
        self._direct_waiting: list[asyncio.Future[None]] = []
        self._direct_writer: asyncio.Task[None] | None = None
        self.stages = NO_STAGES
        """Stage stamps for the benchmarks (`use_stages`); off by default."""

    # ------------------------------------------------------------------ lifecycle

    def use_stages(self, stages: Stages) -> None:
        """Stamp the stages of each round trip (bench only): when a sync's or a send's HTTP
        response arrives, and when nio has parsed a sync response."""
        self.stages = stages
        if not stages.enabled:
            return
        client: Any = self.client
        send, receive = client.send, client.receive_response

        async def timed_send(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
            response = await send(method, path, *args, **kwargs)
            if "/sync" in path:
                stages.batch("sync_http")
            elif "/send/" in path:
                stages.mark("send_http")
            return response

        async def timed_receive(response: Any) -> None:
            if isinstance(response, nio.SyncResponse):
                stages.batch("parsed")
            await receive(response)

        client.send, client.receive_response = timed_send, timed_receive

    @classmethod
    def create_client(cls, settings: Settings) -> nio.AsyncClient:
        config = nio.AsyncClientConfig(
            # encryption: the store is opened by bot.matrix.crypto after login (store_path
            # stays empty until then, so nio cannot open a store for the wrong device)
            encryption_enabled=settings.encryption.enabled,
            store=STORE_CLASS,
            store_name=STORE_NAME,
            store_sync_tokens=False,
            max_limit_exceeded=0,  # we handle rate limits ourselves (same transaction id)
            max_timeouts=0,  # and connection trouble (backoff with jitter)
            request_timeout=30,
        )
        return nio.AsyncClient(settings.matrix.homeserver, settings.matrix.user_id, config=config)

    def request_stop(self) -> None:
        if not self.stopping.is_set():
            self._stop_deadline = time.monotonic() + self.grace_seconds
            self.stopping.set()

    async def close(self) -> None:
        await self.client.close()

    async def wait(self, seconds: float) -> None:
        """Sleep, but wake early when the bot is asked to stop (past the grace period)."""
        if self._stop_deadline is not None:
            remaining = self._stop_deadline - time.monotonic()
            if remaining <= 0:
                raise SendAborted("stopping")
            seconds = min(seconds, remaining)
            await asyncio.sleep(seconds)
            return
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            return

    async def login(self, creds: Credentials, session_file: Any) -> Session:
        """Restore the saved session if it is still valid, else log in; save the session.

        With an access token, the device id comes from ``whoami``; with a password, the saved
        device id is reused so a restart is the same device. Retries while the homeserver is
        unreachable; raises ConfigError if there is no way to log in or the login is refused.
        """
        m = self.settings.matrix
        saved = read_session(session_file)
        if saved and saved.homeserver == m.homeserver and saved.user_id == m.user_id:
            self.client.restore_login(saved.user_id, saved.device_id, saved.access_token)
            who = await self.call(self.client.whoami)
            if isinstance(who, nio.WhoamiResponse):
                log.info("restored session for device %s", saved.device_id)
                return saved
            log.warning("saved session is no longer valid (%s); logging in again", who)
        if creds.access_token:
            self.client.access_token = creds.access_token
            self.client.user_id = m.user_id
            who = await self.call(self.client.whoami)
            if not isinstance(who, nio.WhoamiResponse) or not who.device_id:
                raise LoginRefused([f"matrix: the access token was refused ({who})"])
            self.client.restore_login(who.user_id, who.device_id, creds.access_token)
            session = Session(m.homeserver, who.user_id, who.device_id, creds.access_token)
        elif creds.password:
            if saved and saved.user_id == m.user_id:
                self.client.device_id = saved.device_id
            resp = await self.call(
                lambda: self.client.login(password=creds.password, device_name=m.device_name)
            )
            if not isinstance(resp, nio.LoginResponse):
                raise LoginRefused([f"matrix: login as {m.user_id} failed ({resp})"])
            session = Session(m.homeserver, resp.user_id, resp.device_id, resp.access_token)
        else:
            raise ConfigError(
                [
                    f"matrix: no way to log in; set ${m.password_env} or matrix.password_file, "
                    f"or ${m.access_token_env}"
                ]
            )
        write_session(session_file, session)
        log.info("logged in as device %s", session.device_id)
        return session

    async def set_display_name(self, name: str) -> None:
        current = await self.call(lambda: self.client.get_displayname(self.user_id))
        if getattr(current, "displayname", None) != name:
            await self.call(lambda: self.client.set_displayname(name))

    # ------------------------------------------------------------------ requests

    async def call(self, request: Callable[[], Awaitable[T]], *, what: str = "request") -> T:
        """Run a nio request, retrying on connection trouble, 5xx and rate limits.

        Returns nio's response (success or a final error response); raises `SendAborted` if
        the bot stops before the request could complete.
        """
        attempt = 0
        while True:
            try:
                resp = await request()
            except NETWORK_ERRORS as exc:
                attempt += 1
                delay = backoff_delay(attempt, rng=self._rng)
                log.warning(
                    "%s: homeserver unreachable (%s); retry in %.1fs",
                    what,
                    type(exc).__name__,
                    delay,
                )
                self.backoff(what, "unreachable", delay, attempt)
                await self.wait(delay)
                continue
            if not isinstance(resp, nio.ErrorResponse):
                return resp
            retry = is_retryable(resp)
            if retry is None:
                return resp
            attempt += 1
            if retry == 0.0:
                retry = backoff_delay(attempt, rng=self._rng)
                log.warning("%s: server error %s; retry in %.1fs", what, resp.status_code, retry)
                self.backoff(what, "server_error", retry, attempt)
            else:
                retry += self._rng.uniform(0, 0.05)
                log.info("%s: rate limited; retry in %.2fs", what, retry)
                self.metrics.rate_limited(what, retry)
            await self.wait(retry)

    def backoff(self, what: str, reason: str, delay: float, attempt: int) -> None:
        """Count a retry after trouble reaching the homeserver and tell the console."""
        self.metrics.retried(what, reason)
        if self.on_backoff is not None:
            self.on_backoff(what, reason, delay, attempt)

    async def send_event(
        self, room_id: str, event_type: str, content: dict[str, Any], txn: str
    ) -> str:
        """Send one event with a fixed transaction id; return its event id."""
        self.stages.mark("send")
        async with self._send_slots.hold(room_id):
            self.stages.mark("send_slot")
            try:
                if self.crypto is not None:  # encryption: who gets the room key
                    await self.crypto.prepare_room(room_id)
                resp = await self.call(
                    lambda: self.client.room_send(
                        room_id, event_type, content, tx_id=txn, ignore_unverified_devices=True
                    ),
                    what=f"send {txn}",
                )
                self.stages.mark("send_parsed")
                if self.crypto is not None:
                    await self.crypto.after_send(room_id)
            except SendAborted:
                self.aborted_sends += 1
                raise
        if isinstance(resp, nio.RoomSendResponse):
            return str(resp.event_id)
        self.metrics.send_failed()
        log.warning("send %s to room %s refused: %s", txn, room_id, status_text(resp))
        raise SendFailed(f"sending to {room_id} refused: {resp}")

    async def put_account_data(self, event_type: str, content: dict[str, Any]) -> None:
        path = nio.Api._build_path(["user", self.user_id, "account_data", event_type])

        async def put() -> Any:
            response = await self.client.send(
                "PUT",
                path,
                json.dumps(content),
                {
                    "Authorization": f"Bearer {self.client.access_token}",
                    "Content-Type": "application/json",
                },
            )
            async with response:
                if response.status == 429 or response.status >= 500:
                    raise aiohttp.ClientResponseError(
                        response.request_info, (), status=response.status
                    )
                return response.status

        status = await self.call(put, what=f"account data {event_type}")
        if status >= 400:
            raise SendFailed(f"account data {event_type}: HTTP {status}")

    async def get_json(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        """One authenticated client-server API call (retried like any request): the HTTP
        status and the JSON body. Used for endpoints nio lacks (``/relations``)."""

        async def call() -> tuple[int, dict[str, Any]]:
            response = await self.client.send(
                method, path, None, {"Authorization": f"Bearer {self.client.access_token}"}
            )
            async with response:
                if response.status == 429 or response.status >= 500:
                    raise aiohttp.ClientResponseError(
                        response.request_info, (), status=response.status
                    )
                body = await response.json(content_type=None)
                return response.status, body if isinstance(body, dict) else {}

        return await self.call(call, what=f"{method} {path.split('?')[0]}")

    # ------------------------------------------------------------------ direct chats

    def learn_direct(self, content: dict[str, Any]) -> None:
        """Take in a copy of ``m.direct`` from a sync: merged, never replacing what we know
        (a sync may carry a copy older than our last write)."""
        for user, rooms in direct_rooms(content).items():
            self.direct.setdefault(user, set()).update(rooms)
            self.known_direct.update(rooms)

    def is_direct_room(self, room_id: str) -> bool:
        return room_id in self.known_direct

    async def get_account_data(self, event_type: str) -> dict[str, Any]:
        """The server's current copy of an account-data event ({} if there is none)."""
        path = nio.Api._build_path(["user", self.user_id, "account_data", event_type])

        async def get() -> Any:
            response = await self.client.send(
                "GET", path, None, {"Authorization": f"Bearer {self.client.access_token}"}
            )
            async with response:
                if response.status == 429 or response.status >= 500:
                    raise aiohttp.ClientResponseError(
                        response.request_info, (), status=response.status
                    )
                if response.status == 404:
                    return {}
                if response.status >= 400:
                    raise SendFailed(f"account data {event_type}: HTTP {response.status}")
                return await response.json()

        data = await self.call(get, what=f"read account data {event_type}")
        return data if isinstance(data, dict) else {}

    async def remember_direct(self, user_id: str, room_id: str) -> None:
        """Add a room to the bot's ``m.direct``: read the server's current copy, merge, write
        back, all under one lock, so concurrent additions and other writers are never lost."""
        self.known_direct.add(room_id)
        self.direct.setdefault(user_id, set()).add(room_id)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._direct_waiting.append(done)
        if self._direct_writer is None or self._direct_writer.done():
            self._direct_writer = asyncio.create_task(self._write_direct())
        await asyncio.shield(done)

    async def _write_direct(self) -> None:
        """Write what `remember_direct` added, many additions per write (group commit): a
        burst of new direct chats costs a few writes of ``m.direct``, not one each."""
        while self._direct_waiting:
            batch, self._direct_waiting = self._direct_waiting, []
            try:
                async with self._account_data_lock:
                    current = direct_rooms(await self.get_account_data("m.direct"))
                    missing = any(
                        not rooms <= current.get(user, set()) for user, rooms in self.direct.items()
                    )
                    merged = {u: set(r) for u, r in current.items()}
                    for user, rooms in self.direct.items():
                        merged.setdefault(user, set()).update(rooms)
                    content = {u: sorted(r) for u, r in merged.items()}
                    if missing:
                        await self.put_account_data("m.direct", content)
                    self.learn_direct(content)
            except Exception as exc:
                for waiter in batch:
                    if not waiter.done():
                        waiter.set_exception(exc)
            except BaseException:
                for waiter in batch + self._direct_waiting:
                    waiter.cancel()
                raise
            else:
                for waiter in batch:
                    if not waiter.done():
                        waiter.set_result(None)

    def known_direct_room(self, user_id: str) -> str | None:
        """A direct chat with ``user_id`` that the bot can read and the user is in (or
        invited to), from what the bot knows already: no request."""
        opened = self._opened.get(user_id)
        if opened is not None:  # made and invited by this process (a sync may not show it yet)
            return opened
        for room_id in sorted(self.direct.get(user_id, set())):
            room = self.client.rooms.get(room_id)
            if room is None or (room.encrypted and self.crypto is None):
                continue
            if user_id in room.users or user_id in room.invited_users:
                return room_id
            summary = getattr(room, "summary", None)
            joined = getattr(summary, "joined_member_count", None)
            if isinstance(joined, int) and joined >= 2 and len(room.users) < joined:
                return room_id  # members lazily loaded: the summary says they are there
        return None

    async def direct_room(self, user_id: str) -> str:
        """A direct chat with ``user_id`` the bot can read (encrypted when encryption is on);
        created and invited if none."""
        lock = self._direct_locks.setdefault(user_id, asyncio.Lock())
        async with lock:
            known = self.known_direct_room(user_id)
            if known is None:  # chats this process knows only partly, or not at all
                for room_id in sorted(self.direct.get(user_id, set())):
                    await self.rooms.ensure(room_id, full=True)
                known = self.known_direct_room(user_id)
            if known is not None:
                return known
            resp = await self.call(
                lambda: self.client.room_create(
                    is_direct=True,
                    invite=[user_id],
                    preset=nio.RoomPreset.trusted_private_chat,
                    initial_state=[ENCRYPTION_STATE] if self.crypto is not None else (),
                ),
                what="create direct chat",
            )
            if not isinstance(resp, nio.RoomCreateResponse):
                raise SendFailed(f"could not create a direct chat: {resp}")
            room_id = str(resp.room_id)
            self._opened[user_id] = room_id
            await self.remember_direct(user_id, room_id)
            if self.on_opened_direct is not None:
                await self.on_opened_direct(room_id)
            return room_id
