"""What the tip conversations keep, typed, and the words their steps understand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

from bot.answers import YES, fold, normalise

MIN_TEXT, MAX_TEXT = 10, 2000
BANDS = ("00-06", "06-12", "12-18", "18-24", "okand")
TIP_FLOW, OFFER_FLOW = "tip", "tip_offer"

SEND = YES | {"skicka", "send"}  # "1. Skicka" at the confirm step; yes/no words: bot.answers
EDIT = {"2", "ändra", "andra", "edit", "change"}
CANCEL = {"3", "avbryt", "cancel", "stopp", "stop"}
NOW = {
    "1", "nu", "just nu", "precis nu", "now", "right now", "sada", "upravo sada", "tani",
    "الآن", "الان", "hadda", "ሕጂ", "همین الان", "зараз", "прямо зараз", "nyt",
    "juuri nyt", "teraz", "właśnie teraz",
}  # fmt: skip
TODAY = {"2", "idag", "i dag", "today"}
YESTERDAY = {"3", "igår", "i går", "yesterday"}
BAND_WORDS: Mapping[str, str] = {
    "natt": "00-06", "night": "00-06", "morgon": "06-12", "förmiddag": "06-12",
    "morning": "06-12", "eftermiddag": "12-18", "afternoon": "12-18", "dag": "12-18",
    "kväll": "18-24", "evening": "18-24", "vet inte": "okand", "don't know": "okand",
    "dont know": "okand", "okänd": "okand",
}  # fmt: skip


def pick(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The key of the option chosen by number (1-based) or by (the start of) a name."""
    t = normalise(text)
    if t.isdigit():
        i = int(t)
        return options[i - 1][0] if 1 <= i <= len(options) else None
    if not t:
        return None
    ft = fold(t)
    exact = [key for key, names in options if any(fold(n) == ft for n in names)]
    if exact:
        return exact[0]
    prefix = [key for key, names in options if any(fold(n).startswith(ft) for n in names)]
    return prefix[0] if len(prefix) == 1 and len(ft) >= 3 else None


class TipState(TypedDict, total=False):
    """A tip conversation's data (stored in the ``conversation`` table at every step).

    The guided flow fills the first eight, the offer carries ``text`` and ``removed`` into it,
    and the answer flow keeps ``code`` and ``answer``."""

    category: str
    """A key of ``settings.categories``."""
    locality: str
    """A key of ``settings.localities``."""
    area: str | None
    """One of the locality's areas, if it has any and the resident named one."""
    place_type: str
    """A key of ``settings.place_types``."""
    date: str
    """The day it happened, ISO (``2026-11-20``)."""
    band: str | None
    """One of `BANDS`; None until asked."""
    text: str | None
    """What happened, scrubbed; None until asked (or to ask again)."""
    removed: list[str]
    """The kinds of detail the scrubber took out (`bot.scrub.LABELS`)."""
    accepted: bool
    """The offer to make a tip of a plain message was accepted."""
    code: str
    """The answer flow: the tip the moderators asked about."""
    answer: str
    """The answer flow: the resident's answer, scrubbed."""
