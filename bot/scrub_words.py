"""Finders of the scrubber (``bot/scrub.py``) for personal data spelled out in words.

* :func:`find_spelled_numbers` (label ``[telefonnummer]``): a run of at least seven digits of
  which at least three are written as words, "noll sju noll ett två tre fyra fem sex sju",
  "zero seven zero, one two three…", "noll sju tre - fyrtiofem sextiosju", mixed with digit
  groups ("070 ett två tre fyra fem sex"), "double seven", "plus fyrtiosex…". Digit words in
  all the bot's languages; Swedish and English also have the numbers 10-99 ("sjuttiotre",
  "forty-five", "forty five"). The words other than Swedish and English need review by a
  native speaker. Fewer than seven digits ("två tre fyra personer") are never touched.
* :func:`find_spelled_email` (label ``[e-post]``): an address with "at" or "dot" spelled out
  in a word, "anna punkt svensson snabel-a gmail punkt com", "john dot smith at gmail dot com",
  "lisa.k (at) hotmail (dot) se", "kalle at gmail.com", with a known top-level domain. With a
  bare "at" a dot must be spelled out or written without spaces, so "we met at the shop. Com…"
  stays.

Both work on the scrubber's matching view, are pure and linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType

__all__ = ["find_spelled_email", "find_spelled_numbers", "spelled_digits"]

Span = tuple[int, int]

# ---------------------------------------------------------------------------------------------
# Numbers in words


def _digit_words(table: Mapping[str, str]) -> dict[str, str]:
    """Per language the words for 0-9 in order (alternatives joined by "/")."""
    out: dict[str, str] = {}
    for words in table.values():
        for digit, alternatives in enumerate(words.split()):
            for w in alternatives.split("/"):
                out[w.casefold()] = str(digit)
    return out


_UNITS: Mapping[str, str] = MappingProxyType(
    _digit_words(
        {
            "sv": "noll/nolla ett/en/etta två/tvåa tre/trea fyra/fyran fem/femma sex/sexa "
            "sju/sjua åtta/åttan nio/nia/nie",
            "en": "zero/oh one two three four five six seven eight nine",
            "fi": "nolla yksi/yks kaksi/kaks kolme/kol neljä/nel viisi/viis kuusi/kuus "
            "seitsemän/seitseman/seittemän/seiska kahdeksan/kasi yhdeksän/yhdeksan/ysi",
            "pl": "zero jeden/jedna dwa/dwie trzy cztery pięć/piec sześć/szesc siedem osiem "
            "dziewięć/dziewiec",
            "hr": "nula/нула jedan/jedna/један dva/dvije/два tri/три četiri/cetiri/четири "
            "pet/пет šest/sest/шест sedam/седам osam/осам devet/девет",
            "sq": "zero një/nje dy tre katër/kater pesë/pese gjashtë/gjashte shtatë/shtate "
            "tetë/tete nëntë/nente",
            "uk": "нуль один/одна два/дві три чотири п'ять/п’ять/пять шість сім вісім "
            "дев'ять/дев’ять",
            "ar": "صفر واحد اثنين/اثنان/إثنين ثلاثة/ثلاثه/ثلاث أربعة/اربعة/اربعه/أربع/اربع "
            "خمسة/خمسه/خمس ستة/سته/ست سبعة/سبعه/سبع ثمانية/ثمانيه/ثماني/ثمان تسعة/تسعه/تسع",
            "fa": "صفر یک/يك دو سه چهار پنج شش/شیش هفت هشت نه",
            "so": "eber kow laba saddex afar shan lix toddobo/toddoba siddeed sagaal",
            "ti": "ዜሮ ሓደ ክልተ ሰለስተ ኣርባዕተ ሓሙሽተ ሽዱሽተ ሸውዓተ ሸሞንተ ትሽዓተ",
        }
    )
)
_TEENS: Mapping[str, str] = MappingProxyType(
    {
        "tio": "10", "elva": "11", "tolv": "12", "tretton": "13", "fjorton": "14",
        "femton": "15", "sexton": "16", "sjutton": "17", "arton": "18", "aderton": "18",
        "nitton": "19", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
        "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
        "eighteen": "18", "nineteen": "19",
    }
)  # fmt: skip
_TENS: Mapping[str, str] = MappingProxyType(
    {
        "tjugo": "2", "tjugi": "2", "trettio": "3", "tretti": "3", "fyrtio": "4",
        "fyrti": "4", "femtio": "5", "femti": "5", "sextio": "6", "sexti": "6",
        "sjuttio": "7", "sjutti": "7", "åttio": "8", "åtti": "8", "nittio": "9",
        "nitti": "9", "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4",
        "fifty": "5", "sixty": "6", "seventy": "7", "eighty": "8", "ninety": "9",
    }
)  # fmt: skip
_SV_EN_UNITS = frozenset(
    "ett en två tre fyra fem sex sju åtta nio one two three four five six seven eight nine".split()
)
_COMPOUND = re.compile(
    "("
    + "|".join(sorted(_TENS, key=len, reverse=True))
    + ")-?("
    + "|".join(sorted(_SV_EN_UNITS, key=len, reverse=True))
    + ")"
)
_LETTER_RUN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ALL_WORDS = frozenset(_UNITS) | frozenset(_TEENS) | frozenset(_TENS)
_TENS_ANYWHERE = re.compile("(?i)" + "|".join(sorted(_TENS, key=len, reverse=True)))
_REPEAT = MappingProxyType({"double": 2, "dubbel": 2, "dubbla": 2, "triple": 3, "trippel": 3})
_PLUS = frozenset({"plus", "+"})

_NUM_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|[0-9]+|\+")
# What may stand between two tokens of one number: spaces, commas, dashes, dots, slashes.
_NUM_GAP = re.compile(r"[ \t,.\-/]{1,3}$")
_MIN_DIGITS = 7
_MIN_WORDS = 3


def _word_value(word: str) -> tuple[str, bool] | None:
    """(digits, is_tens) for one number word, or None."""
    if word in _UNITS:
        return _UNITS[word], False
    if word in _TEENS:
        return _TEENS[word], False
    if word in _TENS:
        return _TENS[word] + "0", True
    m = _COMPOUND.fullmatch(word)  # "forty-five", "fyrtiofem"
    if m:
        return _TENS[m.group(1)] + _UNITS[m.group(2)], False
    return None


def spelled_digits(text: str) -> str:
    """The digits a run of number words stands for ("noll sju" -> "07"); for tests."""
    found = list(_runs(text))
    return found[0][2] if found else ""


def _runs(view: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, digits) of each run of number tokens with enough digits and words."""
    letters = _LETTER_RUN.findall(view.casefold())
    if _ALL_WORDS.isdisjoint(letters) and _TENS_ANYWHERE.search(view) is None:
        return  # no number word at all (the common case)
    tokens = list(_NUM_TOKEN.finditer(view))
    i = 0
    while i < len(tokens):
        start = tokens[i].start()
        digits: list[str] = []
        words = 0
        end = start
        j = i
        repeat = 1
        pending_tens = False
        while j < len(tokens):
            tok = tokens[j]
            if j > i and not _NUM_GAP.match(view, tokens[j - 1].end(), tok.start()):
                break
            raw = tok.group()
            low = raw.casefold()
            if raw.isdigit():
                digits.append(raw)
                pending_tens = False
            elif low in _PLUS and j == i:
                pass
            elif low in _REPEAT:
                repeat = _REPEAT[low]
                j += 1
                end = tok.end()
                continue
            else:
                value = _word_value(low)
                if value is None:
                    break
                d, is_tens = value
                if pending_tens and len(d) == 1 and low in _SV_EN_UNITS:
                    digits[-1] = digits[-1][0] + d  # "forty five" -> 45
                    pending_tens = False
                else:
                    digits.append(d * repeat)
                    pending_tens = is_tens
                words += 1
            repeat = 1
            end = tok.end()
            j += 1
        number = "".join(digits)
        if words >= _MIN_WORDS and len(number) >= _MIN_DIGITS:
            yield start, end, number
        # a shorter run inside this one has fewer digits and words: go on after it
        i = max(j, i + 1)


