"""A burst of new direct chats: 100 opened with the bot at once (20 residents, five each).
The bot joins every one, records every one as a direct chat (its own room table and its
``m.direct``), and answers a plain message in every one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nio

from devtools.homeserver import LocalSynapse
from storage import rooms
from tests.e2e.botkit import Peer, bot_settings, peer, start_bot
from tests.e2e.conftest import MatrixClientFactory, NewUser

RESIDENTS, ROOMS_EACH = 20, 5


async def open_direct(resident: Peer, bot_id: str) -> str:
    resp = await resident.client.room_create(
        is_direct=True, invite=[bot_id], preset=nio.RoomPreset.trusted_private_chat
    )
    assert isinstance(resp, nio.RoomCreateResponse), resp
    return str(resp.room_id)


async def test_a_hundred_direct_chats_at_once_are_all_answered(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    settings = bot_settings(synapse, bot_user, **{"limits.flood_messages": 1000})
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    residents = [await peer(matrix_client, await new_user("resident")) for _ in range(RESIDENTS)]
    try:
        made = await asyncio.gather(
            *(open_direct(r, bot_user.user_id) for r in residents for _ in range(ROOMS_EACH))
        )
        by_resident = [made[i * ROOMS_EACH : (i + 1) * ROOMS_EACH] for i in range(RESIDENTS)]
        await asyncio.gather(
            *(
                r.wait_membership(room, bot_user.user_id, "join", within=180)
                for r, mine in zip(residents, by_resident, strict=True)
                for room in mine
            )
        )
        await asyncio.gather(
            *(
                r.say(room, "Hej")
                for r, mine in zip(residents, by_resident, strict=True)
                for room in mine
            )
        )
        for r, mine in zip(residents, by_resident, strict=True):
            await r.wait_for(
                lambda _, r=r, mine=mine: all(r.notices(room, bot_user.user_id) for room in mine),
                within=180,
            )
        svc = bot.runtime.app.svc
        async with svc.db.read() as conn:
            direct = {info.room_id for info in await rooms.by_kind(conn, "direct")}
        assert set(made) <= direct
        server_copy = await bot.runtime.transport.get_account_data("m.direct")
        recorded = {room for rooms_ in server_copy.values() for room in rooms_}
        assert set(made) <= recorded
    finally:
        await bot.stop()
        for r in residents:
            await r.close()
