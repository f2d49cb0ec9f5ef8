"""The detector: the rules grade urgency and look for people, and the learned model (when on)
has the last word through :func:`~bot.signals.grading.combine`."""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from config.base import CONTENT_DIR

from ..names import Names, fold, strings_of, tables_of
from ..safety_model import SafetyModel, plain_letters
from ..scrub import LABELS, found_kinds
from .folding import WORDS, fold_chars, split_ettei, word_count
from .grading import Signals, combine
from .wordlists import (
    URGENT_LISTS,
    Cue,
    Rule,
    default_path,
    load_cues,
    load_not_people,
    load_rule,
    load_urgency,
)

_TOKEN = re.compile(r"\S+")
_NAME_AFTER = re.compile(r"\s+[\"'«“]?([^\W\d_][^\W\d_'\-]*)")
_CLAUSE_BREAK = re.compile(r"[,.;:!?()]")
# A letter written three times or more ("hjäääälp", "apuuuu", "ndihmeee") counts once for the
# urgency lists: a cry drawn out on a phone keyboard is the same word.
_DRAWN_OUT = re.compile(r"([^\W\d_])\1{2,}")
# Serbian (and Bosnian/Montenegrin) written in Cyrillic is matched by the Latin hr lists; a
# message counts as Serbian Cyrillic when it has a letter that Ukrainian and Russian lack.
_SERBIAN_ONLY = frozenset("јљњћђџ")
_SERBIAN_LATIN = str.maketrans(
    {
        **dict(zip("абвгдежзиклмнопрстуфхцчш", "abvgdežziklmnoprstufhcčš", strict=True)),
        "ђ": "đ", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "ć", "џ": "dž",
    }
)  # fmt: skip

_PLATE_RULE = "identifies.plate"
_PERSONNUMMER_RULE = "identifies.personnummer"
_NAME_RULE = "identifies.name"
_LABEL_RULE = "identifies.label"
_HANDLE_RULE = "identifies.handle"
_OWN_ID_RULE = "own_id.personnummer"
_OWN_ID_CUE = "cue.own_id"
_IDIOM_RULE = "nobody.idiom"
_FICTION_RULE = "nobody.fiction"
_OWN_HANDLE_RULE = "nobody.own_handle"  # "I made an account @…": the handle is the writer's
_OWN_NUMBER_RULE = "nobody.own_number"  # "they asked for my …": the number is the writer's
_NOBODY_PREFIX = "nobody."
_NEGATION_WINDOW = 2
# What the scrubber finds is looked for too: plates and personnummer are rules; a handle
# ("@kalle_99", "usern heter x_bandit_x") is a feature of the model only.
_SCRUB_KINDS = frozenset({"regnr", "personnummer", "anvandarnamn"})


_GROUP_CUE = "group"


def _either(
    pattern: re.Pattern[str] | None, plain_pattern: re.Pattern[str] | None
) -> re.Pattern[str] | None:
    """One pattern for a cue list as written and without diacritics."""
    both = [p for p in (pattern, plain_pattern) if p is not None]
    if not both:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in both), both[0].flags)


_LARGE_NAME_CUE = "cue.large_name"
_NAME_TOKEN = re.compile(r"[^\W\d_]{2,}")


@cache
def _large_names() -> frozenset[str]:
    """The names of ``names_large.toml`` (the scrubber's larger list) that are no common word,
    place or frequent word: a feature of the person model only (issue 19)."""
    path = CONTENT_DIR / "names_large.toml"
    if not path.exists():
        return frozenset()
    data = tomllib.loads(path.read_text(encoding="utf-8"))

    def entries(key: str) -> set[str]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise ValueError(f"{path}: {key} must be a list")
        return {fold(e.get("name", "") if isinstance(e, dict) else str(e)) for e in value}

    names = {fold(n) for n in (*tables_of(data, "first"), *tables_of(data, "surnames"))}
    drop = entries("common_words") | entries("places_not_people")
    drop |= {fold(w) for w in strings_of(data, "frequent_words")}
    return frozenset(names - drop)


def _cue_found(cue: Cue, text: str, bare: str) -> bool:
    """A cue list in a folded message (``bare``: the same without diacritics): the list as
    written, or the list without diacritics where the message was typed without them ("corka"
    for "córka"); but not a word typed WITH diacritics against a list word without them:
    "hallå" is no "halla" (Albanian: aunt). Mostly one search."""
    pattern, plain_pattern, quick = cue.pattern, cue.plain, cue.plain_quick
    if plain_pattern is None or quick is None:
        return pattern is not None and pattern.search(text) is not None
    if bare == text:
        return quick.search(text) is not None
    if len(bare) != len(text):  # "æ" -> "ae": no position-by-position comparison
        return (pattern is not None and pattern.search(text) is not None) or (
            quick.search(text) is not None
        )
    if quick.search(bare) is None:
        return False
    for m in plain_pattern.finditer(bare):
        start, end = m.span()
        if text[start:end] == bare[start:end]:
            return True
        if pattern is not None and pattern.match(text, start, end) is not None:
            return True
    return False


