"""What a name looks like, for the scrubber's name rules (`bot.scrub.names`): surname
endings, case endings of the inflecting languages, name prefixes and the words around names
(titles' gaps, "bin", a kunya), and where a name is nobody's (a story character, a statue).
Constants and pure functions; no lists of names."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Mapping

from ..names import GAP, Tok, fold

# Surname endings that are (almost) never an ordinary capitalised word: Swedish -sson,
# Bosnian/Croatian/Serbian -ović/-ević, Polish -wski/-wska/-czyk/-wicz, Ukrainian -enko/-chuk,
# Persian -zadeh/-pour/-nejad.
SURNAME_ENDING = re.compile(
    r"(?:sson|[oe]vi[cć]|[oe]вић|[wc]ska|[wc]ski|czyk|wicz|enko|енко|chuk|чук|zadeh|zade"
    r"|pour|nejad|зяде)(?::?s)?$"
)
# Endings that mark a surname only after a capitalised word ("Aino Virtanen", "Ivan Petrov",
# "Mark Gjonaj", "Olena Kovalchuk", "Ali Rezaei"): Finnish -nen/-la/-lä, Russian and
# Ukrainian -ov/-ova/-ev/-eva/-in/-ina/-sky/-ska/-uk/-yuk/-ovych, Albanian -aj/-aku/-iu,
# Polish -ak/-ek/-ik, Persian -i after a vowel or -ian.
WEAK_SURNAME_ENDING = re.compile(
    r"(?:[aeiouyäö]nen|[oe]va?|[oe]ff|sk[iy]j?|ska|[iy]uk|chuk|ovych|evych|ivna|ovna"
    r"|[^aeiou]aj|aku|iu|[^aeiou]ak|czak|[^aeiou]ik|aei|ei|ian|yan|ов|ова|ев|ева|ін|іна|ин|ина"
    r"|ськ(?:ий|а)|цьк(?:ий|а)|[юу]к|ович|івна|овна|ович)(?::?s)?$"
)


# A compound noun with a name or brand in front: a lower-case part after the hyphen
# ("Facebook-ryhmässä", "Anna-skolan"), not a double name ("Ulla-Britt").
def compound(word: str) -> bool:
    _, dash, tail = word.rpartition("-")
    return bool(dash) and tail[:1].islower()


# A number of three or four digits right after a word ("Linje 213", "Volvo 240"): not an age,
# not a longer one (a phone).
NUMBER_AFTER = re.compile(r"[ \t]\d{3,4}(?![\d.,:/\-]\d)(?!\d)")
SENTENCE_END = re.compile(r"[.!?\n]")
# Between a title and the name: a space, or a dot and a space ("Mr. Hughes").
TITLE_GAP = re.compile(r"\.?[ \t]{1,2}$")
# Between a name pattern and the name: a space, or a colon ("ime: Marko", "Name - Omar").
CALLED_GAP = re.compile(r"[ \t]{0,2}[:\-]?[ \t]{1,2}$|:$")
# Before a name set off by commas: "en kille, Ali, och".
APPOSITION = re.compile(r"[ \t]?,[ \t]{1,2}$")
# Between a closing greeting and the name: commas, dashes, slashes, a line break.
SIGNOFF_GAP = re.compile(r"[ \t,.:;!/\-\n\r]{1,5}$")
# Case endings of the bot's inflecting languages (Bosnian/Croatian/Serbian, Polish,
# Ukrainian, Finnish, Albanian), longest first, and the base endings to put back.
CASE_ENDINGS = tuple(
    sorted(
        "u a e i y ę ą ie om em ovi oj ом ою ові у ю і и ей lle lla lta ssa sta ksi in it "
        "ës n".split(),
        key=len,
        reverse=True,
    )
)
BASE_VOWELS = ("", "a", "o", "e", "а", "о", "я")
# Name prefixes: Arabic "Abd-" (servant of), Tigrinya "Gebre-", "Welde-", "Habte-", "Tekle-".
NAME_PREFIX = re.compile(r"(?:عبد|ገብረ|ወልደ|ሃብተ|ተኽለ|ዘርኣ|ወልዳ|ገብረ)\w{2,}")
ARABIC_AL = re.compile(r"[ \t](?:ال|آل)[\u0600-\u06ff]{2,}(?![\w])")
# Persian and Arabic family-name shapes after a name: "-zadeh", "-pour", "-nejad", "-i" of
# a listed name ("محمدی"), and the Ge'ez "son of" prefix.
CASELESS_SURNAME = re.compile(r"[\u0600-\u06ff]{2,}(?:زاده|پور|نژاد)$")
# Tigrinya prepositions written together with the next word ("ን" to, "ብ" by, "ና" towards).
GEEZ_PREFIXES = frozenset("ንብናክ")
# A kunya, "father/mother of" before a name ("أبو خليل", "أم سامر", "Abu Khalil"), is the name
# a person is known by: it is replaced together with the name.
KUNYA = frozenset("أبو ابو أبا ابا أم ام abu abou umm um".split())
# Words between two names meaning "son/daughter of" ("محمد بن علي", "Cali ina Xasan").
BIN = frozenset("بن بنت ابن إبن ولد bin binti ibn ben bint".split())


# Words before a title that make it a common noun, "that tall gentleman" ("اون آقای قدبلند",
# "یه خانم"): demonstratives and "a" in Persian and Arabic.
DETERMINERS = frozenset("یه یک یکی این اون آن همون همین همان هذا هذه هاد هادا ذاك تلك ذلك".split())
# Persian and Arabic titles that are also a common noun ("خانم", a lady; "آقا", a gentleman):
# the word after them is a name only when it is listed or shaped like a family name.
COMMON_NOUN_TITLES = frozenset("خانم خانوم آقا".split())
# Titles that are also a noun on their own ("the gentleman", "the teacher", "Mr Mayor"): the word
# after them must look like a name (see ``title_names``).
NOUN_TITLES = COMMON_NOUN_TITLES | frozenset("آقای اقای السيد السيدة الأستاذ الاستاذ الشيخ".split())
# Before a kinship word that is also an honorific ("min fru", my wife): it stays a kinship word.
POSSESSIVES = frozenset("min din sin hans hennes vår er deras my his her our their your".split())
# Cyrillic diminutive endings, longest first ("Оленка" <- Олена, "Танечка" <- Таня).
DIMINUTIVES = ("енька", "онька", "очка", "ечка", "ушка", "юшка", "уся", "юся", "уля", "ка")


def floor_pattern(words: list[str]) -> re.Pattern[str]:
    """After "from"/"on" (the text right after it): a floor or flat ("4. sprata", "3B",
    "3:an", "3 piętra", "parteru"), not a year or a number of weeks."""
    stems = "|".join(re.escape(fold(w)) for w in sorted(words, key=len, reverse=True))
    return re.compile(
        r"[ \t]{1,2}(?:\d{1,2}(?:\.|:?[^\W\d_]{1,2}(?![\w])|[ \t]{1,2}(?:" + stems + r"))"
        r"|(?:" + stems + r"))",
        re.IGNORECASE,
    )


def _alternatives(words: list[str]) -> str:
    alts = []
    for w in sorted(words, key=len, reverse=True):
        if w.endswith("."):
            alts.append(re.escape(w[:-1]) + r"\.[ \t]{0,2}")
        else:
            alts.append(re.escape(w).replace(r"\ ", r"[ \t]{1,2}") + r"[ \t]{1,2}")
    return "|".join(alts)


def words_before(words: list[str]) -> re.Pattern[str]:
    """A pattern to ``search`` in the text before a name: one of ``words`` right before it."""
    return re.compile(r"(?<![\w])(?:" + _alternatives(words) + r")$", re.IGNORECASE)


def words_after(words: list[str]) -> re.Pattern[str]:
    """A pattern to ``match`` right after a name: one of ``words`` next."""
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(r"[ \t]{1,2}(?:" + alts + r")(?![\w])", re.IGNORECASE)


VOWELS = frozenset("aeiouyäöåąęóeаеиоуіїєюя")


def base_forms(stem: str) -> Iterator[str]:
    """The names a case stem can come from: with a base vowel put back ("lejl" <- Lejla); with
    Finnish consonant gradation undone ("mik" + "o" <- Mikko: "Mikolle"); with the Polish
    fleeting e put back ("kacpr" <- Kacper: "Kacpra", "mark" <- Marek: "Marka")."""
    for base in BASE_VOWELS:
        yield stem + base
    if len(stem) >= 3 and stem[-1] in VOWELS and stem[-2] in "kpt" and stem[-3] != stem[-2]:
        yield stem[:-1] + stem[-2] + stem[-1]
    if len(stem) >= 4 and stem[-1] not in VOWELS and stem[-2] not in VOWELS:
        yield stem[:-1] + "e" + stem[-1]


Phrases = Mapping[str, tuple[tuple[str, ...], ...]]


def public_spans(
    toks: list[Tok], names: Phrases, before: Phrases, after: Phrases
) -> list[tuple[int, int]]:
    """Public, historical, epic and religious figures: a listed figure ("Olof Palme", "فردوسی"),
    the words after a religious title or a story word ("the prophet …", "حضرت …", "داستان …":
    up to four capitalised words, or two in a script without capitals) and those before a
    monument word or "on the news" ("the … statue"). The tables are names.toml's
    ``[public]``."""
    folded = [fold(t.text) for t in toks]
    out: list[tuple[int, int]] = []
    for i in range(len(toks)):
        for p in names.get(folded[i], ()):
            if tuple(folded[i : i + len(p)]) == p:
                out.append((toks[i].start, toks[i + len(p) - 1].end))
                break
        for p in before.get(folded[i], ()):
            if tuple(folded[i : i + len(p)]) == p:
                j = end = i + len(p)
                if j < len(toks) and toks[j].caseless:
                    end = min(j + 2, len(toks))
                else:
                    while end < len(toks) and end < j + 4 and toks[end].cap:
                        end += 1
                if end > j:
                    out.append((toks[j].start, toks[end - 1].end))
                break
        if i > 0 and any(tuple(folded[i : i + len(p)]) == p for p in after.get(folded[i], ())):
            start = i
            if toks[i - 1].caseless:
                start = max(0, i - 2)
            while start > 0 and start > i - 4 and toks[start - 1].cap:
                start -= 1
            if start < i:
                out.append((toks[start].start, toks[i - 1].end))
    return out


def not_people_spans(
    toks: list[Tok], characters: Phrases, statues: Phrases
) -> list[tuple[int, int]]:
    """Story characters ("Kalle Anka", "Mumin") and the capitalised words after a statue or
    street word ("statyn av Carl von Linné"): names, but nobody's personal data. The phrase
    tables are `bot.names.phrases` of signals.toml's ``[not_people]`` lists."""
    folded = [fold(t.text) for t in toks]

    def at(i: int, table: Phrases) -> int:
        for p in table.get(folded[i], ()):
            if tuple(folded[i : i + len(p)]) == p:
                return len(p)
        return 0

    out: list[tuple[int, int]] = []
    for i in range(len(toks)):
        if n := at(i, characters):
            out.append((toks[i].start, toks[i + n - 1].end))
        if n := at(i, statues):
            j = end = i + n
            while end < len(toks) and end < j + 4 and toks[end].cap:
                end += 1
            if end > j:
                out.append((toks[j].start, toks[end - 1].end))
    return out


