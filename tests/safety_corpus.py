"""The labelled safety-text corpus in ``tests/data/`` and the figures computed from it.

Used by the tests (thresholds) and by ``bench/safety_text.py`` (figures against the previous
release). Files:

* ``safety_tune.txt`` / ``safety_holdout.txt``: ``<lang> <U|P|N> <0|1> <text>`` per line
  (urgency: clearly urgent / possibly urgent / not urgent; person or vehicle: 1/0). The
  holdout part is never used to tune the word lists.
* ``scrub_corpus.txt``: ``<kind> || <message> || <expected>`` (``=`` means unchanged).
* ``safety_authors/<author>/corpus.jsonl``: one JSON object a line, written by an independent
  author from the brief beside it (``BRIEF.md``; format in ``safety_authors/SPEC.md``):
  ``{"lang", "urgency": "urgent"|"possible"|"none", "identifies", "pii", "text"}``.

The project's own two files together count as one more author, ``project``: the learned
detector is judged leaving one author out at a time (``bench/safety_text.py``).

* ``safety_readers/``: 600 of those messages (a seeded random sample, ``messages.jsonl``, the
  author of each in ``authors.jsonl``) labelled "identifies a person or vehicle" once more by
  three independent readers (``reader_A/B/C.jsonl``) who saw only the messages and the issue's
  definition (``TASK.md``), not the authors' labels: how far the definition itself decides.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
TUNE = DATA / "safety_tune.txt"
HOLDOUT = DATA / "safety_holdout.txt"
SCRUB = DATA / "scrub_corpus.txt"
AUTHORS_DIR = DATA / "safety_authors"
READERS_DIR = DATA / "safety_readers"
READERS = ("A", "B", "C")
OWN_AUTHOR = "project"
_GRADES = {"urgent": "U", "possible": "P", "none": "N"}
LANGS = ("sv", "en", "hr", "sq", "ar", "so", "ti", "fa", "uk", "fi", "pl")


@dataclass(frozen=True)
class Labelled:
    lang: str
    urgency: str  # "U", "P" or "N"
    person: bool
    text: str
    author: str = OWN_AUTHOR


@dataclass(frozen=True)
class Planted:
    kind: str  # a scrubber kind, or "none" for a harmless message
    text: str
    expected: str


def _lines(path: Path) -> Iterable[str]:
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            yield raw


def load_labelled(path: Path) -> list[Labelled]:
    out = []
    for line in _lines(path):
        lang, urgency, person, text = line.split(" ", 3)
        if lang not in LANGS or urgency not in "UPN" or person not in "01":
            raise ValueError(f"{path.name}: bad line {line!r}")
        out.append(Labelled(lang, urgency, person == "1", text))
    return out


def load_author(name: str) -> list[Labelled]:
    """One author's messages: the project's own files for :data:`OWN_AUTHOR`, otherwise
    ``safety_authors/<name>/corpus.jsonl``."""
    if name == OWN_AUTHOR:
        return load_labelled(TUNE) + load_labelled(HOLDOUT)
    path = AUTHORS_DIR / name / "corpus.jsonl"
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        row = json.loads(raw)
        lang, grade, person, text = row["lang"], row["urgency"], row["identifies"], row["text"]
        if lang not in LANGS or grade not in _GRADES or not isinstance(person, bool):
            raise ValueError(f"{path}:{n}: bad labels {raw[:80]!r}")
        out.append(Labelled(lang, _GRADES[grade], person, text, name))
    return out


def author_names() -> list[str]:
    """The independent authors in ``safety_authors/`` (sorted) and the project itself."""
    found = sorted(p.parent.name for p in AUTHORS_DIR.glob("*/corpus.jsonl"))
    return [*found, OWN_AUTHOR]


def load_authors() -> dict[str, list[Labelled]]:
    """Every author's messages, by author."""
    return {name: load_author(name) for name in author_names()}


@dataclass(frozen=True)
class Read:
    """One message of the readers' sample: the author's labelled message and each reader's
    answer to "identifies a person or vehicle"."""

    item: Labelled
    readers: tuple[bool, ...]

    @property
    def majority(self) -> bool:
        return 2 * sum(self.readers) > len(self.readers)


def _by_id(path: Path) -> dict[int, dict[str, object]]:
    rows = [json.loads(line) for line in _lines(path)]
    return {int(row["id"]): row for row in rows}


def load_readers(authors: dict[str, list[Labelled]] | None = None) -> list[Read]:
    """The readers' sample (see the module docstring), each message found in its author's
    corpus; a message that is not there, or a missing answer, is an error."""
    authors = authors if authors is not None else load_authors()
    messages = _by_id(READERS_DIR / "messages.jsonl")
    written_by = _by_id(READERS_DIR / "authors.jsonl")
    answers = [_by_id(READERS_DIR / f"reader_{r}.jsonl") for r in READERS]
    out = []
    for n, msg in sorted(messages.items()):
        author = str(written_by[n]["author"])
        item = next(
            (i for i in authors[author] if i.text == msg["text"] and i.lang == msg["lang"]), None
        )
        if item is None:
            raise ValueError(f"readers' message {n} is not in {author}'s corpus")
        said = tuple(a[n]["identifies"] for a in answers)
        if not all(isinstance(x, bool) for x in said):
            raise ValueError(f"readers' message {n}: answers {said!r}")
        out.append(Read(item, tuple(bool(x) for x in said)))
    return out


