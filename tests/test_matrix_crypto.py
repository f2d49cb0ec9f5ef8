"""Unit tests: what the bot does with an event it cannot decrypt (wait for the key, ask for
it, explain when the key is withheld or too late), with a fake client at the edge."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nio

from bot.matrix.crypto import Crypto, Decision
from bot.matrix.cryptostore import CryptoPaths
from storage.inbox import InboxEvent
from tests.harness import make_settings

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SESSION = "sessionAAAA"


class FakeClient:
    user_id = "@bot:example.org"
    device_id = "BOTDEVICE"
    access_token = "token"
    should_upload_keys = should_query_keys = should_claim_keys = False

    def __init__(self) -> None:
        self.olm = SimpleNamespace()
        self.rooms: dict[str, Any] = {}

    def decrypt_event(self, event: Any) -> Any:
        raise nio.EncryptionError("no session")

    async def send_to_device_messages(self) -> list[Any]:
        return []


def row(event_id: str = "$e1", session: str = SESSION) -> InboxEvent:
    source = {
        "event_id": event_id,
        "sender": "@anna:example.org",
        "type": "m.room.encrypted",
        "origin_server_ts": int(T0.timestamp() * 1000),
        "content": {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgA",
            "device_id": "ANNADEVICE",
            "sender_key": "senderkey",
            "session_id": session,
        },
    }
    text = json.dumps({"room_id": "!dm:example.org", "is_direct": True, "event": source})
    return InboxEvent(1, event_id, "!dm:example.org", "encrypted", text, T0, 0)


def make(tmp_path: Path, **overrides: Any) -> tuple[Crypto, list[tuple[str, str, Any]]]:
    sent: list[tuple[str, str, Any]] = []

    async def call(request: Any, *, what: str = "") -> Any:
        return await request()

    crypto = Crypto(
        FakeClient(),  # type: ignore[arg-type]
        make_settings(**overrides),
        CryptoPaths(tmp_path, tmp_path / "crypto.db", tmp_path / "keys.json"),
        call=call,
        password=None,
        recovery_key=None,
    )

    async def http(method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        sent.append((method, path, body))
        return 200, {}

    crypto.http = http  # type: ignore[method-assign]
    return crypto, sent


def withheld(code: str) -> Any:
    return SimpleNamespace(
        to_device_events=[
            nio.UnknownToDeviceEvent(
                {"type": "m.room_key.withheld", "content": {"session_id": SESSION, "code": code}},
                "@anna:example.org",
                "m.room_key.withheld",
            )
        ],
        device_list=SimpleNamespace(changed=[], left=[]),
    )


async def test_undecryptable_event_waits_and_the_key_is_requested_once(tmp_path: Path) -> None:
    crypto, sent = make(tmp_path, **{"encryption.explain_after_minutes": 10})
    assert await crypto.resolve(row(), T0) is Decision.WAIT
    assert crypto.ready([row()], T0 + timedelta(minutes=1)) == []
    assert crypto.waiting_count == 1  # the worker reads this many rows further
    assert crypto.next_deadline() == T0 + timedelta(minutes=10)
    [(method, path, body)] = sent
    assert method == "PUT" and "/sendToDevice/m.room_key_request/" in path
    request = body["messages"]["@anna:example.org"]["ANNADEVICE"]
    assert request["body"]["session_id"] == SESSION and request["action"] == "request"
    assert "*" in body["messages"]["@bot:example.org"]
    assert await crypto.resolve(row(), T0 + timedelta(minutes=1)) is Decision.WAIT
    assert len(sent) == 1  # asked once per session


async def test_undecryptable_event_is_explained_when_its_time_is_up(tmp_path: Path) -> None:
    crypto, _ = make(tmp_path, **{"encryption.explain_after_minutes": 10})
    await crypto.resolve(row(), T0)
    later = T0 + timedelta(minutes=10)
    assert crypto.ready([row()], later) == [row()]
    assert await crypto.resolve(row(), later) is Decision.EXPLAIN
    assert crypto.next_deadline() is None


async def test_withheld_key_wakes_the_worker_and_explains_at_once(tmp_path: Path) -> None:
    crypto, _ = make(tmp_path)
    woken: list[bool] = []
    crypto.wake = lambda: woken.append(True)
    assert await crypto.resolve(row(), T0) is Decision.WAIT
    await crypto.after_sync(withheld("m.unverified"))
    assert woken == [True]
    assert crypto.ready([row()], T0) == [row()]
    assert await crypto.resolve(row(), T0) is Decision.EXPLAIN


async def test_key_not_available_from_a_device_keeps_waiting(tmp_path: Path) -> None:
    crypto, _ = make(tmp_path)
    await crypto.resolve(row(), T0)
    await crypto.after_sync(withheld("m.unavailable"))
    assert crypto.ready([row()], T0) == []
    assert await crypto.resolve(row(), T0) is Decision.WAIT
