"""Personal-data scrubber for free text.

Contract
--------
``scrub(text)`` returns a :class:`ScrubResult` whose ``text`` is ``text`` with every piece of
personal data it recognises replaced by a Swedish label (see :data:`LABELS`), and whose ``found``
lists the kinds replaced, in order of first appearance, without duplicates. Everything that is
not replaced is returned exactly as it was given (no normalisation of the surrounding text).

* Pure: no I/O, no module-level mutable state; the compiled patterns are constants.
* Never raises for any ``str`` (including lone surrogates and control characters).
* Linear time: every pattern is anchored on a token start by a negative look-behind and has no
  ambiguous nested repetition, so 100 kB of digits, letters or dots is scanned quickly.
* Idempotent: ``scrub(scrub(x).text).text == scrub(x).text``. Labels contain no digits, ``@``
  or dots, so no pattern matches a label.

Kinds, applied in this order (earlier kinds win, so the pieces of a link are never matched
separately as a phone number or a plate):

1. ``url`` with a scheme or ``www.`` (``https://…``, ``www.…``)
2. ``epost`` (``anna@example.se``), spelled out in words (``anna punkt svensson snabel-a gmail
   punkt com``, ``john dot smith at gmail dot com``, ``bot/scrub_words.py``) and obfuscated
   (``anna [at] gmail [dot] com``, ``anna(at)gmail.com``, ``erik [snabel-a] telia [punkt] se``)
3. ``matrix_id`` (``@anna:example.org``, ``@anna:example.org:8448``, ``@a:localhost``)
4. ``url`` bare domain with a known top-level domain (``polisen.se``, ``example.se/path``,
   also the top-level domains of scam links such as ``.top``)
5. ``ip``: IPv4 and IPv6 addresses (checked with :mod:`ipaddress`)
6. ``kontonummer``: IBAN (mod-97 check, or the right length for its country whatever the check
   digits), card numbers of 13–19 digits that pass the Luhn check (in four groups of four
   whatever the check digit), Swedish bank accounts (clearing + account), bankgiro, plusgiro
   and Swish numbers of businesses (``bot/scrub_ids.py``)
7. ``personnummer`` (also samordningsnummer: day + 60); 10 or 12 digits with a valid date,
   with or without ``-``/``+``/space, *whether or not the check digit is right* (a mistyped
   number is still someone's number). Only a plain 10-digit number starting with 0 whose check
   digit is wrong is left for the phone rule (``0701234567``). Digits glued to further digits
   are never a personnummer. The same label for personal identity numbers of other countries
   with their checks (Finnish henkilötunnus, Polish PESEL, ex-Yugoslav JMBG, Croatian OIB,
   Ukrainian RNOKPP, Iranian national code, Norwegian fødselsnummer, Albanian personal
   number, British National Insurance number; ``bot/scrub_ids.py``).
8. ``telefon``: Swedish numbers (``070-123 45 67``, ``08-123 456 78``, ``0370-123 45``,
   ``+46 70 123 45 67``, ``0046701234567``, ``+46 (0)70…``), international numbers written
   with ``+`` or ``00`` (``+387 61 123 456``, ``+44 20 7946 0958``), national numbers of the
   bot's languages' countries without a country code (``601 234 567``, ``040 123 4567``,
   ``061 123 456``, ``0912 345 6789``; ``bot/scrub_phones.py``), and numbers written as words
   (``noll sju noll ett två tre…``, ``bot/scrub_words.py``).
   Not phones: dates, times, years, counts, money, time bands and the service numbers 112,
   114 14, 113 13 and 1177 (a national number must start with a single ``0``; one without a
   trunk ``0`` must have a Polish or North American shape).
9. ``regnr``: Swedish licence plates ``ABC 123``, ``ABC123``, ``ABC-123``, ``ABC 12A`` as whole
   Latin tokens, also right beside a letter of another script (letters I, Q, V, Å, Ä, Ö are
   never used on plates), only where the format is unambiguous (upper-case letters that are
   not a common word, or a final letter) or a vehicle word is near ("bil", "regnr", "skylten",
   "car", "plate", "ماشین", "blachach"); never before a unit ("120 km/h") and never a
   lower-case word such as "sal 213" without a vehicle nearby. Foreign plates with letters on
   both sides (Ukrainian ``AA 1234 BC``, Albanian ``AA 123 BB``, Kosovan ``02-318-KA``) always;
   other foreign shapes (Polish ``WGM 5561A``, ``PO 5TR22``) only near a vehicle word.
10. ``anvandarnamn``: ``@name`` without a server, handles next to a platform word
    (``snap: kalle_99``, ``insta @lisa``, ``kalle_99 på snap``, ``hans snapchat är bigboy2009``)
    and tokens shaped like handles anywhere (``x_bandit_x``, ``shadow.vmo99``)
11. ``namn``: names from ``config/content/names.toml`` next to a second capitalised word
    ("Johan Andersson"), listed surnames ("Anderssons"), listed names on their own that are not
    also ordinary words, names after a name pattern ("heter Omar", "min granne Marko"), a
    title ("Pan Zbigniew", "أبو خليل"), a kinship word ("min man Bertil") or a closing greeting
    ("Hälsningar Margit"), inflected names ("Lejlu") and surname endings ("-ović", "-wski");
    see ``bot/names.py``.

Odd Unicode: matching runs on a *view* of the text in which every Unicode decimal digit
(fullwidth ``０``, Arabic-Indic ``٠``, Persian ``۰``, …) becomes an ASCII digit, every Unicode dash
becomes ``-`` and every space a plain space, other characters are NFKC-normalised one by one
(fullwidth letters become ASCII) and format characters (category Cf: zero-width space/joiners,
soft hyphen, BOM, bidi marks) are dropped. A match in the view replaces the corresponding
original characters; everything else, the Persian zero-width non-joiner included, is kept.
Not covered: street addresses (a place description such as "Storgatan 14" is kept on
purpose), numbers of fewer than seven digits spelled out in words, digits separated by letters
or by more than three separator characters, personalised plates, unlisted names written alone
or in lower case, and links with an unknown top-level domain and no ``http``/``www``.
"""