def load_planted(path: Path = SCRUB) -> list[Planted]:
    out = []
    for line in _lines(path):
        kind, text, expected = (part.strip() for part in line.split("||"))
        out.append(Planted(kind, text, text if expected == "=" else expected))
    return out


@dataclass(frozen=True)
class PR:
    """Precision and recall with their counts."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def pr(pairs: Iterable[tuple[bool, bool]]) -> PR:
    """``pairs`` of (gold, predicted)."""
    tp = fp = fn = 0
    for gold, pred in pairs:
        tp += gold and pred
        fp += pred and not gold
        fn += gold and not pred
    return PR(tp, fp, fn)


Classifier = Callable[[str], tuple[str, bool]]  # text -> (grade "U"/"P"/"N", person)


@dataclass(frozen=True)
class SignalFigures:
    urgent: PR  # clearly urgent, predicted clearly urgent
    possible: PR  # possibly urgent, predicted possibly urgent
    urgent_any: PR  # clearly urgent, predicted urgent or possibly urgent (112 in the reply)
    person: PR
    by_lang: dict[str, tuple[PR, PR, PR]]  # urgent, possible, person
    misses: list[Labelled]  # clearly urgent predicted not urgent
    takeovers: tuple[int, int] = (0, 0)  # labelled not urgent, predicted clearly urgent / total
    person_urgent: PR = PR(0, 0, 0)  # person/vehicle among clearly urgent messages
    urgent_any_by_lang: dict[str, PR] | None = None

    @property
    def takeover_rate(self) -> float:
        """False takeovers: messages labelled not urgent that get the 112 answer first."""
        return self.takeovers[0] / self.takeovers[1] if self.takeovers[1] else 0.0


def signal_figures(items: list[Labelled], classify: Classifier) -> SignalFigures:
    preds = [classify(i.text) for i in items]
    per: dict[str, list[tuple[Labelled, tuple[str, bool]]]] = defaultdict(list)
    for item, pred in zip(items, preds, strict=True):
        per[item.lang].append((item, pred))

    def three(rows: list[tuple[Labelled, tuple[str, bool]]]) -> tuple[PR, PR, PR]:
        return (
            pr((i.urgency == "U", p[0] == "U") for i, p in rows),
            pr((i.urgency == "P", p[0] == "P") for i, p in rows),
            pr((i.person, p[1]) for i, p in rows),
        )

    rows = list(zip(items, preds, strict=True))
    u, p, person = three(rows)
    return SignalFigures(
        urgent=u,
        possible=p,
        urgent_any=pr((i.urgency == "U", g[0] != "N") for i, g in rows),
        person=person,
        by_lang={lang: three(per[lang]) for lang in LANGS if lang in per},
        misses=[i for i, g in rows if i.urgency == "U" and g[0] == "N"],
        takeovers=(
            sum(i.urgency == "N" and g[0] == "U" for i, g in rows),
            sum(i.urgency == "N" for i, _ in rows),
        ),
        person_urgent=pr((i.person, g[1]) for i, g in rows if i.urgency == "U"),
        urgent_any_by_lang={
            lang: pr((i.urgency == "U", g[0] != "N") for i, g in per[lang])
            for lang in LANGS
            if lang in per
        },
    )


@dataclass(frozen=True)
class ScrubFigures:
    recall: dict[str, tuple[int, int]]  # kind -> (exactly as expected, total)
    removed: dict[str, tuple[int, int]]  # kind -> (planted data no longer readable, total)
    harmless_changed: int
    harmless_total: int
    failures: list[tuple[Planted, str]]


def _gone(text: str, expected: str, out: str) -> bool:
    """No word (3+ letters or digits) of the planted part of ``text`` is left in ``out``.

    The planted part is what ``expected`` replaced: ``text`` without the prefix and suffix
    it shares with ``expected``."""
    p = 0
    while p < min(len(text), len(expected)) and text[p] == expected[p]:
        p += 1
    s = 0
    while s < min(len(text), len(expected)) - p and text[-1 - s] == expected[-1 - s]:
        s += 1
    planted = text[p : len(text) - s]
    rest = out.casefold()
    return not any(w in rest for w in re.findall(r"\w{3,}", planted.casefold()))


def scrub_figures(
    planted: list[Planted], harmless: list[str], scrub: Callable[[str], str]
) -> ScrubFigures:
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    removed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    changed = total = 0
    for case in planted:
        out = scrub(case.text)
        if case.kind == "none":
            total += 1
            if out != case.text:
                changed += 1
                failures.append((case, out))
            continue
        ok = out == case.expected
        recall[case.kind][0] += ok
        recall[case.kind][1] += 1
        gone = _gone(case.text, case.expected, out)
        removed[case.kind][0] += ok or gone
        removed[case.kind][1] += 1
        if not ok:
            failures.append((case, out))
    for text in harmless:
        total += 1
        out = scrub(text)
        if out != text:
            changed += 1
            failures.append((Planted("none", text, text), out))
    return ScrubFigures(
        recall={k: (v[0], v[1]) for k, v in recall.items()},
        removed={k: (v[0], v[1]) for k, v in removed.items()},
        harmless_changed=changed,
        harmless_total=total,
        failures=failures,
    )
