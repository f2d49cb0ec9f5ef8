"""Moderators: cards, queue, states with public notes, priorities, notes, assignment,
anonymous follow-up both ways, reactions, permissions and the audit trail."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.messages import IncomingReaction
from bot.render import plain
from tests.harness import (
    MODERATION_ROOM,
    MODERATOR,
    RESIDENT,
    RESIDENT2,
    Harness,
    dm_room,
    make_settings,
)
from tests.tipflow import report_tip

MOD = {"as_": MODERATOR, "room": MODERATION_ROOM}


def rows(bot: Harness, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return list(conn.execute(sql))


def card_of(bot: Harness, code: str) -> tuple[str, str]:
    for out in bot.messenger.sent:
        if out.room_id == MODERATION_ROOM and f"Nytt tips {code}" in out.text:
            [(event_id,)] = rows(
                bot,
                f"SELECT event_id FROM tip_card JOIN tip ON tip.id = tip_id WHERE code = '{code}'",
            )
            return plain(out.text), str(event_id)
    raise AssertionError(f"no card for {code}")


@pytest.fixture
async def mbot(bot: Harness) -> Harness:
    await bot.meet(RESIDENT)
    return bot


async def test_new_tip_card_in_moderation_room(mbot: Harness) -> None:
    first = await report_tip(mbot, when="20/11")
    code = await report_tip(mbot, text="Ring 070-123 45 67 om ni vill, klotter på perrongen igen")
    card, _ = card_of(mbot, code)
    assert card.splitlines() == [
        f"Nytt tips {code} · Klotter",
        "Plats: Värnamo, Gröndal · Resecentrum/station",
        "Tid: 2026-11-24 (tis), kväll (18–24)",
        "Språk: sv · Prioritet: normal · Status: ny, inte läst än",
        "Text: «Ring [telefonnummer] om ni vill, klotter på perrongen igen»",
        f"Möjligen relaterade: {first}",
        "Reagera: ✅ granskad · ↗️ vidarebefordrad · 🗑️ avfärdad. "
        f"Fråga rapportören via boten: !fråga {code} din fråga",
    ]
    assert RESIDENT not in card and "resident" not in card


@pytest.mark.parametrize(
    "command",
    [
        "!kö",
        "!visa VMO-2345",
        "!status VMO-2345 granskad",
        "!prio VMO-2345 hög",
        "!notering VMO-2345 text",
        "!tilldela VMO-2345 @moderator:test.local",
        "!fråga VMO-2345 när?",
    ],
)
async def test_residents_cannot_run_moderator_commands(mbot: Harness, command: str) -> None:
    text = await mbot.last(command, room=MODERATION_ROOM)
    assert text == "Det kommandot är bara för moderatorer."


@pytest.mark.parametrize("command", ["!kö", "!visa VMO-2345", "!fråga VMO-2345 när?"])
async def test_moderator_commands_only_in_moderation_room(mbot: Harness, command: str) -> None:
    await mbot.meet(MODERATOR)
    text = await mbot.last(command, as_=MODERATOR)
    assert text.endswith("fungerar bara i moderatorrummet.")


async def test_queue_lists_and_filters(mbot: Harness) -> None:
    a = await report_tip(mbot)
    b = await report_tip(mbot, category="6", locality="bredaryd", area=None)
    await mbot.say(f"!prio {b} hög", **MOD)
    queue = await mbot.last("!kö", **MOD)
    lines = queue.splitlines()
    assert lines[0] == "Kö: 2 av 2 tips"
    assert lines[1].startswith(f"{b} · ny, inte läst än · hög · Misstänkt narkotikahantering")
    assert lines[2].startswith(f"{a} · ny, inte läst än · normal · Klotter · Värnamo/Gröndal")
    assert (await mbot.last("!kö bredaryd", **MOD)).splitlines()[1].startswith(b)
    assert (await mbot.last("!kö klotter", **MOD)).splitlines()[1].startswith(a)
    await mbot.say(f"!status {a} stängd", **MOD)
    assert a not in await mbot.last("!kö", **MOD)
    assert a in await mbot.last("!kö alla", **MOD)
    assert (await mbot.last("!kö stängd", **MOD)).splitlines()[1].startswith(a)
    texts = await mbot.texts("!kö blå", **MOD)
    assert texts[0].startswith("Filtret ”blå” känner jag inte igen.")


async def test_state_with_public_note_reaches_the_reporter(mbot: Harness) -> None:
    code = await report_tip(mbot)
    _, card_event = card_of(mbot, code)
    out = await mbot.say(f"!status {code} vidarebefordrad Skickat till fastighetsägaren", **MOD)
    thread = [o for o in out if o.thread_root == card_event]
    assert [plain(o.text) for o in thread] == [
        f"{MODERATOR} satte status för {code}: vidarebefordrad\n"
        "Offentlig kommentar: Skickat till fastighetsägaren"
    ]
    assert any(plain(o.text) == f"Klart, se tråden för {code}." for o in out)
    assert await mbot.last(f"!status {code}") == (
        f"Tips {code}: vidarebefordrad.\n"
        "Meddelande från moderatorerna: Skickat till fastighetsägaren"
    )
    assert rows(mbot, "SELECT actor, action, detail FROM audit WHERE action = 'state'") == [
        (MODERATOR, "state", "forwarded")
    ]
    texts = await mbot.texts(f"!status {code} kanske", **MOD)
    assert texts[0].startswith("”kanske” är ingen status.")


async def test_command_inside_the_thread_is_not_echoed_outside(mbot: Harness) -> None:
    code = await report_tip(mbot)
    _, card_event = card_of(mbot, code)
    out = await mbot.say(f"!prio {code} låg", thread_root=card_event, **MOD)
    assert [o.thread_root for o in out] == [card_event]
    assert plain(out[0].text) == f"{MODERATOR} satte prioritet för {code}: låg"


async def test_internal_note_is_never_shown_to_the_reporter(mbot: Harness) -> None:
    code = await report_tip(mbot)
    await mbot.say(f"!notering {code} Kolla med fastighetsbolaget först", **MOD)
    shown = await mbot.last(f"!visa {code}", **MOD)
    assert f"Intern notering ({MODERATOR}," in shown
    assert "Kolla med fastighetsbolaget först" in shown
    resident_view = await mbot.texts(f"!status {code}") + await mbot.texts("!mina")
    assert all("fastighetsbolaget" not in t for t in resident_view)


async def test_assign_only_to_moderators(mbot: Harness) -> None:
    code = await report_tip(mbot)
    texts = await mbot.texts(f"!tilldela {code} {RESIDENT2}", **MOD)
    assert texts == [f"{RESIDENT2} är inte moderator."]
    await mbot.say(f"!tilldela {code} {MODERATOR}", **MOD)
    assert f"→ {MODERATOR}" in await mbot.last("!kö", **MOD)
    texts = await mbot.texts(f"!tilldela {code} nisse", **MOD)
    assert texts[-1] == "Så här används kommandot: !tilldela KOD @användare:server"


async def test_anonymous_follow_up_both_ways(mbot: Harness) -> None:
    code = await report_tip(mbot)
    _, card_event = card_of(mbot, code)
    out = await mbot.say(f"!fråga {code} Var på perrongen är klottret, norra eller södra?", **MOD)
    to_reporter = [o for o in out if o.room_id == dm_room(RESIDENT)]
    assert len(to_reporter) == 1
    question = plain(to_reporter[0].text)
    assert question.startswith(f"Följdfråga från moderatorerna om ditt tips {code}:")
    assert "Var på perrongen är klottret, norra eller södra?" in question
    assert MODERATOR not in question and "moderator:" not in question
    in_thread = [plain(o.text) for o in out if o.thread_root == card_event]
    assert in_thread == [
        f"{MODERATOR} frågade rapportören: Var på perrongen är klottret, norra eller södra?"
    ]
    # the reporter simply answers in their chat
    out = await mbot.say("Södra änden, vid cykelstället. Ring 0701234567 om det behövs")
    answer = [plain(o.text) for o in out if o.thread_root == card_event]
    assert answer == [
        f"Svar från rapportören ({code}): Södra änden, vid cykelstället. "
        "Ring [telefonnummer] om det behövs"
    ]
    assert all(RESIDENT not in o.text for o in out if o.room_id == MODERATION_ROOM)
    assert any(
        plain(o.text) == f"Tack, ditt svar om {code} är skickat till moderatorerna." for o in out
    )
    # or with !svar, any time
    out = await mbot.say(f"!svar {code} Det var igår kväll också")
    assert [plain(o.text) for o in out if o.thread_root == card_event] == [
        f"Svar från rapportören ({code}): Det var igår kväll också"
    ]
    assert await mbot.last(f"!svar {code} hej", as_=RESIDENT2) == (
        "Jag hittar inget tips från dig med den koden."
    )


async def test_question_while_reporter_is_busy_does_not_hijack_their_conversation(
    mbot: Harness,
) -> None:
    code = await report_tip(mbot)
    await mbot.say("!tips")  # the reporter is in the middle of a new tip
    await mbot.say(f"!fråga {code} Hur ofta händer det?", **MOD)
    assert (await mbot.last("2")).startswith("Var hände det?")  # the new tip goes on


async def test_relay_expires(mbot: Harness) -> None:
    code = await report_tip(mbot)
    mbot.clock.advance(days=31)
    texts = await mbot.texts(f"!fråga {code} Finns klottret kvar?", **MOD)
    assert texts == [
        f"Det går inte längre att fråga rapportören om {code} (länken har gått ut eller raderats)."
    ]
    assert all(o.room_id != dm_room(RESIDENT) for o in mbot.messenger.sent[-1:])


async def test_reactions_on_the_card_change_the_state(mbot: Harness) -> None:
    code = await report_tip(mbot)
    _, card_event = card_of(mbot, code)

    reactions = iter(range(1, 100))

    async def react(sender: str, key: str) -> None:
        assert mbot.app is not None
        await mbot.app.engine.handle_reaction(
            IncomingReaction(
                f"$r{next(reactions)}:test.local",
                MODERATION_ROOM,
                sender,
                card_event,
                key,
                datetime(2026, 11, 25, 10, tzinfo=UTC),
            )
        )

    await react(RESIDENT2, "🗑️")
    assert rows(mbot, "SELECT state FROM tip") == [("new",)]
    await react(MODERATOR, "✅")
    assert rows(mbot, "SELECT state FROM tip") == [("reviewed",)]
    assert plain(mbot.messenger.sent[-1].text) == f"{MODERATOR} satte status för {code}: granskad"
    assert mbot.messenger.sent[-1].thread_root == card_event
    await react(MODERATOR, "↗️")
    assert rows(mbot, "SELECT state FROM tip") == [("forwarded",)]
    await react(MODERATOR, "👍")
    assert rows(mbot, "SELECT state FROM tip") == [("forwarded",)]
    assert await mbot.last(f"!status {code}") == f"Tips {code}: vidarebefordrad."


async def test_thread_replies_are_relayed_when_configured(tmp_path: Path) -> None:
    h = await Harness(tmp_path, make_settings(**{"moderation.relay_thread_replies": True})).start()
    try:
        await h.meet()
        code = await report_tip(h)
        _, card_event = card_of(h, code)
        out = await h.say("Är det fortfarande kvar?", thread_root=card_event, **MOD)
        assert any(
            o.room_id == dm_room(RESIDENT) and "Är det fortfarande kvar?" in o.text for o in out
        )
        out = await h.say("Ingen koppling till något tips", **MOD)
        assert out == []
    finally:
        await h.stop()


async def test_thread_replies_stay_internal_by_default(mbot: Harness) -> None:
    code = await report_tip(mbot)
    _, card_event = card_of(mbot, code)
    assert await mbot.say("Vi kollar detta i morgon", thread_root=card_event, **MOD) == []


async def test_lost_card_is_posted_again(mbot: Harness) -> None:
    from handlers.moderation import post_missing_cards

    code = await report_tip(mbot)
    with sqlite3.connect(mbot.db_path) as conn:
        conn.execute("DELETE FROM tip_card")
    assert await post_missing_cards(mbot.svc) == 1
    assert sum(f"Nytt tips {code}" in o.text for o in mbot.messenger.sent) == 2
    assert await post_missing_cards(mbot.svc) == 0


async def test_moderators_do_not_get_the_resident_safety_notice(mbot: Harness) -> None:
    texts = await mbot.texts("!kö", **MOD)
    assert all("trygghetskanal" not in t for t in texts)
