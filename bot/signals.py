"""Safety signals in a resident's message: urgent, identifies a person/vehicle, child concern.

Contract
--------
``SignalDetector(path).detect(text)`` returns a :class:`Signals` with three flags and the names
of the rules that fired (``matched``, in rule order, no duplicates, never any user text).

* ``urgent``: an emergency or a crime in progress; the bot answers with 112 at once.
* ``identifies``: the message names or describes a specific person or vehicle (a name after
  "heter"/"named", "min granne", clothing or hair, "en svart Volvo", a licence plate or a
  personnummer, also when already replaced by the scrubber's label); the bot redirects to
  114 14 / polisen.se and keeps only category, place and time.
* ``child_concern``: worry about a specific child; the bot points to socialtjänsten (112 if
  acute) and stores nothing.

The word lists live in ``config/content/signals.toml`` (see the comments there for the matching
rules: NFKC + case-folding, whole words, multi-word phrases, trailing ``*`` stems, weak urgent
words ignored next to a past-time marker, colour + vehicle/clothing pairs). The file is read
once, in ``__init__``; ``detect`` is pure, never raises for a ``str`` and runs in time roughly
linear in the length of the text. An invalid configuration raises ``ValueError`` at start-up.
"""

from __future__ import annotations

import bisect
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from config.settings import CONTENT_DIR

from .scrub import LABELS, scrub

__all__ = ["SignalDetector", "Signals", "default_path"]

SIGNALS = ("urgent", "identifies", "child_concern")
_META_KEYS = frozenset({"name", "signal", "strength", "kind", "window", "order", "first", "second"})
_KINDS = ("phrases", "name_intro", "pair")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
_WORD_CHAR = re.compile(r"\w")
_TOKEN = re.compile(r"\S+")
_NAME_AFTER = re.compile(r"\s+[\"'«“]?([^\W\d_][^\W\d_'\-]*)")

_PLATE_RULE = "identifies.plate"
_PERSONNUMMER_RULE = "identifies.personnummer"
_PAST_RULE = "urgent.suppressed_by_past_time"


@dataclass(frozen=True)
class Signals:
    """What :meth:`SignalDetector.detect` found in one message."""

    urgent: bool
    identifies: bool
    child_concern: bool
    matched: tuple[str, ...]


def default_path() -> Path:
    """The packaged word list, ``config/content/signals.toml``."""
    return CONTENT_DIR / "signals.toml"


