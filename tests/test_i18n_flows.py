"""Right-to-left replies (Arabic, Persian) carry a direction and isolate codes, numbers,
commands and URLs; answers typed in Arabic-Indic or Persian digits, with local yes/no words
and local date forms, are understood; the safety notice follows a language switch; counts of
days take the plural form of the reader's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.answers import answer_words, ascii_digits, normalise, parse_local_date
from bot.matrix.convert import message_content
from bot.messages import Outgoing
from bot.render import FSI, PDI, direction, isolate, plain, to_html
from storage import tips
from tests.harness import RESIDENT, RESIDENT2, Harness, make_settings
from tests.tipflow import CODE_RE


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness(tmp_path).start()
    yield h
    await h.stop()


def test_arabic_receipt_has_rtl_direction_and_isolated_code_and_command() -> None:
    text = "شكرًا! رمزك هو **VMO-7K3Q**. اسأل لاحقًا بالأمر !status VMO-7K3Q أو اتصل بالرقم 114 14."
    content = message_content(Outgoing(room_id="!r", text=text))
    html = content["formatted_body"]
    assert html.startswith('<div dir="rtl">') and html.endswith("</div>")
    assert f"<b>{FSI}VMO-7K3Q{PDI}</b>" in html
    assert f"{FSI}!status{PDI} {FSI}VMO-7K3Q{PDI}" in html
    assert f"{FSI}114 14{PDI}" in html
    assert f"{FSI}VMO-7K3Q{PDI}" in content["body"] and "**" not in content["body"]


def test_persian_url_and_times_are_isolated() -> None:
    text = "اطلاعات بیشتر: https://www.varnamo.se · polisen.se · از ساعت 08:00 تا 16:00"
    out = isolate(text)
    assert f"{FSI}https://www.varnamo.se{PDI}" in out
    assert f"{FSI}polisen.se{PDI}" in out
    assert f"{FSI}08:00{PDI}" in out and f"{FSI}16:00{PDI}" in out


def test_mixed_text_gets_dir_auto_and_latin_text_is_untouched() -> None:
    mixed = "Nytt tips VMO-7K3Q · Skadegörelse · Plats: Bredaryd · Text: «مكسورة»"
    assert direction(mixed) == "auto"
    assert to_html(mixed).startswith('<div dir="auto">')
    swedish = "Din kod är **VMO-7K3Q**. Ring 114 14."
    assert direction(swedish) is None
    assert to_html(swedish) == "Din kod är <b>VMO-7K3Q</b>. Ring 114 14."
    assert plain(swedish) == "Din kod är VMO-7K3Q. Ring 114 14."


def test_html_in_rtl_text_is_still_escaped() -> None:
    html = to_html("مرحبا <script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_digits_of_every_script_become_ascii() -> None:
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert ascii_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert normalise(" ٣. ") == "3"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("20.11.", date(2026, 11, 20)),
        ("20.11.2026", date(2026, 11, 20)),
        ("20-11-2026", date(2026, 11, 20)),
        ("٢٠/١١", date(2026, 11, 20)),
        ("۲۰/۱۱/۲۰۲۶", date(2026, 11, 20)),
        ("2026/11/20", date(2026, 11, 20)),
        ("24.12.", date(2025, 12, 24)),
        ("31.02.", None),
        ("kesällä", None),
    ],
)
def test_dates_typed_the_local_way(typed: str, expected: date | None) -> None:
    assert parse_local_date(typed, date(2026, 11, 25)) == expected


def test_yes_and_no_words_of_every_language() -> None:
    yes, no = answer_words("yes"), answer_words("no")
    for word in ("ja", "yes", "da", "po", "نعم", "haa", "እወ", "بله", "так", "kyllä", "tak"):
        assert word in yes, word
    for word in ("nej", "no", "ne", "jo", "لا", "maya", "ኣይፋል", "نه", "ні", "ei", "nie"):
        assert word in no, word
    assert not yes & no


async def test_a_whole_tip_in_arabic_indic_digits(bot: Harness) -> None:
    await bot.say("!språk ar")
    await bot.say("!tip")
    for answer in ("٢", "٣", "٤", "٢٠/١١", "٤", "الكثير من الكتابات على جدران المحطة"):
        await bot.say(answer)
    out = await bot.texts("١")
    receipt = next(t for t in out if "شكرًا! تم إرسال ملاحظتك" in t)
    assert CODE_RE.search(receipt)
    async with bot.svc.db.read() as conn:
        (tip,) = await tips.by_reporter(conn, bot.svc.pseudonymize(RESIDENT))
    assert (tip.category, tip.locality, tip.place_type) == ("klotter", "bredaryd", "station")
    assert str(tip.occurred_date) == "2026-11-20" and tip.time_band == "18-24"


async def test_persian_digits_and_yes_word_in_the_offer_and_forget(bot: Harness) -> None:
    await bot.say("!språk fa")
    await bot.say("!tip")
    for answer in ("۱", "۳", "۲", "۳", "۱", "دیوارهای ایستگاه پر از نوشته است و ترسناک است"):
        await bot.say(answer)
    assert any("سپاسگزاریم! مشاهدهٔ شما فرستاده شد" in t for t in await bot.texts("۱"))
    assert "انجام شد" in await bot.last("!forget بله")


async def test_switching_language_shows_the_notice_again_in_the_new_language(
    bot: Harness,
) -> None:
    first = await bot.texts("Hej, jag undrar hur det här fungerar")
    assert first[0].startswith("Hej! Jag är Tryggbot")
    switched = await bot.texts("!språk so")
    assert switched[0].startswith("Waa la sameeyay!")
    assert switched[1].startswith("Salaan! Waxaan ahay Tryggbot")
    again = await bot.texts("!språk so")
    assert len(again) == 1  # already seen in Somali: not shown twice
    assert (await bot.texts("!språk sv"))[1].startswith("Hej! Jag är Tryggbot")


async def test_first_contact_with_a_language_choice_shows_the_notice_only_in_it(
    bot: Harness,
) -> None:
    out = await bot.texts("!språk uk", as_=RESIDENT2)
    assert out[0].startswith("Готово!")
    assert out[1].startswith("Вітаю! Я Tryggbot")
    assert len(out) == 2 and not any("Hej!" in t or "Hello!" in t for t in out)
    assert (await bot.texts("!help", as_=RESIDENT2))[0].startswith("Що ви можете")


async def test_an_unknown_language_choice_shows_no_notice_in_a_guessed_language(
    bot: Harness,
) -> None:
    out = await bot.texts("!språk klingon", as_=RESIDENT2)
    assert "klingon" in out[0]
    assert not any("Tryggbot" in t for t in out)


async def test_time_band_and_dont_know_in_the_residents_words(bot: Harness) -> None:
    await bot.say("!språk uk")
    for answer in ("!tip", "2", "1"):
        await bot.say(answer)
    assert "Яке це місце?" in (await bot.texts("не знаю"))[-1]  # area skipped: "don't know"
    await bot.say("4")
    await bot.say("3")  # yesterday
    assert "Що сталося?" in (await bot.texts("вечір"))[-1]  # the band named in Ukrainian


async def test_privacy_counts_days_in_the_plural_of_each_language(bot: Harness) -> None:
    text = await bot.last("!privacy", as_=RESIDENT2)
    assert "are kept for 45 days" in text or "sparas i 45 dagar" in text
    await bot.say("!språk uk")
    text = await bot.last("!privacy")
    assert "зберігаються 45 днів" in text and "Через 30 днів" in text
    await bot.say("!språk ar")
    assert "بعد 30 يومًا" in (await bot.last("!privacy")).replace(FSI, "").replace(PDI, "")


async def test_one_day_is_singular(tmp_path: Path) -> None:
    settings = make_settings(**{"retention.text_days": 1, "retention.relay_days": 1})
    h = await Harness(tmp_path, settings=settings).start()
    try:
        await h.say("!lang en")
        text = await h.last("!privacy")
        assert "are kept for 1 day." in text and "after 1 day." in text
    finally:
        await h.stop()


async def test_first_contact_with_lang_auto_still_shows_the_notice(bot: Harness) -> None:
    out = await bot.texts("!lang auto", as_=RESIDENT2)
    assert len(out) == 2 and "Tryggbot" in out[1] and "112" in out[1]
    assert len(await bot.texts("!lang auto", as_=RESIDENT2)) == 1


async def test_options_can_be_answered_with_the_words_shown(bot: Harness) -> None:
    await bot.say("!språk so")
    for answer in ("!tip", "2", "3", "4"):
        await bot.say(answer)
    assert "Qiyaastii saacaddee?" in (await bot.texts("Maanta"))[-1]  # "2. Maanta" = today
    await bot.say("fiid")  # the evening band, by its Somali name
    await bot.say("Qoraal badan ayaa ku yaal darbiyada saldhigga")
    out = await bot.texts("Dir")  # "1. Dir"
    assert any("Mahadsanid! Ogeysiiskaaga waa la diray" in t for t in out)
