"""Number finders of the scrubber (``bot/scrub.py``) for bank accounts and for personal identity
numbers of other countries than Sweden.

Each finder takes the scrubber's matching *view* of a text (ASCII digits, ``-`` for every dash,
plain spaces; see ``bot/scrub.py``) and yields (start, end) spans in order, without overlap.
Pure, no module-level mutable state, linear in the length of the text.

Bank accounts (label ``[kontonummer]``):

* Swedish bank account: a clearing number (four digits, 1100-9999, Swedbank's five-digit form
  ``8327-9``) and an account number of 6-10 digits, plain or in groups, after ``-``, ``,`` or a
  space: ``8327-9 123 456 789-0``, ``6000-123 456 789``, ``5000 12 345 67``. Account numbers have
  bank-specific check rules, so none is checked (a mistyped number is still someone's number);
  instead at least 11 digits and a separator are needed, or a word such as "konto",
  "clearing" or "account" shortly before. A year range, a date or a time range is never an
  account.
* Swish numbers of businesses and charities, ten digits starting 123 (``123 456 78 90``).
* Bankgiro ``5050-1055`` (7-8 digits as NNN(N)-NNNN) with a valid Luhn check digit, and
  plusgiro ``90 20 01-5`` (digits in pairs, ``-`` and a Luhn check digit); either, whatever
  its check digit, right after the word "bankgiro"/"bg" or "plusgiro"/"pg", there also
  without the dash ("plusgiro 9020 2015": five to eight digits).

Personal identity numbers of other countries (label ``[personnummer]``): a plain block of
digits whose check digit is right, or of the right length right after a word naming the number
("PESEL", "JMBG", "henkilötunnus", "РНОКПП", "OIB", "کد ملی", …), whatever its check digit:

* Finnish henkilötunnus ``131052-308T``: a valid date, a century sign (``+ - A-F U-Y``), three
  digits and a check character. The century sign makes the shape unambiguous, so, like a
  Swedish personnummer, it is removed also when the check character is wrong.
* Polish PESEL (11 digits, a valid date with the century in the month, weighted check digit).
* Ex-Yugoslav JMBG (13 digits: a valid day and month, mod-11 check digit).
* Croatian OIB (11 digits, ISO 7064 MOD 11,10).
* Ukrainian RNOKPP / ІПН (10 digits, weighted mod-11 check digit; never starting with 0).
* Iranian national code (10 digits, mod-11 check digit; one starting with 0 only next to a
  naming word, since ten digits starting with 0 are more often a phone number).
* Norwegian fødselsnummer (11 digits, a valid date, two mod-11 check digits).
* Albanian personal number ``I95203041L`` (a decade letter, a valid month, +50 for a woman,
  and day, three digits, a letter; the check letter is not verified).
* British National Insurance number ``QQ 12 34 56 C`` (its letter rules).
* The number of an identity document (passport, identity card, driving licence, residence
  permit) within 40 characters after the document's name in any of the bot's languages
  ("закордонний паспорт FX 482913", "letërnjoftimin … me numër 1176…", "گذرنامه K1234…"):
  one or two capital letters and six to nine digits, or seven to ten digits not starting
  with 0 (that is a phone number). A block of digits right after such a word or an
  identity number's name is not taken for a card number.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator

__all__ = ["find_bank_accounts", "find_foreign_ids", "id_word_before", "luhn_ok"]

Span = tuple[int, int]

_CONTEXT_CHARS = 40
_ANY_DIGIT = re.compile(r"[0-9]")


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by cards, bankgiro and plusgiro numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _word_before(
    view: str, start: int, words: re.Pattern[str], chars: int = _CONTEXT_CHARS
) -> bool:
    return words.search(view, max(0, start - chars), start) is not None


# --------------------------------------------------------------------------------------------
# Bank accounts

_ACCOUNT_WORDS = re.compile(
    r"(?<![^\W\d_])(?:konto\w*|kontonr|bankkonto\w*|clearing\w*|clnr|account\w*|acct|"
    r"a/c|tili\w*|tilinumero\w*|konta|kont[ao]|rachun\w*|nr\s+rachunku|ra[čc]un\w*|"
    r"рахун\w*|сч[её]т\w*|حساب\w*|شماره\s+حساب|akoon\w*|koonto\w*|llogari\w*|"
    r"bank\w*|swish)(?![^\W\d_])",
    re.IGNORECASE,
)
_BG_WORDS = re.compile(
    r"(?<![^\W\d_])(?:bankgiro\w*|bank\s+giro|bg|بانكجيرو|بانکجیرو|بانك\s+جيرو|بنك\s+جيرو|"
    r"بانک\s+جیرو|банкгіро|банкжиро|банкгиро)(?![^\W\d_])\W{0,3}$",
    re.IGNORECASE,
)
_PG_WORDS = re.compile(
    r"(?<![^\W\d_])(?:plusgiro\w*|postgiro\w*|pg)(?![^\W\d_])\W{0,3}$", re.IGNORECASE
)

_SWEDISH_ACCOUNT = re.compile(
    r"(?<![0-9\]])(?P<clearing>[1-9][0-9]{3})(?:-(?P<cd>[0-9]))?"
    r"(?P<sep>[ \t]?[-,][ \t]?|[ \t])"
    r"(?P<account>[0-9]+(?:[ \t-][0-9]+){0,4})(?![0-9\[]|[.,:][0-9])"
)
_BANKGIRO = re.compile(r"(?<![0-9\]\-])(?P<a>[1-9][0-9]{2,3})-(?P<b>[0-9]{4})(?![0-9\[]|-[0-9])")
_PLUSGIRO = re.compile(
    r"(?<![0-9\]\-])(?P<n>[1-9][0-9]?(?:[ \t][0-9]{2}){1,3}|[1-9][0-9]{0,6})-(?P<c>[0-9])"
    r"(?![0-9\[]|-[0-9])"
)
_YEAR = re.compile(r"(?:19|20)[0-9]{2}$")
# Swish numbers of businesses and charities: ten digits starting 123 ("123 456 78 90").
_SWISH = re.compile(
    r"(?<![0-9\]\-])123[ \t\-]?[0-9]{3}[ \t\-]?[0-9]{2}[ \t\-]?[0-9]{2}(?![0-9\[]|[\-.,:][0-9])"
)


def _hhmm(group: str) -> bool:
    return len(group) == 4 and int(group[:2]) <= 24 and int(group[2:]) <= 59


def _month_day(groups: list[str]) -> bool:
    return (
        len(groups) > 1
        and len(groups[0]) == 2
        and len(groups[1]) == 2
        and 1 <= int(groups[0]) <= 12
        and 1 <= int(groups[1]) <= 31
    )


def _swedish_accounts(view: str) -> Iterator[Span]:
    for m in _SWEDISH_ACCOUNT.finditer(view):
        clearing = m.group("clearing")
        groups = re.split(r"[ \t-]", m.group("account"))
        digits = "".join(groups)
        if not 1100 <= int(clearing) or not 6 <= len(digits) <= 10:
            continue
        if _YEAR.match(clearing) and (_YEAR.match(groups[0]) or _month_day(groups)):
            continue  # a year range or a date: "2019-2023 15", "2024-05-12 18 30"
        if _hhmm(clearing) and _hhmm(groups[0]):
            continue  # a time range: "0800-1600"
        named = _word_before(view, m.start(), _ACCOUNT_WORDS)
        strong = len(clearing) + len(m.group("cd") or "") + len(digits) >= 11 and (
            m.group("sep").strip() != "" or len(groups) > 1 or m.group("cd") is not None
        )
        if named or strong:
            yield m.span()


def _bankgiro(view: str) -> Iterator[Span]:
    for m in _BANKGIRO.finditer(view):
        a, b = m.group("a"), m.group("b")
        if _BG_WORDS.search(view, max(0, m.start() - 20), m.start()):
            yield m.span()
            continue
        if (_YEAR.match(a) and _YEAR.match(b)) or (_hhmm(a) and _hhmm(b)):
            continue
        if luhn_ok(a + b):
            yield m.span()


def _plusgiro(view: str) -> Iterator[Span]:
    for m in _PLUSGIRO.finditer(view):
        number = m.group("n")
        digits = number.replace(" ", "").replace("\t", "") + m.group("c")
        if _PG_WORDS.search(view, max(0, m.start() - 20), m.start()):
            yield m.span()
            continue
        grouped = " " in number or "\t" in number
        if grouped and len(digits) >= 6 and luhn_ok(digits):
            yield m.span()


# A giro number without its dash right after the word "plusgiro"/"bankgiro" ("plusgiro 9020
# 2015", "bg 5050 1055"): five to eight digits, plain or in groups.
_GIRO_NAMED = re.compile(
    r"(?<![0-9\]\-])[0-9]{2,4}(?:[ \t][0-9]{2,4}){0,3}(?![0-9\[]|[\-/.,:][0-9])"
)


def _giro_named(view: str) -> Iterator[Span]:
    for m in _GIRO_NAMED.finditer(view):
        digits = sum(c.isdigit() for c in m.group())
        if not 5 <= digits <= 8:
            continue
        before = max(0, m.start() - 20)
        if _PG_WORDS.search(view, before, m.start()) or _BG_WORDS.search(view, before, m.start()):
            yield m.span()


def _merge(*iters: Iterator[Span]) -> Iterator[Span]:
    spans = sorted(s for it in iters for s in it)
    last = -1
    for a, b in spans:
        if a >= last:
            yield a, b
            last = b


def find_bank_accounts(view: str) -> Iterator[Span]:
    """Swedish bank accounts, bankgiro and plusgiro numbers (see the module docstring)."""
    if not any(c.isdigit() for c in view):
        return iter(())
    swish = (m.span() for m in _SWISH.finditer(view))
    return _merge(
        _swedish_accounts(view), _bankgiro(view), _plusgiro(view), _giro_named(view), swish
    )


# --------------------------------------------------------------------------------------------
# Personal identity numbers of other countries

_HETU = re.compile(
    r"(?<![0-9A-Za-z\]])(?P<date>[0-9]{6})(?P<century>[-+A-FU-Ya-fu-y])(?P<ind>[0-9]{3})"
    r"(?P<check>[0-9A-Ya-y])(?![0-9A-Za-z\[])"
)
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_HETU_CENTURY = {"+": 1800, "-": 1900, "A": 2000}
_HETU_CENTURY.update(dict.fromkeys("UVWXY", 1900))
_HETU_CENTURY.update(dict.fromkeys("BCDEF", 2000))

_DIGIT_BLOCK = re.compile(r"(?<![0-9\]\-+/.,:])[0-9]{10,13}(?![0-9\[]|[\-/.,:][0-9])")

# Identity documents, in every language of the bot: their number follows the word ("pass nr
# AB1234567", "закордонний паспорт FX 482913", "letërnjoftimin … me numër 1176043289").
_DOCUMENT_WORDS = (
    r"pass|passet|passnummer|passnr|id-kort\w*|idkort\w*|legitimation\w*|körkort\w*|"
    r"uppehållstillstånd\w*|uppehållskort\w*|lma-kort\w*|samordningsnummer\w*|"
    r"passports?|id\s+card|identity\s+card|driving\s+licen[cs]e|driver'?s\s+licen[cs]e|"
    r"residence\s+(?:permit|card)|document\s+(?:number|no)|"
    r"passi\w*|henkilökort\w*|ajokort\w*|oleskelulup\w*|"
    r"paszport\w*|dowód\s+osobist\w*|dowod\s+osobist\w*|dowodu\s+osobist\w*|dowodzie|"
    r"prawo\s+jazdy|prawa\s+jazdy|kart[aęy]\s+pobytu|"
    r"paso[šs]\w*|putovnic\w*|li[čc]n\w*\s+kart\w*|osobn\w*\s+iskaznic\w*|"
    r"voza[čc]k\w*|dozvol\w*\s+boravka|"
    r"pasaport\w*|letërnjoftim\w*|leternjoftim\w*|let[eë]rnjoftim\w*|karta\s+e\s+identitetit|"
    r"patent[eë]\w*|leje\s+qëndrimi|leje\s+qendrimi|"
    r"паспорт\w*|посвідк\w*|посвідчен\w*|id-картк\w*|водійськ\w*|"
    r"جواز\w*|جواز\s+السفر|جواز\s+سفر|بطاقة\s+الهوية|بطاقة\s+هوية|هويتي|الهوية|رخصة\s+\w+|"
    r"الإقامة|الاقامة|پاسپورت\w*|گذرنامه\w*|کارت\s+ملی|شناسنامه\w*|گواهینامه\w*|"
    r"کارت\s+اقامت|baasaboor\w*|basaboor\w*|kaarka\s+aqoonsiga|aqoonsi\w*|"
    r"sharciga\s+darawalnimada|ፓስፖር\w*|መንነ\w*"
)
_ID_WORDS = re.compile(
    r"(?<![^\W\d_])(?:pesel\w*|jmbg\w*|emšo|emso|матичн\w*|јмбг|henkilötun\w*|hetu\w*|"
    r"sotu|oib\w*|rnokpp|рнокпп|іпн|ипн|инн|ідентифікаційн\w*|податков\w*|"
    r"kod\s+melli|code\s+melli|کد\s*ملی|كود\s*ملي|شماره\s+ملی|شمارهٔ\s+ملی|"
    r"الرقم\s+الوطني|رقم\s+وطني|رقم\s+الهوية|fødselsnummer|personnummer\w*|"
    r"personal\s+(?:id|number|code)|national\s+(?:id|insurance|number)|id\s*(?:number|no|nr)|"
    r"id-nummer\w*|identitetsnummer|numri\s+personal|lični\s+broj|osobni\s+broj|"
    r"numer\s+(?:pesel|identyfikacyjny)|lambarka\s+aqoonsiga|ቁጽሪ\s+መንነት)(?![^\W\d_])",
    re.IGNORECASE,
)


def _valid_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def hetu_check(date: str, individual: str) -> str:
    """The check character of a Finnish henkilötunnus."""
    return _HETU_CHECK[int(date + individual) % 31]


def _find_hetu(view: str) -> Iterator[Span]:
    for m in _HETU.finditer(view):
        date = m.group("date")
        century = _HETU_CENTURY[m.group("century").upper()]
        year = century + int(date[4:6])
        if not _valid_date(year, int(date[2:4]), int(date[0:2])):
            continue
        if m.group("ind") in ("000", "001"):
            continue
        yield m.span()


def pesel_ok(d: str) -> bool:
    """Polish PESEL: 11 digits, a valid date (century in the month) and the check digit."""
    if len(d) != 11:
        return False
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    if (10 - sum(int(c) * w for c, w in zip(d, weights, strict=False)) % 10) % 10 != int(d[10]):
        return False
    month = int(d[2:4])
    century = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 1800}[month // 20]
    return _valid_date(century + int(d[0:2]), month % 20, int(d[4:6]))


def jmbg_ok(d: str) -> bool:
    """Ex-Yugoslav JMBG: 13 digits, day and month valid, mod-11 check digit."""
    if len(d) != 13:
        return False
    day, month, yyy = int(d[0:2]), int(d[2:4]), int(d[4:7])
    year = 1000 + yyy if yyy >= 800 else 2000 + yyy
    if not _valid_date(year, month, day):
        return False
    n = [int(c) for c in d]
    s = sum((7 - i) * (n[i] + n[i + 6]) for i in range(6))
    check = 11 - s % 11
    return (0 if check > 9 else check) == n[12]


def oib_ok(d: str) -> bool:
    """Croatian OIB: 11 digits, ISO 7064 MOD 11,10 check digit."""
    if len(d) != 11:
        return False
    acc = 10
    for c in d[:10]:
        acc = (acc + int(c)) % 10 or 10
        acc = (acc * 2) % 11
    return (11 - acc) % 10 == int(d[10])


def rnokpp_ok(d: str) -> bool:
    """Ukrainian RNOKPP (ІПН): 10 digits, weighted mod-11 check digit, not starting with 0."""
    if len(d) != 10 or d[0] == "0":
        return False
    weights = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
    return sum(int(c) * w for c, w in zip(d, weights, strict=False)) % 11 % 10 == int(d[9])


def iran_code_ok(d: str) -> bool:
    """Iranian national code (kod-e melli): 10 digits, mod-11 check digit."""
    if len(d) != 10 or len(set(d)) == 1:
        return False
    r = sum(int(d[i]) * (10 - i) for i in range(9)) % 11
    c = int(d[9])
    return c == r if r < 2 else c == 11 - r


def norwegian_ok(d: str) -> bool:
    """Norwegian fødselsnummer: 11 digits, a valid date (D-number: day + 40), two checks."""
    if len(d) != 11:
        return False
    n = [int(c) for c in d]
    k1 = 11 - sum(w * x for w, x in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), n, strict=False)) % 11
    k2 = 11 - sum(w * x for w, x in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), n, strict=False)) % 11
    k1, k2 = (0 if k1 == 11 else k1), (0 if k2 == 11 else k2)
    if k1 != n[9] or k2 != n[10]:
        return False
    day = int(d[0:2])
    day = day - 40 if day > 40 else day
    return _valid_date(2000, int(d[2:4]), day)


def _id_block_ok(d: str, named: bool) -> bool:
    if len(d) == 13:
        return jmbg_ok(d) or named
    if len(d) == 11:
        return pesel_ok(d) or oib_ok(d) or norwegian_ok(d) or named
    if len(d) == 10:
        if d[0] == "0":
            return named
        return rnokpp_ok(d) or iran_code_ok(d) or named
    return False


# The word naming an ID number may stand further back ("they asked for my JMBG … I told them
# 0304…"): a chat message is short.
_ID_CONTEXT_CHARS = 100

# Albanian personal number: a letter for the decade, a digit of the year, the month (+50 for
# a woman), the day, three digits and a check letter ("I95203041L").
_ALBANIAN_ID = re.compile(
    r"(?<![0-9A-Za-z\]])[A-Z][0-9](?:0[1-9]|1[0-2]|5[1-9]|6[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[A-Z](?![0-9A-Za-z\[])"
)

# The number of an identity document right after a word naming it (within 40 characters):
# one to three capital letters, Latin or Cyrillic, and six to nine digits ("FX 482913",
# "ABC123456", "НЕ 123456"),
# or seven to ten digits not starting with 0 (that is a phone number), with at most one
# letter after them.
_DOCUMENT_NUMBER = re.compile(
    r"(?<![0-9A-Za-zА-Яа-яІЇЄҐіїєґ\]\-+/.,:])"
    r"(?:[A-ZА-ЯІЇЄҐ]{1,3}[ \t\-]?[0-9]{6,9}|[1-9][0-9]{6,9})[A-Z]?"
    r"(?![0-9A-Za-z\[]|[\-/.,:][0-9])"
)
_DOCUMENT_CONTEXT_CHARS = 40
_DOCUMENT_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:" + _DOCUMENT_WORDS + r")(?![^\W\d_])", re.IGNORECASE
)


_MONEY_AFTER = re.compile(
    r"[ \t]*(?:kr|kronor|sek|zł|zl|złotych|zlotych|euro|euroa|eur|€|\$|usd|dollars?|pund|"
    r"pounds?|грн|гривень|гривні|руб\w*|кр|kn|kuna|km|lek|lekë|leke|shilin\w*|birr|nakfa|"
    r"كرون\w*|دولار|يورو|ليرة|دينار|کرون|تومان|ریال|دلار|یورو)(?![^\W\d_])",
    re.IGNORECASE,
)


def id_word_before(view: str, start: int) -> bool:
    """Whether a word naming an identity number or document stands shortly before ``start``
    (then a block of digits there is that number, not a card number)."""
    return _word_before(view, start, _ID_WORDS, _DOCUMENT_CONTEXT_CHARS) or _word_before(
        view, start, _DOCUMENT_BEFORE, _DOCUMENT_CONTEXT_CHARS
    )


_NINO = re.compile(
    r"(?<![0-9A-Za-z\]])(?P<prefix>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])[ \t]?"
    r"[0-9]{2}[ \t]?[0-9]{2}[ \t]?[0-9]{2}[ \t]?[A-D](?![0-9A-Za-z\[])"
)
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def find_foreign_ids(view: str) -> Iterator[Span]:
    """Personal identity numbers of other countries (see the module docstring)."""
    if _ANY_DIGIT.search(view) is None:
        return iter(())
    spans: list[Span] = list(_find_hetu(view))
    for m in _DIGIT_BLOCK.finditer(view):
        named = _word_before(view, m.start(), _ID_WORDS, _ID_CONTEXT_CHARS)
        if _id_block_ok(m.group(), named):
            spans.append(m.span())
    for m in _ALBANIAN_ID.finditer(view):
        spans.append(m.span())
    for m in _DOCUMENT_NUMBER.finditer(view):
        if _MONEY_AFTER.match(view, m.end()):
            continue  # "paszport … 2000000 złotych" is a price
        if _word_before(view, m.start(), _DOCUMENT_BEFORE, _DOCUMENT_CONTEXT_CHARS):
            spans.append(m.span())
    for m in _NINO.finditer(view):
        if m.group("prefix") not in _NINO_BAD_PREFIXES:
            spans.append(m.span())
    return _merge(iter(spans))
