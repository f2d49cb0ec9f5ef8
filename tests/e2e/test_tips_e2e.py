"""Issue 4 end to end on a real Synapse: a resident reports a tip in a direct chat, the card
appears in the moderation room, a moderator asks a question that reaches the resident, the
answer comes back into the tip's thread, the moderator sets a state with a public note and the
resident's !status shows it. Then the raw SQLite file holds no Matrix id of the resident and
none of the planted personal data."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import nio

from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import (
    Source,
    bot_settings,
    group_room,
    start_bot,
    tip_code,
    tip_summary,
)
from tests.e2e.cryptokit import crypto_peer

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, Moderated, NewUser

PHONE = "070-987 65 43"
EMAIL = "kalle.anka@example.se"
ANSWER_PHONE = "0739876543"


def _thread_root(src: Source) -> str | None:
    rel = src.get("content", {}).get("m.relates_to") or {}
    return str(rel["event_id"]) if rel.get("rel_type") == "m.thread" else None


async def test_tip_question_answer_and_status_over_matrix(moderated: Moderated) -> None:
    async with moderated(moderator="polis", resident="invanare", room="Trygg moderering") as scene:
        moderator, resident = scene.moderator, scene.resident
        mod_room, dm, bot_id = scene.mod_room, scene.dm, scene.bot_id
        summary = await tip_summary(
            resident, dm, bot_id, f"Klotter över hela väntsalen, ring {PHONE} eller mejla {EMAIL}"
        )
        assert (
            "«Klotter över hela väntsalen, ring [telefonnummer] eller mejla [e-post]»"
            in (summary["content"]["body"])
        )
        receipt = await scene.tell("1", "Din kod är")
        code = tip_code(receipt["content"]["body"])

        card = await moderator.wait_notice(mod_room, bot_id, f"Nytt tips {code}")
        body = card["content"]["body"]
        assert "Plats: Bredaryd · Resecentrum/station" in body
        assert "[telefonnummer]" in body and PHONE not in body and EMAIL not in body
        assert resident.user_id not in body
        card_id = str(card["event_id"])

        await moderator.say(mod_room, f"!fråga {code} Är klottret kvar i dag?")
        question = await resident.wait_notice(dm, bot_id, "Följdfråga från moderatorerna")
        assert "Är klottret kvar i dag?" in question["content"]["body"]
        assert moderator.user_id not in question["content"]["body"]
        asked = await moderator.wait_notice(mod_room, bot_id, "frågade rapportören")
        assert _thread_root(asked) == card_id

        await resident.say(dm, f"Ja, och mer har tillkommit. Ring {ANSWER_PHONE} vid frågor")
        answer = await moderator.wait_notice(mod_room, bot_id, "Svar från rapportören")
        assert _thread_root(answer) == card_id
        assert (
            "Ja, och mer har tillkommit. Ring [telefonnummer] vid frågor"
            in (answer["content"]["body"])
        )
        assert resident.user_id not in answer["content"]["body"]

        reacted = await moderator.client.room_send(
            mod_room,
            "m.reaction",
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": card_id, "key": "✅"}},
        )
        assert isinstance(reacted, nio.RoomSendResponse), reacted
        by_reaction = await moderator.wait_notice(mod_room, bot_id, f"{code}: granskad")
        assert _thread_root(by_reaction) == card_id

        await moderator.say(mod_room, f"!status {code} vidarebefordrad Skickat till Trafikverket")
        state = await moderator.wait_notice(mod_room, bot_id, f"{code}: vidarebefordrad")
        assert _thread_root(state) == card_id
        status = await scene.tell(f"!status {code}", f"Tips {code}")
        assert status["content"]["body"] == (
            f"Tips {code}: vidarebefordrad.\n"
            "Meddelande från moderatorerna: Skickat till Trafikverket"
        )

    raw = b""
    for f in scene.home.glob("bot.sqlite3*"):
        raw += f.read_bytes()
    assert raw, "the bot's database file is where the test expects it"
    for needle in (
        resident.user_id,
        PHONE,
        PHONE.replace(" ", "").replace("-", ""),
        EMAIL,
        ANSWER_PHONE,
    ):
        assert needle.encode() not in raw, f"{needle!r} is in the database file"


async def test_tip_started_in_a_neighbourhood_room_continues_in_a_direct_chat(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    # the bot opens an encrypted direct chat, so the resident's client encrypts (as Element)
    resident = await crypto_peer(synapse, await new_user("granne"), tmp_path / "granne")
    bot_id = bot_user.user_id
    room = await group_room(resident, [bot_id])
    settings = bot_settings(
        synapse,
        bot_user,
        **{"rooms": [{"id": room, "locality": "varnamo", "area": "Gröndal", "language": "sv"}]},
    )
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    try:
        await resident.wait_membership(room, bot_id, "join")
        asked = await resident.say(room, "!tips")
        moved = await resident.wait_notice(room, bot_id, "direktmeddelande")
        assert moved["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == asked
        # the bot opened a direct chat and invited the resident: they accept, as a client would
        await resident.wait_for(lambda _: bool(resident.client.invited_rooms))
        [dm] = list(resident.client.invited_rooms)
        assert dm != room
        joined = await resident.client.join(dm)
        assert isinstance(joined, nio.JoinResponse), joined
        question = await resident.wait_notice(dm, bot_id, "Vad handlar det om?")
        assert "2. Klotter" in question["content"]["body"]
        await resident.say(dm, "2")
        # the place came from the room (Värnamo, Gröndal): straight to the kind of place
        await resident.wait_notice(dm, bot_id, "Vilken sorts plats?")
        room_bodies = [n["content"]["body"] for n in resident.notices(room, bot_id)]
        assert not any("Vad handlar det om" in b for b in room_bodies)

        # After a restart (whose first sync brings only rooms with news) the next tip from
        # the room continues in the same direct chat: no second chat is opened.
        await resident.say(dm, "!avbryt")
        await resident.wait_notice(dm, bot_id, "Avbrutet")
        await bot.stop()
        bot = await start_bot(settings, bot_user, tmp_path / "bot")
        before = len(resident.notices(dm, bot_id))
        await resident.say(room, "!tips")
        await resident.wait_for(
            lambda _: any(
                "Vad handlar det om?" in n["content"]["body"]
                for n in resident.notices(dm, bot_id)[before:]
            )
        )
        assert list(resident.client.invited_rooms) == []
        with sqlite3.connect(tmp_path / "bot" / "bot.sqlite3") as db:
            kinds = dict(db.execute("SELECT room_id, kind FROM room"))
        assert kinds[dm] == "direct" and kinds[room] == "neighbourhood"
    finally:
        await bot.stop()
        await resident.close()
