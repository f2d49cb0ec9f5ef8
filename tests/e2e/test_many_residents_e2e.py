"""Issue 20 end to end on a real Synapse: every shared feature with at least five residents
taking part at once, interleaved (each resident's dialogue runs as its own task), and each
resident checked for their own outcome.

- the same private survey, each resident in their own direct chat: every answer set is
  stored and the results count all of them (over Matrix, a resident's direct-chat message
  reaches the engine without its sender: before issue 20 every resident was one voter);
- the same native poll in two rooms: native responses (unstable and stable), a changed vote,
  one person voting in both rooms, and !rösta; one vote each, the latest;
- the same broadcast subscription: each subscriber gets the ad hoc warning once, in their
  own direct chat and language;
- the same tip relay: a moderator's follow-up question to each of five reporters, answered
  in an order of their own; each answer lands in its own tip's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import nio

from devtools.homeserver import LocalSynapse, RegisteredUser
from handlers.polls.lifecycle import voter_hash
from handlers.polls.tally import latest_votes
from storage.polls import Response
from tests.e2e import botkit
from tests.e2e.botkit import (
    Peer,
    RunningBot,
    Source,
    bot_settings,
    direct_chat,
    moderation_room,
    peer,
    start_bot,
    tip_code,
    tip_summary,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser

T = TypeVar("T")
RESPONSE = "org.matrix.msc3381.poll.response"
START = "org.matrix.msc3381.poll.start"


async def ask(p: Peer, room: str, bot_id: str, text: str, expect: str) -> str:
    """Say ``text`` in ``room`` and wait for the bot's notice there containing ``expect``
    (90 s: five residents at once)."""
    return await botkit.ask(p, room, bot_id, text, expect, within=90)


def raw_bytes(db: Path) -> bytes:
    return b"".join(
        Path(str(db) + x).read_bytes() for x in ("", "-wal") if Path(str(db) + x).exists()
    )


async def together(*work: Awaitable[T]) -> list[T]:
    """Run the residents' dialogues at once (their messages interleave at the bot)."""
    return list(await asyncio.gather(*work))


class Scene:
    """A bot, a moderator with a moderation room, residents, and neighbourhood rooms."""

    def __init__(self, bot_user: RegisteredUser, moderator: Peer, residents: list[Peer]) -> None:
        self.bot_user, self.moderator, self.residents = bot_user, moderator, residents
        self.bot_id = bot_user.user_id
        self.mod_room = ""
        self.rooms: list[str] = []
        self.dms: list[str] = []
        self.bot: RunningBot | None = None
        self.home = Path()

    @property
    def db(self) -> Path:
        return self.home / "bot.sqlite3"

    def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return list(conn.execute(query, args))

    def person(self, p: Peer) -> str:
        assert self.bot is not None
        return str(self.bot.runtime.app.svc.pseudonymize(p.user_id))

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
        for p in (self.moderator, *self.residents):
            await p.close()


@contextlib.asynccontextmanager
async def scene(
    synapse: LocalSynapse,
    new_user: NewUser,
    matrix_client: MatrixClientFactory,
    home: Path,
    n: int,
    rooms: int = 1,
    *,
    direct_chats: bool = False,
) -> AsyncIterator[Scene]:
    """The scene for the block, closed after it; with ``direct_chats`` every resident has
    opened a direct chat with the bot (`Scene.dms`, in the order of the residents)."""
    s = await _open_scene(synapse, new_user, matrix_client, home, n, rooms)
    try:
        if direct_chats:
            s.dms = await together(*(direct_chat(r, s.bot_id) for r in s.residents))
        yield s
    finally:
        await s.close()


