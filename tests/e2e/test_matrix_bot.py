"""Tryggbot on a real Synapse, driven by independent nio clients."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import nio
import pytest

from config.settings import Settings
from devtools.homeserver import LocalSynapse, RegisteredUser
from tests.e2e.botkit import (
    Peer,
    RunningBot,
    bot_settings,
    direct_chat,
    group_room,
    peer,
    reply_target,
    room_settings,
    start_bot,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser

EN_HELP = "What you can do"
SV_HELP = "Det här kan du göra"


async def test_help_in_direct_chat_and_neighbourhood_room_in_right_language(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    moderator = await peer(matrix_client, await new_user("mod"))
    resident = await peer(matrix_client, await new_user("resident"))
    room = await group_room(moderator, [bot_user.user_id])
    # Written before the bot's first start: a new deployment must not answer it.
    old = await moderator.say(room, "!help")
    settings = bot_settings(
        synapse,
        bot_user,
        **{
            "matrix.moderators": [moderator.user_id],
            "rooms": [{"id": room, "locality": "bredaryd", "language": "en"}],
        },
    )
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    try:
        await moderator.wait_membership(room, bot_user.user_id, "join")
        await resident.client.join(room)
        asked = await resident.say(room, "!help")
        help_answer = await resident.wait_notice(room, bot_user.user_id, EN_HELP)
        assert reply_target(help_answer) == asked
        answer = resident.replies_to(asked, bot_user.user_id)[-1]
        assert answer["content"]["msgtype"] == "m.notice"
        assert answer["content"]["format"] == "org.matrix.custom.html"
        assert answer["content"]["m.mentions"] == {}

        dm = await direct_chat(resident, bot_user.user_id)
        await resident.say(dm, "!help")
        await resident.wait_notice(dm, bot_user.user_id, SV_HELP)

        # The old message got nothing (everything after it in the room was answered).
        assert resident.replies_to(old, bot_user.user_id) == []
        assert moderator.replies_to(old, bot_user.user_id) == []
    finally:
        await bot.stop()
        await moderator.close()
        await resident.close()


async def _meet(peer: Peer, room: str, bot_id: str) -> None:
    """First contact gets a safety notice too: get it out of the way."""
    first = await peer.say(room, "!help")
    await peer.wait_for(lambda _: len(peer.replies_to(first, bot_id)) >= 2, within=30)


def _reply_counts(peer: Peer, asked: list[str], bot_id: str) -> dict[str, int]:
    return {e: len(peer.replies_to(e, bot_id)) for e in asked}


async def _resident_in_room_with_bot(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> tuple[RegisteredUser, Peer, str, Settings, Path, RunningBot]:
    """A resident and a running bot in a Swedish neighbourhood room, past first contact."""
    bot_user = await new_user("bot")
    resident = await peer(matrix_client, await new_user("resident"))
    room = await group_room(resident, [bot_user.user_id])
    settings = room_settings(synapse, bot_user, room)
    home = tmp_path / "bot"
    bot = await start_bot(settings, bot_user, home)
    await resident.wait_membership(room, bot_user.user_id, "join")
    await _meet(resident, room, bot_user.user_id)
    return bot_user, resident, room, settings, home, bot


async def test_messages_sent_while_stopped_are_answered_exactly_once(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user, resident, room, settings, home, bot = await _resident_in_room_with_bot(
        synapse, new_user, matrix_client, tmp_path
    )

    # A restart right after a batch answers nothing twice.
    batch = [await resident.say(room, f"!finnsinte{i}") for i in range(5)]
    await resident.wait_replies(batch, bot_user.user_id)
    await bot.stop()
    bot = await start_bot(settings, bot_user, home)
    sentinel = await resident.say(room, "!finnsinte-sentinel1")
    await resident.wait_replies([sentinel], bot_user.user_id)
    assert set(_reply_counts(resident, batch, bot_user.user_id).values()) == {1}
    await bot.stop()

    # 20 messages while the bot is down: each answered once after it starts again.
    # More than a sync timeline holds (50 with the filter) is not needed to leave a gap:
    # the homeserver marks the timeline limited as soon as it is past its own page size.
    asked = [await resident.say(room, f"!saknas{i}") for i in range(20)]
    bot = await start_bot(settings, bot_user, home)
    try:
        await resident.wait_replies(asked, bot_user.user_id, within=90)
        sentinel = await resident.say(room, "!finnsinte-sentinel2")
        await resident.wait_replies([sentinel], bot_user.user_id)
        counts = _reply_counts(resident, asked, bot_user.user_id)
        assert set(counts.values()) == {1}, counts
        # Answered in the order they were sent.
        order = [reply_target(s) for s in resident.notices(room, bot_user.user_id)]
        assert [e for e in order if e in asked] == asked
    finally:
        await bot.stop()
        await resident.close()


async def test_a_crash_mid_batch_neither_loses_nor_repeats(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user, resident, room, settings, home, bot = await _resident_in_room_with_bot(
        synapse, new_user, matrix_client, tmp_path
    )
    asked = [await resident.say(room, f"!krasch{i}") for i in range(15)]
    await resident.wait_for(lambda _: len(resident.replies_to(asked[3], bot_user.user_id)) > 0)
    await bot.crash()
    bot = await start_bot(settings, bot_user, home)
    try:
        await resident.wait_replies(asked, bot_user.user_id, within=90)
        sentinel = await resident.say(room, "!krasch-sentinel")
        await resident.wait_replies([sentinel], bot_user.user_id)
        counts = _reply_counts(resident, asked, bot_user.user_id)
        assert set(counts.values()) == {1}, counts
    finally:
        await bot.stop()
        await resident.close()


async def test_all_replies_arrive_under_a_strict_rate_limit(
    synapse: LocalSynapse,
    new_user: NewUser,
    matrix_client: MatrixClientFactory,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = await new_user("admin", admin=True)
    bot_user = await new_user("bot")
    await synapse.override_ratelimit(admin.access_token, bot_user.user_id, 5, 2)
    resident = await peer(matrix_client, await new_user("resident"))
    room = await group_room(resident, [bot_user.user_id])
    settings = room_settings(synapse, bot_user, room)
    caplog.set_level(logging.INFO, logger="bot.matrix")
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    try:
        await resident.wait_membership(room, bot_user.user_id, "join")
        await _meet(resident, room, bot_user.user_id)
        asked = [await resident.say(room, f"!takt{i}") for i in range(50)]
        await resident.wait_replies(asked, bot_user.user_id, within=120)
        counts = _reply_counts(resident, asked, bot_user.user_id)
        assert set(counts.values()) == {1}, counts
        assert any("rate limited" in r.getMessage() for r in caplog.records)
    finally:
        await bot.stop()
        await resident.close()
        await synapse.delete_ratelimit_override(admin.access_token, bot_user.user_id)


async def test_bot_recovers_when_the_homeserver_was_down(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    resident = await peer(matrix_client, await new_user("resident"))
    bot = await start_bot(bot_settings(synapse, bot_user), bot_user, tmp_path / "bot")
    try:
        dm = await direct_chat(resident, bot_user.user_id)
        await synapse.stop()
        try:
            await asyncio.sleep(10)  # the scenario itself: the homeserver is away for 10 s
        finally:
            await synapse.start()
        await resident.say(dm, "!help")
        await resident.wait_notice(dm, bot_user.user_id, SV_HELP, within=60)
    finally:
        await bot.stop()
        await resident.close()


async def test_invites_stranger_group_declined_direct_accepted(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    stranger = await peer(matrix_client, await new_user("stranger"))
    bot = await start_bot(bot_settings(synapse, bot_user), bot_user, tmp_path / "bot")
    try:
        group = await group_room(stranger, [bot_user.user_id])
        await stranger.wait_membership(group, bot_user.user_id, "leave")
        dm = await direct_chat(stranger, bot_user.user_id)
        await stranger.say(dm, "hej")
        await stranger.wait_notice(dm, bot_user.user_id, "112")
    finally:
        await bot.stop()
        await stranger.close()


async def test_with_encryption_off_an_encrypted_room_gets_a_plain_explanation_elsewhere(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    resident = await peer(matrix_client, await new_user("resident"))
    settings = bot_settings(synapse, bot_user, **{"encryption.enabled": False})
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    try:
        resp = await resident.client.room_create(
            is_direct=True,
            invite=[bot_user.user_id],
            preset=nio.RoomPreset.trusted_private_chat,
            initial_state=[
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ],
        )
        assert isinstance(resp, nio.RoomCreateResponse), resp
        encrypted = str(resp.room_id)
        await resident.wait_membership(encrypted, bot_user.user_id, "join")
        await resident.client.room_send(
            encrypted,
            "m.room.encrypted",
            {
                "algorithm": "m.megolm.v1.aes-sha2",
                "ciphertext": "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg",
                "device_id": "RJYKSTBOIE",
                "sender_key": "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
                "session_id": "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ",
            },
        )

        def explained(_: object) -> bool:
            return any(
                rid != encrypted
                and src.get("sender") == bot_user.user_id
                and "krypterat" in src.get("content", {}).get("body", "")
                for rid, src in resident.events
            )

        # The bot invites the resident to a new, unencrypted direct chat and explains there.
        async def join_invites() -> None:
            while not explained(None):
                sync = await resident.client.sync(timeout=500)
                if isinstance(sync, nio.SyncResponse):
                    for room_id in sync.rooms.invite:
                        await resident.client.join(room_id)

        await asyncio.wait_for(join_invites(), 30)
    finally:
        await bot.stop()
        await resident.close()


async def test_neighbourhood_room_configured_by_alias(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    resident = await peer(matrix_client, await new_user("resident"))
    alias_local = f"grannar-{bot_user.user_id[5:13]}"
    created = await resident.client.room_create(
        alias=alias_local, preset=nio.RoomPreset.public_chat
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    room = str(created.room_id)
    settings = bot_settings(
        synapse,
        bot_user,
        rooms=[{"id": f"#{alias_local}:localhost", "locality": "bor", "language": "en"}],
    )
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    try:
        await resident.wait_membership(room, bot_user.user_id, "join")  # joined by itself
        asked = await resident.say(room, "!help")
        answer = await resident.wait_notice(room, bot_user.user_id, EN_HELP)
        assert reply_target(answer) == asked
    finally:
        await bot.stop()
        await resident.close()
