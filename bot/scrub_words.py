"""Finders of the scrubber (``bot/scrub.py``) for personal data spelled out in words.

* :func:`find_spelled_numbers` (label ``[telefonnummer]``): a run of at least seven digits of
  which at least three are written as words, "noll sju noll ett två tre fyra fem sex sju",
  "zero seven zero, one two three…", "noll sju tre - fyrtiofem sextiosju", mixed with digit
  groups ("070 ett två tre fyra fem sex"), "double seven", "plus fyrtiosex…". Digit words in
  all the bot's languages, and the numbers a number is read in groups with, tens and
  hundreds, in all of them too ("صفر هفتاد و دو، چهارصد و پنجاه", "sześćset jeden dwa…",
  "labaatan iyo shan", "خمسة وعشرين", "kaksikymmentäkolme", "two hundred and fifty"): a ten
  or a digit adds to the hundred before it, a digit to the ten before it, a ten after "and"
  to the digit before it; a comma ends a group. The words other than Swedish and English
  need review by a native speaker. Fewer than seven digits ("två tre fyra personer",
  "بیست و پنج نفر") are never touched.
* :func:`find_spelled_email` (label ``[e-post]``): an address with "at" or "dot" spelled out
  in a word, "anna punkt svensson snabel-a gmail punkt com", "john dot smith at gmail dot com",
  "lisa.k (at) hotmail (dot) se", "kalle at gmail.com", with a known top-level domain. With a
  bare "at" a dot must be spelled out or written without spaces, so "we met at the shop. Com…"
  stays.

Both work on the scrubber's matching view, are pure and linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TypeVar

__all__ = ["find_spelled_email", "find_spelled_numbers", "spelled_digits"]

Span = tuple[int, int]
V = TypeVar("V")

# ---------------------------------------------------------------------------------------------
# Numbers in words


def _by_word(pairs: Iterable[tuple[V, str]]) -> dict[str, V]:
    """(value, "word/word …") pairs -> {casefolded word: value}."""
    return {w.casefold(): value for value, alternatives in pairs for w in alternatives.split("/")}


def _digit_words(table: Mapping[str, str]) -> dict[str, str]:
    """Per language the words for 0-9 in order (alternatives joined by "/")."""
    return _by_word(
        (str(digit), alternatives)
        for words in table.values()
        for digit, alternatives in enumerate(words.split())
    )


_UNITS: Mapping[str, str] = MappingProxyType(
    _digit_words(
        {
            "sv": "noll/nolla ett/en/etta två/tvåa tre/trea fyra/fyran fem/femma sex/sexa "
            "sju/sjua åtta/åttan nio/nia/nie",
            "en": "zero/oh one two three four five six seven eight nine",
            "fi": "nolla yksi/yks kaksi/kaks kolme/kol neljä/nelja/nel viisi/viis kuusi/kuus "
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
            "so": "eber/sifir/sifar kow/hal laba saddex afar shan lix toddobo/toddoba "
            "siddeed sagaal",
            "ti": "ዜሮ/ባዶ ሓደ ክልተ ሰለስተ ኣርባዕተ ሓሙሽተ ሽዱሽተ ሸውዓተ ሸሞንተ ትሽዓተ",
            # spoken Arabic (Levantine, Iraqi, Egyptian) and Russian, which many of the
            # bot's Ukrainian speakers write
            "ar-spoken": "سفر/زيرو واحد/وحدة اتنين/إتنين/تنين تلاتة/تلاته/تلات اربعة/اربع "
            "خمسة/خمسه ستة/سته سبعة/سبعه تمانية/تمانيه/تمنية/تمن تسعة/تسعه",
            "ru": "ноль один два три четыре пять шесть семь восемь девять",
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


def _valued(table: Mapping[str, str]) -> dict[str, int]:
    """Per language "value:word/word …" -> {word: value}."""
    return _by_word(
        (int(value), words)
        for entries in table.values()
        for value, words in (entry.split(":") for entry in entries.split())
    )


# Teens, tens and hundreds of every language (a phone number read in groups: "صفر هفتاد و
# دو، چهارصد و پنجاه", "sześćset jeden dwa trzy"); Swedish and English tens are in _TENS.
# Finnish compounds ("kaksikymmentäkolme") are read by _FI_COMPOUND.
_BIG: Mapping[str, int] = MappingProxyType(
    _valued(
        {
            "sv": "100:hundra/etthundra 200:tvåhundra 300:trehundra 400:fyrahundra "
            "500:femhundra 600:sexhundra 700:sjuhundra 800:åttahundra 900:niohundra",
            "en": "100:hundred",
            "pl": "10:dziesięć/dziesiec 11:jedenaście/jedenascie 12:dwanaście/dwanascie "
            "13:trzynaście/trzynascie 14:czternaście/czternascie 15:piętnaście/pietnascie "
            "16:szesnaście/szesnascie 17:siedemnaście/siedemnascie 18:osiemnaście/osiemnascie "
            "19:dziewiętnaście/dziewietnascie 20:dwadzieścia/dwadziescia "
            "30:trzydzieści/trzydziesci 40:czterdzieści/czterdziesci 50:pięćdziesiąt/"
            "piecdziesiat 60:sześćdziesiąt/szescdziesiat 70:siedemdziesiąt/siedemdziesiat "
            "80:osiemdziesiąt/osiemdziesiat 90:dziewięćdziesiąt/dziewiecdziesiat 100:sto "
            "200:dwieście/dwiescie 300:trzysta 400:czterysta 500:pięćset/piecset "
            "600:sześćset/szescset 700:siedemset 800:osiemset 900:dziewięćset/dziewiecset",
            "hr": "10:deset 11:jedanaest 12:dvanaest 13:trinaest 14:četrnaest/cetrnaest "
            "15:petnaest 16:šesnaest/sesnaest 17:sedamnaest 18:osamnaest 19:devetnaest "
            "20:dvadeset 30:trideset 40:četrdeset/cetrdeset 50:pedeset 60:šezdeset/sezdeset "
            "70:sedamdeset 80:osamdeset 90:devedeset 100:sto 200:dvjesto/dvesta/dvjesta "
            "300:tristo/trista 400:četiristo/cetiristo 500:petsto 600:šesto/sesto "
            "700:sedamsto 800:osamsto 900:devetsto",
            "sq": "10:dhjetë/dhjete 20:njëzet/njezet 30:tridhjetë/tridhjete 40:dyzet "
            "50:pesëdhjetë/pesedhjete 60:gjashtëdhjetë/gjashtedhjete "
            "70:shtatëdhjetë/shtatedhjete 80:tetëdhjetë/tetedhjete 90:nëntëdhjetë/nentedhjete "
            "100:njëqind/njeqind/qind 200:dyqind 300:treqind 400:katërqind/katerqind "
            "500:pesëqind/peseqind 600:gjashtëqind/gjashteqind 700:shtatëqind/shtateqind "
            "800:tetëqind/teteqind 900:nëntëqind/nenteqind",
            "uk": "10:десять 11:одинадцять 12:дванадцять 13:тринадцять 14:чотирнадцять "
            "15:п'ятнадцять/п’ятнадцять 16:шістнадцять 17:сімнадцять 18:вісімнадцять "
            "19:дев'ятнадцять/дев’ятнадцять 20:двадцять 30:тридцять 40:сорок "
            "50:п'ятдесят/п’ятдесят 60:шістдесят 70:сімдесят 80:вісімдесят "
            "90:дев'яносто/дев’яносто 100:сто 200:двісті 300:триста 400:чотириста "
            "500:п'ятсот/п’ятсот 600:шістсот 700:сімсот 800:вісімсот 900:дев'ятсот/дев’ятсот",
            "ar": "10:عشرة/عشره/عشر 11:احدعش/حداش/إحدى 12:اطنعش/اتناش 20:عشرين/عشرون "
            "30:ثلاثين/ثلاثون/تلاتين 40:أربعين/اربعين/أربعون 50:خمسين/خمسون 60:ستين/ستون "
            "70:سبعين/سبعون 80:ثمانين/ثمانون/تمانين 90:تسعين/تسعون "
            "100:مية/مئة/مائة/ميه 200:ميتين/مئتين/مائتين/مئتان "
            "300:ثلاثمية/ثلاثمائة/ثلاثمئة/تلاتمية 400:أربعمية/اربعمية/أربعمائة/اربعمائة "
            "500:خمسمية/خمسمائة/خمسمئة 600:ستمية/ستمائة/ستمئة 700:سبعمية/سبعمائة/سبعمئة "
            "800:ثمانمية/ثمانمائة/ثمنمية/تمنمية 900:تسعمية/تسعمائة/تسعمئة",
            "fa": "10:ده 11:یازده 12:دوازده 13:سیزده 14:چهارده 15:پانزده/پونزده 16:شانزده "
            "17:هفده/هیفده 18:هجده/هیجده/هیجده 19:نوزده 20:بیست 30:سی 40:چهل 50:پنجاه 60:شصت "
            "70:هفتاد 80:هشتاد 90:نود 100:صد/یکصد 200:دویست 300:سیصد 400:چهارصد "
            "500:پانصد/پونصد 600:ششصد/شیشصد 700:هفتصد 800:هشتصد 900:نهصد",
            "ru": "10:десять 11:одиннадцать 12:двенадцать 13:тринадцать 14:четырнадцать "
            "15:пятнадцать 16:шестнадцать 17:семнадцать 18:восемнадцать 19:девятнадцать "
            "20:двадцать 30:тридцать 40:сорок 50:пятьдесят 60:шестьдесят 70:семьдесят "
            "80:восемьдесят 90:девяносто 100:сто 200:двести 300:триста 400:четыреста "
            "500:пятьсот 600:шестьсот 700:семьсот 800:восемьсот 900:девятьсот",
            "so": "10:toban 20:labaatan 30:soddon 40:afartan 50:konton 60:lixdan "
            "70:toddobaatan 80:siddeetan 90:sagaashan 100:boqol",
            "ti": "10:ዓሰርተ 20:ዕስራ 30:ሰላሳ 40:ኣርብዓ 50:ሓምሳ 60:ስሳ 70:ሰብዓ 80:ሰማንያ 90:ተስዓ 100:ሚእቲ",
        }
    )
)
# "and" inside a number ("هفتاد و دو", "labaatan iyo shan", "njëzet e pesë", "one hundred and
# five"); Arabic and Persian also write it on the next word ("وخمسين").
_AND = frozenset("و and och ja i e iyo".split())
# Words that multiply the number before them ("two hundred", "laba boqol", "ሰለስተ ሚእቲ").
_HUNDRED = frozenset("hundred hundra boqol ሚእቲ sataa sata".split())
_FI_UNITS = (
    "yksi|kaksi|kolme|neljä|nelja|viisi|kuusi|seitsemän|seitseman|kahdeksan|yhdeksän|yhdeksan"
)
_FI_COMPOUND = re.compile(
    rf"(?:(?P<h>{_FI_UNITS})?(?P<sata>sataa|sata))?"
    rf"(?:(?P<t>{_FI_UNITS})kymmentä|(?P<ten>kymmenen))?"
    rf"(?:(?P<teen>{_FI_UNITS})toista|(?P<u>{_FI_UNITS}))?"
)
_FI_VALUE = {w: _UNITS[w] for w in _FI_UNITS.split("|")}

_COMPOUND = re.compile(
    "("
    + "|".join(sorted(_TENS, key=len, reverse=True))
    + ")-?("
    + "|".join(sorted(_SV_EN_UNITS, key=len, reverse=True))
    + ")"
)
_LETTER_RUN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ALL_WORDS = frozenset(_UNITS) | frozenset(_TEENS) | frozenset(_TENS) | frozenset(_BIG) | _HUNDRED
_TENS_ANYWHERE = re.compile(
    "(?i)" + "|".join(sorted(_TENS, key=len, reverse=True)) + "|kymmen|sataa"
)
_REPEAT = MappingProxyType({"double": 2, "dubbel": 2, "dubbla": 2, "triple": 3, "trippel": 3})
_PLUS = frozenset({"plus", "+"})

_NUM_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|[0-9]+|\+")
# What may stand between two tokens of one number: spaces, commas (also the Arabic one),
# dashes, dots, slashes.
_NUM_GAP = re.compile(r"[ \t,،.\-/]{1,3}$")
_GROUP_END = re.compile(r"[,،.]")
_MIN_DIGITS = 7
_MIN_WORDS = 3

# Kinds of number words: a digit, a finished number below 100 ("fyrtiofem", "eleven"), a
# ten ("forty", which a digit may follow), a hundred ("چهارصد", which a ten or a digit may
# follow), and a word that multiplies ("hundred").
_UNIT, _DONE, _TEN, _HUNDREDS, _TIMES, _HUNDRED_UNIT = range(6)


def _word_value(word: str) -> tuple[int, int] | None:
    """(value, kind) for one number word, or None."""
    if word in _UNITS:
        return int(_UNITS[word]), _UNIT
    if word in _TEENS:
        return int(_TEENS[word]), _DONE
    if word in _TENS:
        return int(_TENS[word]) * 10, _TEN
    if word in _HUNDRED:
        return 100, _TIMES
    if word in _BIG:
        v = _BIG[word]
        return v, _HUNDREDS if v >= 100 else _TEN if v >= 20 and v % 10 == 0 else _DONE
    m = _COMPOUND.fullmatch(word)  # "forty-five", "fyrtiofem"
    if m:
        return int(_TENS[m.group(1)] + _UNITS[m.group(2)]), _DONE
    if len(word) > 5 and ("kymmen" in word or "toista" in word or "sata" in word):
        return _finnish(word)
    return None


def _finnish(word: str) -> tuple[int, int] | None:
    """A Finnish compound number ("kaksikymmentäkolme", "neljäsataa", "yksitoista")."""
    m = _FI_COMPOUND.fullmatch(word)
    if m is None or not m.group():
        return None
    value = 0
    if m.group("sata"):
        value += 100 * (int(_FI_VALUE[m.group("h")]) if m.group("h") else 1)
    if m.group("t"):
        value += 10 * int(_FI_VALUE[m.group("t")])
    elif m.group("ten"):
        value += 10
    if m.group("teen"):
        value += 10 + int(_FI_VALUE[m.group("teen")])
    elif m.group("u"):
        value += int(_FI_VALUE[m.group("u")])
    if value >= 100 and value % 100 == 0:
        return value, _HUNDREDS
    return value, _TEN if value % 10 == 0 and value >= 20 else _DONE


def _extends(group: int, kind: int, value: int, new: int, joined: bool) -> bool:
    """Whether a number word adds to the open group: a ten or a digit after a hundred
    ("چهارصد و پنجاه", "sześćset jeden"), a digit after a ten ("forty five"), a ten after a
    digit and "and" ("خمسة وعشرين", "shan iyo labaatan")."""
    if kind == _HUNDREDS:
        return 0 < value < 100 and new != _TIMES
    if kind == _TEN:
        return new == _UNIT and 0 < value < 10
    if kind == _UNIT:
        return joined and new == _TEN and group > 0
    if kind == _HUNDRED_UNIT:  # "ستمية وسبعة وتمانين", 687
        return joined and new == _TEN
    return False


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
        group: int | None = None  # the number being read ("هفتاد و" -> 70)
        kind = _DONE
        words = 0
        end = start
        j = i
        repeat = 1
        joined = False
        while j < len(tokens):
            tok = tokens[j]
            if j > i and not _NUM_GAP.match(view, tokens[j - 1].end(), tok.start()):
                break
            if group is not None and _GROUP_END.search(view, tokens[j - 1].end(), tok.start()):
                digits.append(str(group))  # "سی و یک، بیست و هشت": a comma ends a group
                group = None
            raw = tok.group()
            low = raw.casefold()
            if raw.isdigit():
                if group is not None:
                    digits.append(str(group))
                    group = None
                digits.append(raw)
            elif low in _PLUS and j == i:
                pass
            elif low in _REPEAT:
                repeat = _REPEAT[low]
                j += 1
                end = tok.end()
                continue
            elif low in _AND and group is not None and not joined:
                joined = True
                j += 1
                continue
            else:
                value = _word_value(low)
                if value is None and low[:1] == "و" and group is not None:
                    value = _word_value(low[1:])  # "وخمسين"
                    joined = value is not None
                if value is None and low[-1:] == "ን" and len(low) > 2:
                    value = _word_value(low[:-1])  # Tigrinya "and" after a number: "ሰብዓን ሓደን"
                if value is None:
                    break
                v, new = value
                if new == _TIMES and group is not None and kind == _UNIT and 0 < group < 10:
                    group, kind = group * 100, _HUNDREDS  # "two hundred"
                elif group is not None and repeat == 1 and _extends(group, kind, v, new, joined):
                    group += v
                    if kind == _HUNDREDS and new == _UNIT:
                        kind = _HUNDRED_UNIT
                    else:
                        kind = _DONE if kind == _UNIT else (new if new == _TEN else _DONE)
                        if kind == _TEN and v < 20:
                            kind = _DONE
                else:
                    if joined:
                        break  # "jedan i dva": "and" only inside one number
                    if group is not None:
                        digits.append(str(group))
                    if repeat > 1:
                        digits.append(str(v) * repeat)
                        group = None
                    else:
                        group, kind = v, new
                    if group == 0:
                        digits.append("0")
                        group = None
                words += 1
            joined = False
            repeat = 1
            end = tok.end()
            j += 1
        if group is not None:
            digits.append(str(group))
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