from __future__ import annotations

import bisect
import calendar
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .names import Names
from .scrub_ids import find_bank_accounts, find_foreign_ids
from .scrub_phones import PhoneRule, national_ok, no_trunk_ok, valid_swedish_national
from .scrub_words import find_spelled_email, find_spelled_numbers
from .text import fold_char

__all__ = ["LABELS", "ScrubResult", "found_kinds", "scrub"]

LABELS: Mapping[str, str] = MappingProxyType(
    {
        "personnummer": "[personnummer]",
        "telefon": "[telefonnummer]",
        "epost": "[e-post]",
        "matrix_id": "[matrix-id]",
        "regnr": "[registreringsnummer]",
        "url": "[länk]",
        "namn": "[namn]",
        "kontonummer": "[kontonummer]",
        "ip": "[ip-adress]",
        "anvandarnamn": "[användarnamn]",
    }
)


@dataclass(frozen=True)
class ScrubResult:
    """Result of :func:`scrub`: the cleaned text and the kinds of personal data replaced."""

    text: str
    found: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """True when at least one piece of personal data was replaced."""
        return bool(self.found)


# --------------------------------------------------------------------------------------------
# Patterns (constants). All start with a negative look-behind so that a match can only begin at
# the start of a token; this keeps scanning linear on long runs of the same character class.

_URL_TRAIL = r"[^\s<>\"'\[\]{}|\\^`]*[^\s<>\"'\[\]{}|\\^`.,;:!?)]"

_URL_EXPLICIT = re.compile(r"(?<![\w@./:\]-])(?:https?://|www\.)" + _URL_TRAIL, re.IGNORECASE)

_EMAIL = re.compile(
    r"(?<![\w.%+\-\]])[^\W_][\w.%+\-]*@"
    r"[^\W_](?:[\w\-]*[^\W_])?(?:\.[^\W_](?:[\w\-]*[^\W_])?)*\.[^\W\d_]{2,24}(?![\w\-\[])"
)

