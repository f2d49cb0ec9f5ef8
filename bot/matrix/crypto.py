"""End-to-end encryption for the Matrix bot: the crypto store, the device, key-sharing policy and
messages whose keys arrive late.

- **Store.** nio's SQLite crypto store lives next to the database, ``0600`` in a ``0700``
  folder; `bot.matrix.cryptostore` refuses a store that does not belong to the logged-in device.
- **Identity.** After login the bot uploads its device keys and runs the cross-signing
  bootstrap (`bot.matrix.crosssign`), so clients that follow spec v1.18 (MSC4153) trust it.
- **Sharing room keys** (`bot.matrix.keysharing`). Before the bot encrypts for a room it
  checks every member device's cross-signing; by default only cross-signed devices get the
  room key, the others get an ``m.room_key.withheld`` (code ``m.unverified``).
- **Late keys.** An event that cannot be decrypted stays in the inbox (`resolve` answers
  `WAIT`), a key request goes to the sender's device and the bot's own devices, and the event is
  handled as soon as its key arrives. If the sender withholds the key, or it has not arrived
  after ``encryption.explain_after_minutes``, the bot explains once per room, in plain words and
  the room's language, and the event is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import nio

from bot.errors import CryptoStoreError
from bot.matrix.convert import Queued, classify, from_payload, payload
from bot.matrix.crosssign import (
    BootstrapResult,
    CrossSigningError,
    load_or_create_keys,
    query_keys,
    write_private_json,
)
from bot.matrix.crosssign import bootstrap as cross_sign
from bot.matrix.cryptostore import (
    CryptoPaths,
    check_store,
    crypto_paths,
    make_private_store,
)
from bot.matrix.failures import SendAborted, SendFailed
from bot.matrix.keysharing import KeySharing
from bot.matrix.rooms import RoomLoader
from config.base import ConfigError
from config.settings import Settings
from storage.inbox import InboxEvent

log = logging.getLogger(__name__)


class Decision(enum.Enum):
    WAIT = "wait"
    EXPLAIN = "explain"
    DROP = "drop"


@dataclass
class _Waiting:
    session_id: str
    deadline: datetime
    requested: bool = False


class Crypto:
    """The encryption side of one logged-in bot. Create after login, then `await start()`."""

    def __init__(
        self,
        client: nio.AsyncClient,
        settings: Settings,
        paths: CryptoPaths,
        *,
        call: Callable[..., Any],
        password: str | None,
        recovery_key: str | None,
        stopping: asyncio.Event | None = None,
        rooms: RoomLoader | None = None,
    ) -> None:
        self.client = client
        self._rooms = rooms or RoomLoader(client, call)
        self._stopping = stopping or asyncio.Event()
        self.synced = asyncio.Event()
        """Set after the first sync: only then does nio know the rooms it must encrypt for."""
        self.settings = settings
        self.paths = paths
        self._call = call
        self._password = password
        self._recovery_key = recovery_key
        self._waiting: dict[str, _Waiting] = {}
        self._withheld: dict[str, str] = {}
        """session id -> withheld code sent to us"""
        self._requested: set[str] = set()
        self.sharing = KeySharing(client, settings, call=call, http=self.http)
        """Who gets this bot's room keys (`bot.matrix.keysharing`)."""
        self.wake: Callable[[], None] = lambda: None
        self.identity: BootstrapResult | None = None

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    @property
    def device_id(self) -> str:
        return str(self.client.device_id)

    # ------------------------------------------------------------------ start

    async def start(self) -> BootstrapResult:
        """Open the store (refusing a mismatch), publish device keys, bootstrap cross-signing."""
        own = await query_keys(self.http, [self.user_id])
        known = self.device_id in ((own.get("device_keys") or {}).get(self.user_id) or {})
        check_store(self.paths, self.user_id, self.device_id, server_knows_device=known)
        make_private_store(self.paths)
        self.client.store_path = str(self.paths.store_dir)
        self.client.load_store()
        if self.client.olm is None:
            raise CryptoStoreError(["encryption: nio could not open its crypto store"])
        if not known and self.client.olm.account.shared:
            # the store is this device's, but the homeserver forgot its keys (device removed
            # and logged in again with the same id): publish the same identity keys again
            log.warning(
                "the homeserver has no keys for device %s; publishing them again", self.device_id
            )
            self.client.olm.account.shared = False
        if self.client.should_upload_keys:
            resp = await self._call(self.client.keys_upload, what="upload device keys")
            if not isinstance(resp, nio.KeysUploadResponse):
                raise ConfigError([f"encryption: uploading the device keys failed ({resp})"])
        try:
            keys, new = load_or_create_keys(self.paths.key_file, self._recovery_key)
            if new:
                log.info("created cross-signing keys in %s", self.paths.key_file)
            self.identity = await cross_sign(
                self.http, keys, self.user_id, self.device_id, lambda: self._password
            )
        except CrossSigningError as exc:
            raise ConfigError([f"encryption: cross-signing: {exc}"]) from None
        write_private_json(
            self.paths.identity_file,
            {
                "user_id": self.user_id,
                "device_id": self.device_id,
                "master_key": self.identity.master_public,
            },
        )
        log.info(
            "encryption on: device %s, master key %s",
            self.device_id,
            self.identity.master_public,
        )
        return self.identity

    async def http(
        self, method: str, path: str, body: Mapping[str, Any] | None
    ) -> tuple[int, dict[str, Any]]:
        """A JSON request with the bot's token; retried on 429/5xx and connection trouble."""

        async def request() -> tuple[int, dict[str, Any]]:
            response = await self.client.send(
                method,
                path,
                json.dumps(body) if body is not None else None,
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
                try:
                    data = await response.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    data = {}
                return response.status, data if isinstance(data, dict) else {}

        result: tuple[int, dict[str, Any]] = await self._call(request, what=f"{method} {path}")
        return result

    # ------------------------------------------------------------------ after each sync

    async def after_sync(self, resp: nio.SyncResponse) -> None:
        """Keep the Olm machinery going (what nio's ``sync_forever`` would do) and notice keys
        that arrived for waiting events, withheld notices and device-list changes."""
        self.synced.set()
        for user in getattr(resp.device_list, "changed", []) or []:
            self.sharing.forget(user)
        woke = False
        for event in resp.to_device_events:
            if isinstance(event, nio.RoomKeyEvent):
                woke |= self._release(event.session_id)
            elif getattr(event, "type", None) == "m.room_key.withheld":
                content = (getattr(event, "source", {}) or {}).get("content") or {}
                session, code = content.get("session_id"), content.get("code")
                if isinstance(session, str) and isinstance(code, str):
                    log.info("room key withheld from us (%s)", code)
                    if code != "m.unavailable":
                        self._withheld[session] = code
                        woke |= self._release(session)
        if woke:
            self.wake()
        try:
            await self.housekeeping()
        except SendAborted:
            raise
        except Exception:  # a failed key upload or query is retried after the next sync
            log.exception("encryption housekeeping failed; retrying after the next sync")

    async def housekeeping(self) -> None:
        c = self.client
        if c.olm is None:
            return
        if c.should_upload_keys:
            await self._call(c.keys_upload, what="upload one-time keys")
        if c.should_query_keys:
            await self._call(c.keys_query, what="query device keys")
        if c.should_claim_keys:
            users = c.get_users_for_key_claiming()
            await self._call(lambda: c.keys_claim(users), what="claim one-time keys")
        await self._call(c.send_to_device_messages, what="send to-device messages")

    def _release(self, session_id: str) -> bool:
        released = [e for e, w in self._waiting.items() if w.session_id == session_id]
        for event_id in released:
            self._waiting.pop(event_id, None)
        return bool(released)

    # ------------------------------------------------------------------ sending

    def is_encrypted(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return bool(room is not None and room.encrypted)

    async def prepare_room(self, room_id: str) -> None:
        """Before encrypting for ``room_id``: decide, device by device, who gets the room key."""
        if self.client.olm is None:
            return
        if room_id not in self.client.rooms:
            # after a restart, events left in the inbox are answered before the first sync,
            # which brings only rooms with something new: nio can only send (encrypted or
            # not) to rooms it knows, so the others are loaded from their current state
            await self._first_sync()
            if await self._rooms.ensure(room_id) is None:
                raise SendFailed(f"the bot is not in room {room_id}")
        if not self.is_encrypted(room_id):
            return
        await self.sharing.share(room_id)

    async def _first_sync(self) -> None:
        synced = asyncio.ensure_future(self.synced.wait())
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({synced, stopping}, return_when=asyncio.FIRST_COMPLETED)
        synced.cancel()
        stopping.cancel()
        if not self.synced.is_set():
            raise SendAborted("stopping before the first sync")

    async def after_send(self, room_id: str) -> None:
        """Tell devices that got no room key why (``m.room_key.withheld``, once per session)."""
        await self.sharing.after_send(room_id)

    def cross_signed(self, user_id: str, device_id: str) -> bool | None:
        """What the last check said about a device (None if not checked yet)."""
        return self.sharing.cross_signed(user_id, device_id)

    # ------------------------------------------------------------------ undecryptable events

    def ready(self, rows: list[InboxEvent], now: datetime) -> list[InboxEvent]:
        """The rows the worker may take now: not those waiting for a key (until their time)."""
        out = []
        for row in rows:
            waiting = self._waiting.get(row.event_id)
            if waiting is None or now >= waiting.deadline:
                out.append(row)
        return out

    @property
    def waiting_count(self) -> int:
        """How many inbox events wait for their key (the worker reads past them)."""
        return len(self._waiting)

    def next_deadline(self) -> datetime | None:
        return min((w.deadline for w in self._waiting.values()), default=None)

    async def resolve(self, row: InboxEvent, now: datetime) -> Queued | Decision:
        """Try to decrypt an inbox event that arrived encrypted.

        Returns our dataclass when it decrypts, `Decision.WAIT` while its key may still come,
        `Decision.EXPLAIN` when the key was withheld or did not come in time, or
        `Decision.DROP` for what the bot does not handle anyway.
        """
        data = json.loads(row.payload)
        source = dict(data["event"])
        room_id = str(data["room_id"])
        event = nio.Event.parse_event(source)
        if not isinstance(event, nio.MegolmEvent) or self.client.olm is None:
            return Decision.DROP
        event.room_id = room_id
        try:
            decrypted = self.client.decrypt_event(event)
        except nio.EncryptionError:
            decrypted = None
        if decrypted is not None and hasattr(decrypted, "source"):
            self._waiting.pop(row.event_id, None)
            plain = dict(decrypted.source)
            kind = classify(plain, self.user_id)
            if kind is None or kind == "encrypted":
                return Decision.DROP
            item = from_payload(payload(plain, room_id, bool(data.get("is_direct"))))
            return item if item is not None else Decision.DROP
        session_id = str(event.session_id)
        deadline = row.received_at + timedelta(
            minutes=self.settings.encryption.explain_after_minutes
        )
        if session_id in self._withheld or now >= deadline:
            self._waiting.pop(row.event_id, None)
            return Decision.EXPLAIN
        self._waiting[row.event_id] = _Waiting(session_id, deadline)
        if session_id not in self._requested:
            self._requested.add(session_id)
            with contextlib.suppress(Exception):
                await self._request_key(event)
        return Decision.WAIT

    async def _request_key(self, event: nio.MegolmEvent) -> None:
        """``m.room_key_request`` to the sender's device and to the bot's other devices."""
        request_id = f"tryggbot-{event.session_id}"[:64].replace("/", "_").replace("+", "-")
        content = {
            "action": "request",
            "body": {
                "algorithm": event.algorithm,
                "room_id": event.room_id,
                "sender_key": event.sender_key,
                "session_id": event.session_id,
            },
            "request_id": request_id,
            "requesting_device_id": self.device_id,
        }
        messages: dict[str, dict[str, Any]] = {self.user_id: {"*": content}}
        if event.sender != self.user_id and event.device_id:
            messages[event.sender] = {event.device_id: content}
        status, _ = await self.http(
            "PUT",
            f"/_matrix/client/v3/sendToDevice/m.room_key_request/{request_id}",
            {"messages": messages},
        )
        log.info("requested a missing room key (HTTP %s)", status)


async def enable(
    transport: Any,
    settings: Settings,
    base_dir: Path,
    password: str | None,
    env: Mapping[str, str] | None = None,
) -> Crypto | None:
    """After login: open the crypto store, publish keys, cross-sign the device, and attach the
    result to the transport (``transport.crypto``). None when encryption is off."""
    if not settings.encryption.enabled:
        return None
    environ = os.environ if env is None else env
    recovery = environ.get(settings.encryption.recovery_key_env, "").strip() or None
    crypto = Crypto(
        transport.client,
        settings,
        crypto_paths(settings, base_dir),
        call=transport.call,
        password=password,
        recovery_key=recovery,
        stopping=transport.stopping,
        rooms=transport.rooms,
    )
    await crypto.start()
    transport.crypto = crypto
    return crypto
