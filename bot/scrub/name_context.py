"""Context rules of the scrubber's ``[namn]`` label (`bot.scrub.names.ScrubNames` builds on
this class): a name that is also a word, a city or a club before a verb only a person does
("Kuba spadł", "Dino je pao") or before "from floor N"; Cyrillic diminutives ("Оленка"); where
a name is nobody's (a statue, street, school, saint, prophet or restaurant named after a
person; a player or film character in a message about sport or a film); and full names in
scripts without capitals (listed names, "bin", "al-" words, a kunya). The word lists are
``[person_verbs]`` and ``[not_people_context]`` of ``config/content/names.toml``.
Pure and linear in the length of the text."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from ..names import FUNCTION_WORDS, Names, Tok, fold, strings_of
from .name_shapes import (
    ARABIC_AL,
    BIN,
    CASELESS_SURNAME,
    DIMINUTIVES,
    NUMBER_AFTER,
    SENTENCE_END,
    base_forms,
    floor_pattern,
    token_at,
    words_after,
    words_before,
)

__all__ = ["NameContext"]


class NameContext(Names):
    """:class:`Names` with the scrubber's context rules (see the module docstring)."""

    _not_people: frozenset[str]
    _curated: frozenset[str]

    def _read_context(self, data: dict[str, object]) -> None:
        """The verbs after a name that is also a word, and where a name is nobody's."""
        verbs_table = data.get("person_verbs", {})
        public = data.get("not_people_context", {})
        if not isinstance(verbs_table, dict) or not isinstance(public, dict):
            raise ValueError("names: [person_verbs] and [not_people_context] must be tables")
        extra = ("verb_between", "person_from", "floor_words")
        verbs = [
            fold(v)
            for lang in verbs_table
            if lang not in extra
            for v in strings_of(verbs_table, lang)
        ]
        self._verbs = frozenset(v for v in verbs if not v.endswith("*"))
        self._verb_stems = tuple(v[:-1] for v in verbs if v.endswith("*"))
        self._between = frozenset(
            w for v in strings_of(verbs_table, "verb_between") for w in fold(v).split()
        )
        self._from = frozenset(fold(v) for v in strings_of(verbs_table, "person_from"))
        self._floor = floor_pattern(strings_of(verbs_table, "floor_words"))
        self._ctx_before = words_before(strings_of(public, "before"))
        self._ctx_after = words_after(strings_of(public, "after"))
        self._ctx_after_words = frozenset(fold(v) for v in strings_of(public, "after"))
        topic = [fold(v) for v in strings_of(public, "context")]
        self._topic = frozenset(v for v in topic if not v.endswith("*"))
        self._topic_stems = tuple(v[:-1] for v in topic if v.endswith("*"))

    def _named_after(self, text: str, toks: list[Tok], a: int, b: int) -> bool:
        """A name that is a statue, foundation, street, school, saint or prophet, restaurant:
        a ``before`` word right before it ("ulica Nikole Tesle", "Szkoła im. Marii", "el nabi
        Mohammad") or an ``after`` word right after it or ending it ("the Zlatan statue",
        "Titov spomenik", "the Carl Linnaeus Foundation")."""
        k = bisect.bisect_left(toks, a, key=lambda t: t.start)
        if self._ctx_before.search(text, max(0, a - 40), a):
            # unless a person's verb follows ("na ulicy Kacper mnie pobił": in the street)
            e = bisect.bisect_left(toks, b, key=lambda t: t.end)
            return not self._verb_after([fold(t.text) for t in toks], e, text, toks)
        if self._ctx_after.match(text, b):
            return True
        return any(fold(t.text) in self._ctx_after_words for t in toks[k + 1 :] if t.end <= b)

    def _about_sport_or_film(self, toks: list[Tok]) -> bool:
        for t in toks:
            w = fold(t.text)
            if w in self._topic or (self._topic_stems and w.startswith(self._topic_stems)):
                return True
        return False

    def _verb_spans(self, text: str, toks: list[Tok]) -> Iterator[tuple[int, int]]:
        """A listed name, also when it is a word, a city or a club ("Kuba", "Milan",
        "Lotta", "منى"), or a Cyrillic diminutive of one ("Оленка"), right before a verb
        only a person does ("Kuba spadł", "Dino je pao", "ሳባ ሕጂ ደዊላ…"; an auxiliary or
        "now" may stand between) or before "from floor N" ("Milan iz 4. sprata")."""
        folded = [fold(t.text) for t in toks]
        n = len(toks)
        for k, tok in enumerate(toks):
            if k + 1 >= n:
                continue
            w = folded[k]
            if not (tok.cap or tok.caseless):
                # typed fast in lower case: only a name that is no word, first in a sentence
                # ("jonte skrev att …")
                first = k == 0 or SENTENCE_END.search(text[toks[k - 1].end : tok.start])
                if not first or w not in self._first or w in self._ambiguous:
                    continue
            if w in FUNCTION_WORDS or w in self._never or w in self._not_people:
                continue
            if not (w in self._first or w in self._surnames or self._diminutive(tok.text)):
                continue
            if self._place_like(tok.text) or not self._adjacent(text, tok, toks[k + 1]):
                continue
            if self._verb_after(folded, k, text, toks) or (
                folded[k + 1] in self._from and self._floor.match(text, toks[k + 1].end)
            ):
                yield tok.start, tok.end

    def _verb_after(self, folded: list[str], k: int, text: str, toks: list[Tok]) -> bool:
        """A person's verb after word ``k`` (at most two ``verb_between`` words between)."""
        n = len(toks)
        if k + 1 >= n or not self._adjacent(text, toks[k], toks[k + 1]):
            return False
        j = k + 1
        while (
            j < n - 1
            and j - k <= 2
            and folded[j] in self._between
            and self._adjacent(text, toks[j], toks[j + 1])
        ):
            j += 1
        return self._is_verb(folded, j, text, toks)

    def _is_verb(self, folded: list[str], j: int, text: str, toks: list[Tok]) -> bool:
        w = folded[j]
        if w in self._verbs or (self._verb_stems and w.startswith(self._verb_stems)):
            return True
        return (
            j + 1 < len(toks)
            and self._adjacent(text, toks[j], toks[j + 1])
            and f"{w} {folded[j + 1]}" in self._verbs
        )

    def _diminutive(self, word: str) -> bool:
        """A Cyrillic diminutive of a listed first name ("Оленка" <- Олена, "Танюша")."""
        w = fold(word)
        if not ("\u0400" <= w[:1] <= "\u04ff"):
            return False
        for ending in DIMINUTIVES:
            if w.endswith(ending) and len(w) - len(ending) >= 3:
                stem = w[: len(w) - len(ending)]
                if any(name in self._first for name in base_forms(stem)):
                    return True
        return False

    def _extend_caseless(self, text: str, toks: list[Tok], a: int, b: int) -> tuple[int, int]:
        """Extend a name in a script without capitals over what follows it in a full name:
        listed names, an "al-" word ("أحمد الخطيب"), "bin" and the next word ("محمد بن علي"), a
        Persian family name ("-zadeh", "-pour")."""
        c = text[b - 1]
        if c.isupper() or c.islower():
            return a, b
        while True:
            m = ARABIC_AL.match(text, b)
            if m and "\u0600" <= text[b - 1] <= "\u06ff":
                b = m.end()
                continue
            nxt = token_at(text, toks, b)
            if nxt is None or not nxt.caseless:
                return a, b
            w = fold(nxt.text)
            if w in BIN:
                after = token_at(text, toks, nxt.end)
                if after is not None and after.caseless:
                    b = after.end
                    continue
                return a, b
            if self._listed(nxt.text) is not None or CASELESS_SURNAME.match(nxt.text):
                b = nxt.end
                continue
            return a, b

    def _numbered(self, text: str, a: int, b: int) -> bool:
        """A single name of the larger list right before a number of three or four digits is a bus
        line or a model ("Linje 213", "Volvo 240"), not a person."""
        word = text[a:b]
        return (
            " " not in word
            and fold(word) not in self._curated
            and NUMBER_AFTER.match(text, b) is not None
        )