_MATRIX_ID = re.compile(
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
_EMAIL_OBFUSCATED = re.compile(
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

# IBAN: two letters, two check digits, 11-30 letters/digits, plain or in groups of four.
_IBAN = re.compile(
    r"(?<![\w\]])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w\[])"
)
# Card numbers (first digit 2-6): 13-19 digits in one block, in groups of four, or 4-6-5.
_CARD = re.compile(
    r"(?<![0-9\]])(?:[2-6][0-9]{12,18}|[2-6][0-9]{3}(?:[ \-][0-9]{4}){2,3}(?:[ \-][0-9]{1,4})?"
    r"|3[0-9]{3}[ \-][0-9]{6}[ \-][0-9]{5})(?![0-9\[])"
)

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
_URL_BARE = re.compile(
    r"(?<![\w@./:\-\]])"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+"
    r"(?:" + _TLD_ALT + r")(?![\w\-\[])"
    r"(?:/(?:" + _URL_TRAIL + r")?)?"
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

# Plate letters: A-Z without I, Q, V (and never Å, Ä, Ö). Last character: digit or letter (not O).
# A plate is a Latin-script token: a letter of another script right before or after it (a
# Persian or Arabic sentence written without a space) does not make it part of a word.
_LATIN_BEFORE = r"(?<![A-Za-z0-9_\u00c0-\u024f\-\]])"
_LATIN_AFTER = r"(?![A-Za-z0-9_\u00c0-\u024f\-\[])"
_PLATE = re.compile(
    _LATIN_BEFORE + r"(?P<letters>[A-HJ-PR-UW-Za-hj-pr-uw-z]{3})(?P<sep>[ \-]?)"
    r"(?P<tail>[0-9]{2}[0-9A-HJ-NPR-UW-Za-hj-np-uw-z])" + _LATIN_AFTER
)
# Foreign plates with letters on both sides of the digits, unambiguous in upper case:
# Ukrainian "AA 1234 BC" (also in Cyrillic letters), Albanian "AA 123 BB", Serbian
# "BG 123-AB", Bosnian "A12-B-345", Kosovan "01-123-AB".
_UA_LETTERS = "A-ZАВЕІКМНОРСТХ"
_FOREIGN_PLATE = re.compile(
    r"(?<![\w\-\]])(?:[" + _UA_LETTERS + r"]{2}[ \-]?[0-9]{4}[ \-]?[" + _UA_LETTERS + r"]{2}"
    r"|[A-Z]{2}[ \-]?[0-9]{3}[ \-][A-Z]{2}|[A-Z]{2}[ \-]?[0-9]{3,5}-[A-Z]{1,2}"
    r"|[AEJKMOT][0-9]{2}-[AEJKMOT]-[0-9]{3}|[0-9]{2}-[0-9]{3}-[A-Z]{2})(?![\w\-\[])"
)
# Other plate shapes only next to a vehicle word: Polish/Norwegian "WA 12345", "KR 1234A",
# Finnish plates with any letters "VKK-123", German "M AB 1234".
_FOREIGN_PLATE_NEAR_VEHICLE = re.compile(
    r"(?<![\w\-\]])(?:[A-Z]{1,3}[ \-]?[0-9]{3,5}[A-Z]?|[A-Z]{1,3}[ \-][A-Z]{1,2}[ \-]?[0-9]{1,4}"
    r"|[A-Z]{2,3}[ \-]?[0-9][0-9A-Z]{3,4})"
    r"(?![\w\-\[])"
)

# Common three-letter words that are followed by a number in everyday text ("typ 100",
# "och 123 kr", "the 100 m"). A lower/mixed-case "word NNN" with a separator is not a plate.
_PLATE_STOPWORDS = frozenset(
    (
        "och att det som den har kan ska typ tog men mer fem sex tre hon han jag dag kom gav "
        "fin ser sen nog alla bra ett tal kap sid tel avd ggr dit hit upp ner ute inne nya fel "
        "rum tom kpl nej jaa dem hem oss ena ens kul "
        "the and for was got had has are all per not but can see saw him her our off out age "
        "min max mil one two six ten few won any day yes now new old buy pay get let ago abt "
        "apr aug dec feb jan jul jun mar maj nov okt oct sep tis ons tor fre lor son mon tue wed "
        "thu fri sat sun"
    ).split()
)

# Words that make a nearby plate-shaped token a plate even in lower case ("reg nr bus 123").
_VEHICLE_WORDS = frozenset(
    (
        "bil bilen bilar bilarna personbil skåpbil skåpbilen lastbil lastbilen taxi taxin moped "
        "mopeden mc motorcykel motorcykeln epa epan a-traktor a-traktorn fyrhjuling husbil "
        "regnr regnummer reg registreringsnummer registreringsnumret skylt skylten skyltar "
        "nummerskylt nummerskylten plåt plåten fordon fordonet nr volvo volvon saab audi audin "
        "bmw mercedes merca vw golf toyota ford opel peugeot renault kia hyundai tesla skoda "
        "nissan mazda honda citroen fiat porsche jeep dacia suzuki yamaha lexus subaru "
        "car cars van truck lorry suv motorbike motorcycle scooter vehicle plate plates "
        "registration numberplate licence license reg. auto samochód машина سيارة ماشین "
        "gaari makinë makina "
        # other languages of the bot: car, plate, registration
        "السيارة سيارته لوحة اللوحة رقم_اللوحة ماشینش پلاک پلاکش خودرو خودروی "
        "baabuur baabuurka gaariga taarikada taargada መኪና መኪና'ውን ታርጋ "
        "машину машини автомобіль автомобиль номер номери номерний номерні "
        "samochodu samochodem rejestracja rejestracyjny tablice tablica tablicach "
        "autoa autossa rekisteri rekisterinumero rekisterikilpi kilpi kilvet "
        "automobil automobila tablice tablica registracija registracije registarske "
        "makina makinën makinës targa targën targat "
        # plates in slang and plural forms, common models, vans
        "skyltar skyltarna registreringsskylt blachy blachach blachami numery numerach "
        "tablicami tablicach rejestracji rejestracyjne номери номерах номерами tablicama "
        "registracijom kilvet kilvissä rekkari rekkarit rekisterikilvet targat targave "
        "passat transit transporter sprinter octavia corolla civic polo astra focus fiesta "
        "yaris qashqai caddy crafter ducato vito bus busa busem kombi kombiju furgon furgoni "
        "фургон бус буса"
    ).split()
)
# Units after a number: "120 km/h", "ABC 100 kr" are never plates.
_UNIT_AFTER = re.compile(
    r"[ \t]*(?:km|m|mil|kr|sek|kg|g|st|min|h|tim|cm|mm|%|grader|kmh|km/h|mph|år|dagar|personer)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_CONTEXT_WORD = re.compile(r"[^\W\d_][\w\-.]*")
_CONTEXT_CHARS = 40

_FORMAT_CATEGORY = "Cf"


# --------------------------------------------------------------------------------------------
# Matching view


def _view(text: str) -> tuple[str, list[int], list[int]]:
    """Return the matching view of ``text`` and, per view character, the original span.

    ``starts[k]``/``ends[k]`` give the original index range of the character that produced
    view character ``k``.
    """
    if text.isascii():
        idx = list(range(len(text)))
        return text, idx, [i + 1 for i in idx]
    cache: dict[str, str] = {}
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        norm = cache.get(ch)
        if norm is None:
            if ch.isascii():
                norm = ch
            else:
                digit = unicodedata.decimal(ch, None)
                norm = str(digit) if digit is not None else fold_char(ch)
            cache[ch] = norm
        for c in norm:
            parts.append(c)
            starts.append(i)
            ends.append(i + 1)
    return "".join(parts), starts, ends


# --------------------------------------------------------------------------------------------
# Finders: each yields (start, end) spans in the view, in order and without overlap.

Span = tuple[int, int]


def _regex_finder(pattern: re.Pattern[str]) -> Callable[[str], Iterator[Span]]:
    def find(view: str) -> Iterator[Span]:
        for m in pattern.finditer(view):
            yield m.span()

    return find


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


def _find_personnummer(view: str) -> Iterator[Span]:
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


def _phone_finder(
    national: PhoneRule = national_ok, no_trunk: PhoneRule = no_trunk_ok
) -> Callable[[str], Iterator[Span]]:
    """Phone numbers: ``+``/``00`` international ones, national ones with a trunk ``0`` and
    Polish/North American ones without (``bot/scrub_phones.py`` decides which chains)."""

    def find(view: str) -> Iterator[Span]:
        for chain in _PHONE_CHAIN.finditer(view):
            yield from _phones_in_chain(view, chain, national, no_trunk)

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


def _vehicle_near(view: str, start: int, end: int) -> bool:
    before = view[max(0, start - _CONTEXT_CHARS) : start]
    after = view[end : end + _CONTEXT_CHARS]
    # a label of an earlier pass ("[registreringsnummer]") is not a vehicle word
    words = [
        m.group()
        for m in _CONTEXT_WORD.finditer(before)
        if before[m.start() - 1 : m.start()] != "["
    ][-4:] + [
        m.group() for m in _CONTEXT_WORD.finditer(after) if after[m.start() - 1 : m.start()] != "["
    ][:3]
    return any(w.casefold().rstrip(".:") in _VEHICLE_WORDS for w in words)


def _find_plates(view: str) -> Iterator[Span]:
    spans = list(_swedish_plates(view))
    for m in _FOREIGN_PLATE.finditer(view):
        spans.append(m.span())
    for m in _FOREIGN_PLATE_NEAR_VEHICLE.finditer(view):
        if not _UNIT_AFTER.match(view, m.end()) and _vehicle_near(view, m.start(), m.end()):
            spans.append(m.span())
    spans.sort(key=lambda s: (s[0], -s[1]))  # the longest of those starting together
    last = -1
    for a, b in spans:
        if a >= last:
            yield a, b
            last = b


def _swedish_plates(view: str) -> Iterator[Span]:
    for m in _PLATE.finditer(view):
        letters = m.group("letters")
        if _UNIT_AFTER.match(view, m.end()):
            continue
        word = letters.casefold() in _PLATE_STOPWORDS or letters.casefold() in _VEHICLE_WORDS
        unambiguous = letters.isupper() and (
            not word or not m.group("sep") or m.group("tail")[-1].isalpha()
        )
        if unambiguous or _vehicle_near(view, m.start(), m.end()):
            yield m.span()


# IBAN lengths of the countries of the bot's languages and their neighbours: an IBAN of the
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


def _find_accounts(view: str) -> Iterator[Span]:
    spans: list[Span] = []
    for m in _IBAN.finditer(view):
        if _iban_ok(m.group()):
            spans.append(m.span())
    for m in _CARD.finditer(view):
        digits = re.sub(r"[ \-]", "", m.group())
        grouped = _CARD_GROUPS.fullmatch(m.group()) is not None
        if not any(a <= m.start() < b for a, b in spans) and (grouped or _luhn_any(digits)):
            spans.append(m.span())
    for a, b in find_bank_accounts(view):
        if not any(a < e and s < b for s, e in spans):
            spans.append((a, b))
    yield from sorted(spans)


def _luhn_any(digits: str) -> bool:
    """Luhn check for a number of any length (card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _find_ips(view: str) -> Iterator[Span]:
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


def _handle_shaped(token: str) -> bool:
    if "_" in token:
        return any(c.isalpha() for c in token)
    return any(c.isdigit() for c in token) and _LETTERS3.search(token) is not None


def _find_handles(view: str) -> Iterator[Span]:
    spans: list[Span] = []
    for m in _AT_HANDLE.finditer(view):
        spans.append(m.span())
    for m in _HANDLE_SHAPE.finditer(view):
        if _handle_shaped(m.group()):
            spans.append(m.span())
    for pattern in (_HANDLE_AFTER_PLATFORM, _HANDLE_BEFORE_PLATFORM):
        for m in pattern.finditer(view):
            handle = m.group("h")
            # a handle, not a word: it has a digit, "_" or "." inside, or an "@"
            if handle.startswith("@") or any(c.isdigit() or c in "_." for c in handle):
                spans.append(m.span("h"))
    spans.sort()
    last = -1
    for a, b in spans:
        if a >= last:
            yield a, b
            last = b


def _find_names(view: str) -> Iterator[Span]:
    yield from Names.load().spans(view)


_PHONES = _phone_finder()

_PASSES: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...] = (
    ("url", _regex_finder(_URL_EXPLICIT)),
    ("epost", _regex_finder(_EMAIL)),
    ("epost", find_spelled_email),
    ("epost", _regex_finder(_EMAIL_OBFUSCATED)),
    ("matrix_id", _regex_finder(_MATRIX_ID)),
    ("url", _regex_finder(_URL_BARE)),
    ("ip", _find_ips),
    ("kontonummer", _find_accounts),
    ("personnummer", _find_personnummer),
    ("personnummer", find_foreign_ids),
    ("telefon", _PHONES),
    ("telefon", find_spelled_numbers),
    ("regnr", _find_plates),
    ("anvandarnamn", _find_handles),
    ("namn", _find_names),
)


# --------------------------------------------------------------------------------------------


def _splice(
    text: str, spans: list[Span], kind: str, records: list[tuple[int, str]]
) -> tuple[str, list[tuple[int, str]]]:
    """Replace original-text ``spans`` by the label of ``kind``; move earlier label records."""
    label = LABELS[kind]
    pieces: list[str] = []
    new_records: list[tuple[int, str]] = []
    shifts: list[tuple[int, int, int]] = []  # (orig start, orig end, delta after it)
    pos = 0
    delta = 0
    for start, end in spans:
        pieces.append(text[pos:start])
        new_records.append((start + delta, kind))
        pieces.append(label)
        delta += len(label) - (end - start)
        shifts.append((start, end, delta))
        pos = end
    pieces.append(text[pos:])
    span_ends = [e for _, e, _ in shifts]
    for p, k in records:
        n = bisect.bisect_right(span_ends, p)  # spans wholly before p
        if n < len(shifts) and shifts[n][0] <= p:
            continue  # the label was swallowed by a new match (cannot happen with these labels)
        new_records.append((p + (shifts[n - 1][2] if n else 0), k))
    return "".join(pieces), new_records


def scrub(text: str) -> ScrubResult:
    """Replace personal data in ``text`` by labels; see the module docstring for the contract.

    A replacement can make a neighbour readable (digits glued to a phone number become an
    account number once the phone number is a label), so the passes run again on a changed
    text until nothing more is found (at most three times): scrubbing twice changes nothing."""
    result = _scrub(text, _PASSES)
    for _ in range(2):
        if not result.found:
            break
        again = _scrub(result.text, _PASSES)
        if not again.found:
            break
        result = ScrubResult(
            text=again.text, found=tuple(dict.fromkeys(result.found + again.found))
        )
    return result


def scrubber_with_phone_rules(
    national: PhoneRule, no_trunk: PhoneRule
) -> Callable[[str], ScrubResult]:
    """:func:`scrub` with other rules for phone numbers without a country code (for the
    comparison with libphonenumber in ``bench/scrub_authors.py``)."""
    finder = _phone_finder(national, no_trunk)
    passes = tuple((kind, finder if f is _PHONES else f) for kind, f in _PASSES)
    return lambda text: _scrub(text, passes)


def _scrub(
    text: str, passes: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...]
) -> ScrubResult:
    records: list[tuple[int, str]] = []
    cached: tuple[str, list[int], list[int]] | None = None
    for kind, finder in passes:
        if cached is None:
            cached = _view(text)
        view, starts, ends = cached
        spans: list[Span] = []
        last_end = 0
        for a, b in finder(view):
            if b <= a:
                continue
            start, end = starts[a], ends[b - 1]
            if start < last_end:
                continue
            spans.append((start, end))
            last_end = end
        if spans:
            text, records = _splice(text, spans, kind, records)
            cached = None
    records.sort()
    found: list[str] = []
    for _, kind in records:
        if kind not in found:
            found.append(kind)
    return ScrubResult(text=text, found=tuple(found))


def found_kinds(text: str, kinds: frozenset[str]) -> frozenset[str]:
    """Which of ``kinds`` :func:`scrub` would find in ``text``, found more cheaply: only the
    passes of those kinds and of the kinds before them run, on one view of the text."""
    last = max((i for i, (kind, _) in enumerate(_PASSES) if kind in kinds), default=-1)
    view, _, _ = _view(text)
    starts: list[int] = []  # taken spans, sorted and disjoint
    ends: list[int] = []
    out: set[str] = set()
    for kind, finder in _PASSES[: last + 1]:
        for a, b in finder(view):
            i = bisect.bisect_right(starts, a)
            if b <= a or (i and ends[i - 1] > a) or (i < len(starts) and starts[i] < b):
                continue
            starts.insert(i, a)
            ends.insert(i, b)
            if kind in kinds:
                out.add(kind)
    return frozenset(out)