def with_kunya(text: str, toks: list[Tok], a: int, b: int) -> tuple[int, int]:
    """Start a name at the kunya right before it ("أبو [خليل]" -> "[أبو خليل]")."""
    k = bisect.bisect_left(toks, a, key=lambda t: t.start)
    if k > 0:
        prev = toks[k - 1]
        if fold(prev.text) in KUNYA and GAP.match(text[prev.end : a]):
            return prev.start, b
    return a, b


def with_honorific(
    text: str, toks: list[Tok], a: int, b: int, honorifics: frozenset[str]
) -> tuple[int, int]:
    """Start a name at the honorifics right before it ("Pan [Zbigniew]" -> "[Pan Zbigniew]",
    "آقای [رحیمی]"); not a kinship word after a possessive ("min fru [Anna]")."""
    k = bisect.bisect_left(toks, a, key=lambda t: t.start)
    while k > 0:
        prev = toks[k - 1]
        if fold(prev.text) not in honorifics or not TITLE_GAP.match(text[prev.end : a]):
            break
        if k > 1 and fold(toks[k - 2].text) in POSSESSIVES:
            break
        a = prev.start
        k -= 1
    return a, b


def token_at(text: str, toks: list[Tok], pos: int) -> Tok | None:
    """The token right after ``pos`` when only a single space or two separate them."""
    k = bisect.bisect_left(toks, pos, key=lambda t: t.start)
    if k < len(toks) and GAP.match(text[pos : toks[k].start]):
        return toks[k]
    return None


