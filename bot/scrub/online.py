"""Finders for identifiers on the internet: links, e-mail addresses (also obfuscated), Matrix
ids, IP addresses and user names on platforms."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from .view import Span

# --------------------------------------------------------------------------------------------
# Patterns (constants). All start with a negative look-behind so that a match can only begin at
# the start of a token; this keeps scanning linear on long runs of the same character class.

_URL_TRAIL = r"[^\s<>\"'\[\]{}|\\^`]*[^\s<>\"'\[\]{}|\\^`.,;:!?)]"

URL_EXPLICIT = re.compile(r"(?<![\w@./:\]-])(?:https?://|www\.)" + _URL_TRAIL, re.IGNORECASE)

EMAIL = re.compile(
    r"(?<![\w.%+\-\]])[^\W_][\w.%+\-]*@"
    r"[^\W_](?:[\w\-]*[^\W_])?(?:\.[^\W_](?:[\w\-]*[^\W_])?)*\.[^\W\d_]{2,24}(?![\w\-\[])"
)

MATRIX_ID = re.compile(
    r"(?<![\w.%+\-@\]])@[\w.=\-/+]+:"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+"
    r"|localhost|\[[0-9A-Fa-f:.]+\])"
    r"(?::[0-9]{1,5})?(?![\w\-\[])"
)

# Obfuscated e-mail: "anna [at] gmail [dot] com", "anna(at)gmail.com", "kalle at hotmail dot com",
# "erik [snabel-a] telia [punkt] se", "lisa @ yahoo . com". With a bare " at " the dot must be
# spelled out too (" dot ", " punkt "), so that "meet at the shop. com…" is left alone.
_AT_WORD = r"(?:at|snabel-?a|arroba)"
_AT_BRACKETED = r"(?:at|a|@|snabel-?a|arroba)"
_DOT_WORD = r"(?:dot|punkt|pkt|prick)"
_OBF_NAME = r"(?<![\w.%+\-\]])[^\W_][\w.%+\-]*"
_OBF_HOST = r"[^\W_][\w\-]*"
_OBF_TLD = r"(?:[a-z]{2,6}|[A-Z]{2,6})(?![\w\-\[])"
EMAIL_OBFUSCATED = re.compile(
    _OBF_NAME
    + r"(?:\s*[\[({<]\s*"
    + _AT_BRACKETED
    + r"\s*[\])}>]\s*|\s*@\s+)"
    + _OBF_HOST
    + r"(?:\s*[\[({<]\s*"
    + _DOT_WORD
    + r"\s*[\])}>]\s*|\s*\.\s*|\s+"
    + _DOT_WORD
    + r"\s+)"
    + _OBF_TLD
    + "|"
    + _OBF_NAME
    + r"\s+"
    + _AT_WORD
    + r"\s+"
    + _OBF_HOST
    + r"(?:\s*[\[({<]\s*"
    + _DOT_WORD
    + r"\s*[\])}>]\s*|\s+"
    + _DOT_WORD
    + r"\s+)"
    + _OBF_TLD,
    re.IGNORECASE,
)

# IPv4: four dotted numbers; IPv6: hex groups with at least two colons. Both are checked with
# ipaddress, so times ("12:30:45") and dates are never addresses.
_IPV4 = re.compile(r"(?<![\w.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![\w]|\.[0-9])")
_IPV6 = re.compile(r"(?<![\w:])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]{2,39}(?![\w:])")

# Handles: "@name" without a server, or a handle next to a platform word.
_PLATFORM = (
    r"(?:snap(?:chat)?|insta(?:gram)?|ig|tiktok|tik\s?tok|kik|telegram|discord|twitter|"
    r"facebook|fb|youtube|twitch|threads|whatsapp|wickr|steam|xbox|psn)"
)
_HANDLE = r"[A-Za-z0-9_.]*[A-Za-z0-9_]"
_AT_HANDLE = re.compile(r"(?<![\w@.:/\]])@\w[\w.]{1,29}(?<!\.)(?![\w@:\[])")
_HANDLE_AFTER_PLATFORM = re.compile(
    r"(?<![\w])" + _PLATFORM + r"(?:\s*(?::|=)\s*|\s+(?:är|is|heter|namn|name|user|konto|account)"
    r"\s*:?\s*|\s*-\s*|\s+(?:som|as)\s+|\s+)(?P<h>@?" + _HANDLE + r")(?![\w\[])",
    re.IGNORECASE,
)
_HANDLE_BEFORE_PLATFORM = re.compile(
    r"(?<![\w@.])(?P<h>" + _HANDLE + r")\s+(?:på|on|i|in|at)\s+" + _PLATFORM + r"(?![\w])",
    re.IGNORECASE,
)

# Top-level domains recognised without http/www. Deliberately short: Swedish abbreviations such
# as "t.ex", "bl.a", "o.s.v" must not look like links. The TLD must be all lower or all upper case.
_TLDS = (
    "se nu com net org eu info biz io co app dev online site shop xyz tv dk no fi de uk ba hr "
    "rs al pl ua ir af ru fr es nl ch ly gl cc ai gov edu "
    # top-level domains common in scam links
    "top click link live store club icu buzz cfd sbs cyou rest lol mobi pro tk ml ga cf gq win "
    "bid vip fun space website me us"
).split()
_TLD_ALT = "|".join(_TLDS) + "|" + "|".join(t.upper() for t in _TLDS)
URL_BARE = re.compile(
    r"(?<![\w@./:\-\]])"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+"
    r"(?:" + _TLD_ALT + r")(?![\w\-\[])"
    r"(?:/(?:" + _URL_TRAIL + r")?)?"
)


def find_ips(view: str) -> Iterator[Span]:
    spans: list[Span] = []
    for pattern in (_IPV4, _IPV6):
        for m in pattern.finditer(view):
            try:
                ipaddress.ip_address(m.group())
            except ValueError:
                continue
            spans.append(m.span())
    yield from sorted(spans)


# A Latin token shaped like a handle on its own: letters and digits joined by "_"
# ("x_bandit_x", "polak_z_vmo"), or joined by "." with a digit and a run of three letters
# ("shadow.vmo99", "z3ter.king"); never a number, a version ("v1.2") or an abbreviation.
_HANDLE_SHAPE = re.compile(
    r"(?<![\w@.\-/:\]])[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+(?![\w@\-\[]|\.[A-Za-z0-9])"
)
_LETTERS3 = re.compile(r"[A-Za-z]{3}")
# An Arabic word typed in Latin letters ("Arabizi"): lower case, digits only where Arabic
# letters have no Latin one (2 hamza, 3 ain, 5 kha, 6 ta, 7 ha, 8 qaf, 9 sad), each digit
# before or between letters, never at the end ("2al", "3am", "7obob", "sa7et"; not "kalle99").
_ARABIZI = re.compile(r"(?:[a-z]*[2356789][a-z]+)+|[a-z]+[2356789][a-z]*(?<=[a-z])")


def _handle_shaped(token: str) -> bool:
    if "_" in token:
        return any(c.isalpha() for c in token)
    return any(c.isdigit() for c in token) and _LETTERS3.search(token) is not None


def find_handles(view: str) -> Iterator[Span]:
    spans: list[Span] = []
    for m in _AT_HANDLE.finditer(view):
        spans.append(m.span())
    for m in _HANDLE_SHAPE.finditer(view):
        if _handle_shaped(m.group()):
            spans.append(m.span())
    for pattern in (_HANDLE_AFTER_PLATFORM, _HANDLE_BEFORE_PLATFORM):
        for m in pattern.finditer(view):
            handle = m.group("h")
            # a handle, not a word: it has a digit, "_" or "." inside, or an "@"; not an
            # Arabic word typed in Latin letters with digits for letters ("whatsapp 2al",
            # "insta 3am yektbo")
            if _ARABIZI.fullmatch(handle) and not view[m.start() : m.start("h")].rstrip().endswith(
                (":", "=")
            ):
                continue
            if handle.startswith("@") or any(c.isdigit() or c in "_." for c in handle):
                spans.append(m.span("h"))
    spans.sort()
    last = -1
    for a, b in spans:
        if a >= last:
            yield a, b
            last = b
