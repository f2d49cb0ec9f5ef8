"""Arabic and Persian written in Latin letters are told apart from Somali (and from the
other Latin-script languages): a resident writing arabizi is answered in Arabic, never in a
third language such as Somali."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.language import LanguageDetector, arabizi_tokens
from tests.harness import Harness

ALL = ("sv", "en", "hr", "sq", "ar", "so", "ti", "fa", "uk", "fi", "pl")

# Written for this test in several dialects and styles: Levantine, Egyptian, Gulf and
# Maghrebi, with and without the digits 2/3/5/7/9, short and long, with English words
# and place names mixed in.
ARABIZI = [
    "salam, ana shoft 3yal 3am yksro el sayarat bel lail 3and el madrase",
    "mar7aba, fi nas 3am tbee3 mkhadarat 2odam el mall kel yom ba3d el 3asr",
    "ya jama3a ana khayfa amshi la7ali bel lail, el daw msh shaghal fel share3",
    "wallahi fe shabab byz3ago kol lela 3and el mal3ab, msh 3aref a3mel eh",
    "habibi el shorta lazem tiji, fi 7ada kasar el shebbak",
    "ana 3ayz a2ol en el share3 da msh amaan belel",
    "shukran kteer 3al mosa3ade",
    "el 7adiqa fi Bredaryd ma fiha daw w el shabab by2zo el nas",
    "ana mn Vrnamo w 3ndi so2al 3an el amn fel 7ay",
    "kayn wa7ed rajel kay9ra el bibane dyal tomobilat f parking",
    "ahlan, bidi a3ref kif ba3mel balagh 3an el sare2 li sar mbare7",
    "yalla ana ma3 jirani khayfin, fi ghareeb 3am yedkhol el binayat",
]

FINGLISI = [
    "Salam, man dirooz shab didam chand nafar tu park dozdi mikardan, kheili tarsidam",
    "salam khubi? mikham begam ke inja kheili na amne",
    "bebakhshid, hamsaye ma har shab seda dare va man nemidoonam chikar konam",
]

SOMALI = [
    "Waxaan arkay dhalinyaro ku sugan xaafadda habeenkii, waxay jabinayaan daaqadaha",
    "Haa, waan ku mahadsanahay caawimaadda, xaafaddayada waa nabad",
    "Meesha ciyaaraha carruurta waxaa jira qashin badan iyo dad sakhraansan",
    "Habeen walba baabuur ayaa si xawli ah ugu socda waddada dugsiga agteeda",
    "Ma jiraan nal waddada, aad bay u mugdi badan tahay markii la galabsado",
    "Ana iyo deriskayga waxaan aragnay dad khamri cabaya beerta dhexdeeda",
]

OTHERS = [
    ("Hej, det var några som klottrade på väggen vid skolan igår kväll", "sv"),
    ("I saw some kids breaking bottles near the station around 9pm on the 3rd", "en"),
    ("Vid resecentrum står det ofta gäng på kvällarna, gäller koden VMO-7K3Q", "sv"),
    ("Wczoraj wieczorem ktoś rozbił szybę w samochodzie przy szkole", "pl"),
]


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(ALL)


@pytest.mark.parametrize("text", ARABIZI)
def test_arabizi_is_arabic(detector: LanguageDetector, text: str) -> None:
    found = detector.detect(text)
    assert found is not None and found.lang == "ar", (text, found)


@pytest.mark.parametrize("text", FINGLISI)
def test_finglisi_is_persian(detector: LanguageDetector, text: str) -> None:
    found = detector.detect(text)
    assert found is not None and found.lang == "fa", (text, found)


@pytest.mark.parametrize("text", SOMALI)
def test_somali_in_latin_letters_stays_somali(detector: LanguageDetector, text: str) -> None:
    found = detector.detect(text)
    assert found is not None and found.lang == "so", (text, found)


@pytest.mark.parametrize(("text", "lang"), OTHERS)
def test_other_latin_languages_are_not_taken_for_arabizi(
    detector: LanguageDetector, text: str, lang: str
) -> None:
    found = detector.detect(text)
    assert found is not None and found.lang == lang, (text, found)


def test_arabizi_is_never_a_third_language_when_arabic_is_not_enabled() -> None:
    without_arabic = LanguageDetector([lang for lang in ALL if lang != "ar"])
    for text in ARABIZI:
        found = without_arabic.detect(text)
        assert found is None or found.lang not in ("so", "fi", "sq", "hr", "pl"), (text, found)


def test_digit_words_count_and_codes_ordinals_and_units_do_not() -> None:
    assert arabizi_tokens("ana 3ndi so2al 3an el 7ay") == 4
    assert arabizi_tokens("Kod VMO-7K3Q, on the 3rd at 9pm, 5km away, covid19, mp3") <= 1


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness(tmp_path).start()
    yield h
    await h.stop()


async def test_a_resident_writing_arabizi_is_answered_in_arabic(bot: Harness) -> None:
    texts = await bot.texts(ARABIZI[0])
    assert texts[0].startswith("مرحبًا! أنا Tryggbot"), texts[0]


def test_a_swedish_answer_with_a_numbered_name_stays_swedish() -> None:
    """Found when the multi-resident test met arabizi detection: "granne3" is a label."""
    detector = LanguageDetector(ALL)
    for text in ("Den norra väggen, svar granne3", "Det var vid hus5 på gården igen idag"):
        found = detector.detect(text)
        assert found is not None and found.lang == "sv", (text, found)
