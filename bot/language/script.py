"""What a message is written in before any language is guessed: its dominant script, the
cleaned text the detector looks at, and arabizi words (Arabic written with digits)."""

from __future__ import annotations

import re
import unicodedata

#: Only this many characters of a message are analysed.
MAX_CHARS = 1000

# A word of letters with one of the digits arabizi writes for Arabic sounds (2 hamza, 3 ain,
# 5 kha, 6 ta, 7 ha, 8 qaf, 9 sad): "3ndi", "7abibi", "sa7", "la2". Two digits in a row
# ("covid19"), an ordinal or a unit ("2nd", "5pm", "3km") are not arabizi.
_ARABIZI_TOKEN = re.compile(r"^(?=(?:.*[a-z]){2})(?!.*\d\d)[a-z]*[2356789][a-z0-9]*$")
_NOT_ARABIZI = re.compile(
    r"^\d+(?:st|nd|rd|th|am|pm|h|min|km|kr|kg|m|g|mb|gb|s)$"
    # three or more letters with a number tagged on ("granne3", "hus5", "user7"): a name
    # or a label, not arabizi, whose end digits follow short words ("la2", "sa7", "ma3")
    r"|^[a-z]{3,}\d$"
)
_TIP_CODE = re.compile(r"\b[A-Z]{2,4}-[A-Z0-9]{4}\b")
_TOKEN = re.compile(r"[a-z0-9]+")


def arabizi_tokens(text: str) -> int:
    """How many words of ``text`` are written the arabizi way, with a digit for an Arabic
    sound (``3ndi``, ``7abibi``, ``la2``). Tip codes (``VMO-7K3Q``) do not count."""
    text = _TIP_CODE.sub(" ", text).lower()
    return sum(
        1
        for token in _TOKEN.findall(text)
        if _ARABIZI_TOKEN.match(token) and not _NOT_ARABIZI.match(token)
    )


def _script_of(ch: str) -> str:
    """Name the script of letter ``ch``: latin, arabic, cyrillic, ethiopic or other."""
    cp = ord(ch)
    if cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF:
        return "latin"
    if 0x0600 <= cp <= 0x08FF or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF:
        return "arabic"
    if 0x0400 <= cp <= 0x052F:
        return "cyrillic"
    if 0x1200 <= cp <= 0x139F or 0x2D80 <= cp <= 0x2DDF or 0xAB00 <= cp <= 0xAB2F:
        return "ethiopic"
    return "other"


def dominant_script(text: str) -> str | None:
    """Return the script of most letters in ``text``, or ``None`` if it has no letters."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = _script_of(ch)
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda script: counts[script])


def sanitise(text: str) -> str:
    """Cut ``text`` to :data:`MAX_CHARS` and replace control, private-use and unpaired
    surrogate characters by spaces."""
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") else ch
        for ch in text[:MAX_CHARS]
    )
