"""Issue 11 end to end on a real Synapse: a moderator creates a poll from a template for a
neighbourhood room; residents vote with native MSC3381 responses from their own clients
(one changes the vote, one uses the stable form), one votes with !rösta; the bot is stopped
while the poll is open and a vote arrives meanwhile; after the restart the poll closes on
time with the right tally, an end event and a plain summary. A private survey in a direct
chat leaves no Matrix id and no voter hash in the database once it has closed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nio

from config.settings import Settings
from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import (
    Peer,
    Source,
    ask,
    bot_settings,
    direct_chat,
    moderation_room,
    peer,
    start_bot,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser

START = "org.matrix.msc3381.poll.start"
RESPONSE = "org.matrix.msc3381.poll.response"
END = "org.matrix.msc3381.poll.end"


def of_type(p: Peer, room: str, sender: str, etype: str) -> list[Source]:
    return [
        src
        for rid, src in p.events
        if rid == room and src.get("sender") == sender and src.get("type") == etype
    ]


async def vote(p: Peer, room: str, start: str, answer: str, *, stable: bool = False) -> str:
    rel = {"rel_type": "m.reference", "event_id": start}
    if stable:
        etype, content = "m.poll.response", {"m.relates_to": rel, "m.selections": [answer]}
    else:
        content = {"m.relates_to": rel, RESPONSE: {"answers": [answer]}}
        etype = RESPONSE
    resp = await p.client.room_send(room, etype, content)
    assert isinstance(resp, nio.RoomSendResponse), resp
    return str(resp.event_id)


async def setup(
    synapse: LocalSynapse,
    new_user: NewUser,
    matrix_client: MatrixClientFactory,
    n: int,
    place: dict[str, str],
    **overrides: Any,
) -> tuple[Any, Peer, list[Peer], str, str, Settings]:
    """A moderator with a moderation room, ``n`` residents in a neighbourhood room at
    ``place``, and the settings for a bot serving both (with ``overrides``)."""
    bot_user = await new_user("bot")
    moderator = await peer(matrix_client, await new_user("kommun"))
    residents = [await peer(matrix_client, await new_user(f"granne{i}")) for i in range(n)]
    mod_room, moderation = await moderation_room(moderator, bot_user.user_id, "Moderering")
    public = await moderator.client.room_create(
        preset=nio.RoomPreset.public_chat, invite=[bot_user.user_id], name="Gröndal"
    )
    assert isinstance(public, nio.RoomCreateResponse), public
    for r in residents:
        joined = await r.client.join(str(public.room_id))
        assert isinstance(joined, nio.JoinResponse), joined
    room = str(public.room_id)
    settings = bot_settings(
        synapse, bot_user, **{**moderation, **overrides, "rooms": [{"id": room, **place}]}
    )
    return bot_user, moderator, residents, mod_room, room, settings


async def test_native_poll_with_restart_closes_on_time_with_the_right_tally(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    place = {"locality": "varnamo", "area": "Gröndal", "language": "sv"}
    bot_user, moderator, residents, mod_room, room, settings = await setup(
        synapse, new_user, matrix_client, 5, place, **{"limits.flood_messages": 200}
    )
    anna, bo, cem, dana, eli = residents
    bot_id = bot_user.user_id
    home = tmp_path / "bot"
    bot = await start_bot(settings, bot_user, home)
    try:
        await moderator.wait_membership(mod_room, bot_id, "join")
        await moderator.wait_membership(room, bot_id, "join")
        await ask(moderator, mod_room, bot_id, "!enkät lista", "inga enkäter")
        created = await ask(
            moderator, mod_room, bot_id, "!enkät mall trygghet 100s", "Enkät #1 är skapad"
        )
        closes_text = created.split("stänger ")[1].rstrip(".")
        await anna.wait_for(lambda _: bool(of_type(anna, room, bot_id, START)), within=60)
        start_src = of_type(anna, room, bot_id, START)[0]
        start = str(start_src["event_id"])
        assert start_src["content"][START]["kind"] == "org.matrix.msc3381.poll.undisclosed"
        assert "!rösta 1" in start_src["content"]["body"]

        await vote(anna, room, start, "ganska_trygg")
        await vote(bo, room, start, "mycket_trygg")
        await vote(anna, room, start, "mycket_otrygg")  # Anna changes her mind
        await ask(cem, room, bot_id, "!rösta 1 2", "Din röst i omröstning #1: Ganska trygg")
        await ask(moderator, mod_room, bot_id, "!enkät lista", "svar: 3")

        await bot.stop()
        await vote(dana, room, start, "ganska_trygg")  # while the bot is down
        bot = await start_bot(settings, bot_user, home)
        await vote(eli, room, start, "mycket_trygg", stable=True)

        def ended(_: object) -> bool:
            return bool(of_type(anna, room, bot_id, END))

        await anna.wait_for(ended, within=180)
        end = of_type(anna, room, bot_id, END)[0]
        assert end["content"]["m.relates_to"] == {"rel_type": "m.reference", "event_id": start}
        closes = datetime.strptime(closes_text, "%Y-%m-%d %H:%M").replace(tzinfo=settings.kommun.tz)
        assert datetime.fromtimestamp(end["origin_server_ts"] / 1000, UTC) >= closes
        summary = await anna.wait_notice(room, bot_id, "Resultat, enkät #1")
        body = summary["content"]["body"]
        assert "En fingervisning, inte ett representativt urval." in body
        assert "Antal svar: 5" in body
        assert "• Mycket trygg: 2 (40 %)" in body
        assert "• Ganska trygg: 2 (40 %)" in body
        assert "• Mycket otrygg: 1 (20 %)" in body
        assert "• Ganska otrygg: 0 (0 %)" in body
        assert "Antal svar: 5" in end["content"]["org.matrix.msc1767.text"]
        await moderator.wait_notice(mod_room, bot_id, "Resultat, enkät #1")
    finally:
        await bot.stop()
        for p in (moderator, *residents):
            await p.close()
    with sqlite3.connect(home / "bot.sqlite3") as conn:
        assert list(conn.execute("SELECT count(*) FROM poll_response")) == [(0,)]
        assert list(conn.execute("SELECT state, voter_key FROM poll")) == [("closed", None)]


def raw_bytes(db: Path) -> bytes:
    return b"".join(
        Path(str(db) + s).read_bytes() for s in ("", "-wal") if Path(str(db) + s).exists()
    )


async def test_private_survey_leaves_no_matrix_id_or_voter_hash_after_closing(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user, moderator, residents, mod_room, room, settings = await setup(
        synapse, new_user, matrix_client, 1, {"locality": "bor", "language": "sv"}
    )
    [resident] = residents
    bot_id = bot_user.user_id
    home = tmp_path / "bot"
    bot = await start_bot(settings, bot_user, home)
    try:
        await moderator.wait_membership(mod_room, bot_id, "join")
        await ask(moderator, mod_room, bot_id, "!enkät mall bedrageri 1d", "Enkät #1 är skapad")
        await resident.wait_notice(room, bot_id, "Enkät #1")
        dm = await direct_chat(resident, bot_id)
        await ask(resident, dm, bot_id, "!enkät 1", "Vilken ort gäller dina svar?")
        await ask(resident, dm, bot_id, "Bor", "Fråga 1 av 2")
        await ask(resident, dm, bot_id, "1", "Fråga 2 av 2")
        await ask(resident, dm, bot_id, "1", "Vill du få ett meddelande")
        await ask(resident, dm, bot_id, "ja", "Tack för dina svar!")
        await ask(resident, dm, bot_id, "!enkät 1", "redan svarat")
        with sqlite3.connect(home / "bot.sqlite3") as conn:
            [(key,)] = list(conn.execute("SELECT voter_key FROM poll"))
            assert list(conn.execute("SELECT count(*) FROM survey_voter")) == [(1,)]
        from handlers.polls.lifecycle import voter_hash

        person = bot.runtime.app.svc.pseudonymize(resident.user_id)
        hashed = voter_hash(str(key), person)
        await ask(moderator, mod_room, bot_id, "!enkät stäng 1", "Enkät #1 är stängd")
        await moderator.wait_notice(mod_room, bot_id, "Resultat, enkät #1")
        await ask(
            moderator,
            mod_room,
            bot_id,
            "!enkät åtgärd 1 Vi håller en informationsträff om bedrägerier i Bor.",
            "Åtgärden för enkät #1 är sparad",
        )
        await resident.wait_notice(dm, bot_id, "Ni sa, vi gjorde")
    finally:
        await bot.stop()
        await moderator.close()
        await resident.close()
    db = home / "bot.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for table in ("survey_voter", "survey_submission", "survey_answer", "survey_followup"):
            assert list(conn.execute(f"SELECT count(*) FROM {table}")) == [(0,)], table
        assert list(conn.execute("SELECT count(*) FROM poll_count WHERE n > 0")) != [(0,)]
    data = raw_bytes(db)
    assert resident.user_id.encode() not in data
    assert hashed.encode() not in data and str(key).encode() not in data


async def test_relations_lists_every_unredacted_response_across_pages_on_synapse(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory
) -> None:
    from bot.matrix.polls import parse_event, relations, start_content
    from bot.matrix.transport import MatrixTransport
    from bot.messages import PollAnswer, PollStart

    owner_user = await new_user("kommun")
    owner = await matrix_client(owner_user)
    created = await owner.room_create(preset=nio.RoomPreset.public_chat, name="Relations")
    assert isinstance(created, nio.RoomCreateResponse), created
    room = str(created.room_id)
    poll = PollStart("Q?", (PollAnswer("a", "A"), PollAnswer("b", "B")))
    sent = await owner.room_send(room, START, start_content(poll, "Q?"))
    assert isinstance(sent, nio.RoomSendResponse), sent
    start = str(sent.event_id)
    voters = [await peer(matrix_client, await new_user(f"v{i}")) for i in range(3)]
    ids = []
    for i, v in enumerate(voters):
        assert isinstance(await v.client.join(room), nio.JoinResponse)
        ids.append(await vote(v, room, start, "a" if i else "b", stable=i == 2))
    ids.append(await vote(voters[0], room, start, "a"))  # a change of mind
    redact = await voters[1].client.room_redact(room, ids[1])
    assert isinstance(redact, nio.RoomRedactResponse), redact
    transport = MatrixTransport(bot_settings(synapse, owner_user), owner)
    try:
        found = await relations(transport.get_json, room, start, page=2)
    finally:
        for v in voters:
            await v.close()
    # Every page, oldest first. A redacted response has lost its relation, so the server no
    # longer lists it: recovery counts the voter's previous response, as the tally rules say.
    assert [e["event_id"] for e in found] == [ids[0], ids[2], ids[3]]
    parsed = [parse_event(e, room) for e in found]
    assert [(p.kind, p.answers) if p else None for p in parsed] == [
        ("response", ("b",)),
        ("response", ("a",)),  # the stable form
        ("response", ("a",)),
    ]
