"""Reading ``config/content/signals.toml``: the rules, the urgency word lists, the person cues
and the non-people, compiled to regular expressions (an invalid file raises ``ValueError``)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from config.base import CONTENT_DIR

from ..safety_model import plain_letters
from .folding import fold
from .patterns import compile_phrases, compile_regexes

SIGNALS = ("identifies", "child_concern")
_META_KEYS = frozenset(
    {"name", "signal", "strength", "kind", "window", "order", "first", "second", "all"}
)
_KINDS = ("phrases", "name_intro", "pair", "pattern")
URGENT_LISTS = (
    "acute", "danger", "now", "present", "help", "past", "habitual", "rules", "hypothetical",
    "negation", "bot", "ongoing", "joking", "fiction",
    "calm", "found", "despair", "means",
)  # fmt: skip
MIN_BARE = 5
# Lists that a word-list file may leave out (older files, tests' own lists).
OPTIONAL_LISTS = frozenset({"joking", "fiction", "calm", "found", "despair", "means"})


def default_path() -> Path:
    """The packaged word list, ``config/content/signals.toml``."""
    return CONTENT_DIR / "signals.toml"


def _table(data: Mapping[str, object], key: str, source: Path) -> Mapping[str, object]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ValueError(f"{source}: [urgent.{key}] must be a table")
    return table


def _phrases_of(table: Mapping[str, object], where: str) -> list[str]:
    """All language lists in ``table`` (keys that are not rule settings), flattened."""
    out: list[str] = []
    for key, value in table.items():
        if key in _META_KEYS:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}.{key} must be a list of strings")
        out.extend(value)
    return out


@dataclass(frozen=True)
class Rule:
    name: str
    signal: str
    kind: str
    pattern: re.Pattern[str] | None  # phrases / name_intro / pattern / first of a pair
    second: re.Pattern[str] | None
    window: int
    any_order: bool
    # The phrases of ``pattern`` as a trie where the rule reads where matches end (pairs, name
    # intros): no match of ``quick``, no match of ``pattern``, found much faster.
    quick: re.Pattern[str] | None = None


def load_rule(raw: object, index: int) -> Rule:
    if not isinstance(raw, dict):
        raise ValueError(f"rules[{index}] must be a table")
    name = raw.get("name")
    signal = raw.get("signal")
    kind = raw.get("kind", "phrases")
    window = raw.get("window", 1)
    order = raw.get("order", "forward")
    if not isinstance(name, str) or not name:
        raise ValueError(f"rules[{index}].name is missing")
    if signal not in SIGNALS:
        raise ValueError(f"rule {name}: signal must be one of {SIGNALS}")
    if kind not in _KINDS:
        raise ValueError(f"rule {name}: kind must be one of {_KINDS}")
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ValueError(f"rule {name}: window must be a positive integer")
    if order not in ("forward", "any"):
        raise ValueError(f"rule {name}: order must be 'forward' or 'any'")
    assert isinstance(signal, str) and isinstance(kind, str)
    second_pattern = quick = None
    if kind == "pair":
        first, second = raw.get("first"), raw.get("second")
        if not isinstance(first, dict) or not isinstance(second, dict):
            raise ValueError(f"rule {name}: a pair needs tables 'first' and 'second'")
        pattern = compile_phrases(_phrases_of(first, f"{name}.first"))
        quick = compile_phrases(_phrases_of(first, f"{name}.first"), trie=True)
        second_pattern = compile_phrases(_phrases_of(second, f"{name}.second"))
    elif kind == "pattern":
        values = raw.get("all", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"rule {name}: 'all' must be a list of regular expressions")
        pattern = compile_regexes(values, f"rule {name}")
    else:
        # a phrase rule only asks whether a phrase occurs; a name intro reads where it ends
        if kind == "name_intro":
            pattern = compile_phrases(_phrases_of(raw, name), re.IGNORECASE)
            quick = compile_phrases(_phrases_of(raw, name), re.IGNORECASE, trie=True)
        else:
            pattern = compile_phrases(_phrases_of(raw, name), trie=True)
    return Rule(
        name=name,
        signal=signal,
        kind=kind,
        pattern=pattern,
        second=second_pattern,
        window=window,
        any_order=order == "any",
        quick=quick,
    )


_CAPITALISED = re.compile(r"\s+(?:[A-Z]\.\s?)?([^\W\d_][\w'\-]*)")
_CAPITALISED_BEFORE = re.compile(r"([^\W\d_][\w'\-]*)\s+$")


def _caseless(word: str) -> bool:
    """A word of a script without case (Arabic, Persian, Ge'ez)."""
    return not word[0].isupper() and not word[0].islower()


@dataclass(frozen=True)
class NotPeople:
    names: re.Pattern[str] | None
    before: re.Pattern[str] | None
    # The writer's own name: "jag heter …", "my name is …", "nazywam się …", "اسمي …", and a
    # closing greeting ("Med vänlig hälsning, …"): the writer is nobody else to report.
    writer: re.Pattern[str] | None = None
    # A statue or monument word AFTER the name ("the Carl Linnaeus statue", "Runebergin
    # patsas", "pomnik" after the name in some word orders): the capitalised words before it.
    after: re.Pattern[str] | None = None
    # The person signal only (issue 19): apps and networks, and the capitalised words after a
    # restaurant, church or holy title ("restaurang Abu Ali", "imam Ali"); see mask_places.
    apps: re.Pattern[str] | None = None
    places: re.Pattern[str] | None = None

    def mask_places(self, plain: str) -> str:
        """``plain`` with apps and the names after a restaurant, church or holy title blanked
        out (same length); the person signal applies it after :meth:`mask`."""
        spans: list[tuple[int, int]] = []
        if self.apps is not None:
            spans.extend(m.span() for m in self.apps.finditer(plain))
        if self.places is not None:
            _mask_after(plain, self.places, spans)
        return _blank(plain, spans)

    def mask(self, plain: str) -> str:
        """``plain`` with non-people blanked out (same length): listed characters, the
        capitalised words after a statue/street word, and the writer's own name (capitalised
        words, or up to two words of a script without case, after "jag heter", "my name is",
        a closing greeting)."""
        spans: list[tuple[int, int]] = []
        if self.names is not None:
            spans.extend(m.span() for m in self.names.finditer(plain))
        for pattern, caseless in ((self.before, 0), (self.writer, 2)):
            if pattern is None:
                continue
            for m in pattern.finditer(plain):
                end = m.end()
                if caseless and plain[end : end + 1] in (",", ":"):
                    end += 1  # "Med vänlig hälsning, Gunvor"
                for i in range(4):
                    after = _CAPITALISED.match(plain, end)
                    if after is None:
                        break
                    word = after.group(1)
                    if not (word[0].isupper() or (i < caseless and _caseless(word))):
                        break
                    end = after.end()
                if end > m.end():
                    spans.append((m.start(), end))
        if self.after is not None:
            for m in self.after.finditer(plain):
                start = m.start()
                for _ in range(3):
                    before = _CAPITALISED_BEFORE.search(plain, 0, start)
                    if before is None or not before.group(1)[0].isupper():
                        break
                    start = before.start(1)
                if start < m.start():
                    spans.append((start, m.start()))
        return _blank(plain, spans)


def _blank(plain: str, spans: list[tuple[int, int]]) -> str:
    """``plain`` with ``spans`` replaced by spaces (same length)."""
    if not spans:
        return plain
    chars = list(plain)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _mask_after(plain: str, pattern: re.Pattern[str], spans: list[tuple[int, int]]) -> None:
    for m in pattern.finditer(plain):
        end = m.end()
        for _ in range(4):
            after = _CAPITALISED.match(plain, end)
            if after is None or not after.group(1)[0].isupper():
                break
            end = after.end()
        if end > m.end():
            spans.append((m.start(), end))


def load_not_people(data: object, source: Path) -> NotPeople:
    if data is None:
        return NotPeople(None, None)
    if not isinstance(data, dict):
        raise ValueError(f"{source}: [not_people] must be a table")
    lists = {}
    for key in ("names", "before", "writer", "after", "apps", "places"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{source}: not_people.{key} must be a list of strings")
        lists[key] = compile_phrases(value, re.IGNORECASE)
    return NotPeople(
        lists["names"],
        lists["before"],
        lists["writer"],
        lists["after"],
        lists["apps"],
        lists["places"],
    )


class Cue(NamedTuple):
    """A ``[person_cues.*]`` list: its phrases (``pattern``), the same without diacritics
    (``plain``) and those as a trie (``plain_quick``) where only whether they occur is asked.
    Of a list whose matched text is replaced, ``pattern`` gives the phrases longest first;
    otherwise it only answers whether a phrase occurs (at a place)."""

    name: str
    pattern: re.Pattern[str] | None
    plain: re.Pattern[str] | None
    plain_quick: re.Pattern[str] | None


def load_cues(data: object, source: Path, replaced: Collection[str] = ()) -> tuple[Cue, ...]:
    """``[person_cues.*]``, one :class:`Cue` per list (``replaced``: the lists whose matched
    text is replaced)."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise ValueError(f"{source}: [person_cues] must be a table")
    out = []
    for name, table in sorted(data.items()):
        if not isinstance(table, dict):
            raise ValueError(f"{source}: [person_cues.{name}] must be a table")
        phrases = _phrases_of(table, f"person_cues.{name}")
        bare = [p for p in {plain_letters(fold(p)) for p in phrases} if p.strip()]
        out.append(
            Cue(
                name,
                compile_phrases(phrases, trie=name not in replaced),
                compile_phrases(bare),
                compile_phrases(bare, trie=True),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Urgency:
    lists: Mapping[str, re.Pattern[str] | None]
    # The same lists without diacritics, matched against the message without diacritics:
    # only as features for the model ("rok" for "rök", "pozar" for "pożar").
    plain_lists: Mapping[str, re.Pattern[str] | None]
    # For the rules too: the phrases whose letters change without diacritics and that keep at
    # least MIN_BARE letters ("thikë" → "thike", "pożar" → "pozar", "kolишній" typed on a
    # Russian layout), matched against the message without diacritics. Shorter ones ("rök" →
    # "rok", Polish for "year") would meet words of other languages.
    bare_rule_lists: Mapping[str, re.Pattern[str] | None]
    present_patterns: re.Pattern[str] | None
    figurative: re.Pattern[str] | None
    # Idioms ("stabbed in the back", "the heat is killing me"): removed for the rules and for
    # the model alike, matched without regard to case.
    idioms: re.Pattern[str] | None
    negation: frozenset[str]
    help_alone: frozenset[str]
    help_fillers: frozenset[str]


def _string_list(table: Mapping[str, object], key: str, source: Path) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{source}: urgent.help_alone.{key} must be a list of strings")
    return value


def load_urgency(data: object, source: Path) -> Urgency:
    if not isinstance(data, dict):
        raise ValueError(f"{source}: [urgent] is missing")
    lists: dict[str, re.Pattern[str] | None] = {}
    plain_lists: dict[str, re.Pattern[str] | None] = {}
    bare_rule_lists: dict[str, re.Pattern[str] | None] = {}
    # the words a "~" in a phrase stands for ("already", "anymore"), with and without diacritics
    words = _phrases_of(_table(data, "fillers", source), "urgent.fillers")
    fillers = {*words, *(plain_letters(fold(w)) for w in words)}
    for key in URGENT_LISTS:
        table = data.get(key, {} if key in OPTIONAL_LISTS else None)
        if not isinstance(table, dict):
            raise ValueError(f"{source}: [urgent.{key}] is missing")
        phrases = _phrases_of(table, f"urgent.{key}")
        # Urgency lists: a leading "*" allows a short prefix only (unbounded, "*نار" found
        # Persian "کنار" and "*دم" every Persian verb in "-دم"); and it is much faster.
        lists[key] = compile_phrases(phrases, short_prefix=True, fillers=fillers)
        plain_lists[key] = compile_phrases(
            (p for p in {plain_letters(p) for p in phrases} if p.strip()),
            short_prefix=True,
            fillers=fillers,
        )
        bare_rule_lists[key] = compile_phrases(
            {
                bare
                for p in phrases
                if (bare := plain_letters(fold(p))) != fold(p)
                and sum(ch.isalpha() for ch in bare) >= MIN_BARE
            },
            short_prefix=True,
            fillers=fillers,
        )
    for key in ("acute", "danger", "now", "help"):
        if lists[key] is None:
            raise ValueError(f"{source}: [urgent.{key}] is empty")

    def regex_table(key: str) -> re.Pattern[str] | None:
        table = data.get(key, {})
        if not isinstance(table, dict):
            raise ValueError(f"{source}: [urgent.{key}] must be a table")
        return compile_regexes(_phrases_of(table, f"urgent.{key}"), f"urgent.{key}")

    negation_table = data["negation"]
    alone = data.get("help_alone", {})
    if not isinstance(alone, dict):
        raise ValueError(f"{source}: [urgent.help_alone] must be a table")
    return Urgency(
        lists=lists,
        plain_lists=plain_lists,
        bare_rule_lists=bare_rule_lists,
        present_patterns=regex_table("present_patterns"),
        figurative=regex_table("figurative"),
        idioms=compile_regexes(
            _phrases_of(_table(data, "idioms", source), "urgent.idioms"),
            "urgent.idioms",
            re.IGNORECASE,
        ),
        negation=frozenset(fold(w) for w in _phrases_of(negation_table, "urgent.negation")),
        help_alone=frozenset(fold(w) for w in _string_list(alone, "words", source)),
        help_fillers=frozenset(fold(w) for w in _string_list(alone, "fillers", source)),
    )