async def _open_scene(
    synapse: LocalSynapse,
    new_user: NewUser,
    matrix_client: MatrixClientFactory,
    home: Path,
    n: int,
    rooms: int,
) -> Scene:
    bot_user = await new_user("bot")
    moderator = await peer(matrix_client, await new_user("kommun"))
    users = [await new_user(f"granne{i}") for i in range(n)]
    residents = await together(*(peer(matrix_client, u) for u in users))
    s = Scene(bot_user, moderator, residents)
    s.mod_room, moderation = await moderation_room(moderator, s.bot_id, "Moderering")
    for name in ("Gröndal", "Bor")[:rooms]:
        public = await moderator.client.room_create(
            preset=nio.RoomPreset.public_chat, invite=[s.bot_id], name=name
        )
        assert isinstance(public, nio.RoomCreateResponse), public
        s.rooms.append(str(public.room_id))
    places = [
        {"locality": "varnamo", "area": "Gröndal", "language": "sv"},
        {"locality": "bor", "language": "sv"},
    ]
    settings = bot_settings(
        synapse,
        bot_user,
        **{
            **moderation,
            "limits.flood_messages": 200,
            "rooms": [{"id": r, **places[i]} for i, r in enumerate(s.rooms)],
        },
    )
    s.home = home
    s.bot = await start_bot(settings, bot_user, home)
    for room in (s.mod_room, *s.rooms):
        await moderator.wait_membership(room, s.bot_id, "join", within=60)
    return s


