"""Bad input gets a clear answer and never crashes the bot or leaks internals."""

from __future__ import annotations

import pytest

from config.moderation import LimitSettings
from tests.harness import GRONDAL_ROOM, RESIDENT, Harness, make_settings


def _no_internals(texts: list[str]) -> None:
    for t in texts:
        assert "Traceback" not in t and "Error" not in t and "Exception" not in t


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   \n\t ",
        "\x00\x01\x02\x1b[31m",
        "\u202e\u202d\u2066",
        "\ud800 lone surrogate",
        "🙂🙂🙂",
        "مرحبا، هناك كتابات على الجدران في المحطة",
        "שלום",
        "a" * 100_000,
        "!" + "x" * 100_000,
        "!hjälp " + "\u0000" * 50,
        "!\u200b",
        "!!!!!",
        "!språk " + "ä" * 5000,
    ],
    ids=[
        "empty",
        "whitespace",
        "control-chars",
        "bidi-controls",
        "lone-surrogate",
        "emoji",
        "arabic-rtl",
        "hebrew-rtl",
        "100kB",
        "100kB-command",
        "command-with-nuls",
        "zero-width-command",
        "only-bangs",
        "long-argument",
    ],
)
async def test_bad_input_is_answered_without_crash(bot: Harness, body: str) -> None:
    await bot.meet()
    texts = await bot.texts(body)
    assert texts, "every direct message gets an answer"
    _no_internals(texts)
    assert all("incident" not in t for t in texts)


async def test_huge_message_is_refused_politely(bot: Harness) -> None:
    await bot.meet()
    text = await bot.last("x" * 100_000)
    assert (
        text
        == "Meddelandet är för långt för mig (högst 4000 tecken). Korta ner det och skicka igen."
    )


async def test_empty_message_gets_a_hint(bot: Harness) -> None:
    await bot.meet()
    assert (await bot.last("  \x00 ")).startswith("Jag fick inget meddelande")


async def test_control_characters_are_removed_before_commands(bot: Harness) -> None:
    await bot.meet()
    assert "Det här kan du göra" in await bot.last("!hj\x00älp\x1b")


async def test_huge_message_in_a_room_is_ignored_quietly(bot: Harness) -> None:
    assert await bot.say("x" * 100_000, room=GRONDAL_ROOM) == []


async def test_flood_is_answered_once_then_ignored(tmp_path) -> None:  # type: ignore[no-untyped-def]
    h = await Harness(tmp_path, make_settings(**{"limits.flood_messages": 3})).start()
    try:
        answers = [await h.texts(f"!om {i}") for i in range(6)]
        assert all(answers[i] for i in range(3))
        assert answers[3] == [
            "Du skickar många meddelanden på kort tid. Vänta 60 sekunder, så läser jag igen."
        ]
        assert answers[4] == [] and answers[5] == []
        h.clock.advance(seconds=61)
        assert await h.texts("!om") != []
    finally:
        await h.stop()


async def test_one_flooding_sender_does_not_silence_others(tmp_path) -> None:  # type: ignore[no-untyped-def]
    h = await Harness(tmp_path, make_settings(**{"limits.flood_messages": 2})).start()
    try:
        for _ in range(5):
            await h.say("!om", as_=RESIDENT)
        assert await h.texts("!om", as_="@other:test.local") != []
    finally:
        await h.stop()


async def test_a_brisk_person_answering_a_tip_is_not_cut_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A strict limit (12 a minute), and someone answering every two seconds, with some
    answers that do not fit and are asked again: every answer gets a reply."""
    h = await Harness(tmp_path, make_settings(**{"limits.flood_messages": 12})).start()
    try:
        await h.say("!om")
        await h.say("!tips")
        answers = ["hmm", "2", "x", "1", "Gröndal", "?", "4", "3", "zz", "4"]
        answers += ["Någon har sprejat klotter på väggen vid busshållplatsen", "1"]
        for answer in answers:
            h.clock.advance(seconds=1)  # with the harness's own second: one answer per 2 s
            assert await h.texts(answer) != [], f"no answer to {answer!r}"
        assert len(answers) + 2 > 12
    finally:
        await h.stop()


async def test_the_default_limit_lets_a_greeting_a_tip_and_three_commands_through_in_a_minute(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    default = LimitSettings().flood_messages
    h = await Harness(tmp_path, make_settings(**{"limits.flood_messages": default})).start()
    try:
        said = ["hej", "!hjälp", "!tips", "2", "1", "Gröndal", "4", "3", "4"]
        said += ["Någon har sprejat klotter på väggen vid busshållplatsen", "1"]
        said += ["!mina", "!hjälp status", "!om"]
        flood = h.svc.catalog.t("sv", "error.flood", seconds=60)
        for text in said:
            h.clock.advance(seconds=2)
            replies = await h.texts(text)
            assert replies != [] and flood not in replies, f"{text!r} got {replies}"
            if text == "!mina":
                assert any("VMO-" in r for r in replies)  # the tip was completed
        assert len(said) * 2 < 60  # all within one minute
    finally:
        await h.stop()


@pytest.mark.parametrize(
    ("hello", "lang"),
    [("hej", "sv"), ("Hello!", "en"), ("hei", "fi"), ("Cześć", "pl"), ("Привіт", "uk")],
)
async def test_a_greeting_is_greeted_not_misunderstood(tmp_path, hello: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    h = await Harness(tmp_path).start()
    try:
        replies = await h.texts(hello)
        greeting = h.svc.catalog.t(lang, "help.greeting")
        assert greeting in replies, replies
        assert h.svc.catalog.t(lang, "help.hint") not in replies
        assert "112" in greeting
    finally:
        await h.stop()


def test_day_counts_in_moderator_texts_agree_with_the_number() -> None:
    from bot.i18n import Catalog
    from config.base import LOCALES_DIR

    catalog = Catalog.load(LOCALES_DIR)
    one = catalog.t("sv", "est.title", scope="Värnamo", period="7 dec", days=1)
    many = catalog.t("sv", "est.title", scope="Värnamo", period="1–7 dec", days=7)
    assert one.endswith("(1 dag)**") and many.endswith("(7 dagar)**")
    assert catalog.t("en", "est.title", scope="V", period="p", days=1).endswith("(1 day)**")
    item = catalog.t(
        "sv", "moderation_polls.template_item", key="k", title="t", kind="enkät", days=1
    )
    assert item.endswith("(enkät, 1 dag)")
