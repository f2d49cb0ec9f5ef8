"""The form in which messages and word lists are compared, and how words are counted."""

from __future__ import annotations

import re
import unicodedata

from ..text import fold_char

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
# Arabic/Persian letter variants folded to one form (hamza carriers on alef, Arabic yeh and
# kaf to the Persian forms; alef maksura is kept: "على" is not the name "علي").
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ي": "ی", "ك": "ک", "ة": "ه"})
WORDS = re.compile(r"\w+(?:['\-]\w+)*")


def word_count(text: str) -> int:
    """Words in a message, as :func:`combine` counts them."""
    return len(WORDS.findall(text))


def fold_chars(text: str) -> str:
    """Case kept: NFKC, dashes/spaces straightened, format characters and Arabic diacritics
    dropped, apostrophes straightened, Arabic/Persian letter variants unified."""
    if text.isascii():
        return text.translate(_APOSTROPHES)
    out = []
    for ch in text:
        if unicodedata.category(ch) == "Mn" and "\u0600" <= ch <= "\u06ff":
            continue  # Arabic harakat and tanwin
        out.append(fold_char(ch))
    return "".join(out).translate(_APOSTROPHES).translate(_ARABIC)


def fold(text: str) -> str:
    """The form in which messages and word lists are compared (see the TOML header)."""
    return fold_chars(text).casefold()


# Finnish "ettei" is "että ei" (that … not): "sanoo ettei saa henkeä" is "ei saa henkeä" said
# by someone, and its "ei" is a negation like any other.
_FINNISH_ETTEI = re.compile(r"\bette(i|ivät|ivat|mme|tte|n|t)\b")
_ETTEI_PARTS = {
    "i": "ei",
    "ivät": "eivät",
    "ivat": "eivat",
    "mme": "emme",
    "tte": "ette",
    "n": "en",
    "t": "et",
}


def split_ettei(norm: str) -> str:
    """Finnish "ettei" / "etten" / "etteivät" … as "että ei" / "että en" / "että eivät" … (a
    folded message), so the urgency lists and the negation words see the "ei" (urg6)."""
    if "ette" not in norm:
        return norm
    return _FINNISH_ETTEI.sub(lambda m: "että " + _ETTEI_PARTS[m.group(1)], norm)
