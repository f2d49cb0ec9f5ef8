"""Names of people in free text: for the person signal (``bot/signals.py``) and for the
``[namn]`` label of the scrubber (``bot/scrub.py``).

Contract
--------
``Names.load()`` reads ``config/content/names.toml`` once (see the comments there). Then, for a
text already folded by the caller (NFKC; dashes, spaces and apostrophes straightened; case kept):

* ``spans(text)`` gives the (start, end) spans to replace by ``[namn]``: a listed first name or
  surname next to a second capitalised word ("Johan Andersson"), a listed surname on its own
  ("Anderssons"), the word(s) after a name pattern ("heter Omar", "named Omar", "min granne
  Marko", "اسمه أحمد") unless a place noun comes right before the pattern ("Området heter
  Gröndal") or the name ends like a place ("…parken", "…gatan"), a listed name on its own
  that is not also an ordinary word ("Johan", "Maxamed", "ዳዊት", "محمود"; not "Hans"), and a
  capitalised word with a surname ending ("Hasanović", "Kowalczyk", "Шевчук") together with
  a capitalised word right before it.
* ``mentions(text)`` is True when ``spans`` finds something, or a listed name (not one of the
  ambiguous ones) is written with a capital letter, or a relation phrase ("my neighbour") is
  followed by a capitalised word.

Pure and linear in the length of the text; never raises for a ``str``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from config.base import CONTENT_DIR

__all__ = ["Names"]

# A word: letters, with inner hyphens or apostrophes ("Anna-skolan", "Omar's"), and an optional
# Swedish genitive after a colon ("Andersson:s").
_WORD = re.compile(r"(?<![\w'\-])[^\W\d_]+(?:['\-][^\W\d_]+)*(?::s)?(?![\w\-])")
_GENITIVE = re.compile(r"(?:'s|:s|s)$")
# Characters allowed between two words of one full name: a single space or a line-free gap.
_GAP = re.compile(r"[ \t]{1,2}$")
# Capitalised words that begin sentences but are never first names.
_FUNCTION_WORDS = frozenset(
    "det den de dom han hon jag vi ni du hej och men att som i på en ett min mitt mina vår "
    "the he she it they we my our a an and but hi hello in on at to from with "
    "familjen herr fru fröken mr mrs ms dr".split()
)


# Surname endings that are (almost) never an ordinary capitalised word: Swedish -sson,
# Bosnian/Croatian/Serbian -ović/-ević, Polish -wski/-wska/-czyk/-wicz, Ukrainian -enko/-chuk.
_SURNAME_ENDING = re.compile(
    r"(?:sson|[oe]vi[cć]|[oe]вић|[wc]ska|[wc]ski|czyk|wicz|enko|енко|chuk|чук)(?::?s)?$"
)


_SENTENCE_END = re.compile(r"[.!?\n]")
# Between a title and the name: a space, or a dot and a space ("Mr. Hughes").
_TITLE_GAP = re.compile(r"\.?[ \t]{1,2}$")
# Between a closing greeting and the name: commas, dashes, a line break.
_SIGNOFF_GAP = re.compile(r"[ \t,.:;!\-\n\r]{1,5}$")
# Case endings of the bot's inflecting languages (Bosnian/Croatian/Serbian, Polish,
# Ukrainian, Finnish, Albanian), longest first, and the base endings to put back.
_CASE_ENDINGS = tuple(
    sorted(
        "u a e i y ę ą ie om em ovi oj ом ою ові у ю і и ей lle lla lta ssa sta ksi in it "
        "ës n".split(),
        key=len,
        reverse=True,
    )
)
_BASE_VOWELS = ("", "a", "o", "e", "а", "о", "я")
# Name prefixes: Arabic "Abd-" (servant of), Tigrinya "Gebre-", "Welde-", "Habte-", "Tekle-".
_NAME_PREFIX = re.compile(r"(?:عبد|ገብረ|ወልደ|ሃብተ|ተኽለ|ዘርኣ)\w{2,}")
_ARABIC_AL = re.compile(r"[ \t](?:ال|آل)[\u0600-\u06ff]{2,}(?![\w])")


def _fold(text: str) -> str:
    return text.casefold()


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    text: str

    @property
    def cap(self) -> bool:
        return self.text[0].isupper()

    @property
    def caseless(self) -> bool:
        c = self.text[0]
        return not c.isupper() and not c.islower()


def _phrases(values: Iterable[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases as tuples of folded words, indexed by their first word, longest first."""
    out = {tuple(_fold(v).split()) for v in values if v.strip()}
    index: dict[str, list[tuple[str, ...]]] = {}
    for p in sorted(out, key=lambda p: (-len(p), p)):
        index.setdefault(p[0], []).append(p)
    return {k: tuple(v) for k, v in index.items()}


