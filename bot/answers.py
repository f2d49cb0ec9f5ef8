"""Answers typed the resident's way: digits of any script, yes/no words of every enabled
language, dates written with the local separators.

Used by the parsers of guided conversations (tips, and surveys as they land), so that
``٣`` (Arabic-Indic), ``۳`` (Persian) and ``3`` are the same answer, and ``haa``, ``так``
and ``نعم`` all mean yes.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import cache
from pathlib import Path

from config.settings import CONTENT_DIR

# Arabic-Indic (U+0660…) and Extended Arabic-Indic / Persian (U+06F0…) digits, plus the
# Arabic decimal and date separators, to their ASCII forms.
_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "\u066b": ".",  # Arabic decimal separator
        "\u066c": ",",  # Arabic thousands separator
        "\u060c": ",",  # Arabic comma
        "\u061b": ";",  # Arabic semicolon
        "\u061f": "?",  # Arabic question mark
    }
)
_STRIP = " .!?,;:\u200c\u200f\u200e"


def ascii_digits(text: str) -> str:
    """``text`` with Arabic-Indic and Persian digits (and Arabic punctuation) as ASCII."""
    return text.translate(_DIGITS)


def normalise(text: str) -> str:
    """An answer as the parsers compare it: ASCII digits, casefolded, single spaces, no
    surrounding punctuation."""
    return " ".join(ascii_digits(text).casefold().strip(_STRIP).split())


_OPTION_LINE = re.compile(r"^\s*(\d+)\.\s+(.+?)\s*$", re.MULTILINE)


def chosen_option(prompt: str, answer: str) -> str:
    """``answer`` as the number of the option it names in ``prompt`` ("1. Hadda\n2. Maanta"),
    so a resident may type the word they were shown instead of its number; otherwise the
    normalised answer itself."""
    t = normalise(answer)
    for number, label in _OPTION_LINE.findall(ascii_digits(prompt.replace("**", ""))):
        if normalise(label) == t:
            return str(number)
    return t


def _lexicon_path() -> Path:
    return CONTENT_DIR / "lexicon.toml"


@cache
def answer_words(kind: str) -> frozenset[str]:
    """Every enabled-language word for ``yes`` or ``no`` from ``config/content/lexicon.toml``,
    normalised. Words that mean yes in one language and no in another are left out."""
    with _lexicon_path().open("rb") as fh:
        data = tomllib.load(fh)
    found: dict[str, set[str]] = {"yes": set(), "no": set()}
    for section in data.values():
        if isinstance(section, dict):
            for k in ("yes", "no"):
                found[k].update(normalise(str(w)) for w in section.get(k, []))
    both = found["yes"] & found["no"]
    return frozenset(found[kind] - both)


def parse_local_date(text: str, today: date) -> date | None:
    """A date as people write it: ``2026-11-20``, ``20/11``, ``20.11.``, ``20-11-2026``,
    ``20.11.26``, in any digits. Without a year, the most recent such day. None if it is
    not a date."""
    t = normalise(text).replace(" ", "")
    iso = re.fullmatch(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})", t)
    dm = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?\.?", t)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if not dm:
            return None
        day, month = int(dm[1]), int(dm[2])
        if dm[3]:
            year = int(dm[3])
            return date(year + 2000 if year < 100 else year, month, day)
        found = date(today.year, month, day)
        return found if found <= today else date(today.year - 1, month, day)
    except ValueError:
        return None
