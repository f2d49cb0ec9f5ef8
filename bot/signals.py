"""Safety signals in a resident's message: how urgent it is, whether it identifies a person
or vehicle, and whether it is worry about a child.

Contract
--------
``SignalDetector(path).detect(text)`` returns a :class:`Signals`:

* ``urgent``: clearly urgent (an ongoing threat to life, fire, violence, a break-in in
  progress, someone not breathing, drowning, a weapon now, a call for help now); the bot answers
  with 112 before anything else.
* ``possibly_urgent``: an alarming word without a sign that it is happening now ("jag hittade
  en kniv"); the bot gives its normal answer with one more line about 112. Never both.
* ``identifies``: the message names or describes a specific person or vehicle (a name from
  ``config/content/names.toml`` or after "heter"/"named"/"min granne", a flat number, clothing or
  hair, "en svart Volvo", a licence plate or a personnummer, also when already replaced by the
  scrubber's label); the bot redirects to 114 14 / polisen.se and keeps only category, place
  and time. Places ("Området heter Gröndal") do not count.
* ``child_concern``: worry about a specific child; the bot points to socialtjänsten (112 if
  acute) and stores nothing.
* ``matched``: the names of the lists and rules that fired (no duplicates, never user text),
  and with the model ``model.<grade>`` and ``model.identifies.<true|false>``.

Rules and model: by default the rules' findings go, as features, to the learned model of
``bot/safety_model.py`` (weights shipped in ``config/content/safety_model.npz``), and
:func:`combine` turns its scores into the grade and the person signal, with thresholds chosen
across authors; messages of fewer than :data:`MIN_WORDS` words are graded by the rules alone,
and plates, personnummer and the scrubber's ``[namn]`` always identify. Idioms
(``[urgent.idioms]``) are removed before either looks; cartoon characters and statues
(``[not_people]``) before the person rules do. ``learned=False`` gives the rules alone, as
described below.

How the rules grade urgency (word lists in ``config/content/signals.toml``, ``[urgent.*]``): an
*acute* phrase is clearly urgent by itself; a *danger* word is clearly urgent with a sign of
*now* (explicit "nu"/"right now", or a present/progressive form) or a call for help, and
possibly urgent without one. Past time and habit lower the grade by one step (an explicit
"now" keeps a danger word urgent), questions about rules make a danger word not urgent, a
hypothetical ("vad gör jag om…") caps it at possibly urgent, a negation right before a danger
word cancels it, and figurative uses are removed before matching ("jag brinner för").

The files (word lists, names, weights) are read once, in ``__init__``; ``detect`` is pure,
never raises for a ``str`` and runs in time roughly linear in the length of the text. An
invalid configuration or weights file raises ``ValueError`` at start-up.
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

from .names import Names
from .safety_model import SafetyModel, Scores, plain_letters
from .scrub import LABELS, found_kinds
from .text import fold_char

__all__ = ["SignalDetector", "Signals", "combine", "default_path", "fold", "word_count"]

SIGNALS = ("identifies", "child_concern")
_META_KEYS = frozenset(
    {"name", "signal", "strength", "kind", "window", "order", "first", "second", "all"}
)
_KINDS = ("phrases", "name_intro", "pair", "pattern")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
# Arabic/Persian letter variants folded to one form (hamza carriers on alef, Arabic yeh and
# kaf to the Persian forms; alef maksura is kept: "على" is not the name "علي").
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ي": "ی", "ك": "ک", "ة": "ه"})
_WORD_CHAR = re.compile(r"\w")
_TOKEN = re.compile(r"\S+")
_WORDS = re.compile(r"\w+(?:['\-]\w+)*")
_NAME_AFTER = re.compile(r"\s+[\"'«“]?([^\W\d_][^\W\d_'\-]*)")
_CLAUSE_BREAK = re.compile(r"[,.;:!?()]")

_PLATE_RULE = "identifies.plate"
_PERSONNUMMER_RULE = "identifies.personnummer"
_NAME_RULE = "identifies.name"
_LABEL_RULE = "identifies.label"
_URGENT_LISTS = (
    "acute", "danger", "now", "present", "help", "past", "habitual", "rules", "hypothetical",
    "negation", "bot", "ongoing",
)  # fmt: skip
_NEGATION_WINDOW = 2
# Messages shorter than this many words are graded by the rules alone (see combine()).
MIN_WORDS = 3
_EXPLICIT_PERSON = frozenset({"identifies.plate", "identifies.personnummer", "identifies.label"})
_SCRUB_KINDS = frozenset({"regnr", "personnummer"})


@dataclass(frozen=True)
class Signals:
    """What :meth:`SignalDetector.detect` found in one message."""

    urgent: bool
    identifies: bool
    child_concern: bool
    matched: tuple[str, ...]
    possibly_urgent: bool = False


def combine(
    rule_grade: str,
    rule_names: Sequence[str],
    scores: Scores,
    thresholds: Mapping[str, float],
    words: int,
) -> tuple[str, bool]:
    """The grade and person signal from the rules' findings and the model's scores (the
    model already saw the rules' findings as features). Chosen for recall: the model's
    ``urgent`` above its threshold is clearly urgent; its ``alarm`` above its threshold, or
    the rules calling it clearly urgent, is at least possibly urgent. A message of fewer than
    :data:`MIN_WORDS` words ("nu", "7", "Hjälp!") is graded by the rules alone: the model has
    too little to go on. A plate, a personnummer or a name the scrubber already replaced always
    identifies someone (explicit patterns are what rules do best)."""
    explicit = any(n in _EXPLICIT_PERSON for n in rule_names)
    if words < MIN_WORDS:
        return rule_grade, explicit or any(n.startswith("identifies.") for n in rule_names)
    if scores.urgent >= thresholds["urgent"]:
        grade = "urgent"
    elif scores.alarm >= thresholds["alarm"] or rule_grade == "urgent":
        grade = "possible"
    else:
        grade = "none"
    return grade, explicit or scores.identifies >= thresholds["identifies"]


def word_count(text: str) -> int:
    """Words in a message, as :func:`combine` counts them."""
    return len(_WORDS.findall(text))


def default_path() -> Path:
    """The packaged word list, ``config/content/signals.toml``."""
    return CONTENT_DIR / "signals.toml"


def _fold_chars(text: str) -> str:
    """Case kept: NFKC, dashes/spaces straightened, format characters and Arabic diacritics
    dropped, apostrophes straightened, Arabic/Persian letter variants unified."""
    if text.isascii():
        return text.translate(_APOSTROPHES)
    out = []
    for ch in text:
        if unicodedata.category(ch) == "Mn" and "\u0600" <= ch <= "\u06ff":
            continue  # Arabic harakat and tanwin
        out.append(fold_char(ch))
    return "".join(out).translate(_APOSTROPHES).translate(_ARABIC)


def fold(text: str) -> str:
    """The form in which messages and word lists are compared (see the TOML header)."""
    return _fold_chars(text).casefold()


def _phrase_pattern(phrase: str) -> tuple[bool, str]:
    """Regex body for one phrase, and whether it must start at a word boundary."""
    tokens = fold(phrase).split()
    if not tokens:
        raise ValueError(f"empty phrase in signal word list: {phrase!r}")
    parts: list[str] = []
    for i, tok in enumerate(tokens):
        prefix = ""
        if i == 0 and tok.startswith("*") and len(tok) > 1:
            prefix, tok = r"\w*", tok[1:]
        if tok.endswith("*") and len(tok) > 1:
            parts.append(prefix + re.escape(tok[:-1]) + r"\w*")
        else:
            parts.append(prefix + re.escape(tok))
    body = r"\s+".join(parts)
    last = tokens[-1]
    tail = r"(?!\w)" if (last.endswith("*") or _WORD_CHAR.match(last[-1])) else ""
    first = tokens[0].lstrip("*")
    return _WORD_CHAR.match(first[0]) is not None, body + tail


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


def _table(data: Mapping[str, object], key: str, source: Path) -> Mapping[str, object]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ValueError(f"{source}: [urgent.{key}] must be a table")
    return table


def _regexes(values: Iterable[str], where: str, flags: int = 0) -> re.Pattern[str] | None:
    parts = []
    for v in values:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"{where}: invalid regular expression {v!r}: {exc}") from exc
        parts.append(f"(?:{v})")
    return re.compile("|".join(parts), flags) if parts else None


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
    pattern: re.Pattern[str] | None  # phrases / name_intro / pattern / first of a pair
    second: re.Pattern[str] | None
    window: int
    any_order: bool


def _load_rule(raw: object, index: int) -> _Rule:
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
    second_pattern = None
    if kind == "pair":
        first, second = raw.get("first"), raw.get("second")
        if not isinstance(first, dict) or not isinstance(second, dict):
            raise ValueError(f"rule {name}: a pair needs tables 'first' and 'second'")
        pattern = _compile(_phrases_of(first, f"{name}.first"))
        second_pattern = _compile(_phrases_of(second, f"{name}.second"))
    elif kind == "pattern":
        values = raw.get("all", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"rule {name}: 'all' must be a list of regular expressions")
        pattern = _regexes(values, f"rule {name}")
    else:
        flags = re.IGNORECASE if kind == "name_intro" else 0
        pattern = _compile(_phrases_of(raw, name), flags)
    return _Rule(
        name=name,
        signal=signal,
        kind=kind,
        pattern=pattern,
        second=second_pattern,
        window=window,
        any_order=order == "any",
    )


_CAPITALISED = re.compile(r"\s+(?:[A-Z]\.\s?)?([^\W\d_][\w'\-]*)")


@dataclass(frozen=True)
class _NotPeople:
    names: re.Pattern[str] | None
    before: re.Pattern[str] | None

    def mask(self, plain: str) -> str:
        """``plain`` with non-people blanked out (same length): listed characters, and the
        capitalised words after a statue/street word."""
        spans: list[tuple[int, int]] = []
        if self.names is not None:
            spans.extend(m.span() for m in self.names.finditer(plain))
        if self.before is not None:
            for m in self.before.finditer(plain):
                end = m.end()
                for _ in range(4):
                    after = _CAPITALISED.match(plain, end)
                    if after is None or not after.group(1)[0].isupper():
                        break
                    end = after.end()
                if end > m.end():
                    spans.append((m.start(), end))
        if not spans:
            return plain
        chars = list(plain)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        return "".join(chars)


def _load_not_people(data: object, source: Path) -> _NotPeople:
    if data is None:
        return _NotPeople(None, None)
    if not isinstance(data, dict):
        raise ValueError(f"{source}: [not_people] must be a table")
    lists = {}
    for key in ("names", "before"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{source}: not_people.{key} must be a list of strings")
        lists[key] = _compile(value, re.IGNORECASE)
    return _NotPeople(lists["names"], lists["before"])


def _load_cues(
    data: object, source: Path
) -> tuple[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None], ...]:
    """``[person_cues.*]``: (name, pattern, pattern without diacritics) per list."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise ValueError(f"{source}: [person_cues] must be a table")
    out = []
    for name, table in sorted(data.items()):
        if not isinstance(table, dict):
            raise ValueError(f"{source}: [person_cues.{name}] must be a table")
        phrases = _phrases_of(table, f"person_cues.{name}")
        bare = {plain_letters(fold(p)) for p in phrases}
        out.append((name, _compile(phrases), _compile(p for p in bare if p.strip())))
    return tuple(out)


def _token_span(starts: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Indices of the first and last whitespace-separated token covered by [start, end)."""
    return bisect.bisect_right(starts, start) - 1, bisect.bisect_right(starts, end - 1) - 1


@dataclass(frozen=True)
class _Urgency:
    lists: Mapping[str, re.Pattern[str] | None]
    # The same lists without diacritics, matched against the message without diacritics:
    # only as features for the model ("rok" for "rök", "pozar" for "pożar").
    plain_lists: Mapping[str, re.Pattern[str] | None]
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


def _load_urgency(data: object, source: Path) -> _Urgency:
    if not isinstance(data, dict):
        raise ValueError(f"{source}: [urgent] is missing")
    lists: dict[str, re.Pattern[str] | None] = {}
    plain_lists: dict[str, re.Pattern[str] | None] = {}
    for key in _URGENT_LISTS:
        table = data.get(key)
        if not isinstance(table, dict):
            raise ValueError(f"{source}: [urgent.{key}] is missing")
        phrases = _phrases_of(table, f"urgent.{key}")
        lists[key] = _compile(phrases)
        plain_lists[key] = _compile(p for p in {plain_letters(p) for p in phrases} if p.strip())
    for key in ("acute", "danger", "now", "help"):
        if lists[key] is None:
            raise ValueError(f"{source}: [urgent.{key}] is empty")

    def regex_table(key: str) -> re.Pattern[str] | None:
        table = data.get(key, {})
        if not isinstance(table, dict):
            raise ValueError(f"{source}: [urgent.{key}] must be a table")
        return _regexes(_phrases_of(table, f"urgent.{key}"), f"urgent.{key}")

    negation_table = data["negation"]
    alone = data.get("help_alone", {})
    if not isinstance(alone, dict):
        raise ValueError(f"{source}: [urgent.help_alone] must be a table")
    return _Urgency(
        lists=lists,
        plain_lists=plain_lists,
        present_patterns=regex_table("present_patterns"),
        figurative=regex_table("figurative"),
        idioms=_regexes(
            _phrases_of(_table(data, "idioms", source), "urgent.idioms"),
            "urgent.idioms",
            re.IGNORECASE,
        ),
        negation=frozenset(fold(w) for w in _phrases_of(negation_table, "urgent.negation")),
        help_alone=frozenset(fold(w) for w in _string_list(alone, "words", source)),
        help_fillers=frozenset(fold(w) for w in _string_list(alone, "fillers", source)),
    )


class SignalDetector:
    """Grades urgency and detects identifying and child-concern messages (see module doc)."""

    def __init__(
        self,
        path: Path | None = None,
        names: Names | None = None,
        *,
        model: SafetyModel | None = None,
        learned: bool = True,
    ) -> None:
        """Load and compile the word list at ``path`` (default: :func:`default_path`) and the
        learned model (``model``, default: the packaged one; ``learned=False``: rules only)."""
        source = path if path is not None else default_path()
        with source.open("rb") as fh:
            data = tomllib.load(fh)
        raw_rules = data.get("rules")
        if not isinstance(raw_rules, list) or not raw_rules:
            raise ValueError(f"{source}: no [[rules]]")
        rules = tuple(_load_rule(raw, i) for i, raw in enumerate(raw_rules))
        names_seen = [r.name for r in rules]
        if len(set(names_seen)) != len(names_seen):
            raise ValueError(f"{source}: rule names must be unique")
        self._rules = rules
        self._urgency = _load_urgency(data.get("urgent"), source)
        self._not_people = _load_not_people(data.get("not_people"), source)
        self._person_cues = _load_cues(data.get("person_cues"), source)
        self._names = names if names is not None else Names.load()
        if model is None and learned:
            model = SafetyModel.load()
        self._model = model if learned else None

    # ---- urgency ------------------------------------------------------------------------

    def _negated(self, norm: str, start: int) -> bool:
        """A negation word among the few words right before ``start`` (same clause)."""
        before = norm[max(0, start - 60) : start]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        if breaks:
            before = before[breaks[-1].end() :]
        words = _WORDS.findall(before)[-_NEGATION_WINDOW:]
        return any(w in self._urgency.negation for w in words)

    def _hits(self, key: str, norm: str, *, negatable: bool = False) -> bool:
        pattern = self._urgency.lists[key]
        if pattern is None:
            return False
        for m in pattern.finditer(norm):
            if not negatable or not self._negated(norm, m.start()):
                return True
        return False

    def _help_alone(self, norm: str) -> bool:
        words = _WORDS.findall(norm)
        u = self._urgency
        return (
            0 < len(words) <= 4
            and any(w in u.help_alone for w in words)
            and all(w in u.help_alone or w in u.help_fillers for w in words)
        )

    def grade(self, norm: str) -> tuple[str, list[str]]:
        """``("urgent" | "possible" | "none", list names)`` for a folded message."""
        u = self._urgency
        if u.figurative is not None:
            norm = u.figurative.sub(" ", norm)
        fired: list[str] = []

        def has(key: str, negatable: bool = False) -> bool:
            found = self._hits(key, norm, negatable=negatable)
            if found:
                fired.append(f"urgent.{key}")
            return found

        acute = has("acute", negatable=True)
        danger = has("danger", negatable=True)
        helping = has("help") or self._help_alone(norm)
        if not (acute or danger or helping):
            if has("ongoing") and not has("rules") and not has("bot"):
                return "possible", fired
            return "none", []
        now = has("now")
        present = has("present")
        if not present and u.present_patterns is not None and u.present_patterns.search(norm):
            present = True
            fired.append("urgent.present_patterns")
        before = has("past") | has("habitual")
        rules = has("rules")
        hypothetical = has("hypothetical")
        if acute:
            if rules or hypothetical or (before and not now):
                return "possible", fired
            return "urgent", fired
        if danger:
            if rules:
                return "none", fired
            if hypothetical:
                return "possible", fired
            if now or helping:
                return "urgent", fired
            if present:
                return ("possible" if before else "urgent"), fired
            return ("none" if before else "possible"), fired
        # a call for help without a danger word
        if has("bot") or rules:
            return "none", fired
        if self._help_alone(norm):
            fired.append("urgent.help_alone")
            return "urgent", fired
        return "possible", fired

    # ---- the whole message ----------------------------------------------------------------

    def rule_findings(self, text: str) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
        """What the rules alone say about a cleaned message: its folded form (case kept), the
        rules' grade (``"urgent" | "possible" | "none"``), the names of the rules that fired,
        and the model's rule features: those names plus the grade, the word lists found
        anywhere (``list.danger``; ``plain.danger`` without diacritics), ``not_people`` and
        ``identifies.label`` (``bench/train_safety_model.py`` uses this too)."""
        plain = _fold_chars(text)
        idioms = self._urgency.idioms
        if idioms is not None:
            plain = idioms.sub(" ", plain)
        norm = plain.casefold()
        grade, fired = self.grade(norm)
        # People are looked for without cartoon characters, statues and streets.
        person_plain = self._not_people.mask(plain)
        person_norm = person_plain.casefold()
        starts = [m.start() for m in _TOKEN.finditer(person_norm)]
        for rule in self._rules:
            if self._fires(rule, person_plain, person_norm, starts):
                fired.append(rule.name)
        if self._names.mentions(person_plain):
            fired.append(_NAME_RULE)
        found = found_kinds(text, _SCRUB_KINDS)
        if "regnr" in found or LABELS["regnr"] in text:
            fired.append(_PLATE_RULE)
        if "personnummer" in found or LABELS["personnummer"] in text:
            fired.append(_PERSONNUMMER_RULE)
        extra = [f"grade.{grade}", *self._list_features(norm)]
        if LABELS.get("namn", "\0") in text:
            fired.append(_NAME_RULE)
            extra.append(_LABEL_RULE)
        if person_plain != plain:
            extra.append("not_people")
        matched = tuple(dict.fromkeys(fired))
        return plain, grade, matched, (*matched, *extra)

    def _list_features(self, norm: str) -> list[str]:
        """Which urgency word lists and person cues occur anywhere in the message, with and
        without diacritics, whatever the rules concluded: features for the model only."""
        out = []
        bare = plain_letters(norm)
        for name, pattern, plain_pattern in self._person_cues:
            if (pattern is not None and pattern.search(norm)) or (
                plain_pattern is not None and plain_pattern.search(bare)
            ):
                out.append(f"cue.{name}")
        for key in _URGENT_LISTS:
            pattern = self._urgency.lists[key]
            if pattern is not None and pattern.search(norm):
                out.append(f"list.{key}")
            pattern = self._urgency.plain_lists[key]
            if pattern is not None and pattern.search(bare):
                out.append(f"plain.{key}")
        return out

    def detect(self, text: str) -> Signals:
        """Classify one message. Pure; see the module docstring for what each field means."""
        plain, grade, matched, rule_features = self.rule_findings(text)
        identifies = any(n.startswith("identifies.") for n in matched)
        if self._model is not None:
            scores = self._model.scores(plain, rule_features)
            words = word_count(plain)
            grade, identifies = combine(grade, rule_features, scores, self._model.thresholds, words)
            matched = (*matched, f"model.{grade}", f"model.identifies.{identifies}".lower())
        return Signals(
            urgent=grade == "urgent",
            possibly_urgent=grade == "possible",
            identifies=identifies,
            child_concern=any(n.startswith("child_concern.") for n in matched),
            matched=matched,
        )

    @staticmethod
    def _fires(rule: _Rule, plain: str, norm: str, starts: Sequence[int]) -> bool:
        if rule.pattern is None:
            return False
        if rule.kind in ("phrases", "pattern"):
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