class Names:
    """The names list and name patterns, compiled for matching."""

    def __init__(self, data: dict[str, object]) -> None:
        def strings(key: str) -> list[str]:
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"names.toml: {key} must be a list of strings")
            return value

        def by_lang(key: str) -> list[str]:
            table = data.get(key, {})
            if not isinstance(table, dict):
                raise ValueError(f"names.toml: [{key}] must be a table")
            out: list[str] = []
            for lang, values in table.items():
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise ValueError(f"names.toml: {key}.{lang} must be a list of strings")
                out.extend(values)
            return out

        self._first = frozenset(_fold(n) for n in strings("first"))
        self._surnames = frozenset(_fold(n) for n in strings("surnames"))
        self._ambiguous = frozenset(_fold(n) for n in strings("ambiguous"))
        self._suffixes = tuple(sorted({_fold(s) for s in strings("place_suffixes")}, key=len))
        self._weak = frozenset(tuple(_fold(w).split()) for w in strings("weak_intro"))
        self._intro = _phrases(by_lang("intro"))
        self._relation = _phrases(by_lang("relation"))
        self._places = frozenset(_fold(w) for w in by_lang("place_nouns"))
        # for the scrubber only (spans), not for mentions(): see names.toml
        self._titles = _phrases(by_lang("titles"))
        self._kin = _phrases(by_lang("kin"))
        self._signoff = _phrases(by_lang("signoff"))
        self._possessive = frozenset(_fold(w) for w in strings("possessive_after"))

    @staticmethod
    @cache
    def load() -> Names:
        """The packaged list, ``config/content/names.toml`` (read once per process)."""
        text = (CONTENT_DIR / "names.toml").read_text(encoding="utf-8")
        return Names(tomllib.loads(text))

    # ---- lookups ------------------------------------------------------------------------

    def _stem(self, word: str) -> str:
        return _fold(word)

    def _listed(self, word: str) -> str | None:
        """ "first", "surname" or None for a word (also in the genitive: "Anderssons")."""
        w = _fold(word)
        for cand in (w, _GENITIVE.sub("", w)):
            if cand in self._surnames:
                return "surname"
            if cand in self._first:
                return "first"
        return None

    def _ambiguous_word(self, word: str) -> bool:
        w = _fold(word)
        return w in self._ambiguous or _GENITIVE.sub("", w) in self._ambiguous

    def _place_like(self, word: str) -> bool:
        w = _fold(word)
        return any(w.endswith(s) and len(w) > len(s) + 1 for s in self._suffixes) or (
            w in self._places
        )

    # ---- matching -----------------------------------------------------------------------

    @staticmethod
    def _tokens(text: str) -> list[_Tok]:
        return [_Tok(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]

    @staticmethod
    def _adjacent(text: str, a: _Tok, b: _Tok) -> bool:
        return _GAP.match(text[a.end : b.start]) is not None

    @staticmethod
    def _phrase_at(
        folded: list[str], i: int, phrases: dict[str, tuple[tuple[str, ...], ...]]
    ) -> tuple[str, ...]:
        """The longest phrase starting at word ``i``, or ()."""
        for p in phrases.get(folded[i], ()):
            if tuple(folded[i : i + len(p)]) == p:
                return p
        return ()

    def _joins_left(self, text: str, prev: _Tok, tok: _Tok) -> bool:
        """``prev`` is a capitalised first name of the surname ``tok`` (not "Det", "Hej")."""
        return (
            prev.cap
            and self._adjacent(text, prev, tok)
            and _fold(prev.text) not in _FUNCTION_WORDS
            and not self._place_like(prev.text)
        )

    def _name_run(self, text: str, toks: list[_Tok], j: int) -> int:
        """Index after the capitalised words that continue a name starting at ``j``."""
        k = j + 1
        while (
            k < len(toks)
            and k - j < 4
            and toks[k].cap
            and self._adjacent(text, toks[k - 1], toks[k])
            and not self._place_like(toks[k].text)
        ):
            k += 1
        return k

    def _find(self, text: str) -> Iterator[tuple[int, int, bool]]:
        """(start token, end token, strong) name runs; strong = what the scrubber removes."""
        toks = self._tokens(text)
        folded = [_fold(t.text) for t in toks]
        i = 0
        while i < len(toks):
            tok = toks[i]
            # 1. a name pattern: "heter X", "named X", "min granne X"
            phrase = self._phrase_at(folded, i, self._intro)
            if phrase:
                weak = phrase in self._weak
                j = i + len(phrase)
                if j < len(toks) and self._adjacent(text, toks[j - 1], toks[j]):
                    cand = toks[j]
                    before_place = i > 0 and folded[i - 1] in self._places
                    listed = self._listed(cand.text) is not None
                    ok = (
                        not before_place
                        and not self._place_like(cand.text)
                        and (cand.cap or cand.caseless or listed)
                    )
                    if weak:
                        ok = ok and listed
                    if ok:
                        end = self._name_run(text, toks, j) if cand.cap else j + 1
                        yield j, end, True
                        i = end
                        continue
            phrase = self._phrase_at(folded, i, self._relation)
            if phrase:
                j = i + len(phrase)
                if j < len(toks) and self._adjacent(text, toks[j - 1], toks[j]):
                    cand = toks[j]
                    listed = self._listed(cand.text) is not None
                    if (cand.cap and not self._place_like(cand.text)) or (
                        listed and not self._ambiguous_word(cand.text)
                    ):
                        end = self._name_run(text, toks, j) if cand.cap else j + 1
                        yield j, end, True
                        i = end
                        continue
            # 2. a listed name with a capital letter
            kind = self._listed(tok.text) if (tok.cap or tok.caseless) else None
            if kind is not None and tok.cap:
                end = self._name_run(text, toks, i)
                if end > i + 1:
                    yield i, end, True  # "Johan Andersson", "Per Albin"
                    i = end
                    continue
                if kind == "surname" and i > 0 and self._joins_left(text, toks[i - 1], tok):
                    yield i - 1, i + 1, True  # "Sven-Erik Johansson": an unlisted first name
                elif not self._ambiguous_word(tok.text):
                    yield i, i + 1, kind == "surname"
            elif kind is not None and tok.caseless and not self._ambiguous_word(tok.text):
                yield i, i + 1, False
            i += 1

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans to replace by ``[namn]`` (see the module docstring)."""
        toks = self._tokens(text)
        if not toks:
            return []
        out: list[tuple[int, int]] = []
        for a, b, _strong in self._find(text):
            out.append((toks[a].start, toks[b - 1].end))
        out.extend(self._context_spans(text, toks))
        for k in range(len(toks)):
            out.extend(self._word_spans(text, toks, k))
        out.sort()
        merged: list[tuple[int, int]] = []
        for a, b in out:
            if merged and a < merged[-1][1]:
                if b > merged[-1][1]:
                    merged[-1] = (merged[-1][0], b)
                continue
            merged.append((a, b))
        return [self._with_arabic_surname(text, a, b) for a, b in merged]

    # ---- scrubber-only rules ------------------------------------------------------------

    def _context_spans(self, text: str, toks: list[_Tok]) -> Iterator[tuple[int, int]]:
        """Names after a title ("Pan Zbigniew", "Mr. Hughes", "أبو خليل", "ኣቶ ዳዊት"), after a
        kinship or role word ("min man Bertil", "Burri im Hysen", "the caretaker Ronny") and
        after a closing greeting at the end of a message ("Hälsningar Margit")."""
        folded = [_fold(t.text) for t in toks]
        for i in range(len(toks)):
            for table, kind in ((self._titles, "title"), (self._kin, "kin")):
                phrase = self._phrase_at(folded, i, table)
                if not phrase:
                    continue
                j = i + len(phrase)
                if kind == "kin":
                    while j < len(toks) and folded[j] in self._possessive:
                        j += 1
                gap = _TITLE_GAP if kind == "title" else _GAP
                if j >= len(toks) or not gap.match(text[toks[j - 1].end : toks[j].start]):
                    continue
                cand = toks[j]
                if _fold(cand.text) in _FUNCTION_WORDS or self._place_like(cand.text):
                    continue
                if cand.cap:
                    yield cand.start, toks[self._name_run(text, toks, j) - 1].end
                elif cand.caseless and (kind == "title" or self._listed(cand.text)):
                    yield cand.start, cand.end
            phrase = self._phrase_at(folded, i, self._signoff)
            if phrase:
                j = i + len(phrase)
                if j < len(toks) and _SIGNOFF_GAP.match(text[toks[j - 1].end : toks[j].start]):
                    cand = toks[j]
                    end = self._name_run(text, toks, j) if cand.cap else j + 1
                    named = cand.cap or (cand.caseless and self._listed_plain(cand.text))
                    if named and len(toks) - end <= 2:
                        yield cand.start, toks[end - 1].end

    def _word_spans(self, text: str, toks: list[_Tok], k: int) -> list[tuple[int, int]]:
        """A name recognised from the word itself: a surname ending ("Hasanović"), a listed
        name inflected ("Lejlu", "Adnana", "Arbeni", "JASMINU") or hyphenated ("Ulla-Britt"),
        an Arabic or Ge'ez name prefix ("عبدالكريم", "ገብረሂወት"); with a capitalised word right
        before it ("Emir Hasanović", "Ikraan Cali")."""
        tok = toks[k]
        if tok.caseless:
            return [(tok.start, tok.end)] if _NAME_PREFIX.match(tok.text) else []
        if not (tok.cap or tok.text.isupper()) or self._place_like(tok.text):
            return []
        name = (
            (tok.cap and _SURNAME_ENDING.search(tok.text) is not None)
            or self._inflected(tok.text)
            or self._hyphenated(tok.text)
            or (self._listed(tok.text) is not None and not self._ambiguous_word(tok.text))
        )
        if not name:
            return []
        start = tok.start
        if (
            k > 0
            and self._joins_left(text, toks[k - 1], tok)
            and not self._title_or_kin(toks[k - 1])
        ):
            # a surname takes the capitalised word before it ("Emir Hasanović"); a first name
            # only one inside a sentence ("waa Ikraan Cali"), not a capitalised first word
            # ("Moju Lejlu")
            surname = _SURNAME_ENDING.search(tok.text) is not None
            inside = k > 1 and not _SENTENCE_END.search(text[toks[k - 2].end : toks[k - 1].start])
            if surname or inside:
                start = toks[k - 1].start
        return [(start, tok.end)]

    def _title_or_kin(self, tok: _Tok) -> bool:
        w = _fold(tok.text)
        return w in self._titles or w in self._kin or w in self._signoff

    def _listed_plain(self, word: str) -> bool:
        w = _fold(word)
        return (w in self._first or w in self._surnames) and w not in self._ambiguous

    def _inflected(self, word: str) -> bool:
        """A listed first name with a case ending of Slavic, Finnish or Albanian ("Lejlu" <- Lejla,
        "Adnana" <- Adnan, "Arbeni" <- Arben, "Миколи" <- Микола, "Ismetin" <- Ismet)."""
        w = _fold(word)
        if len(w) < 4:
            return False
        for ending in _CASE_ENDINGS:
            if w.endswith(ending) and len(w) - len(ending) >= 3:
                stem = w[: len(w) - len(ending)]
                for base in _BASE_VOWELS:
                    name = stem + base
                    if name in self._first and name not in self._ambiguous:
                        return True
        return False

    def _hyphenated(self, word: str) -> bool:
        parts = word.split("-")
        return len(parts) == 2 and parts[1][:1].isupper() and self._listed_plain(parts[0])

    @staticmethod
    def _with_arabic_surname(text: str, a: int, b: int) -> tuple[int, int]:
        """Extend a name in Arabic script over a following "al-" word ("أحمد الخطيب")."""
        m = _ARABIC_AL.match(text, b)
        if m and "\u0600" <= text[b - 1] <= "\u06ff":
            return a, m.end()
        return a, b

    def mentions(self, text: str) -> bool:
        """True when ``text`` names a person (see the module docstring)."""
        return next(iter(self._find(text)), None) is not None
