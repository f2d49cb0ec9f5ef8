"""A resident in each enabled language reports a whole tip in the console, from ``!språk`` to
the receipt and ``!mine``, and not one line of the English catalogue (nor an English name
from the configuration) appears in what the bot wrote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import Catalog
from bot.render import FSI, PDI
from config.base import EXAMPLE_PATH, LOCALES_DIR
from config.settings import load_settings
from tests.test_catalogues import words_of
from tests.test_console import chat

CATALOG = Catalog.load(LOCALES_DIR)
SETTINGS = load_settings(EXAMPLE_PATH)

#: What each resident writes as the description of the tip (no people, no vehicles).
DESCRIPTIONS = {
    "sv": "Mycket klotter på väggarna vid stationen, det ser otryggt ut",
    "en": "Lots of graffiti on the walls at the station, it looks unsafe",
    "hr": "Puno grafita na zidovima kod stanice, izgleda nesigurno",
    "sq": "Shumë grafite në muret afër stacionit, duket e pasigurt",
    "ar": "الكثير من الكتابات على جدران المحطة، المكان يبدو غير آمن",
    "so": "Qoraal badan ayaa ku yaal darbiyada saldhigga, meeshu ammaan uma eka",
    "ti": "ኣብ መናድቕ መደበር ብዙሕ ጽሑፍ ኣሎ፣ ውሑስ ኣይመስልን",
    "fa": "روی دیوارهای ایستگاه نوشته‌های زیادی هست و ناامن به نظر می‌رسد",
    "uk": "Багато графіті на стінах біля станції, виглядає небезпечно",
    "fi": "Paljon töhryjä aseman seinissä, näyttää turvattomalta",
    "pl": "Dużo graffiti na ścianach przy dworcu, wygląda to niebezpiecznie",
}
#: Numbers as the resident would type them.
DIGITS = {"ar": "٠١٢٣٤٥٦٧٨٩", "fa": "۰۱۲۳۴۵۶۷۸۹"}
#: A date the local way (yesterday's date in the example week is not needed: any past day).
DATES = {"fi": "20.11.", "pl": "20.11.2026", "uk": "20.11", "hr": "20.11.2026.", "fa": "۲۰/۱۱"}


def typed(lang: str, number: str) -> str:
    digits = DIGITS.get(lang)
    return number.translate(str.maketrans("0123456789", digits)) if digits else number


def english_fragments(lang: str) -> set[str]:
    """Every piece of English catalogue text between placeholders, per line, that holds real
    words and is not also the text of ``lang``; plus the English config names."""
    found: set[str] = set()
    for key in CATALOG.resident_keys("sv"):
        english, mine = CATALOG.value("en", key), CATALOG.value(lang, key)
        texts = list(english.values()) if isinstance(english, dict) else [str(english)]
        own = list(mine.values()) if isinstance(mine, dict) else [str(mine)]
        for text in texts:
            for line in text.replace("**", "").split("\n"):
                for piece in re.split(r"\{[^}]*\}", line):
                    piece = piece.strip(" .,:;!?()«»“”-–·•")
                    if len(words_of(piece)) >= 6 and not any(piece in o for o in own):
                        found.add(piece)
    for names in (SETTINGS.kommun.name, SETTINGS.kommun.police_area):
        found.add(names.en)
    return found


def english_options(lang: str, said: str) -> list[str]:
    """Categories and place types offered with their English name (a numbered line)."""
    return [
        item.names.en
        for item in (*SETTINGS.categories, *SETTINGS.place_types)
        if item.names.get(lang) != item.names.en
        and re.search(rf"^\s*\d+\. {re.escape(item.names.en)}$", said, re.MULTILINE)
    ]


def bot_lines(transcript: str) -> str:
    """What the bot wrote (its lines and their continuation lines), without isolates."""
    lines, keep = [], False
    for line in transcript.splitlines():
        if line.startswith(("tryggbot:", "[")) or "tryggbot:" in line.split(">")[-1][:12]:
            keep = True
        elif not line.startswith("    "):
            keep = False
        if keep:
            lines.append(line)
    return "\n".join(lines).replace(FSI, "").replace(PDI, "")


@pytest.mark.parametrize("lang", SETTINGS.language.enabled)
def test_a_whole_tip_in_the_console_has_no_english_line(lang: str, tmp_path: Path) -> None:
    out = chat(
        tmp_path,
        [
            f"!språk {lang}",
            "!help",
            "!tip",
            typed(lang, "2"),  # graffiti
            typed(lang, "3"),  # Bredaryd
            typed(lang, "4"),  # travel centre
            DATES.get(lang, typed(lang, "3")),  # a date, or "yesterday"
            typed(lang, "4"),  # evening
            DESCRIPTIONS[lang],
            typed(lang, "1"),  # send
            "!mine",
        ],
    )
    said = bot_lines(out)
    code = re.search(r"VMO-[2-9A-HJ-NP-Z]{4}", said)
    assert code, said
    assert said.count(code.group(0)) >= 3  # receipt (twice) and !mine
    assert CATALOG.raw(lang, "i18n.fallback_note") not in said and "[English]" not in said
    notice_start = CATALOG.raw(lang, "safety.notice") or ""
    assert notice_start.split("{")[0] in said  # the first-contact notice, in this language
    if lang == "en":
        return
    leaks = sorted(piece for piece in english_fragments(lang) if piece in said)
    leaks += english_options(lang, said)
    assert not leaks, f"English in the {lang} transcript: {leaks}"
    for item in SETTINGS.categories[:2]:
        assert item.names.get(lang) in said  # categories come in the resident's language