def find_spelled_numbers(view: str) -> Iterator[Span]:
    """Runs of digits written as words (see the module docstring)."""
    for start, end, _ in _runs(view):
        yield start, end


# ---------------------------------------------------------------------------------------------
# E-mail addresses spelled out

_DOT_WORDS = (
    r"dot|punkt|pkt|prick|piste|kropka|točka|tocka|tačka|tacka|pikë|pike|pika|крапка|"
    r"точка|نقطة|نقطه|dhibic|ነጥቢ"
)
_AT_WORDS = (
    r"at|snabel-?a|snabel\s+a|arroba|ät|kissanhäntä|miukumauku|małpa|malpa|majmun\w*|"
    r"ludo\s+a|et|собака|равлик|آت|اَت|ات"
)
_BRACKETED = r"\s*[\[({<]\s*(?:WORDS)\s*[\])}>]\s*"
_TLD = (
    r"(?:se|nu|com|net|org|eu|info|biz|io|co|app|dev|online|me|tv|dk|no|fi|de|uk|ba|hr|rs|al|"
    r"pl|ua|ir|af|so|er|ru|fr|es|nl|ch|gov|edu)"
)
# Words without "_" or "." (those are the separators) and with single inner hyphens: each
# address splits into words one way only, so a long "x_x_x_…" cannot make the pattern
# backtrack through every split.
_LOCAL_WORD = r"[^\W_]+(?:-[^\W_]+)*"
_LOCAL_SEP = r"(?:[._]|\s+(?:" + _DOT_WORDS + r"|underscore|understreck)\s+)"
_HOST_WORD = r"[^\W_]+(?:[-_][^\W_]+)*"
_SPELLED_AT = (
    r"(?:\s+(?:" + _AT_WORDS + r")\s+|" + _BRACKETED.replace("WORDS", _AT_WORDS) + r"|\s*@\s*)"
)
_SPELLED_DOT = (
    r"(?:\s+(?:" + _DOT_WORDS + r")\s+|" + _BRACKETED.replace("WORDS", _DOT_WORDS) + r"|\s*\.\s*)"
)
_SPELLED_EMAIL = re.compile(
    r"(?<![\w.@\-\]])(?P<local>"
    + _LOCAL_WORD
    + r"(?:"
    + _LOCAL_SEP
    + _LOCAL_WORD
    + r"){0,4})(?P<at>"
    + _SPELLED_AT
    + r")(?P<domain>"
    + _HOST_WORD
    + r"(?:"
    + _SPELLED_DOT
    + _HOST_WORD
    + r"){0,3}?"
    + _SPELLED_DOT
    + _TLD
    + r")(?![\w\-\[])",
    re.IGNORECASE,
)
_SPELLED_WORD = re.compile(
    r"(?i)(?<![^\W\d_])(?:" + _DOT_WORDS + "|" + _AT_WORDS + r"|understreck|underscore)(?![^\W\d_])"
)
_SPACED_PLAIN_DOT = re.compile(r"\s\.|\.\s")


def find_spelled_email(view: str) -> Iterator[Span]:
    """E-mail addresses with "at" or "dot" spelled out (see the module docstring)."""
    for m in _SPELLED_EMAIL.finditer(view):
        at = m.group("at").strip().casefold()
        spelled = _SPELLED_WORD.search(m.group()) is not None
        if not spelled:
            continue  # a plain address: the e-mail pass before this one decides
        if at in ("at", "et") and (
            _SPACED_PLAIN_DOT.search(m.group("domain"))
            or _SPACED_PLAIN_DOT.search(m.group("local"))
        ):
            continue  # "we met at the shop. Com…"
        yield m.span()