def title_names(folded: list[str], i: int, names: tuple[frozenset[str], ...]) -> bool:
    """Whether the title at ``i``, in a script without capitals, is followed by a name: not
    after "a" or "that" ("اون آقای قدبلند", that tall gentleman); after a title that is also a
    noun (``NOUN_TITLES``) only a listed name (``names``) or a family-name shape ("-زاده",
    "-پور", and "-ی" except after "خانم"/"آقا": "خانم پیری", an old lady), not a role or a
    verb ("آقای شهردار", "الأستاذ قال", "السيد الرئيس")."""
    if i > 0 and folded[i - 1] in DETERMINERS:
        return False
    if i + 1 >= len(folded):
        return True
    w = folded[i + 1]
    if folded[i] not in NOUN_TITLES:
        return True  # a kunya, a pilgrim's or an elder's title, a Ge'ez title: a name follows
    if any(w in n for n in names) or CASELESS_SURNAME.match(w) is not None:
        return True
    if folded[i] in COMMON_NOUN_TITLES:
        return False
    return len(w) >= 4 and w[-1] in "یي"  # "الحسيني", not "السيد الرئيس"


def outside_public(
    spans: list[tuple[int, int]],
    public: list[tuple[int, int]],
    toks: list[Tok],
    person_word: Callable[[Tok], bool],
) -> list[tuple[int, int]]:
    """The name spans that overlap no public figure's or story character's span, and those
    right after a kinship or role word (``person_word``), which is a person whatever the rest
    says ("جارنا أحمد كان بالأخبار", our neighbour Ahmad was on the news)."""
    starts = [t.start for t in toks]
    out = []
    for a, b in spans:
        k = bisect.bisect_left(starts, a)
        if not any(a < y and x < b for x, y in public) or (k > 0 and person_word(toks[k - 1])):
            out.append((a, b))
    return out
