"""Behaviour of the language detector as a resident would see it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.language import (
    BOT_LANGUAGES,
    Detection,
    LanguageDetector,
    choose_language,
    default_lexicon_path,
)

SAMPLES = Path(__file__).resolve().parent.parent / "bench" / "data" / "language_samples.tsv"


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(BOT_LANGUAGES)


def lang_of(detector: LanguageDetector, text: str) -> str | None:
    result = detector.detect(text)
    return result.lang if result else None


def test_default_lexicon_is_bundled_with_config() -> None:
    path = default_lexicon_path()
    assert path.name == "lexicon.toml"
    assert path.is_file()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Det finns klotter på väggen vid stationen", "sv"),
        ("Gatlampan i parken har varit trasig i en vecka", "sv"),
        ("Någon ringde och sa att de var från banken", "sv"),
        ("There is graffiti on the wall at the station", "en"),
        ("Someone called pretending to be from my bank", "en"),
        ("The street light in the park is broken", "en"),
    ],
)
def test_swedish_and_english_sentences(detector: LanguageDetector, text: str, lang: str) -> None:
    result = detector.detect(text)
    assert result is not None
    assert result.lang == lang
    assert result.method == "langdetect"
    assert 0.8 <= result.probability <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("tack", "sv"),
        ("Tack!", "sv"),
        ("hej", "sv"),
        ("Hej 👋", "sv"),
        ("nej tack", "sv"),
        ("thanks", "en"),
        ("yes", "en"),
        ("Thank you!!", "en"),
        ("hvala", "hr"),
        ("faleminderit", "sq"),
        ("mahadsanid", "so"),
        ("kiitos", "fi"),
        ("dziękuję", "pl"),
    ],
)
def test_short_messages_via_lexicon(detector: LanguageDetector, text: str, lang: str) -> None:
    result = detector.detect(text)
    assert result == Detection(lang, result.probability if result else 0.0, "lexicon")


def test_tigrinya_by_script(detector: LanguageDetector) -> None:
    result = detector.detect("ሓደ ሰብ ካብ ባንክ እየ ኢሉ ደዊሉለይ")
    assert result is not None
    assert (result.lang, result.method) == ("ti", "script")
    assert lang_of(detector, "ሰላም") == "ti"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("چراغ خیابان در پارک خراب است", "fa"),
        ("یک نفر زنگ زد و گفت از بانک است", "fa"),
        ("ممنون", "fa"),
        ("مصباح الشارع في الحديقة مكسور", "ar"),
        ("اتصل بي شخص وادعى أنه من البنك", "ar"),
        ("شكرا جزيلا", "ar"),
    ],
)
def test_persian_versus_arabic(detector: LanguageDetector, text: str, lang: str) -> None:
    assert lang_of(detector, text) == lang


def test_arabic_script_defaults_to_arabic_without_persian_evidence(
    detector: LanguageDetector,
) -> None:
    assert lang_of(detector, "الشرطة") == "ar"


@pytest.mark.parametrize(
    "text", ["Хтось подзвонив і сказав, що він з банку", "Дякую", "Так", "Привіт"]
)
def test_ukrainian(detector: LanguageDetector, text: str) -> None:
    assert lang_of(detector, text) == "uk"


def test_serbian_cyrillic_counts_as_bcs(detector: LanguageDetector) -> None:
    assert lang_of(detector, "Неко ми је украо бицикл испред зграде") == "hr"


def test_neighbouring_languages_map_to_bot_language(detector: LanguageDetector) -> None:
    assert lang_of(detector, "Noen ringte og sa at de var fra banken") == "sv"
    assert lang_of(detector, "Gde mogu da prijavim krađu bicikla?") == "hr"


def test_foreign_language_is_not_forced_into_a_bot_language(detector: LanguageDetector) -> None:
    assert detector.detect("Die Straßenlaterne im Park ist kaputt") is None


def test_only_enabled_languages_are_returned() -> None:
    detector = LanguageDetector(["sv", "en"])
    assert detector.enabled == ("sv", "en")
    assert detector.detect("ሰላም") is None
    assert detector.detect("kiitos") is None
    assert lang_of(detector, "Hvor kan jeg anmelde et innbrudd i kjelleren?") == "sv"


def test_short_unknown_message_is_undecided(detector: LanguageDetector) -> None:
    assert detector.detect("BankID?") is None
    assert detector.detect("ok") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "x" * 100_000,
        "Det finns klotter på stationen. " * 3_000,
        "\x00\x01\x02\x1b[31m\x7f",
        "\u202eمرحبا بالعالم\u202c",
        "🙂🙂🙂🚓🚨",
        "\ud800",
        "abc\udfffdef",
        "12345 !!! ???",
        "\ufeff\u200b\u200d",
    ],
)
def test_never_raises(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text)
    assert result is None or result.lang in BOT_LANGUAGES


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂🙂", "12345", "?!.,", "\ud800"])
def test_nothing_to_detect(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) is None


CONFIDENT = Detection("en", 0.99, "langdetect")


def test_choose_language_explicit_wins() -> None:
    assert choose_language(CONFIDENT, explicit="fi", stored="pl", room="ar") == "fi"


def test_choose_language_confident_detection_beats_stored_and_room() -> None:
    assert choose_language(CONFIDENT, explicit=None, stored="pl", room="ar") == "en"


def test_choose_language_falls_back_in_order() -> None:
    assert choose_language(None, explicit=None, stored="pl", room="ar") == "pl"
    assert choose_language(None, explicit=None, stored=None, room="ar") == "ar"
    assert choose_language(None, explicit=None, stored=None, room=None) == "sv"
    assert choose_language(None, explicit=None, stored=None, room=None, default="en") == "en"


def test_short_ambiguous_message_uses_stored_then_room_then_swedish(
    detector: LanguageDetector,
) -> None:
    detection = detector.detect("ok 👍")
    assert detection is None
    assert choose_language(detection, explicit=None, stored="so", room="en") == "so"
    assert choose_language(detection, explicit=None, stored=None, room="en") == "en"
    assert choose_language(detection, explicit=None, stored=None, room=None) == "sv"


def test_accuracy_floor_on_bench_samples(detector: LanguageDetector) -> None:
    with SAMPLES.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) >= 240

    def chosen(text: str) -> str:
        return choose_language(detector.detect(text), explicit=None, stored=None, room=None)

    right = [chosen(row["text"]) == row["lang"] for row in rows]
    short = [ok for ok, row in zip(right, rows, strict=True) if len(row["text"]) < 20]
    assert sum(right) / len(right) >= 0.92
    assert sum(short) / len(short) >= 0.88
