"""Finders for personal numbers: personnummer, phone numbers and account numbers (IBAN, card
numbers; the Swedish bank accounts and foreign identity numbers live in ``bot/scrub_ids.py``,
the phone rules per country in ``bot/scrub_phones.py``)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from types import MappingProxyType

from ..scrub_ids import find_bank_accounts, id_word_before
from ..scrub_phones import PhoneRule, national_ok, no_trunk_ok, valid_swedish_national
from .view import Span

# IBAN: two letters, two check digits, 11-30 letters/digits, plain or in groups of four.
_IBAN = re.compile(
    r"(?<![\w\]])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w\[])"
)
# Card numbers (first digit 2-6): 13-19 digits in one block, in groups of four, or 4-6-5.
_CARD = re.compile(
    r"(?<![0-9\]])(?:[2-6][0-9]{12,18}|[2-6][0-9]{3}(?:[ \-][0-9]{4}){2,3}(?:[ \-][0-9]{1,4})?"
    r"|3[0-9]{3}[ \-][0-9]{6}[ \-][0-9]{5})(?![0-9\[])"
)


_PERSONNUMMER = re.compile(
    r"(?<![0-9+\]])(?P<date>(?:[0-9]{2})?[0-9]{6})"
    r"(?: ?(?P<sep>[-+]) ?| )?(?P<tail>[0-9]{4})(?![0-9\[])"
)

# A chain of digit groups joined by 1-3 separator characters. Separators and digits are disjoint
# classes, so the split of a chain into groups is unique and matching is linear.
_SEP_CHARS = " \t.\\-/()"
_PHONE_CHAIN = re.compile(
    r"(?<![0-9\]])(?:\+|\(\+?)?[0-9]+(?:[" + _SEP_CHARS + r"]{1,3}[0-9]+)*\)?"
)
_GROUP = re.compile(r"[0-9]+")


def _luhn_ok(digits10: str) -> bool:
    total = 0
    for i, ch in enumerate(digits10):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _plausible_date(year: int | None, month: int, day: int) -> bool:
    if day > 60:  # samordningsnummer
        day -= 60
    if not 1 <= month <= 12 or day < 1:
        return False
    if year is None:
        days = 29 if month == 2 else calendar.monthrange(2001, month)[1]
    else:
        days = calendar.monthrange(year, month)[1]
    return day <= days


def _is_personnummer(date: str, tail: str, sep: str | None) -> bool:
    """A valid date and four digits. Only a plain ten-digit number starting with 0 must also
    pass the Luhn check (otherwise it is more likely a phone number: 0701234567)."""
    year: int | None = None
    if len(date) == 8:
        if date[:2] not in ("18", "19", "20"):
            return False
        year = int(date[:4])
        date = date[2:]
    if not _plausible_date(year, int(date[2:4]), int(date[4:6])):
        return False
    if year is None and sep is None and date.startswith("0"):
        return _luhn_ok(date + tail)
    return True


def find_personnummer(view: str) -> Iterator[Span]:
    for m in _PERSONNUMMER.finditer(view):
        if _is_personnummer(m.group("date"), m.group("tail"), m.group("sep")):
            yield m.span()


def _valid_international(groups: list[str], plus: bool) -> bool:
    digits = "".join(groups)
    if not plus:
        if not digits.startswith("00") or len(digits) < 3 or digits[2] == "0":
            return False
        digits = digits[2:]
        if len(groups[0]) == 2:  # "00 46 70 …": the 00 stands alone
            groups = groups[1:]
    elif digits[0] == "0":
        return False
    if digits.startswith("46"):
        national = digits[2:]
        if national.startswith("0"):  # "+46 (0)70…" or "+46 070…"
            national = national[1:]
        return 7 <= len(national) <= 9 and national[0] != "0"
    # after the country code a one-digit group may follow ("+291 7 123456"), later ones not
    if any(len(g) < 2 for g in groups[2:]):
        return False
    return 8 <= len(digits) <= 15


_NO_TRUNK_AFTER = re.compile(
    r"[ \t]*(?:kr|sek|zł|zl|pln|eur|euro|€|\$|usd|dollar|km|m|kg|st|personer|år)(?![^\W\d_])",
    re.IGNORECASE,
)


# A case or file number of the police, the kommun or a court right after a case word ("Case
# no. 5000-K0987711-26", "ärendenummer 4000-123 456", "شماره پرونده قبلی ۲۰۲۶-۵۱۲۰"): not a
# phone or account number (and nobody's personal data on its own).
_CASE_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:case|ärende|ärendet|ärendenummer|ärendenr|diarienummer|diarienr|dnr"
    r"|referensnummer|reference|ref|crime reference|report number|k-nummer|polisanmälan"
    r"|anmälan|sygnatura|sygn|sprawy|sprawa|predmet|predmeta|asia|asianumero|diaarinumero"
    r"|rasti|rastit|lënda|lëndës|справа|справи|القضية|قضية|ملف|البلاغ|بلاغ|پرونده|kiiska"
    r"|dacwadda|ጉዳይ|ፋይል)"
    r"(?:[ \t:.#№]*(?:no|nr|number|nummer|numer|nro|broj|numri|numero|номер|رقم|شماره|قبلی"
    r"|السابق|previous|old|tidigare|lambarka|ቁጽሪ))?"
    r"[ \t:.#№]*(?:[0-9A-Za-z]{1,6}[\-/])*[A-Za-z]{0,3}$",
    re.IGNORECASE,
)


def after_case_word(view: str, start: int) -> bool:
    """True when a case word stands right before ``start`` (see ``_CASE_BEFORE``)."""
    return _CASE_BEFORE.search(view, max(0, start - 60), start) is not None


def phone_finder(
    national: PhoneRule = national_ok, no_trunk: PhoneRule = no_trunk_ok
) -> Callable[[str], Iterator[Span]]:
    """Phone numbers: ``+``/``00`` international ones, national ones with a trunk ``0`` and
    Polish/North American ones without (``bot/scrub_phones.py`` decides which chains)."""

    def find(view: str) -> Iterator[Span]:
        for chain in _PHONE_CHAIN.finditer(view):
            for a, b in _phones_in_chain(view, chain, national, no_trunk):
                if not after_case_word(view, chain.start()):
                    yield a, b

    return find


def _phones_in_chain(
    view: str, chain: re.Match[str], national: PhoneRule, no_trunk: PhoneRule
) -> Iterator[Span]:
    base = chain.start()
    text = chain.group()
    groups = [(m.start() + base, m.end() + base, m.group()) for m in _GROUP.finditer(text)]
    plus_at_start = text.startswith("+") or text.startswith("(+")
    # A chain right after a label continues what an earlier pass replaced: treat it as the
    # inside of a longer chain, so that scrubbing twice changes nothing more.
    after_label = view[:base].rstrip(_SEP_CHARS).endswith("]")
    i = 0
    while i < len(groups):
        best: int | None = None
        plus = plus_at_start and i == 0
        first = i == 0 and not after_label
        trunk = groups[i][2].startswith("0")
        if not plus and not trunk:
            best = _no_trunk_end(view, groups, i, no_trunk) if first or i > 0 else None
            if best is None:
                i += 1
                continue
        else:
            total = 0
            gs: list[str] = []
            seps: list[str] = []
            for j in range(i, len(groups)):
                total += len(groups[j][2])
                if total > 17:
                    break
                if j > i:
                    seps.append(view[groups[j - 1][1] : groups[j][0]])
                gs.append(groups[j][2])
                if (plus and _valid_international(gs, True)) or (
                    not plus
                    and (
                        (gs[0].startswith("00") and _valid_international(gs, False))
                        or (
                            not gs[0].startswith("00")
                            # inside a longer chain only the strict Swedish rule
                            and (national if first else valid_swedish_national)(gs, seps)
                        )
                    )
                ):
                    best = j
            if best is None:
                i += 1
                continue
        start = groups[i][0]
        if i == 0 and plus_at_start:
            start = chain.start()
        elif (
            i == 0
            and text.startswith("(")
            and best > 0
            and ")" in view[groups[0][1] : groups[1][0]]
        ):
            start = chain.start()  # "(08) 123 456 78": take the opening parenthesis too
        yield start, groups[best][1]
        i = best + 1


def _no_trunk_end(
    view: str, groups: list[tuple[int, int, str]], i: int, no_trunk: PhoneRule
) -> int | None:
    """The last group of a number without a trunk prefix starting at group ``i``, or None.
    It must stand apart: after a space (or at the start of the chain) and not before a currency
    or unit."""
    if i > 0 and view[groups[i - 1][1] : groups[i][0]].strip(" \t") != "":
        return None
    if i > 0 and view[groups[i - 1][1] : groups[i][0]] == "":
        return None
    for n in (4, 3, 1):
        j = i + n - 1
        if j >= len(groups):
            continue
        gs = [g[2] for g in groups[i : j + 1]]
        seps = [view[groups[k - 1][1] : groups[k][0]] for k in range(i + 1, j + 1)]
        if j + 1 < len(groups) and view[groups[j][1] : groups[j + 1][0]].strip(" \t") == "":
            continue  # more digit groups follow after a space: part of something longer
        if _NO_TRUNK_AFTER.match(view, groups[j][1]):
            continue
        if i == 0 and groups[0][0] > 0 and view[groups[0][0] - 1] == "(" and n != 3:
            continue
        if no_trunk(gs, seps):
            return j
    return None


# right length for its country is removed even when its check digits are wrong (a mistyped
# account number is still someone's account number).
_IBAN_LENGTHS = MappingProxyType(
    {
        "SE": 24, "NO": 15, "DK": 18, "FI": 18, "DE": 22, "GB": 22, "IE": 22, "NL": 18,
        "PL": 28, "BA": 20, "HR": 21, "RS": 22, "ME": 22, "AL": 28, "XK": 20, "MK": 19,
        "UA": 29, "IQ": 23, "JO": 30, "LB": 28, "PS": 29, "SA": 24, "AE": 23, "EG": 29,
        "IR": 26, "TR": 26, "FR": 27, "ES": 24, "IT": 27, "AT": 20, "CH": 21, "EE": 20,
    }
)  # fmt: skip


def _iban_ok(candidate: str) -> bool:
    code = candidate.replace(" ", "")
    if not 15 <= len(code) <= 34:
        return False
    if _IBAN_LENGTHS.get(code[:2]) == len(code):
        return True
    moved = code[4:] + code[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


# A card number written in groups of four ("4571 9920 1846 3307") is removed whatever its
# check digit; one block of digits must pass the Luhn check.
_CARD_GROUPS = re.compile(r"[2-6][0-9]{3}(?:[ \-][0-9]{4}){3}")


def find_accounts(view: str) -> Iterator[Span]:
    spans: list[Span] = []
    for m in _IBAN.finditer(view):
        if _iban_ok(m.group()):
            spans.append(m.span())
    for m in _CARD.finditer(view):
        digits = re.sub(r"[ \-]", "", m.group())
        grouped = _CARD_GROUPS.fullmatch(m.group()) is not None
        if not grouped and id_word_before(view, m.start()):
            continue  # "JMBG 2307968175023": an identity number, not a card
        if not any(a <= m.start() < b for a, b in spans) and (grouped or _luhn_any(digits)):
            spans.append(m.span())
    for a, b in find_bank_accounts(view):
        if not any(a < e and s < b for s, e in spans):
            spans.append((a, b))
    yield from sorted((a, b) for a, b in spans if not after_case_word(view, a))


def _luhn_any(digits: str) -> bool:
    """Luhn check for a number of any length (card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0
