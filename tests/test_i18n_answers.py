"""What a resident is shown as an example can be typed back: every date in a language's
"when" example is understood, the confirmation word each language shows for !forget deletes,
the Arabic, Persian and Ethiopic commas separate chosen numbers, and a right-to-left line
that starts with a Latin word is marked right to left."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.answers import parse_choices, parse_local_date
from bot.conversation import Reask
from bot.i18n import Catalog
from bot.render import FSI, PDI, RLM, plain, to_html
from config.base import EXAMPLE_PATH, LOCALES_DIR
from config.settings import load_settings
from storage import tips
from tests.harness import RESIDENT, Harness

CATALOG = Catalog.load(LOCALES_DIR)
ENABLED = load_settings(EXAMPLE_PATH).language.enabled
#: A date as an example writes it: 2026-11-20, 20/11, 20.11.2026., 20.11. (digits of any script).
EXAMPLE_DATE = re.compile(r"\d{1,4}(?:[./-]\d{1,4})+\.?")


def example_dates(lang: str) -> list[str]:
    found = []
    for key in ("tips.ask_when", "tips.invalid_when"):
        dates = EXAMPLE_DATE.findall(CATALOG.raw(lang, key))
        assert dates, f"{lang} {key} shows no example date"
        found += dates
    return found


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness(tmp_path).start()
    yield h
    await h.stop()


@pytest.mark.parametrize("lang", ENABLED)
def test_every_example_date_of_the_when_question_is_understood(lang: str) -> None:
    today = date(2026, 12, 7)
    for shown in example_dates(lang):
        assert parse_local_date(shown, today) == date(2026, 11, 20), (lang, shown)


@pytest.mark.parametrize("lang", ["fi", "hr", "pl", "sq", "uk"])
async def test_a_tip_dated_as_the_local_example_shows_is_stored_on_that_day(
    bot: Harness, lang: str
) -> None:
    shown = example_dates(lang)[0]  # 20.11.2026 (hr: 20.11.2026.)
    await bot.say(f"!lang {lang}")
    await bot.say("!tip")
    for answer in ("2", "3", "4", shown, "4", "Many scribbles on the station walls tonight"):
        await bot.say(answer)
    await bot.say("1")
    async with bot.svc.db.read() as conn:
        (tip,) = await tips.by_reporter(conn, bot.svc.pseudonymize(RESIDENT))
    assert str(tip.occurred_date) == "2026-11-20"


@pytest.mark.parametrize("lang", ENABLED)
async def test_the_forget_confirmation_each_language_shows_deletes(bot: Harness, lang: str) -> None:
    usage = CATALOG.raw(lang, "tips.forget_usage")  # "!forget haa", "!glöm ja", "!forget እወ" …
    assert usage in CATALOG.raw(lang, "tips.forget_confirm")
    await bot.say(f"!lang {lang}")
    said = (await bot.last(usage)).replace(FSI, "").replace(PDI, "").replace(RLM, "")
    assert said == CATALOG.t(lang, "tips.forgotten_none")
    asked = (await bot.last(usage.split()[0])).replace(FSI, "").replace(PDI, "")
    assert asked.replace(RLM, "") == CATALOG.t(lang, "tips.forget_confirm").replace("**", "")


@pytest.mark.parametrize("typed", ["1, 3", "1، 3", "١، ٣", "۱،۳", "1፣ 3", "1 3", "3;1"])
def test_chosen_numbers_may_be_separated_by_any_script_s_comma(typed: str) -> None:
    assert sorted(parse_choices(typed, count=4, max_selections=3)) == [1, 3]


def test_the_many_answers_hint_of_every_language_parses_as_one_and_three() -> None:
    for lang in ENABLED:
        hint = CATALOG.raw(lang, "polls.hint_many")
        example = re.search(r"\d[\d\s,،፣]*\d", hint.replace("{max}", ""))
        assert example, lang
        assert parse_choices(example.group(0), count=4, max_selections=3) == [1, 3], lang
    with pytest.raises(Reask):
        parse_choices("1، x", count=4, max_selections=3)


def test_a_right_to_left_line_starting_with_a_latin_word_is_marked_right_to_left() -> None:
    text = "BankID لا تستخدمه إلا عندما تتصل أنت بالبنك\nلا يطلب Tryggbot أبدًا رموزًا"
    lines = plain(text).split("\n")
    assert lines[0].startswith(RLM + "BankID") and not lines[1].startswith(RLM)
    assert to_html(text).startswith(f'<div dir="rtl">{RLM}BankID')
    command_first = "!verify اكتب النص الذي تريد التحقق منه هنا"
    assert plain(command_first).startswith(FSI + "!verify")  # isolated: the Arabic decides
    swedish = "Tryggbot – Värnamo kommun i samarbete med polisen"
    assert plain(swedish) == swedish
    mixed = "Tips från Bredaryd: ما تكتبه هنا"
    assert RLM not in plain(mixed)  # mostly left to right: dir="auto", no mark
