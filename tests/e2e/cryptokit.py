"""Helpers for encrypted e2e tests: an independent encrypting nio client (``matrix-nio[e2e]``)
whose test device is cross-signed like a current Element device, and a signature check of a
``/keys/query`` answer written here with PyNaCl, independent of the bot's own helpers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import nio
from canonicaljson import encode_canonical_json
from nacl.signing import VerifyKey

from bot.matrix.crosssign import CrossSigningKeys
from bot.matrix.crosssign import bootstrap as cross_sign
from devtools.homeserver import LocalSynapse, RegisteredUser
from tests.e2e.botkit import Peer, Source


async def http_json(
    base_url: str, token: str, method: str, path: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            base_url + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        ) as resp,
    ):
        data = await resp.json(content_type=None)
        return resp.status, data if isinstance(data, dict) else {}


async def keys_query(synapse: LocalSynapse, asker: RegisteredUser, user_id: str) -> dict[str, Any]:
    status, body = await http_json(
        synapse.base_url,
        asker.access_token,
        "POST",
        "/_matrix/client/v3/keys/query",
        {"device_keys": {user_id: []}},
    )
    assert status == 200, body
    return body


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def signed_by(
    obj: dict[str, Any], user_id: str, public_key: str, key_id: str | None = None
) -> bool:
    """Independent check: ed25519 over canonical JSON without signatures/unsigned, under
    ``ed25519:<key_id>`` (cross-signing keys are named by their public key, devices by id)."""
    sig = obj.get("signatures", {}).get(user_id, {}).get(f"ed25519:{key_id or public_key}")
    if sig is None:
        return False
    message = encode_canonical_json(
        {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    )
    try:
        VerifyKey(_unb64(public_key)).verify(message, _unb64(sig))
    except Exception:
        return False
    return True


def only_key(obj: dict[str, Any]) -> str:
    (value,) = obj["keys"].values()
    return str(value)


@dataclass
class CryptoPeer(Peer):
    """A `Peer` with encryption: its device keys are uploaded and cross-signed, its events are
    decrypted by nio; ``undecryptable`` collects events it could not decrypt."""

    to_device: list[str] = field(default_factory=list)
    """Types of the to-device events this client received (after decryption)."""
    wire: list[tuple[str, str, str]] = field(default_factory=list)
    """(room id, sender, event type as it travelled) of timeline events that are not state;
    decrypted events count as encrypted."""

    @property
    def undecryptable(self) -> list[tuple[str, Source]]:
        return [(r, s) for r, s in self.events if s.get("type") == "m.room.encrypted"]

    async def start(self) -> CryptoPeer:
        first = await self.client.sync(timeout=0, full_state=True)
        assert isinstance(first, nio.SyncResponse), first
        await self._keys()
        self._task = asyncio.create_task(self._loop())
        return self

    async def _keys(self) -> None:
        c = self.client
        if c.should_upload_keys:
            await c.keys_upload()
        if c.should_query_keys:
            await c.keys_query()
        if c.should_claim_keys:
            await c.keys_claim(c.get_users_for_key_claiming())
        await c.send_to_device_messages()

    async def _loop(self) -> None:
        while True:
            try:
                resp = await self.client.sync(timeout=1000)
            except (aiohttp.ClientError, OSError, TimeoutError):
                resp = None
            if not isinstance(resp, nio.SyncResponse):
                await asyncio.sleep(0.2)
                continue
            async with self._changed:
                for td in resp.to_device_events:
                    source = getattr(td, "source", None) or {}
                    self.to_device.append(str(source.get("type") or type(td).__name__))
                for room_id, info in resp.rooms.join.items():
                    for event in info.timeline.events:
                        source = _source(event)
                        self.events.append((room_id, source))
                        travelled = (
                            "m.room.encrypted"
                            if getattr(event, "decrypted", False)
                            else str(source.get("type"))
                        )
                        if "state_key" not in source:
                            self.wire.append((room_id, str(source.get("sender")), travelled))
                self._changed.notify_all()
            with contextlib.suppress(Exception):
                await self._keys()

    async def close(self) -> None:
        await super().close()
        await self.client.close()

    async def say(self, room_id: str, body: str) -> str:
        return await self.send(room_id, "m.room.message", {"msgtype": "m.text", "body": body})

    async def send(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        c = self.client
        room = c.rooms.get(room_id)
        if event_type == "m.reaction" and room is not None and room.encrypted:
            return await self._send_encrypted_reaction(room_id, content)
        resp = await c.room_send(room_id, event_type, content, ignore_unverified_devices=True)
        assert isinstance(resp, nio.RoomSendResponse), resp
        return str(resp.event_id)

    async def _send_encrypted_reaction(self, room_id: str, content: dict[str, Any]) -> str:
        """As Element does: the reaction encrypted, its relation left in clear (nio itself
        sends reactions unencrypted)."""
        c = self.client
        if not c.rooms[room_id].members_synced:
            await c.joined_members(room_id)
        if c.should_query_keys:
            await c.keys_query()
        if c.olm.should_share_group_session(room_id):
            await c.share_group_session(room_id, ignore_unverified_devices=True)
        _, encrypted = c.encrypt(room_id, "m.reaction", content)
        encrypted["m.relates_to"] = content["m.relates_to"]
        status, body = await http_json(
            c.homeserver,
            c.access_token,
            "PUT",
            f"/_matrix/client/v3/rooms/{room_id}/send/m.room.encrypted/{secrets.token_hex(8)}",
            encrypted,
        )
        assert status == 200, body
        return str(body["event_id"])

    async def say_with_key_held_back(self, room_id: str, body: str) -> tuple[str, Any]:
        """Send a message encrypted with a new room key, but keep the key itself back: returns
        the event id and a coroutine function that delivers the key later."""
        c = self.client
        if not c.rooms[room_id].members_synced:
            await c.joined_members(room_id)
        if c.should_query_keys:
            await c.keys_query()
        missing = c.get_missing_sessions(room_id)
        if missing:
            await c.keys_claim(missing)
        held = list(
            c.olm.share_group_session_parallel(
                room_id, list(c.rooms[room_id].users), ignore_unverified_devices=True
            )
        )
        c.olm.outbound_group_sessions[room_id].shared = True
        _, content = c.encrypt(room_id, "m.room.message", {"msgtype": "m.text", "body": body})
        status, answer = await http_json(
            c.homeserver,
            c.access_token,
            "PUT",
            f"/_matrix/client/v3/rooms/{room_id}/send/m.room.encrypted/{secrets.token_hex(8)}",
            content,
        )
        assert status == 200, answer
        c.invalidate_outbound_session(room_id)  # later messages use a key that is delivered

        async def deliver() -> None:
            for _, messages in held:
                code, body = await http_json(
                    c.homeserver,
                    c.access_token,
                    "PUT",
                    f"/_matrix/client/v3/sendToDevice/m.room.encrypted/{secrets.token_hex(8)}",
                    messages,
                )
                assert code == 200, body

        return str(answer["event_id"]), deliver


def _source(event: Any) -> Source:
    """The event as JSON; decrypted events keep their plaintext type and content."""
    return dict(getattr(event, "source", {}) or {})


async def crypto_peer(
    synapse: LocalSynapse, user: RegisteredUser, store: Path, *, cross_signed: bool = True
) -> CryptoPeer:
    """An encrypting client for ``user``; its device cross-signed (keys made by the test)
    unless ``cross_signed=False`` (an older client)."""
    await asyncio.to_thread(store.mkdir, parents=True, exist_ok=True)
    client = nio.AsyncClient(
        synapse.base_url,
        user.user_id,
        device_id=user.device_id,
        store_path=str(store),
        config=nio.AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
    )
    client.restore_login(user.user_id, user.device_id, user.access_token)
    if client.should_upload_keys:
        resp = await client.keys_upload()
        assert isinstance(resp, nio.KeysUploadResponse), resp

    async def http(method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        return await http_json(synapse.base_url, user.access_token, method, path, body)

    if cross_signed:
        await cross_sign(
            http, CrossSigningKeys.generate(), user.user_id, user.device_id, lambda: user.password
        )
    return await CryptoPeer(client).start()


def encrypted_state() -> list[dict[str, Any]]:
    return [
        {
            "type": "m.room.encryption",
            "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"},
        }
    ]


async def encrypted_direct_chat(owner: Peer, bot_id: str) -> str:
    """An encrypted direct chat with the bot, as Element makes it; returns once joined."""
    resp = await owner.client.room_create(
        is_direct=True,
        invite=[bot_id],
        preset=nio.RoomPreset.trusted_private_chat,
        initial_state=encrypted_state(),
    )
    assert isinstance(resp, nio.RoomCreateResponse), resp
    room_id = str(resp.room_id)
    await owner.wait_membership(room_id, bot_id, "join")
    await owner.wait_for(
        lambda _: room_id in owner.client.rooms and bot_id in owner.client.rooms[room_id].users
    )
    return room_id


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True)[:400]
