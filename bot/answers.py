"""The words residents answer with, in one place for every flow: yes, no and "don't know"
in every enabled language, option numbers in any script, dates written the local way, and
the folding and numbering the flows use to show and read lists.

So ``٣`` (Arabic-Indic), ``۳`` (Persian) and ``3`` are the same answer; ``japp``, ``sure``,
``haa``, ``так`` and ``نعم`` all mean yes, in the tip flow as in a survey's opt-in; and a
resident may type the word shown beside a number instead of the number.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path

from bot.errors import Reask
from config.base import CONTENT_DIR

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


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name (``Hjälp`` -> ``hjalp``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def numbered(items: Sequence[str], start: int = 1) -> str:
    """A list as the flows show it, one ``N. item`` per line (read back by `chosen_option`)."""
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start))


def ascii_digits(text: str) -> str:
    """``text`` with Arabic-Indic and Persian digits (and Arabic punctuation) as ASCII."""
    return text.translate(_DIGITS)


def normalise(text: str) -> str:
    """An answer as the parsers compare it: ASCII digits, casefolded, single spaces, no
    surrounding punctuation."""
    return " ".join(ascii_digits(text).casefold().strip(_STRIP).split())


_OPTION_LINE = re.compile(r"^\s*(\d+)\.\s+(.+?)\s*$", re.MULTILINE)
# Direction marks and isolates: right-to-left catalogues wrap the option numbers in them.
_BIDI = str.maketrans(dict.fromkeys(map(ord, "\u200e\u200f\u061c\u2066\u2067\u2068\u2069")))


def without_bidi_marks(text: str) -> str:
    """``text`` without direction marks and isolates (``\u20681\u2069. نعم`` -> ``1. نعم``)."""
    return text.translate(_BIDI)


def chosen_option(prompt: str, answer: str) -> str:
    """``answer`` as the number of the option it names in ``prompt`` ("1. Hadda\n2. Maanta"),
    so a resident may type the word they were shown instead of its number; otherwise the
    normalised answer itself."""
    t = normalise(answer)
    shown = without_bidi_marks(ascii_digits(prompt.replace("**", "")))
    for number, label in _OPTION_LINE.findall(shown):
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


# "1" and "2" are yes and no because every yes/no question lists "1. Yes" and "2. No".
YES: frozenset[str] = frozenset(
    {"1", "ja", "j", "yes", "y", "ok", "okej", "да", "tak", "kyllä", "po", "haa", "نعم", "بله"}
) | answer_words("yes")
NO: frozenset[str] = frozenset(
    {"2", "nej", "n", "no", "nope", "nej tack", "no thanks"}
) | answer_words("no")
SKIP: frozenset[str] = frozenset(
    {"0", "vet inte", "vetej", "vet ej", "hoppa över", "skip", "don't know", "dont know", "-"}
)


def yes_or_no(prompt: str, answer: str) -> bool | None:
    """True for yes, False for no, None for anything else; ``prompt`` is the question as
    shown (its ``1. Ja`` / ``2. Nej`` lines let the resident type the word instead)."""
    t = chosen_option(prompt, answer)
    if t in YES:
        return True
    if t in NO:
        return False
    return None


#: What may stand between chosen numbers: spaces, commas and semicolons; the Arabic comma and
#: semicolon («1، 3», as the Arabic and Persian hints show) are made ASCII by `normalise`, the
#: Ethiopic comma and semicolon (U+1363, U+1364) a Tigrinya keyboard types are split here.
_BETWEEN = re.compile(r"[,\s;\u1363\u1364]+")


def parse_choices(text: str, count: int, max_selections: int) -> list[int]:
    """1-based option numbers (in any script) from ``2`` or ``1, 3``, ``1 3``, ``1، 3`` or
    ``1፣ 3``, repeats dropped; raises `Reask` if they are not numbers, out of range or too
    many."""
    parts = [p for p in _BETWEEN.split(normalise(text)) if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise Reask("polls.bad_choice", count=count)
    numbers = list(dict.fromkeys(int(p) for p in parts))
    if any(not 1 <= n <= count for n in numbers):
        raise Reask("polls.bad_choice", count=count)
    if len(numbers) > max_selections:
        raise Reask("polls.too_many", max=max_selections)
    return numbers