def _token_span(starts: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Indices of the first and last whitespace-separated token covered by [start, end)."""
    return bisect.bisect_right(starts, start) - 1, bisect.bisect_right(starts, end - 1) - 1


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
        rules = tuple(load_rule(raw, i) for i, raw in enumerate(raw_rules))
        names_seen = [r.name for r in rules]
        if len(set(names_seen)) != len(names_seen):
            raise ValueError(f"{source}: rule names must be unique")
        self._rules = rules
        self._nobody_rules = tuple(r for r in rules if r.name.startswith(_NOBODY_PREFIX))
        self._other_rules = tuple(r for r in rules if not r.name.startswith(_NOBODY_PREFIX))
        self._urgency = load_urgency(data.get("urgent"), source)
        self._not_people = load_not_people(data.get("not_people"), source)
        cues = load_cues(data.get("person_cues"), source, replaced={_GROUP_CUE})
        self._person_cues = tuple(c for c in cues if c.name != _GROUP_CUE)
        group = next((c for c in cues if c.name == _GROUP_CUE), None)
        self._cue_group = _either(group.pattern, group.plain) if group is not None else None
        self._names = names if names is not None else Names.load()
        self._large_names = _large_names()
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
        words = WORDS.findall(before)[-_NEGATION_WINDOW:]
        return any(w in self._urgency.negation for w in words)

    def _hits(self, key: str, norm: str, *, negatable: bool = False, bare: str = "") -> bool:
        """A phrase of list ``key`` in ``norm`` (not right after a negation when
        ``negatable``), or one of its longer phrases without diacritics in ``bare``."""
        for pattern, text in (
            (self._urgency.lists[key], norm),
            (self._urgency.bare_rule_lists[key] if bare and bare != norm else None, bare),
        ):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                if not negatable or not self._negated(text, m.start()):
                    return True
        return False

    def _despair(self, norm: str) -> bool:
        """A phrase of ``[urgent.despair]`` that ends its clause ("ne mogu više.", "I can't go on,
        …", at the end of the message): "ne mogu više čekati" (can't wait any longer) goes on
        with what the writer cannot do, and is no despair."""
        pattern = self._urgency.lists["despair"]
        if pattern is None:
            return False
        for m in pattern.finditer(norm):
            rest = norm[m.end() :].lstrip()
            if not rest or not (rest[0].isalnum() or rest[0] == "_"):
                return True
        return False

    def _help_alone(self, norm: str) -> bool:
        words = WORDS.findall(norm)
        u = self._urgency
        return (
            0 < len(words) <= 4
            and any(w in u.help_alone for w in words)
            and all(w in u.help_alone or w in u.help_fillers for w in words)
        )

    @staticmethod
    def urgency_form(norm: str) -> str:
        """The folded message as the urgency lists see it: drawn-out letters once, Serbian
        Cyrillic in Latin letters."""
        norm = _DRAWN_OUT.sub(r"\1", norm)
        norm = split_ettei(norm)
        if not _SERBIAN_ONLY.isdisjoint(norm):
            norm = norm.translate(_SERBIAN_LATIN)
        return norm

    def grade(self, norm: str) -> tuple[str, list[str]]:
        """``("urgent" | "possible" | "none", list names)`` for a folded message."""
        u = self._urgency
        norm = self.urgency_form(norm)
        if u.figurative is not None:
            norm = u.figurative.sub(" ", norm)
        fired: list[str] = []

        bare = plain_letters(norm)

        def has(key: str, negatable: bool = False) -> bool:
            found = self._hits(key, norm, negatable=negatable, bare=bare)
            if found:
                fired.append(f"urgent.{key}")
            return found

        acute = has("acute", negatable=True)
        # "I can't anymore" with a means or a plan ("… the pills are beside me"): acute (urg6)
        if self._despair(norm):  # found by _despair: recorded, not searched for again
            fired.append("urgent.despair")
            if has("means"):
                fired.append("urgent.despair_means")
                acute = True
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
        # a hypothetical, a joke or laughter, a film or a game: not happening now
        hypothetical = has("hypothetical") | has("joking") | has("fiction")
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
        plain = fold_chars(text)
        idioms = self._urgency.idioms
        idiom = False
        if idioms is not None:
            plain, removed = idioms.subn(" ", plain)
            # "my boss stabbed me in the back", "asking for a friend": a figure of speech, and
            # whoever is in it is nobody to report (issue 19)
            idiom = removed > 0
        norm = plain.casefold()
        grade, fired = self.grade(norm)
        # People are looked for without cartoon characters, statues and streets.
        person_plain = self._not_people.mask(plain)
        not_people = person_plain != plain
        # … and without apps, restaurants and holy titles (issue 19; no feature of their own)
        person_plain = self._not_people.mask_places(person_plain)
        person_norm = person_plain.casefold()
        starts = [m.start() for m in _TOKEN.finditer(person_norm)]
        for rule in self._other_rules:
            if self._fires(rule, person_plain, person_norm, starts):
                fired.append(rule.name)
        # Nobody to report ("the statue of …", "imam Ali", "screams from the neighbours' flat")
        # is looked for in the whole message: the masking above blanks what they name.
        if person_norm != norm:
            starts = [m.start() for m in _TOKEN.finditer(norm)]
        for rule in self._nobody_rules:
            if self._fires(rule, plain, norm, starts):
                fired.append(rule.name)
        if idiom:
            fired.append(_IDIOM_RULE)
        # a character of [not_people] names ("Mario", "Kalle Anka") is fiction too (person6)
        characters = self._not_people.names
        if _FICTION_RULE not in fired and characters is not None and characters.search(plain):
            fired.append(_FICTION_RULE)
        if self._names.mentions(person_plain):
            fired.append(_NAME_RULE)
        found = found_kinds(text, _SCRUB_KINDS)
        if "regnr" in found or LABELS["regnr"] in text:
            fired.append(_PLATE_RULE)
        extra = [f"grade.{grade}", *self._list_features(norm)]
        if "anvandarnamn" in found:
            # the writer's own handle ("insta mi je @amra.vmo") names nobody else; someone
            # else's ("his nick is polak_z_vmo") identifies them
            # ("I made an account @… for the residents", person6: nobody.own_handle)
            own = "cue.own_handle" in extra or _OWN_HANDLE_RULE in fired
            extra.append("own_id.handle" if own else "found.anvandarnamn")
            if "cue.other_handle" in extra and not own:
                fired.append(_HANDLE_RULE)
        if "personnummer" in found or LABELS["personnummer"] in text:
            # the writer's own number ("mitt personnummer är …") identifies nobody else
            own = _OWN_ID_CUE in extra or _OWN_NUMBER_RULE in fired
            fired.append(_OWN_ID_RULE if own else _PERSONNUMMER_RULE)
        if LABELS.get("namn", "\0") in text:
            fired.append(_NAME_RULE)
            extra.append(_LABEL_RULE)
        if not_people:
            extra.append("not_people")
        if self._large_names and self._has_large_name(person_plain):
            extra.append(_LARGE_NAME_CUE)
        matched = tuple(dict.fromkeys(fired))
        return plain, grade, matched, (*matched, *extra)

    def _has_large_name(self, plain: str) -> bool:
        """A word of the scrubber's larger name list, capitalised ("Noor hasnt answered", "Ola
        nie odpisuje"; not in capitals) or in a script without case."""
        for m in _NAME_TOKEN.finditer(plain):
            word = m.group()
            first = word[0]
            if first.isupper():
                if word.isupper() and len(word) > 1:
                    continue
            elif first.islower():
                continue
            if fold(word) in self._large_names:
                return True
        return False

    def _list_features(self, norm: str) -> list[str]:
        """Which urgency word lists and person cues occur anywhere in the message, with and
        without diacritics, whatever the rules concluded: features for the model only."""
        out = []
        bare = plain_letters(norm)
        text = norm
        group = self._cue_group
        if group is not None:
            # Neighbours as a group ("grannarna", "straż sąsiedzka") and Somali "dad baa"
            # (people) are no particular person: the other person cues do not see those words.
            masked = group.sub(" ", norm)
            if masked != norm:
                out.append(f"cue.{_GROUP_CUE}")
                text = masked
        text_bare = bare if text is norm else plain_letters(text)
        for cue in self._person_cues:
            if _cue_found(cue, text, text_bare):
                out.append(f"cue.{cue.name}")
        norm = self.urgency_form(norm)
        bare = plain_letters(norm)
        for key in URGENT_LISTS:
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
    def _fires(rule: Rule, plain: str, norm: str, starts: Sequence[int]) -> bool:
        if rule.pattern is None:
            return False
        if rule.kind in ("phrases", "pattern"):
            return rule.pattern.search(norm) is not None
        if rule.kind == "name_intro":
            # Case matters here, so search the un-folded text (phrases compiled IGNORECASE).
            if rule.quick is not None and rule.quick.search(plain) is None:
                return False
            for m in rule.pattern.finditer(plain):
                after = _NAME_AFTER.match(plain, m.end())
                if after is not None and after.group(1)[0].isupper():
                    return True
            return False
        if rule.second is None or (rule.quick is not None and rule.quick.search(norm) is None):
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
