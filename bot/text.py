"""Input hygiene for message bodies: what every handler can rely on, and the folding that the
safety-text matchers (``bot/signals.py``, ``bot/scrub.py``, ``bot/names.py``) share."""

from __future__ import annotations

import unicodedata

# Bidirectional embedding/override/isolate controls can make echoed text display in a
# misleading order; right-to-left text itself (Arabic, Persian) is kept as it is.
_BIDI_CONTROLS = dict.fromkeys(
    [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069], None
)
# Invisible characters that carry no meaning in a chat message: zero-width space, word joiner,
# invisible operators, byte-order mark, soft hyphen, Mongolian vowel separator. The zero-width
# (non-)joiners U+200C/U+200D are kept inside text: Persian spelling and emoji sequences need them.
_INVISIBLE = dict.fromkeys([0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD, 0x180E])
_JOINERS = "\u200c\u200d"

# Every Unicode dash and minus sign, for matching: all become "-".
DASHES = frozenset(
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u2e3a\u2e3b\ufe58\ufe63\uff0d\u058a\u05be"
    "\u1806\u2e17\u2e1a\u2e40\u301c\u30a0"
)


def clean(body: str) -> str:
    """NFC-normalised text without control characters (newlines and tabs kept), bidi
    overrides, zero-width characters or lone surrogates; every Unicode space other than a
    newline or tab becomes a plain space; leading and trailing whitespace removed. A message
    of only invisible characters becomes empty."""
    text = body.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS).translate(_INVISIBLE)
    if not text.isascii():
        text = "".join(
            " " if unicodedata.category(ch) == "Zs" else ch
            for ch in text
            if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
        )
    else:
        text = "".join(ch for ch in text if ch in "\n\t" or (ch >= " " and ch != "\x7f"))
    text = text.strip()
    if not text.strip(_JOINERS + " \n\t"):
        return ""
    return text


def fold_char(ch: str) -> str:
    """One character as the matchers see it: dashes become "-", spaces " ", format
    characters (zero-width, bidi marks) vanish, other characters are NFKC-normalised."""
    if ch in DASHES:
        return "-"
    cat = unicodedata.category(ch)
    if cat == "Zs":
        return " "
    if cat == "Cf":
        return ""
    return unicodedata.normalize("NFKC", ch)
