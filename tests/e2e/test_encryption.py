"""Tryggbot in encrypted rooms and direct chats, on a real Synapse, with an independent
encrypting nio client whose device the tests cross-sign."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nio
import pytest

from bot.matrix.crosssign import CrossSigningKeys, new_recovery_key
from config.base import ConfigError
from config.settings import Settings
from devtools.homeserver import LocalSynapse
from storage import inbox
from tests.e2e import botkit
from tests.e2e.botkit import (
    RunningBot,
    Source,
    bot_settings,
    start_bot,
    tip_code,
    tip_over_matrix,
)
from tests.e2e.cryptokit import (
    CryptoPeer,
    crypto_peer,
    encrypted_direct_chat,
    encrypted_state,
    http_json,
    keys_query,
    only_key,
    signed_by,
)

SV_HELP = "Det här kan du göra"
EXPLAIN_SV = "Jag kunde inte läsa ett meddelande här"

if TYPE_CHECKING:
    from tests.e2e.conftest import NewUser


async def test_bot_device_is_signed_by_its_self_signing_key_signed_by_its_master_key(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    other = await new_user("other")
    bot = await start_bot(bot_settings(synapse, bot_user), bot_user, tmp_path / "bot")
    try:
        device_id = bot.runtime.transport.client.device_id
        answer = await keys_query(synapse, other, bot_user.user_id)
    finally:
        await bot.stop()
    master = answer["master_keys"][bot_user.user_id]
    ssk = answer["self_signing_keys"][bot_user.user_id]
    device = answer["device_keys"][bot_user.user_id][device_id]
    assert master["usage"] == ["master"] and ssk["usage"] == ["self_signing"]
    master_pub, ssk_pub = only_key(master), only_key(ssk)
    assert signed_by(ssk, bot_user.user_id, master_pub)
    assert signed_by(device, bot_user.user_id, ssk_pub)
    # the signed object is the one the device uploaded: its own signature still holds
    own_key = device["keys"][f"ed25519:{device_id}"]
    assert signed_by(device, bot_user.user_id, own_key, key_id=device_id)
    # and a signature check that can fail does fail on a tampered object
    tampered = {**device, "algorithms": ["m.olm.v1.curve25519-aes-sha2"]}
    assert not signed_by(tampered, bot_user.user_id, ssk_pub)


async def test_restart_keeps_the_device_and_a_new_device_is_signed_by_the_same_master_key(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    other = await new_user("other")
    home = tmp_path / "bot"
    settings = bot_settings(synapse, bot_user)
    bot = await start_bot(settings, bot_user, home)
    first_device = bot.runtime.transport.client.device_id
    await bot.stop()
    store = home / "bot.sqlite3"
    assert store.exists()
    crypto_dir = home / ".local" / "crypto"
    key_file = home / ".local" / "cross-signing-keys.json"
    for path in (crypto_dir / "crypto.db", key_file):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(crypto_dir).st_mode) == 0o700

    bot = await start_bot(settings, bot_user, home)
    assert bot.runtime.transport.client.device_id == first_device
    await bot.stop()
    master_before = only_key(
        (await keys_query(synapse, other, bot_user.user_id))["master_keys"][bot_user.user_id]
    )

    # a new device (session and crypto store gone, cross-signing key file kept)
    await asyncio.to_thread(shutil.rmtree, crypto_dir)
    (home / ".local" / "matrix-session.json").unlink()
    bot = await start_bot(settings, bot_user, home)
    new_device = bot.runtime.transport.client.device_id
    await bot.stop()
    assert new_device != first_device
    answer = await keys_query(synapse, other, bot_user.user_id)
    master = answer["master_keys"][bot_user.user_id]
    assert only_key(master) == master_before
    ssk_pub = only_key(answer["self_signing_keys"][bot_user.user_id])
    assert signed_by(answer["device_keys"][bot_user.user_id][new_device], bot_user.user_id, ssk_pub)


async def test_start_is_refused_when_the_crypto_store_belongs_to_another_device(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    home = tmp_path / "bot"
    settings = bot_settings(synapse, bot_user)
    bot = await start_bot(settings, bot_user, home)
    await bot.stop()
    (home / ".local" / "matrix-session.json").unlink()  # next start logs in as a new device
    with pytest.raises(ConfigError) as refused:
        await start_bot(settings, bot_user, home)
    text = str(refused.value)
    assert (
        "belongs to device" in text and "session file" in text and "move the crypto store" in text
    )


async def test_start_is_refused_when_the_crypto_store_of_a_known_device_is_lost(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    home = tmp_path / "bot"
    settings = bot_settings(synapse, bot_user)
    bot = await start_bot(settings, bot_user, home)
    await bot.stop()
    await asyncio.to_thread(shutil.rmtree, home / ".local" / "crypto")
    with pytest.raises(ConfigError) as refused:
        await start_bot(settings, bot_user, home)
    text = str(refused.value)
    assert "no crypto store" in text and "Restore the crypto store" in text


def _thread_root(src: Source) -> str | None:
    rel = src.get("content", {}).get("m.relates_to") or {}
    return str(rel["event_id"]) if rel.get("rel_type") == "m.thread" else None


def _nothing_undecryptable_from(bot_id: str, *peers: CryptoPeer) -> None:
    for p in peers:
        assert [s["event_id"] for _, s in p.undecryptable if s.get("sender") == bot_id] == []


async def _encrypted_moderation_room(moderator: CryptoPeer, bot_id: str) -> str:
    created = await moderator.client.room_create(
        preset=nio.RoomPreset.private_chat,
        invite=[bot_id],
        name="Trygg moderering",
        initial_state=encrypted_state(),
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    return str(created.room_id)


async def test_tip_follow_up_reaction_and_status_in_encrypted_rooms(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    bot_id = bot_user.user_id
    moderator = await crypto_peer(synapse, await new_user("polis"), tmp_path / "mod")
    resident = await crypto_peer(synapse, await new_user("invanare"), tmp_path / "res")
    mod_room = await _encrypted_moderation_room(moderator, bot_id)
    settings = bot_settings(
        synapse,
        bot_user,
        **{"matrix.moderators": [moderator.user_id], "matrix.moderation_room": mod_room},
    )
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    try:
        await moderator.wait_membership(mod_room, bot_id, "join")
        dm = await encrypted_direct_chat(resident, bot_id)
        assert resident.client.rooms[dm].encrypted and moderator.client.rooms[mod_room].encrypted

        receipt = await tip_over_matrix(resident, dm, bot_id, "Klotter över hela väntsalen")
        code = tip_code(receipt)

        card = await moderator.wait_notice(mod_room, bot_id, f"Nytt tips {code}", within=60)
        card_id = str(card["event_id"])
        await moderator.say(mod_room, f"!fråga {code} Är klottret kvar i dag?")
        question = await resident.wait_notice(dm, bot_id, "Följdfråga från moderatorerna", 60)
        assert "Är klottret kvar i dag?" in question["content"]["body"]
        assert moderator.user_id not in question["content"]["body"]

        await resident.say(dm, "Ja, och mer har tillkommit")
        answer = await moderator.wait_notice(mod_room, bot_id, "Svar från rapportören", 60)
        assert _thread_root(answer) == card_id
        assert resident.user_id not in answer["content"]["body"]

        await moderator.send(
            mod_room,
            "m.reaction",
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": card_id, "key": "✅"}},
        )
        by_reaction = await moderator.wait_notice(mod_room, bot_id, f"{code}: granskad", 60)
        assert _thread_root(by_reaction) == card_id

        await moderator.say(mod_room, f"!status {code} vidarebefordrad Skickat till Trafikverket")
        await moderator.wait_notice(mod_room, bot_id, "satte status", 60)
        status = await botkit.answer(resident, dm, bot_id, f"!status {code}", f"Tips {code}")
        assert "vidarebefordrad" in status["content"]["body"]
        # what the people saw came encrypted
        assert {t for r, who, t in resident.wire if r == dm and who == bot_id} == {
            "m.room.encrypted"
        }
        _nothing_undecryptable_from(bot_id, resident, moderator)
    finally:
        await bot.stop()
        await moderator.close()
        await resident.close()


@dataclass
class EncryptedChat:
    """A running bot and a resident with an encrypted direct chat to it (`encrypted_chat`)."""

    bot: RunningBot
    settings: Settings
    home: Path
    resident: CryptoPeer
    dm: str = ""

    @property
    def bot_id(self) -> str:
        return self.bot.user.user_id


@contextlib.asynccontextmanager
async def encrypted_chat(
    synapse: LocalSynapse,
    new_user: NewUser,
    tmp_path: Path,
    *,
    cross_signed: bool = True,
    **overrides: Any,
) -> AsyncIterator[EncryptedChat]:
    """The example settings (with ``overrides``) for a bot in ``tmp_path / "bot"``, and a
    resident (their device ``cross_signed`` or not) who has opened an encrypted direct chat
    with it; both stop after the block (``chat.bot`` as it is then: a test may restart it)."""
    bot_user = await new_user("bot")
    resident = await crypto_peer(
        synapse, await new_user("invanare"), tmp_path / "res", cross_signed=cross_signed
    )
    settings = bot_settings(synapse, bot_user, **overrides)
    home = tmp_path / "bot"
    chat = EncryptedChat(await start_bot(settings, bot_user, home), settings, home, resident)
    try:
        chat.dm = await encrypted_direct_chat(resident, bot_user.user_id)
        yield chat
    finally:
        await chat.bot.stop()
        await resident.close()


async def test_restart_between_two_encrypted_messages_loses_and_repeats_nothing(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    async with encrypted_chat(synapse, new_user, tmp_path) as chat:
        resident, dm, bot_id = chat.resident, chat.dm, chat.bot_id

        def answers() -> int:
            return sum(SV_HELP in n["content"]["body"] for n in resident.notices(dm, bot_id))

        await resident.say(dm, "!hjälp")
        await resident.wait_for(lambda _: answers() == 1, within=60)
        await chat.bot.stop()
        # written while the bot is down: it must be decrypted and answered after the restart
        await resident.say(dm, "!hjälp")
        chat.bot = await start_bot(chat.settings, chat.bot.user, chat.home)
        await resident.wait_for(lambda _: answers() == 2, within=60)
        await resident.say(dm, "!hjälp")
        await resident.wait_for(lambda _: answers() == 3, within=60)
        assert answers() == 3
        _nothing_undecryptable_from(bot_id, resident)


async def test_a_message_whose_key_comes_late_waits_in_the_inbox_and_is_answered(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    async with encrypted_chat(synapse, new_user, tmp_path) as chat:
        resident, dm, bot_id = chat.resident, chat.dm, chat.bot_id
        _, deliver_key = await resident.say_with_key_held_back(dm, "!hjälp")
        # the bot cannot decrypt it yet: it asks the sender's device for the key ...
        await resident.wait_for(lambda _: "m.room_key_request" in resident.to_device, 60)
        # ... and keeps the event in its inbox instead of dropping or explaining it
        async with chat.bot.runtime.app.svc.db.read() as conn:
            assert (await inbox.backlog(conn)).count == 1
        assert not resident.notices(dm, bot_id)
        await deliver_key()
        answer = await resident.wait_notice(dm, bot_id, SV_HELP, within=60)
        assert answer["content"]["msgtype"] == "m.notice"
        assert not [n for n in resident.notices(dm, bot_id) if EXPLAIN_SV in n["content"]["body"]]
        _nothing_undecryptable_from(bot_id, resident)


async def test_a_message_that_stays_unreadable_is_explained_once_per_room(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    overrides: dict[str, Any] = {"encryption.explain_after_minutes": 0}
    async with encrypted_chat(synapse, new_user, tmp_path, **overrides) as chat:
        resident, dm, bot_id = chat.resident, chat.dm, chat.bot_id
        await resident.say_with_key_held_back(dm, "!hjälp")  # the key never comes
        explained = await resident.wait_notice(dm, bot_id, EXPLAIN_SV, within=60)
        assert "112" in explained["content"]["body"]
        await resident.say_with_key_held_back(dm, "!hjälp")
        # a readable message afterwards is answered, and the explanation was not repeated
        await resident.say(dm, "!hjälp")
        await resident.wait_notice(dm, bot_id, SV_HELP, within=60)
        explanations = [
            n for n in resident.notices(dm, bot_id) if EXPLAIN_SV in n["content"]["body"]
        ]
        assert len(explanations) == 1
        _nothing_undecryptable_from(bot_id, resident)


async def test_recovery_key_replaces_the_identity_once_and_restores_it_on_a_rebuilt_bot(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot_user = await new_user("bot")
    other = await new_user("other")
    settings = bot_settings(synapse, bot_user)
    bot = await start_bot(settings, bot_user, tmp_path / "first")
    await bot.stop()
    from_file = only_key(
        (await keys_query(synapse, other, bot_user.user_id))["master_keys"][bot_user.user_id]
    )
    recovery = new_recovery_key()
    wanted = CrossSigningKeys.from_recovery_key(recovery).master_public
    assert wanted != from_file
    monkeypatch.setenv("TRYGGBOT_RECOVERY_KEY", recovery)
    # replacing existing cross-signing keys: done with the password (user-interactive auth)
    bot = await start_bot(settings, bot_user, tmp_path / "first")
    await bot.stop()
    answer = await keys_query(synapse, other, bot_user.user_id)
    assert only_key(answer["master_keys"][bot_user.user_id]) == wanted
    # everything on disk lost: a new device, the same identity, the device signed again
    bot = await start_bot(settings, bot_user, tmp_path / "rebuilt")
    device = bot.runtime.transport.client.device_id
    await bot.stop()
    answer = await keys_query(synapse, other, bot_user.user_id)
    master = answer["master_keys"][bot_user.user_id]
    ssk = answer["self_signing_keys"][bot_user.user_id]
    assert only_key(master) == wanted
    assert signed_by(ssk, bot_user.user_id, wanted)
    assert signed_by(
        answer["device_keys"][bot_user.user_id][device], bot_user.user_id, only_key(ssk)
    )


@pytest.mark.parametrize("share_with", ["cross-signed", "all"])
async def test_a_device_its_owner_has_not_cross_signed_gets_keys_only_if_configured(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path, share_with: str
) -> None:
    overrides: dict[str, Any] = {"encryption.share_keys_with": share_with}
    async with encrypted_chat(synapse, new_user, tmp_path, cross_signed=False, **overrides) as chat:
        resident, dm, bot_id = chat.resident, chat.dm, chat.bot_id
        await resident.say(dm, "!hjälp")

        def bot_spoke(_: object) -> bool:
            return any(who == bot_id for r, who, _t in resident.wire if r == dm)

        await resident.wait_for(bot_spoke, within=60)
        if share_with == "all":
            await resident.wait_notice(dm, bot_id, SV_HELP, within=60)
            assert "m.room_key.withheld" not in resident.to_device
        else:
            await resident.wait_for(lambda _: "m.room_key.withheld" in resident.to_device, 60)
            assert not resident.notices(dm, bot_id)
            assert [s for _, s in resident.undecryptable if s.get("sender") == bot_id]


async def test_a_device_removed_on_the_server_comes_back_with_the_same_keys_and_signature(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    other = await new_user("other")
    home = tmp_path / "bot"
    settings = bot_settings(synapse, bot_user)
    bot = await start_bot(settings, bot_user, home)
    device = bot.runtime.transport.client.device_id
    token = bot.runtime.transport.client.access_token
    await bot.stop()
    before = (await keys_query(synapse, other, bot_user.user_id))["device_keys"][bot_user.user_id][
        device
    ]
    path = f"/_matrix/client/v3/devices/{device}"
    status, flow = await http_json(synapse.base_url, token, "DELETE", path, {})
    assert status == 401, flow
    auth = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": bot_user.user_id},
        "password": bot_user.password,
        "session": flow["session"],
    }
    status, body = await http_json(synapse.base_url, token, "DELETE", path, {"auth": auth})
    assert status == 200, body
    assert device not in (await keys_query(synapse, other, bot_user.user_id))["device_keys"].get(
        bot_user.user_id, {}
    )

    bot = await start_bot(settings, bot_user, home)  # the token is gone: password login
    assert bot.runtime.transport.client.device_id == device
    await bot.stop()
    answer = await keys_query(synapse, other, bot_user.user_id)
    after = answer["device_keys"][bot_user.user_id][device]
    assert after["keys"] == before["keys"]
    ssk = only_key(answer["self_signing_keys"][bot_user.user_id])
    assert signed_by(after, bot_user.user_id, ssk)
