"""Who gets the bot's room keys: before encrypting for a room, every member device's
cross-signing is checked (device signed by the owner's self-signing key, signed by their master
key) from ``/keys/query``. By default only such devices get the room key; the others are
blacklisted in nio's store and get an ``m.room_key.withheld`` (code ``m.unverified``) so their
clients can say why. ``encryption.share_keys_with = "all"`` shares with every device."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import nio

from bot.matrix.crosssign import Http, query_keys, verify_device
from bot.matrix.cryptostore import MEGOLM
from config.settings import Settings

log = logging.getLogger(__name__)

CROSS_SIGNING_STALE = timedelta(minutes=10)
"""Re-check a user's cross-signing at least this often even without a device-list change."""


@dataclass
class _Trust:
    devices: dict[str, bool] = field(default_factory=dict)
    """device id -> cross-signed by its owner"""
    master: str | None = None
    checked: datetime | None = None


class KeySharing:
    """The key-sharing policy of one logged-in bot (part of `bot.matrix.crypto.Crypto`)."""

    def __init__(
        self, client: nio.AsyncClient, settings: Settings, *, call: Callable[..., Any], http: Http
    ) -> None:
        self.client = client
        self.settings = settings
        self._call = call
        self.http = http
        self._trust: dict[str, _Trust] = {}
        self._excluded: dict[str, set[tuple[str, str]]] = {}
        """room id -> (user, device) that got no key for the current outbound session"""
        self._withheld_sent: dict[str, str] = {}
        """room id -> outbound session id we already sent withheld notices for"""
        self._room_locks: dict[str, asyncio.Lock] = {}

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    @property
    def device_id(self) -> str:
        return str(self.client.device_id)

    def forget(self, user_id: str) -> None:
        """The user's device list changed: check their cross-signing again next time."""
        self._trust.pop(user_id, None)

    def is_encrypted(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return bool(room is not None and room.encrypted)

    async def share(self, room_id: str) -> None:
        """Decide, device by device, who gets the key of an encrypted room the bot knows."""
        lock = self._room_locks.setdefault(room_id, asyncio.Lock())
        async with lock:
            room = self.client.rooms[room_id]
            if not room.members_synced:
                await self._call(lambda: self.client.joined_members(room_id), what="members")
            if self.client.should_query_keys:
                await self._call(self.client.keys_query, what="query device keys")
            users = sorted(room.users)
            await self._check_trust(users)
            excluded: set[tuple[str, str]] = set()
            cross_signed_only = self.settings.encryption.share_keys_with == "cross-signed"
            for user in users:
                trust = self._trust.get(user, _Trust())
                for device in self.client.device_store.active_user_devices(user):
                    if user == self.user_id and device.id == self.device_id:
                        continue
                    allowed = not cross_signed_only or trust.devices.get(device.id, False)
                    if allowed:
                        if self.client.olm.is_device_blacklisted(device):
                            self.client.unblacklist_device(device)
                        if not self.client.olm.is_device_verified(device):
                            self.client.ignore_device(device)
                    else:
                        excluded.add((user, device.id))
                        if not self.client.olm.is_device_blacklisted(device):
                            self.client.blacklist_device(device)
            self._excluded[room_id] = excluded

    async def after_send(self, room_id: str) -> None:
        """Tell devices that got no room key why (``m.room_key.withheld``, once per session)."""
        olm = self.client.olm
        if olm is None or not self.is_encrypted(room_id):
            return
        session = olm.outbound_group_sessions.get(room_id)
        excluded = self._excluded.get(room_id) or set()
        if session is None or not excluded or self._withheld_sent.get(room_id) == session.id:
            return
        self._withheld_sent[room_id] = session.id
        messages: dict[str, dict[str, Any]] = {}
        for user, device in sorted(excluded):
            messages.setdefault(user, {})[device] = {
                "algorithm": MEGOLM,
                "room_id": room_id,
                "session_id": session.id,
                "sender_key": olm.account.identity_keys["curve25519"],
                "code": "m.unverified",
                "reason": "The sender only shares keys with devices their owner has verified.",
            }
        txn = f"withheld-{session.id}".replace("/", "_").replace("+", "-")
        status, _ = await self.http(
            "PUT",
            f"/_matrix/client/v3/sendToDevice/m.room_key.withheld/{txn}",
            {"messages": messages},
        )
        if status != 200:
            log.warning("could not send withheld notices (HTTP %s)", status)

    async def _check_trust(self, users: Iterable[str]) -> None:
        now = datetime.now(UTC)
        stale = [
            u
            for u in users
            if u not in self._trust
            or self._trust[u].checked is None
            or now - self._trust[u].checked > CROSS_SIGNING_STALE  # type: ignore[operator]
        ]
        if not stale:
            return
        query = await query_keys(self.http, stale)
        for user in stale:
            devices = (query.get("device_keys") or {}).get(user) or {}
            trust = _Trust(checked=now)
            for device_id in devices:
                master = verify_device(query, user, device_id)
                trust.devices[device_id] = master is not None
                trust.master = master or trust.master
            before = self._trust.get(user)
            self._trust[user] = trust
            if before is not None and before.devices != trust.devices:
                # a device got cross-signed (or lost it): share a fresh room key next time
                for room in self.client.rooms.values():
                    if room.encrypted and user in room.users:
                        self.client.invalidate_outbound_session(room.room_id)

    def cross_signed(self, user_id: str, device_id: str) -> bool | None:
        """What the last check said about a device (None if not checked yet)."""
        trust = self._trust.get(user_id)
        return None if trust is None else trust.devices.get(device_id, False)