async def test_five_residents_answer_the_same_private_survey_in_their_direct_chats(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    async with scene(synapse, new_user, matrix_client, tmp_path / "bot", 5) as s:
        mod, bot_id = s.moderator, s.bot_id
        await ask(mod, s.mod_room, bot_id, "!enkät mall bedrageri 1d", "Enkät #1 är skapad")
        dms = await together(*(direct_chat(r, bot_id) for r in s.residents))
        first = ["1", "1", "2", "4", "4"]  # by phone ×2, online ×1, no ×2
        optin = ["ja", "nej", "ja", "nej", "nej"]

        async def answer(i: int) -> str:
            r, dm = s.residents[i], dms[i]
            await ask(r, dm, bot_id, "!enkät 1", "Vilken ort gäller dina svar?")
            await ask(r, dm, bot_id, "Bor", "Fråga 1 av 2")
            await ask(r, dm, bot_id, first[i], "Fråga 2 av 2")
            await ask(r, dm, bot_id, "3", "Vill du få ett meddelande")
            return await ask(r, dm, bot_id, optin[i], "Tack för dina svar!")

        thanks = await together(*(answer(i) for i in range(5)))
        assert all(t.startswith("Tack för dina svar!") for t in thanks)
        [(key,)] = s.sql("SELECT voter_key FROM poll")
        stored = {v for (v,) in s.sql("SELECT voter FROM survey_voter")}
        assert stored == {voter_hash(str(key), s.person(r)) for r in s.residents}
        assert s.sql("SELECT count(*) FROM survey_submission") == [(5,)]
        assert s.sql("SELECT count(*) FROM survey_followup") == [(2,)]
        again = await together(
            *(
                ask(r, dm, bot_id, "!enkät 1", "redan svarat")
                for r, dm in zip(s.residents, dms, strict=True)
            )
        )
        assert len(again) == 5

        await ask(mod, s.mod_room, bot_id, "!enkät stäng 1", "Enkät #1 är stängd")
        summary = (await mod.wait_notice(s.mod_room, bot_id, "Resultat, enkät #1"))["content"]
        body = summary["body"]
        assert "Antal svar: 5" in body
        assert "• Ja, per telefon: 2 (40 %)" in body
        assert "• Ja, via sms, e-post eller nätet: 1 (20 %)" in body
        assert "• Nej: 2 (40 %)" in body
        assert "• Det hände inte: 5 (100 %)" in body
    data = await asyncio.to_thread(raw_bytes, s.db)
    for r in s.residents:
        assert r.user_id.encode() not in data


async def test_six_residents_vote_in_the_same_poll_across_two_rooms(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    async with scene(synapse, new_user, matrix_client, tmp_path / "bot", 6, rooms=2) as s:
        mod, bot_id = s.moderator, s.bot_id
        grondal, bor = s.rooms
        homes = [grondal, grondal, grondal, bor, bor, bor]
        for r, room in zip(s.residents, homes, strict=True):
            assert isinstance(await r.client.join(room), nio.JoinResponse)
        assert isinstance(await s.residents[2].client.join(bor), nio.JoinResponse)
        created = await ask(mod, s.mod_room, bot_id, "!enkät mall trygghet 1d", "Enkät #1")
        assert "för 2 rum" in created

        def start_of(p: Peer, room: str) -> str | None:
            for rid, src in p.events:
                if rid == room and src.get("sender") == bot_id and src.get("type") == START:
                    return str(src["event_id"])
            return None

        async def vote(p: Peer, room: str, answer: str, *, stable: bool = False) -> None:
            await p.wait_for(lambda _: start_of(p, room) is not None, within=60)
            rel = {"rel_type": "m.reference", "event_id": start_of(p, room)}
            etype, content = (
                ("m.poll.response", {"m.relates_to": rel, "m.selections": [answer]})
                if stable
                else (RESPONSE, {"m.relates_to": rel, RESPONSE: {"answers": [answer]}})
            )
            resp = await p.client.room_send(room, etype, content)
            assert isinstance(resp, nio.RoomSendResponse), resp

        a, b, c, d, e, f = s.residents

        async def anna() -> None:
            await vote(a, grondal, "mycket_trygg")

        async def bo() -> None:
            await vote(b, grondal, "ganska_trygg")
            await vote(b, grondal, "mycket_otrygg")  # changes her mind

        async def cem() -> None:  # in both rooms: one person, one vote, the latest
            await vote(c, grondal, "ganska_trygg")
            await vote(c, bor, "ganska_otrygg")

        async def dana() -> None:
            await ask(d, bor, bot_id, "!rösta 1 2", "Din röst i omröstning #1: Ganska trygg")

        async def eli() -> None:
            await vote(e, bor, "mycket_trygg", stable=True)

        async def fia() -> None:
            await vote(f, bor, "mycket_otrygg")

        await together(anna(), bo(), cem(), dana(), eli(), fia())
        expected = [
            (a, "mycket_trygg"),
            (b, "mycket_otrygg"),
            (c, "ganska_otrygg"),
            (d, "ganska_trygg"),
            (e, "mycket_trygg"),
            (f, "mycket_otrygg"),
        ]

        def counted() -> dict[str, tuple[str, ...]]:
            rows = s.sql(
                "SELECT event_id, voter, sent_ms, answers FROM poll_response WHERE redacted = 0"
            )
            got = [Response(r[0], r[1], r[2], tuple(json.loads(r[3])), "") for r in rows]
            ids = frozenset({"mycket_trygg", "ganska_trygg", "ganska_otrygg", "mycket_otrygg", "x"})
            return {k: v.answers for k, v in latest_votes(got, ids, 1).items()}

        [(key,)] = s.sql("SELECT voter_key FROM poll")
        want = {voter_hash(str(key), s.person(p)): (v,) for p, v in expected}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while counted() != want:  # native responses reach the bot through its own sync
            assert loop.time() < deadline, (counted(), want)
            await asyncio.sleep(0.3)

        await ask(mod, s.mod_room, bot_id, "!enkät stäng 1", "Enkät #1 är stängd")
        body = (await mod.wait_notice(s.mod_room, bot_id, "Resultat, enkät #1"))["content"]["body"]
        assert "Antal svar: 6" in body
        assert "• Mycket trygg: 2 (" in body and "• Mycket otrygg: 2 (" in body
        assert "• Ganska trygg: 1 (" in body and "• Ganska otrygg: 1 (" in body


async def test_five_subscribers_each_get_the_warning_once_in_their_own_chat_and_language(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    async with scene(synapse, new_user, matrix_client, tmp_path / "bot", 5, direct_chats=True) as s:
        mod, bot_id, dms = s.moderator, s.bot_id, s.dms
        words = ["!prenumerera", "!subscribe", "!prenumerera", "!subscribe", "!prenumerera"]
        expect = ["Klart!", "Done!", "Klart!", "Done!", "Klart!"]

        async def subscribe(r: Peer, dm: str, word: str, done: str) -> None:
            if done == "Done!":
                await ask(r, dm, bot_id, "!language en", "I will answer you in")
            await ask(r, dm, bot_id, word, done)

        await together(*map(subscribe, s.residents, dms, words, expect))
        people = {p for (p,) in s.sql("SELECT person FROM broadcast_subscriber")}
        assert people == {s.person(r) for r in s.residents}

        text = "Falska bankanställda ringer i Bor den här veckan. Ring banken själv."
        await ask(mod, s.mod_room, bot_id, "!utskick nu " + text, "!utskick bekräfta 1")
        await ask(mod, s.mod_room, bot_id, "!utskick bekräfta 1", "skickas nu")
        await mod.wait_notice(s.mod_room, bot_id, "levererade 6 av 6", within=90)

        def warnings(r: Peer, dm: str) -> list[Source]:
            return [n for n in r.notices(dm, bot_id) if n["content"]["body"].startswith("⚠️")]

        for r, dm, x in zip(s.residents, dms, expect, strict=True):
            await r.wait_for(lambda _, r=r, dm=dm: bool(warnings(r, dm)), within=60)
            [got] = warnings(r, dm)
            body = got["content"]["body"]
            assert text in body
            if x == "Done!":
                assert body.startswith("⚠️ Current warning from Värnamo Municipality")
            else:
                assert body.startswith("⚠️ Aktuell varning från Värnamo kommun")


async def test_five_reporters_each_answer_their_own_follow_up_question(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    async with scene(synapse, new_user, matrix_client, tmp_path / "bot", 5, direct_chats=True) as s:
        mod, bot_id, dms = s.moderator, s.bot_id, s.dms

        async def report(i: int) -> str:
            r, dm = s.residents[i], dms[i]
            what = f"Klotter på perrong {i + 1}, stora svarta bokstäver"
            await tip_summary(r, dm, bot_id, what, within=90)
            return tip_code(await ask(r, dm, bot_id, "1", "Din kod är"))

        codes = await together(*(report(i) for i in range(5)))
        assert len(set(codes)) == 5
        cards = {}
        for code in codes:
            cards[code] = str(
                (await mod.wait_notice(s.mod_room, bot_id, f"Nytt tips {code}"))["event_id"]
            )
        for i, code in enumerate(codes):
            await mod.say(s.mod_room, f"!fråga {code} Vilken tid såg du det, nummer {i + 1}?")

        async def reply(i: int) -> None:
            r, dm = s.residents[i], dms[i]
            question = await r.wait_notice(dm, bot_id, "Följdfråga från moderatorerna", 60)
            assert codes[i] in question["content"]["body"]
            assert f"nummer {i + 1}?" in question["content"]["body"]
            await asyncio.sleep(0.1 * (5 - i))  # the later asked tend to answer first
            await ask(r, dm, bot_id, f"Runt nio på kvällen, svar {i + 1}", "är skickat")

        await together(*(reply(i) for i in range(5)))

        def thread_of(src: Source) -> str | None:
            rel = src.get("content", {}).get("m.relates_to") or {}
            return str(rel["event_id"]) if rel.get("rel_type") == "m.thread" else None

        for i, code in enumerate(codes):
            answer = await mod.wait_notice(
                s.mod_room, bot_id, f"Svar från rapportören ({code}): Runt nio", 60
            )
            assert answer["content"]["body"].endswith(f"svar {i + 1}")
            assert thread_of(answer) == cards[code]
        rows = s.sql(
            "SELECT t.code, m.body FROM tip_message m JOIN tip t ON t.id = m.tip_id"
            " WHERE m.direction = 'answer'"
        )
        assert sorted(rows) == sorted(
            (code, f"Runt nio på kvällen, svar {i + 1}") for i, code in enumerate(codes)
        )
        reporters = {p for (p,) in s.sql("SELECT reporter FROM tip")}
        assert reporters == {s.person(r) for r in s.residents}
