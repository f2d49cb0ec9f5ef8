"""Which chains of digit groups the scrubber (``bot/scrub.py``) takes for a phone number written
without a country code.

A *chain* is what ``bot/scrub.py`` hands over: digit groups (``["070", "123", "45", "67"]``) and
the separators between them (``["-", " ", " "]``), already in the scrubber's view (ASCII digits,
one ``-`` for every dash).

National numbers with a trunk ``0`` (:func:`national_ok`), as written in the countries of the
bot's languages: Sweden (``070-123 45 67``, ``08-123 456 78``, ``0370-123 45``), Finland
(``040 123 4567``, ``09 1234 5678``), Bosnia, Croatia, Serbia, Montenegro (``061 123 456``,
``01 234 5678``, ``064 1234567``), Albania and Kosovo (``069 123 4567``, ``044 123 456``),
Ukraine (``067 123 45 67``), the Arab countries (``0944 123 456``, ``0770 123 4567``,
``03 123 456``), Iran and Afghanistan (``0912 345 6789``, ``070 123 4567``), Somalia
(``061 5123456``), Eritrea (``07 123456``) and the United Kingdom (``07700 900123``): a single
``0``, then 7-10 more digits, in one block or in groups of two or more digits. Swedish numbers
keep their stricter rule (area code ``08`` or three or four digits). Never a date
(``05.12.2024``, ``05 12 2024``), a time or time range (``08.30-10.00``, ``0800-1600``), or a
dotted group of fewer than nine digits.

Numbers without a trunk prefix (:func:`no_trunk_ok`): Polish numbers (``601 234 567``,
``601-234-567``, ``601234567`` with a mobile prefix, ``22 123 45 67``) and North American ones
written ``212-555-0100`` or ``(212) 555-0100``. Never a group ``000`` (``500 000 000``) and never
before a currency or unit (the caller checks what follows).

``bench/phone_rules.py`` makes the same two decisions with Google's libphonenumber (the
``phonenumbers`` package, a development dependency) with the regions of the bot's languages,
for the comparison in ``bench/scrub_authors.py``; the shape checks above (dates, times, groups)
stay in force there too.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "REGIONS",
    "PhoneRule",
    "national_ok",
    "no_trunk_ok",
    "shape_ok",
    "valid_swedish_national",
]

PhoneRule = Callable[[list[str], list[str]], bool]

# Regions of the enabled languages (trunk prefix 0), for the phonenumbers comparison.
REGIONS = "SE GB IE FI BA HR RS ME AL XK UA SY IQ LB JO SA EG PS IR AF SO ER ET".split()
_POLISH_MOBILE = frozenset("45 50 51 53 57 60 66 69 72 73 78 79 88".split())


def looks_like_date(groups: list[str], seps: list[str]) -> bool:
    """D.M.Y / D-M-Y / D/M/Y / D M Y with the same separator and a valid day and month."""
    if len(groups) != 3 or seps[0] != seps[1] or seps[0] not in (".", "-", "/", " "):
        return False
    d, m, y = groups
    if len(d) > 2 or len(m) > 2 or len(y) not in (2, 4):
        return False
    return 1 <= int(d) <= 31 and 1 <= int(m) <= 12


def _hhmm(group: str) -> bool:
    return len(group) == 4 and int(group[:2]) <= 24 and int(group[2:]) <= 59


def shape_ok(groups: list[str], seps: list[str], digits: str) -> bool:
    """The checks every rule shares: no date, no time, no lone digit after the first group."""
    if len(groups) == 1:
        return True
    if looks_like_date(groups, seps) or all(_hhmm(g) for g in groups):
        return False
    if any(len(g) < 2 for g in groups[1:]):
        return False
    if any("." in s for s in seps):
        return all(s == "." for s in seps) and len(digits) >= 9
    return True


def valid_swedish_national(groups: list[str], seps: list[str]) -> bool:
    """A Swedish national number: 8-10 digits, ``0`` then a valid area code and subscriber."""
    digits = "".join(groups)
    if not 8 <= len(digits) <= 10 or digits[0] != "0" or digits[1] == "0":
        return False
    if any(len(g) < 2 for g in groups[1:]):
        return False
    if len(groups) > 1:
        if looks_like_date(groups, seps):
            return False
        if any("." in s for s in seps) and not (len(digits) == 10 and digits.startswith("07")):
            return False  # dotted numbers are times/dates unless clearly a mobile number
        area = groups[0]
        if len(area) <= 4:
            if len(area) < 2 or (len(area) == 2 and area != "08"):
                return False
            if area.startswith("08") and area != "08":
                return False
            subscriber = digits[len(area) :]
            if subscriber[0] == "0" or len(subscriber) < 5:
                return False
    return True


def national_ok(groups: list[str], seps: list[str]) -> bool:
    """A national number with a trunk ``0`` (see the module docstring)."""
    if valid_swedish_national(groups, seps):
        return True
    digits = "".join(groups)
    if not 8 <= len(digits) <= 11 or digits[0] != "0" or digits[1] == "0":
        return False
    if len(set(digits)) <= 2:
        return False
    if len(groups) == 1:
        return len(digits) >= 9
    if groups[0].startswith("08") or len(groups[0]) > 5:
        return False  # Stockholm's 08 keeps the Swedish rule: "0830-1000" is a time range
    return shape_ok(groups, seps, digits)


def no_trunk_ok(groups: list[str], seps: list[str]) -> bool:
    """A Polish or North American number without a trunk prefix (see the module docstring)."""
    digits = "".join(groups)
    if digits[0] == "0" or "000" in groups or len(set(digits)) <= 2:
        return False
    shape = tuple(len(g) for g in groups)
    if shape == (9,):
        return digits[:2] in _POLISH_MOBILE
    if shape == (3, 3, 3):
        return seps[0] == seps[1] and seps[0] in (" ", "-") and digits[0] in "456789"
    if shape == (2, 3, 2, 2):
        return seps[1] == seps[2] and 12 <= int(digits[:2]) <= 95
    if shape == (3, 3, 4):
        nanp = digits[0] in "23456789" and digits[3] in "23456789"
        return nanp and ("-" in seps[1] or "." in seps[1]) and " " not in seps[1]
    return False
