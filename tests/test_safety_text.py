"""Issue 9 as the resident sees it: the 112 answer first for clearly urgent messages (also in
the middle of a tip), the 112 line in the same message for possibly urgent ones and for a tip
happening right now, no 112 for the false alarms, invisible characters removed, and personal
data scrubbed before a moderator sees it."""

from __future__ import annotations

import sqlite3

import pytest

from bot.render import plain
from tests.harness import GRONDAL_ROOM, MODERATION_ROOM, RESIDENT, Harness
from tests.tipflow import report_tip

URGENT_SV = "Är det fara nu, eller pågår ett brott? Ring 112 direkt."
URGENT_EN = "Is someone in danger now, or is a crime happening? Call 112 right away."
LINE_SV = "Om någon är i fara just nu: ring 112."
LINE_EN = "If someone is in danger right now: call 112."


@pytest.fixture
async def rbot(bot: Harness) -> Harness:
    await bot.meet(RESIDENT)
    return bot


@pytest.mark.parametrize(
    ("message", "answer"),
    [
        ("Någon försöker ta sig in genom vårt fönster nu", URGENT_SV),
        ("Någon ligger blodig och rör sig inte vid cykelbanan", URGENT_SV),
        ("Elden sprider sig till grannhuset", URGENT_SV),
        ("A woman is screaming for help in the park", URGENT_EN),
        ("There's a man with a machete in the playground", URGENT_EN),
        ("a child fell through the ice on the lake and can't get out", URGENT_EN),
        ("A guy collapsed in the laundry room and isn't breathing", URGENT_EN),
    ],
)
async def test_quoted_emergencies_get_the_112_answer_first(
    rbot: Harness, message: str, answer: str
) -> None:
    texts = await rbot.texts(message)
    assert texts[0].startswith(answer)


@pytest.mark.parametrize(
    "message",
    [
        "Is it legal to carry a pocket knife",
        "The fire alarm in our building is broken",
        "Jag brinner för att göra vårt område tryggare",
        "Help! How do I change the language?",
    ],
)
async def test_quoted_false_alarms_get_no_112(rbot: Harness, message: str) -> None:
    texts = await rbot.texts(message)
    assert texts, "the bot should still answer"
    assert all("112" not in t for t in texts), texts


async def test_possibly_urgent_adds_the_112_line_to_the_normal_answer(rbot: Harness) -> None:
    texts = await rbot.texts("Jag hittade en kniv på skolgården i morse")
    assert len(texts) == 1
    assert texts[0].startswith("Vill du lämna det du skrev som ett tips")
    assert texts[0].endswith("\n\n" + LINE_SV)
    assert URGENT_SV not in texts[0]


async def test_possibly_urgent_in_english_gets_the_english_line(rbot: Harness) -> None:
    texts = await rbot.texts("I found a knife in the bushes by the school this morning")
    assert len(texts) == 1 and texts[0].endswith("\n\n" + LINE_EN)


async def test_possibly_urgent_in_a_neighbourhood_room_gets_the_line_alone(bot: Harness) -> None:
    out = await bot.say("Jag hörde skott vid skolan", room=GRONDAL_ROOM)
    assert [plain(o.text) for o in out] == [LINE_SV]
    assert out[0].room_id == GRONDAL_ROOM and out[0].reply_to is not None


async def test_possibly_urgent_inside_a_tip_keeps_the_flow_and_adds_the_line(
    rbot: Harness,
) -> None:
    await rbot.say("!tips")
    texts = await rbot.texts("Jag hörde skott vid skolan")
    assert texts[0] == (
        "Det svaret förstod jag inte. Svara med en siffra från 1 till 13.\n\n" + LINE_SV
    )
    assert texts[1].startswith("Vad handlar det om?")


async def test_urgent_in_the_middle_of_a_tip_gets_112_first_and_the_tip_waits(
    rbot: Harness,
) -> None:
    await rbot.say("!tips")
    for answer in ("7", "bredaryd", "6"):
        await rbot.say(answer)
    texts = await rbot.texts("Någon försöker ta sig in genom vårt fönster nu")
    assert texts[0].startswith(URGENT_SV)
    assert texts[-1].startswith("När hände det?")


@pytest.mark.parametrize("answer", ["Just nu", "1", "nu"])
async def test_tip_happening_now_gets_the_112_line_at_once(rbot: Harness, answer: str) -> None:
    await rbot.say("!tips")
    for step in ("7", "bredaryd", "6"):
        await rbot.say(step)
    texts = await rbot.texts(answer)
    assert texts[0] == LINE_SV
    assert texts[1].startswith("Vad hände?")


async def test_tip_from_yesterday_gets_no_112_line(rbot: Harness) -> None:
    await rbot.say("!tips")
    for step in ("7", "bredaryd", "6"):
        await rbot.say(step)
    texts = await rbot.texts("igår")
    assert all("112" not in t for t in texts)


async def test_zero_width_characters_are_removed_before_anything_else(rbot: Harness) -> None:
    texts = await rbot.texts("!hj\u200bälp")
    assert texts and all("\u200b" not in t for t in texts)
    assert not any("känner inte igen" in t or "!hj" in t.split("\n")[0] for t in texts[:1])
    assert texts == await rbot.texts("!hjälp")


async def test_a_message_of_only_zero_width_characters_is_empty(rbot: Harness) -> None:
    texts = await rbot.texts("\u200b\u200b\u2060")
    assert texts == [
        "Jag fick inget meddelande att läsa. Skriv !hjälp för att se vad jag kan göra."
    ]


async def test_mistyped_personnummer_never_reaches_the_moderators(bot: Harness) -> None:
    await bot.meet(RESIDENT)
    code = await report_tip(bot)
    out = await bot.say(f"!svar {code} Han har personnummer 19850101-1234, ring 070–123 45 67")
    to_moderators = [plain(o.text) for o in out if o.room_id == MODERATION_ROOM]
    assert to_moderators == [
        f"Svar från rapportören ({code}): Han har personnummer [personnummer], ring [telefonnummer]"
    ]
    with sqlite3.connect(bot.db_path) as conn:
        dump = "\n".join(conn.iterdump())
    assert "19850101" not in dump and "123 45 67" not in dump
