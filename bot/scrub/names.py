"""Names for the scrubber's ``[namn]`` label: the curated list and patterns of
:class:`bot.names.Names`, a larger list, and rules the person signal does not use.

Contract
--------
``ScrubNames.load()`` reads ``config/content/names.toml`` and ``config/content/names_large.toml``
once. ``spans(text)`` gives the (start, end) spans to replace by ``[namn]`` in a text already
folded by the caller:

* everything :meth:`Names.mentions` finds ("Johan Andersson", "Anderssons", "heter Omar",
  "min granne Marko", a listed name on its own that is not also an ordinary word);
* the word after a title ("Pan Zbigniew", "Mr. Hughes", "أبو خليل", "ኣቶ ዳዊት"), after a kinship
  or role word ("min man Bertil", "Burri im Hysen", "زوجي أحمد") and after a closing greeting
  at the end of a message ("Hälsningar Margit"); after more name patterns ("zovem se", "o
  imieniu", "ime: Marko", "اسمي", "magacaygu waa"); in lower case when it is a listed name;
* a name recognised from the word itself: a surname ending ("Hasanović", "-zadeh"), a listed
  name inflected ("Lejlu") or hyphenated ("Ulla-Britt"), a name prefix ("عبدالكريم",
  "ገብረሂወት"), with a capitalised word right before it; weaker surname endings ("Virtanen",
  "Petrov", "Gjonaj") only after a capitalised word;
* full names: in scripts without capitals a listed name with the listed names, "bin"/"بن"
  words and "al-" words that follow it ("محمد بن علي", "أحمد الخطيب", "ዳዊት ተስፋይ"); in lower
  case a listed first name with a listed surname or a surname ending ("johan andersson");
* an honorific before a replaced name goes into the label ("Pan [namn]"; not "vaktmästaren");
* never: public, historical, epic and religious figures (names.toml ``[public]``), a Persian or
  Arabic title after "a"/"that", ``words_not_names`` (capitalised inside a sentence some are:
  ``names_mid_sentence``), an inflected name of the larger list starting a sentence.
A listed name in lower case alone is not replaced ("drita"), nor are on their own names in
``ambiguous`` and the larger list's ``common_words``, ``places_not_people`` and
``frequent_words``. Pure and linear in the length of the text; never raises for a ``str``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from functools import cache

from config.base import CONTENT_DIR

from ..names import FUNCTION_WORDS, GAP, Tok, fold, phrases, strings_of, tables_of
from .name_context import NameContext
from .name_shapes import (
    APPOSITION,
    CALLED_GAP,
    CASE_ENDINGS,
    GEEZ_PREFIXES,
    NAME_PREFIX,
    SENTENCE_END,
    SIGNOFF_GAP,
    SURNAME_ENDING,
    TITLE_GAP,
    WEAK_SURNAME_ENDING,
    base_forms,
    compound,
    not_people_spans,
    outside_public,
    public_spans,
    title_names,
    with_honorific,
    with_kunya,
)
from .shouting import unshouted

__all__ = ["ScrubNames"]


def _entries(data: dict[str, object], key: str) -> list[str]:
    """Names of a list whose entries are strings or tables with a ``name`` (and a gloss)."""
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"names: {key} must be a list")
    out: list[str] = []
    for entry in value:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if not isinstance(name, str):
            raise ValueError(f"names: every entry of {key} must be a name or have one")
        out.append(name)
    return out


class ScrubNames(NameContext):
    """:class:`Names` with the larger list and the scrubber's own rules."""

    def __init__(
        self,
        data: dict[str, object],
        large: dict[str, object] | None = None,
        characters: dict[str, object] | None = None,
    ) -> None:
        """``characters``: signals.toml's ``[not_people]`` (story characters; statue and
        street words), as the person signal reads it: no name there is personal data."""
        super().__init__(data)
        self._characters = phrases(strings_of(characters or {}, "names"))
        self._statues = phrases(strings_of(characters or {}, "before"))
        self._titles = phrases(tables_of(data, "titles"))
        self._kin = phrases(tables_of(data, "kin"))
        self._signoff = phrases(tables_of(data, "signoff"))
        self._called = phrases(tables_of(data, "called"))
        self._possessive = frozenset(fold(w) for w in strings_of(data, "possessive_after"))
        self._curated = self._first | self._surnames
        self._not_people = frozenset(fold(w) for w in strings_of(data, "not_people"))
        self._words_not = frozenset(fold(w) for w in strings_of(data, "words_not_names"))
        self._mid_sentence = frozenset(fold(w) for w in strings_of(data, "names_mid_sentence"))
        self._ambiguous = self._ambiguous | self._not_people | self._words_not
        self._honorifics = frozenset(fold(w).rstrip(".") for w in tables_of(data, "honorifics"))
        public = data.get("public", {})
        public = public if isinstance(public, dict) else {}
        self._public = phrases(strings_of(public, "names"))
        self._public_before = phrases(strings_of(public, "before"))
        self._public_after = phrases(strings_of(public, "after"))
        self._set_off: frozenset[str] = frozenset()  # names that count only set off by commas
        self._read_context(data)
        if large is not None:
            self._add_large(large)

    def _add_large(self, large: dict[str, object]) -> None:
        places = (
            {fold(w) for w in _entries(large, "places_not_people")} | self._not_people | self._never
        )
        common = {fold(w) for w in _entries(large, "common_words")}
        first = {fold(w) for w in tables_of(large, "first")} - places
        surnames = {fold(w) for w in tables_of(large, "surnames")} - places
        new = (first | surnames) - self._curated
        self._first = self._first | (first - self._surnames)
        self._surnames = self._surnames | (surnames - self._first)
        # a name of the larger list that is a frequent word of one of the bot's languages is
        # no evidence of a person at all ("Black", "Salam"): it is left out
        frequent = frozenset(fold(w) for w in strings_of(large, "frequent_words")) & new
        self._set_off = self._set_off | frequent
        self._first = self._first - frequent
        self._surnames = self._surnames - frequent
        self._ambiguous = self._ambiguous | ((common | places) & new)

    @staticmethod
    @cache
    def load() -> ScrubNames:
        """The packaged lists (read once per process)."""
        data = tomllib.loads((CONTENT_DIR / "names.toml").read_text(encoding="utf-8"))
        large_path = CONTENT_DIR / "names_large.toml"
        large = (
            tomllib.loads(large_path.read_text(encoding="utf-8")) if large_path.exists() else None
        )
        signals = tomllib.loads((CONTENT_DIR / "signals.toml").read_text(encoding="utf-8"))
        characters = signals.get("not_people")
        return ScrubNames(data, large, characters if isinstance(characters, dict) else None)

    # ---- the spans ----------------------------------------------------------------------

    _sets = property(lambda self: (self._first, self._surnames))  # listed names, both lists

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans to replace by ``[namn]`` (see the module docstring)."""
        toks = self._tokens(text)
        quiet = unshouted(text, toks, self._keeps_capital)
        if quiet != text:  # words were lower-cased: their tokens' text changed
            text, toks = quiet, self._tokens(quiet)
        if not toks:
            return []
        out: list[tuple[int, int]] = []
        context = list(self._context_spans(text, toks))
        if self._about_sport_or_film(toks):
            # a player or a film character: only what a title, kinship word or name
            # pattern marks is somebody's name
            out.extend(context)
        else:
            for a, b, _strong in self._find(text, toks):
                out.append((toks[a].start, toks[b - 1].end))
            out.extend(context)
            out.extend(self._appositive_spans(text, toks))
            for k in range(len(toks)):
                out.extend(self._word_spans(text, toks, k))
            out.extend(self._run_spans(text, toks))
            out.extend(self._verb_spans(text, toks))
        # God's names and days of the week (``never_names``) are never a name on their own,
        # whichever rule found them
        never = {(t.start, t.end) for t in toks if fold(t.text) in self._never}
        out = sorted(span for span in out if span not in never)
        merged: list[tuple[int, int]] = []
        for a, b in out:
            if merged and a < merged[-1][1]:
                if b > merged[-1][1]:
                    merged[-1] = (merged[-1][0], b)
                continue
            merged.append((a, b))
        spans = [
            with_kunya(text, toks, *self._extend_caseless(text, toks, a, b)) for a, b in merged
        ]
        if spans:
            public = not_people_spans(toks, self._characters, self._statues)
            public += public_spans(toks, self._public, self._public_before, self._public_after)
            spans = outside_public(spans, public, toks, self._title_or_kin)
        spans = [
            (a, b)
            for a, b in spans
            if not self._named_after(text, toks, a, b) and not self._numbered(text, a, b)
        ]
        return [with_honorific(text, toks, a, b, self._honorifics) for a, b in spans]

    def _context_spans(self, text: str, toks: list[Tok]) -> Iterator[tuple[int, int]]:
        """Names after a title ("Pan Zbigniew", "Mr. Hughes", "أبو خليل", "ኣቶ ዳዊት"), after a
        kinship or role word ("min man Bertil", "Burri im Hysen", "the caretaker Ronny"), after
        a name pattern ("zovem se Marko", "ime: Marko") and after a closing greeting at the
        end of a message ("Hälsningar Margit")."""
        folded = [fold(t.text) for t in toks]
        tables = ((self._titles, "title"), (self._kin, "kin"), (self._called, "called"))
        for i in range(len(toks)):
            for table, kind in tables:
                phrase = self._phrase_at(folded, i, table)
                if not phrase and kind == "kin" and folded[i][:1] in GEEZ_PREFIXES:
                    # a Tigrinya kinship word with a preposition in front ("ንዓርከይቲ ሳባ")
                    phrase = (
                        (folded[i],) if (folded[i][1:],) in self._kin.get(folded[i][1:], ()) else ()
                    )
                if not phrase:
                    continue
                j = i + len(phrase)
                if kind == "kin":
                    while j < len(toks) and folded[j] in self._possessive:
                        j += 1
                gap = {"title": TITLE_GAP, "kin": GAP, "called": CALLED_GAP}[kind]
                if j >= len(toks) or not gap.match(text[toks[j - 1].end : toks[j].start]):
                    continue
                cand = toks[j]
                if folded[j] in FUNCTION_WORDS or self._place_like(cand.text):
                    continue
                if kind == "title" and cand.caseless and not title_names(folded, i, self._sets):
                    continue
                if compound(cand.text):
                    continue  # a compound with a name or brand in front ("Facebook-ryhmässä")
                if cand.cap:
                    yield cand.start, toks[self._name_run(text, toks, j) - 1].end
                elif cand.caseless and (kind == "title" or self._listed(cand.text)):
                    yield cand.start, cand.end
                elif not cand.caseless and self._listed_plain(cand.text):
                    # "pan zbigniew", "ime: marko"; after a kinship word only a name of the
                    # curated list ("min granne johan", not "djali luan": the son plays)
                    # nor a word that stands between a name and its verb (Somali "ayaan")
                    if folded[j] in self._between:
                        continue
                    if kind != "kin" or folded[j] in self._curated:
                        yield cand.start, cand.end
            phrase = self._phrase_at(folded, i, self._signoff)
            if phrase:
                j = i + len(phrase)
                if j < len(toks) and SIGNOFF_GAP.match(text[toks[j - 1].end : toks[j].start]):
                    cand = toks[j]
                    end = self._name_run(text, toks, j) if cand.cap else j + 1
                    named = cand.cap or self._listed_plain(cand.text)
                    if named and len(toks) - end <= 2:
                        yield cand.start, toks[end - 1].end

    def _appositive_spans(self, text: str, toks: list[Tok]) -> Iterator[tuple[int, int]]:
        """A capitalised name set off by commas in the middle of a sentence ("en kille, Ali,
        och ...", "my neighbour, Per, said"): a name even when it is also a word, because a
        word there would not be capitalised. Not after a capitalised word (a list of places:
        "Gröndal, Mossle, Centrum")."""
        for k in range(1, len(toks) - 1):
            cand, prev = toks[k], toks[k - 1]
            if not cand.cap or prev.cap or prev.caseless or not prev.text[:1].isalpha():
                continue
            if text[cand.end : cand.end + 1] != "," or not APPOSITION.match(
                text[prev.end : cand.start]
            ):
                continue
            w = fold(cand.text)
            if w in self._not_people or self._place_like(cand.text):
                continue
            if (
                w in self._first
                or w in self._surnames
                or w in self._ambiguous
                or w in self._set_off
            ):
                yield cand.start, cand.end

    def _word_spans(self, text: str, toks: list[Tok], k: int) -> list[tuple[int, int]]:
        """A name recognised from the word itself: a surname ending ("Hasanović"), a listed
        name inflected ("Lejlu", "Adnana", "Arbeni", "JASMINU") or hyphenated ("Ulla-Britt"),
        an Arabic or Ge'ez name prefix ("عبدالكريم", "ገብረሂወት"); with a capitalised word right
        before it ("Emir Hasanović", "Ikraan Cali")."""
        tok = toks[k]
        if tok.caseless:
            return [(tok.start, tok.end)] if NAME_PREFIX.match(tok.text) else []
        if not (tok.cap or tok.text.isupper()) or self._place_like(tok.text):
            return [(tok.start, tok.end)] if self._double_name(tok.text) else []
        first = k == 0 or SENTENCE_END.search(text[toks[k - 1].end : tok.start]) is not None
        nxt_cap = k + 1 < len(toks) and toks[k + 1].cap  # "Per Albin-hemmet": other rules decide
        if fold(tok.text) in self._words_not and (
            first or fold(tok.text) not in self._mid_sentence
        ):
            return []
        name = (
            (tok.cap and SURNAME_ENDING.search(tok.text) is not None)
            or (tok.cap and not first and fold(tok.text) in self._mid_sentence and not nxt_cap)
            or self._inflected(tok.text, curated_only=first)
            or self._diminutive(tok.text)
            or self._hyphenated(tok.text)
            or (self._listed(tok.text) is not None and not self._ambiguous_word(tok.text))
        )
        if not name:
            return self._weak_surname(text, toks, k)
        start = tok.start
        if (
            k > 0
            and self._joins_left(text, toks[k - 1], tok)
            and not self._title_or_kin(toks[k - 1])
        ):
            # a surname takes the capitalised word before it ("Emir Hasanović"); a first name
            # only one inside a sentence ("waa Ikraan Cali"), not a capitalised first word
            # ("Moju Lejlu")
            surname = SURNAME_ENDING.search(tok.text) is not None
            inside = k > 1 and not SENTENCE_END.search(text[toks[k - 2].end : toks[k - 1].start])
            if surname or inside:
                start = toks[k - 1].start
        return [(start, tok.end)]

    def _weak_surname(self, text: str, toks: list[Tok], k: int) -> list[tuple[int, int]]:
        """A capitalised word with a weaker surname ending right after a listed first name,
        or after a capitalised word inside a sentence ("… och Aino Virtanen")."""
        tok = toks[k]
        if (
            k == 0
            or not tok.cap
            or len(tok.text) < 4
            or not WEAK_SURNAME_ENDING.search(fold(tok.text))
        ):
            return []
        prev = toks[k - 1]
        if not self._joins_left(text, prev, tok) or self._title_or_kin(prev):
            return []
        if self._listed(prev.text) is not None:
            return [(prev.start, tok.end)]
        inside = k > 1 and not SENTENCE_END.search(text[toks[k - 2].end : prev.start])
        if inside and fold(toks[k - 2].text) not in self._places:
            return [(prev.start, tok.end)]
        return []

    def _run_spans(self, text: str, toks: list[Tok]) -> Iterator[tuple[int, int]]:
        """Full names without capitals: a listed first name in lower case with a listed
        surname or a surname ending ("johan andersson", "emir hasanović"), and in a script
        without capitals two or more listed names in a row ("ዳዊት ተስፋይ", "نور محمد") of which one
        is not ambiguous."""
        k = 0
        n = len(toks)
        while k < n - 1:
            tok, nxt = toks[k], toks[k + 1]
            if not self._adjacent(text, tok, nxt):
                k += 1
                continue
            if tok.caseless:
                end = k + 1
                while (
                    end < n
                    and toks[end].caseless
                    and self._adjacent(text, toks[end - 1], toks[end])
                ):
                    if self._listed(toks[end].text) is None:
                        break
                    end += 1
                if end > k + 1 and self._listed(tok.text) is not None:
                    words = toks[k:end]
                    if any(not self._ambiguous_word(t.text) for t in words):
                        yield tok.start, toks[end - 1].end
                        k = end
                        continue
            elif not tok.cap and not nxt.caseless:
                w = fold(tok.text)
                if (
                    w in self._first
                    and w not in self._ambiguous
                    and (
                        fold(nxt.text) in self._surnames
                        or SURNAME_ENDING.search(fold(nxt.text)) is not None
                    )
                ):
                    yield tok.start, nxt.end
                    k += 2
                    continue
            k += 1

    # ---- lookups ------------------------------------------------------------------------

    def _name_run(self, text: str, toks: list[Tok], j: int) -> int:
        """Index after the capitalised words that continue a name starting at ``j``; a
        function word or a single letter ends it ("Can I", "Omar I centrum")."""
        k = j + 1
        while (
            k < len(toks)
            and k - j < 4
            and toks[k].cap
            and len(toks[k].text) > 1
            and fold(toks[k].text) not in FUNCTION_WORDS
            and self._adjacent(text, toks[k - 1], toks[k])
            and not self._place_like(toks[k].text)
        ):
            k += 1
        return k

    def _keeps_capital(self, word: str) -> bool:
        """In shouted text (:func:`unshouted`): a listed name, or a curated one inflected."""
        return self._listed_plain(word) or self._inflected(word, curated_only=True)

    def _listed(self, word: str) -> str | None:
        """As :meth:`Names._listed`, but a genitive only of a curated name ("Anderssons"; not
        "Finns", there is, from Finn of the larger list)."""
        kind = super()._listed(word)
        w = fold(word)
        if kind is not None and w not in self._first and w not in self._surnames:
            stem = w[:-1].removesuffix(":").removesuffix("'")
            if stem not in self._curated:
                return None
        return kind

    def _title_or_kin(self, tok: Tok) -> bool:
        w = fold(tok.text)
        return w in self._titles or w in self._kin or w in self._signoff

    def _listed_plain(self, word: str) -> bool:
        w = fold(word)
        return (w in self._first or w in self._surnames) and w not in self._ambiguous

    def _inflected(self, word: str, curated_only: bool = False) -> bool:
        """A listed first name with a case ending of Slavic, Finnish or Albanian ("Lejlu" <- Lejla,
        "Adnana" <- Adnan, "Arbeni" <- Arben, "Миколи" <- Микола, "Ismetin" <- Ismet)."""
        w = fold(word)
        if len(w) < 4:
            return False
        for ending in CASE_ENDINGS:
            if w.endswith(ending) and len(w) - len(ending) >= 3:
                stem = w[: len(w) - len(ending)]
                for name in base_forms(stem):
                    if name in self._first and name not in self._ambiguous:
                        # a name of the larger list only from a stem of four letters ("Люди"
                        # is not "Люда") and not starting a sentence ("Berri" is not "Berra")
                        if name in self._curated or (len(stem) >= 4 and not curated_only):
                            return True
        return False

    def _hyphenated(self, word: str) -> bool:
        parts = word.split("-")
        return len(parts) == 2 and parts[1][:1].isupper() and self._listed_plain(parts[0])

    def _double_name(self, word: str) -> bool:
        """Two listed names joined by a hyphen, in any case ("lars-åke", "ANNA-KARIN")."""
        parts = word.split("-")
        return len(parts) == 2 and all(
            len(p) > 2 and self._listed_plain(p) and fold(p) in self._first for p in parts
        )