def _strip_format(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.translate(_APOSTROPHES)


def _normalise(text: str) -> str:
    """NFKC, drop format characters, straighten apostrophes, case-fold."""
    return _strip_format(text).casefold()


def _phrase_pattern(phrase: str) -> tuple[bool, str]:
    """Regex body for one phrase, and whether it must start at a word boundary."""
    tokens = _normalise(phrase).split()
    if not tokens:
        raise ValueError(f"empty phrase in signal word list: {phrase!r}")
    parts: list[str] = []
    for tok in tokens:
        if tok.endswith("*") and len(tok) > 1:
            parts.append(re.escape(tok[:-1]) + r"\w*")
        else:
            parts.append(re.escape(tok))
    body = r"\s+".join(parts)
    last = tokens[-1]
    tail = r"(?!\w)" if (last.endswith("*") or _WORD_CHAR.match(last[-1])) else ""
    return _WORD_CHAR.match(tokens[0][0]) is not None, body + tail


def _compile(phrases: Iterable[str], flags: int = 0) -> re.Pattern[str] | None:
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    if not unique:
        return None
    compiled = [_phrase_pattern(p) for p in unique]
    # The word-boundary look-behind is factored out so long words are rejected at once.
    at_word = [body for bounded, body in compiled if bounded]
    anywhere = [body for bounded, body in compiled if not bounded]
    alternatives = []
    if at_word:
        alternatives.append(r"(?<!\w)(?:" + "|".join(at_word) + ")")
    if anywhere:
        alternatives.append("(?:" + "|".join(anywhere) + ")")
    return re.compile("|".join(alternatives), flags)


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
class _Rule:
    name: str
    signal: str
    kind: str
    weak: bool
    pattern: re.Pattern[str] | None  # phrases / name_intro / first of a pair
    second: re.Pattern[str] | None
    window: int
    any_order: bool


def _load_rule(raw: object, index: int) -> _Rule:
    if not isinstance(raw, dict):
        raise ValueError(f"rules[{index}] must be a table")
    name = raw.get("name")
    signal = raw.get("signal")
    kind = raw.get("kind", "phrases")
    strength = raw.get("strength", "strong")
    window = raw.get("window", 1)
    order = raw.get("order", "forward")
    if not isinstance(name, str) or not name:
        raise ValueError(f"rules[{index}].name is missing")
    if signal not in SIGNALS:
        raise ValueError(f"rule {name}: signal must be one of {SIGNALS}")
    if kind not in _KINDS:
        raise ValueError(f"rule {name}: kind must be one of {_KINDS}")
    if strength not in ("strong", "weak"):
        raise ValueError(f"rule {name}: strength must be 'strong' or 'weak'")
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ValueError(f"rule {name}: window must be a positive integer")
    if order not in ("forward", "any"):
        raise ValueError(f"rule {name}: order must be 'forward' or 'any'")
    assert isinstance(signal, str) and isinstance(kind, str)
    if kind == "pair":
        first, second = raw.get("first"), raw.get("second")
        if not isinstance(first, dict) or not isinstance(second, dict):
            raise ValueError(f"rule {name}: a pair needs tables 'first' and 'second'")
        pattern = _compile(_phrases_of(first, f"{name}.first"))
        second_pattern = _compile(_phrases_of(second, f"{name}.second"))
    else:
        flags = re.IGNORECASE if kind == "name_intro" else 0
        pattern = _compile(_phrases_of(raw, name), flags)
        second_pattern = None
    return _Rule(
        name=name,
        signal=signal,
        kind=kind,
        weak=strength == "weak",
        pattern=pattern,
        second=second_pattern,
        window=window,
        any_order=order == "any",
    )


def _token_span(starts: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Indices of the first and last whitespace-separated token covered by [start, end)."""
    return bisect.bisect_right(starts, start) - 1, bisect.bisect_right(starts, end - 1) - 1


class SignalDetector:
    """Detects urgent, identifying and child-concern messages with the TOML word lists."""

    def __init__(self, path: Path | None = None) -> None:
        """Load and compile the word list at ``path`` (default: :func:`default_path`)."""
        source = path if path is not None else default_path()
        with source.open("rb") as fh:
            data = tomllib.load(fh)
        raw_rules = data.get("rules")
        if not isinstance(raw_rules, list) or not raw_rules:
            raise ValueError(f"{source}: no [[rules]]")
        rules = tuple(_load_rule(raw, i) for i, raw in enumerate(raw_rules))
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ValueError(f"{source}: rule names must be unique")
        past = data.get("past_markers", {})
        if not isinstance(past, dict):
            raise ValueError(f"{source}: [past_markers] must be a table")
        self._rules = rules
        self._past = _compile(_phrases_of(past, "past_markers"))

    def detect(self, text: str) -> Signals:
        """Classify one message. Pure; see the module docstring for what each flag means."""
        plain = _strip_format(text)
        norm = plain.casefold()
        starts = [m.start() for m in _TOKEN.finditer(norm)]
        fired: list[str] = []
        weak_urgent: list[str] = []
        for rule in self._rules:
            if not self._fires(rule, plain, norm, starts):
                continue
            if rule.signal == "urgent" and rule.weak:
                weak_urgent.append(rule.name)
            else:
                fired.append(rule.name)
        strong_urgent = any(name.startswith("urgent.") for name in fired)
        if weak_urgent:
            if strong_urgent or self._past is None or not self._past.search(norm):
                fired.extend(weak_urgent)
            else:
                fired.append(_PAST_RULE)
        found = scrub(text).found
        if "regnr" in found or LABELS["regnr"] in text:
            fired.append(_PLATE_RULE)
        if "personnummer" in found or LABELS["personnummer"] in text:
            fired.append(_PERSONNUMMER_RULE)
        order = {r.name: i for i, r in enumerate(self._rules)}
        matched = tuple(sorted(fired, key=lambda n: order.get(n, len(order))))
        signal_of = {r.name: r.signal for r in self._rules}
        signal_of[_PLATE_RULE] = signal_of[_PERSONNUMMER_RULE] = "identifies"
        flags = {signal_of.get(n) for n in matched}
        return Signals(
            urgent="urgent" in flags,
            identifies="identifies" in flags,
            child_concern="child_concern" in flags,
            matched=matched,
        )

    @staticmethod
    def _fires(rule: _Rule, plain: str, norm: str, starts: Sequence[int]) -> bool:
        if rule.pattern is None:
            return False
        if rule.kind == "phrases":
            return rule.pattern.search(norm) is not None
        if rule.kind == "name_intro":
            # Case matters here, so search the un-folded text (phrases compiled IGNORECASE).
            for m in rule.pattern.finditer(plain):
                after = _NAME_AFTER.match(plain, m.end())
                if after is not None and after.group(1)[0].isupper():
                    return True
            return False
        if rule.second is None:
            return False
        firsts = sorted(_token_span(starts, *m.span()) for m in rule.pattern.finditer(norm))
        if not firsts:
            return False
        first_last = sorted(last for _, last in firsts)
        first_first = sorted(first for first, _ in firsts)
        for m in rule.second.finditer(norm):
            b_first, b_last = _token_span(starts, *m.span())
            # a word of `first` ending 1..window tokens before this word of `second`
            i = bisect.bisect_left(first_last, b_first - rule.window)
            if i < len(first_last) and first_last[i] <= b_first - 1:
                return True
            if rule.any_order:
                j = bisect.bisect_left(first_first, b_last + 1)
                if j < len(first_first) and first_first[j] <= b_last + rule.window:
                    return True
        return False
