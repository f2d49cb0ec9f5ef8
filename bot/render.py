"""Plain text with light markup to Matrix HTML (``formatted_body``), escaped.

Right-to-left text (Arabic, Persian) gets a direction: ``dir="rtl"`` on the HTML body when
right-to-left letters are the majority, ``dir="auto"`` when they are a minority, and in
both bodies every code, number, command, address and URL is wrapped in Unicode isolates
(U+2068 FIRST STRONG ISOLATE … U+2069 POP DIRECTIONAL ISOLATE), so ``VMO-7K3Q``,
``114 14`` and ``!status`` are not reordered by the bidirectional algorithm. In a
right-to-left message a line that starts with a Latin word (``Tryggbot – …``) gets a
RIGHT-TO-LEFT MARK in front, so a client that sets each paragraph's direction from its first
strong letter (``dir="auto"``, or the plain body) still lays it out right to left."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter

_BOLD = re.compile(r"\*\*(.+?)\*\*")
FSI, PDI = "\u2068", "\u2069"

# What must keep its left-to-right order inside right-to-left text, longest first.
_LTR_RUN = re.compile(
    r"https?://[^\s<>«»]+[^\s<>«».,;:!?)]"  # URLs
    r"|(?<![\w.])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:se|com|org|net|eu|nu)\b"  # polisen.se
    r"|\b[A-Z]{2,4}-[0-9A-Z]{4}\b"  # tip codes
    r"|![^\s!.,;:?()«»\"”،؛؟]+"  # commands
    r"|\d+(?:[ :.,/\-–]\d+)*",  # numbers, times, dates, 114 14, 00–06
    re.IGNORECASE,
)


def _strong_counts(text: str) -> tuple[int, int]:
    """Letters of right-to-left scripts and of left-to-right scripts in ``text``."""
    rtl = ltr = 0
    for ch, n in Counter(text).items():  # each distinct character looked up once
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            rtl += n
        elif kind == "L":
            ltr += n
    return rtl, ltr


# Hebrew, Arabic, Syriac, Thaana, N'Ko … and the Arabic presentation forms.
_ANY_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def direction(text: str) -> str | None:
    """``rtl`` if most letters are right-to-left, ``auto`` if some are, else None."""
    if _ANY_RTL.search(text) is None:
        return None  # the common case, decided without looking at every letter
    rtl, ltr = _strong_counts(text)
    if rtl == 0:
        return None
    return "rtl" if rtl >= ltr else "auto"


def isolate(text: str) -> str:
    """Wrap codes, numbers, commands, addresses and URLs in Unicode isolates, if ``text``
    holds any right-to-left letters (otherwise it is returned unchanged)."""
    return _isolate(text, direction(text))


def _isolate(text: str, way: str | None) -> str:
    if way is None:
        return text
    return _LTR_RUN.sub(lambda m: f"{FSI}{m.group(0)}{PDI}", text)


RLM = "\u200f"  # RIGHT-TO-LEFT MARK


def _starts_left_to_right(line: str) -> bool:
    """Whether the first strong letter of ``line``, not counting isolated runs, is a
    left-to-right one (``Tryggbot – …``, ``BankID …``): a client that takes a paragraph's
    direction from its first strong letter would then lay the whole line out left to right."""
    depth = 0
    for ch in line:
        if ch == FSI:
            depth += 1
        elif ch == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = unicodedata.bidirectional(ch)
            if kind in ("R", "AL"):
                return False
            if kind == "L":
                return True
    return False


def _mark_rtl_lines(text: str, way: str | None) -> str:
    """In a right-to-left message, a right-to-left mark before each line (each line is a
    paragraph to the bidirectional algorithm) that would otherwise start left to right."""
    if way != "rtl":
        return text
    return "\n".join(
        RLM + line if _starts_left_to_right(line) else line for line in text.split("\n")
    )


def plain(text: str) -> str:
    """The plain-text body: markup removed, left-to-right runs isolated in RTL text, and a
    right-to-left line that starts with a Latin word marked right to left."""
    bare = _BOLD.sub(r"\1", text)
    way = direction(bare)
    return _mark_rtl_lines(_isolate(bare, way), way)


def to_html(text: str) -> str:
    """Escape everything, then turn ``**x**`` into ``<b>x</b>`` and newlines into ``<br>``;
    right-to-left text is wrapped in a ``<div dir=…>`` (and its lines marked as in
    :func:`plain`, for a client that drops the ``dir`` attribute)."""
    way = direction(text)
    escaped = html.escape(_mark_rtl_lines(_isolate(text, way), way), quote=False)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped).replace("\n", "<br>")
    return f'<div dir="{way}">{escaped}</div>' if way else escaped
