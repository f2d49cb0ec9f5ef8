"""Names of people in free text: for the person signal (``bot/signals/``) and, extended by
``bot/scrub/names.py``, for the ``[namn]`` label of the scrubber.

Contract
--------
``Names.load()`` reads ``config/content/names.toml`` once (see the comments there). Then, for a
text already folded by the caller (NFKC; dashes, spaces and apostrophes straightened; case kept),
``mentions(text)`` is True when the text names a person: a listed first name or surname next to
a second capitalised word ("Johan Andersson"), a listed surname on its own ("Anderssons"), the
word(s) after a name pattern ("heter Omar", "named Omar", "min granne Marko", "اسمه أحمد")
unless a place noun comes right before the pattern ("Området heter Gröndal") or the name ends
like a place ("…parken", "…gatan"), or a listed name that is not also an ordinary word
("Johan", "Maxamed", "ዳዊት", "محمود"; not "Hans"), written with a capital letter.

The scrubber's :class:`bot.scrub.names.ScrubNames` adds a larger list
(``config/content/names_large.toml``) and rules of its own; the person signal reads only this
curated list, so its figures (and the model trained on them) do not move with the larger one.

Pure and linear in the length of the text; never raises for a ``str``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from typing import NamedTuple

from config.base import CONTENT_DIR

__all__ = ["FUNCTION_WORDS", "GAP", "Names", "Tok", "fold", "phrases", "strings_of", "tables_of"]

# A word: letters, with inner hyphens or apostrophes ("Anna-skolan", "Omar's"), and an optional
# Swedish genitive after a colon ("Andersson:s").
_WORD = re.compile(r"(?<![\w'\-])[^\W\d_]+(?:['\-][^\W\d_]+)*(?::s)?(?![\w\-])")
_GENITIVE = re.compile(r"(?:'s|:s|s)$")
# Characters allowed between two words of one full name: a single space or a line-free gap.
GAP = re.compile(r"[ \t]{1,2}$")
# Capitalised words that begin sentences but are never first names.
FUNCTION_WORDS = frozenset(
    "det den de dom han hon jag vi ni du hej och men att som i på en ett min mitt mina vår "
    "the he she it they we my our a an and but hi hello in on at to from with "
    "familjen herr fru fröken mr mrs ms dr".split()
)


def fold(text: str) -> str:
    return text.casefold()


class Tok(NamedTuple):
    """A word of the text: where it is, and whether it starts with a capital letter (``cap``)
    or with a letter of a script without capitals (``caseless``: Arabic, Ge'ez)."""

    start: int
    end: int
    text: str
    cap: bool
    caseless: bool

    @staticmethod
    def of(m: re.Match[str]) -> Tok:
        word = m.group()
        upper, lower = word[0].isupper(), word[0].islower()
        return Tok(m.start(), m.end(), word, upper, not upper and not lower)


def phrases(values: Iterable[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases as tuples of folded words, indexed by their first word, longest first."""
    out = {tuple(fold(v).split()) for v in values if v.strip()}
    index: dict[str, list[tuple[str, ...]]] = {}
    for p in sorted(out, key=lambda p: (-len(p), p)):
        index.setdefault(p[0], []).append(p)
    return {k: tuple(v) for k, v in index.items()}


def strings_of(data: dict[str, object], key: str) -> list[str]:
    """The list of strings at ``key`` of a names file (empty when missing)."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"names: {key} must be a list of strings")
    return value


def tables_of(data: dict[str, object], key: str) -> list[str]:
    """The strings of every list of the table ``[key]`` (one list per language or script)."""
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ValueError(f"names: [{key}] must be a table")
    out: list[str] = []
    for lang, values in table.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"names: {key}.{lang} must be a list of strings")
        out.extend(values)
    return out


class Names:
    """The names list and name patterns, compiled for matching."""

    def __init__(self, data: dict[str, object]) -> None:
        def strings(key: str) -> list[str]:
            return strings_of(data, key)

        def by_lang(key: str) -> list[str]:
            return tables_of(data, key)

        self._first = frozenset(fold(n) for n in strings("first"))
        self._surnames = frozenset(fold(n) for n in strings("surnames"))
        self._ambiguous = frozenset(fold(n) for n in strings("ambiguous"))
        self._suffixes = tuple(sorted({fold(s) for s in strings("place_suffixes")}, key=len))
        self._weak = frozenset(tuple(fold(w).split()) for w in strings("weak_intro"))
        self._never = frozenset(fold(w) for w in strings("never_names"))
        self._first = self._first - self._never
        self._surnames = self._surnames - self._never
        self._intro = phrases(by_lang("intro"))
        self._relation = phrases(by_lang("relation"))
        self._places = frozenset(fold(w) for w in by_lang("place_nouns"))

    @staticmethod
    @cache
    def load() -> Names:
        """The packaged list, ``config/content/names.toml`` (read once per process)."""
        text = (CONTENT_DIR / "names.toml").read_text(encoding="utf-8")
        return Names(tomllib.loads(text))

    # ---- lookups ------------------------------------------------------------------------

    def _stem(self, word: str) -> str:
        return fold(word)

    def _listed(self, word: str) -> str | None:
        """ "first", "surname" or None for a word (also in the genitive: "Anderssons")."""
        w = fold(word)
        for cand in (w, _GENITIVE.sub("", w)):
            if cand in self._surnames:
                return "surname"
            if cand in self._first:
                return "first"
        return None

    def _ambiguous_word(self, word: str) -> bool:
        w = fold(word)
        return w in self._ambiguous or _GENITIVE.sub("", w) in self._ambiguous

    def _place_like(self, word: str) -> bool:
        w = fold(word)
        return any(w.endswith(s) and len(w) > len(s) + 1 for s in self._suffixes) or (
            w in self._places
        )

    # ---- matching -----------------------------------------------------------------------

    @staticmethod
    def _tokens(text: str) -> list[Tok]:
        return [Tok.of(m) for m in _WORD.finditer(text)]

    @staticmethod
    def _adjacent(text: str, a: Tok, b: Tok) -> bool:
        return GAP.match(text[a.end : b.start]) is not None

    @staticmethod
    def _phrase_at(
        folded: list[str], i: int, phrases: dict[str, tuple[tuple[str, ...], ...]]
    ) -> tuple[str, ...]:
        """The longest phrase starting at word ``i``, or ()."""
        for p in phrases.get(folded[i], ()):
            if tuple(folded[i : i + len(p)]) == p:
                return p
        return ()

    def _joins_left(self, text: str, prev: Tok, tok: Tok) -> bool:
        """``prev`` is a capitalised first name of the surname ``tok`` (not "Det", "Hej")."""
        return (
            prev.cap
            and self._adjacent(text, prev, tok)
            and fold(prev.text) not in FUNCTION_WORDS
            and not self._place_like(prev.text)
        )

    def _name_run(self, text: str, toks: list[Tok], j: int) -> int:
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

    def _find(self, text: str, toks: list[Tok] | None = None) -> Iterator[tuple[int, int, bool]]:
        """(start token, end token, strong) name runs; strong = what the scrubber removes.
        ``toks``: the words of ``text`` when the caller has them already."""
        if toks is None:
            toks = self._tokens(text)
        folded = [fold(t.text) for t in toks]
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
                        and folded[j] not in self._never
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
                    named = (cand.cap and not self._place_like(cand.text)) or (
                        listed and not self._ambiguous_word(cand.text)
                    )
                    if named and folded[j] not in self._never:
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

    def mentions(self, text: str) -> bool:
        """True when ``text`` names a person (see the module docstring)."""
        return next(iter(self._find(text)), None) is not None
