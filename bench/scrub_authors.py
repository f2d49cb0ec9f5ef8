"""Benchmark: the scrubber on corpora written by independent authors.

Run as ``.venv/bin/python bench/scrub_authors.py [DIR] [-v]``. ``DIR`` holds one folder per
author with a ``corpus.jsonl`` (the format of the multi-author corpus: one JSON object per line
with ``lang``, ``text`` and ``pii``, a list of ``{kind, value}`` where ``value`` is the exact
planted substring); default ``tests/data/safety_authors`` or ``$SCRUB_AUTHORS_DIR``.
``bench/safety_text.py`` calls :func:`report` with one line. Prints figures only; never
passes or fails.

What is counted
---------------
* **Removed**: a planted item counts as removed when every word of it (a run of letters or
  digits, at least two characters or a digit) occurs in the scrubbed text fewer times than in
  the original by at least its number in the item: a number half-replaced ("070-[…]") or an
  address whose first name is left ("anna punkt [e-post]") is not removed. Whatever label
  replaced it counts (a foreign ID may carry ``[personnummer]``, a bank account
  ``[kontonummer]``).
* **Covered** kinds are every kind of the corpus except ``address`` (a street and number where
  someone lives): the scrubber keeps place descriptions ("Storgatan 14") on purpose, so
  addresses are shown but not in the covered total.
* **False change**: a message without planted items whose scrubbed text differs, unless every
  label put in is ``[namn]`` or ``[registreringsnummer]``. Authors planted personal data only
  where they meant to, but their harmless messages also name people and vehicles (the
  "identifies" label); taking those out before storage is what the scrubber is for, so such a
  change is shown apart and not counted as false. Any other label in a harmless message
  (a phone number, an account, a handle…) is a false change.
* **Other label**: a message with planted items that also got a label of a kind none of its
  items has (other than ``[namn]``/``[registreringsnummer]``): something else was taken for
  personal data.
* **Any change**: every harmless message whose text changed, whatever the label (false changes
  and names/plates together): the figure the scrubber keeps at 1 % or below.
* **Speed**: the median over all messages of the best of five runs of ``scrub`` alone, and of
  clean + detect + scrub together; **memory**: what the scrubber's name lists hold once built
  (``tracemalloc``).

With ``phonenumbers`` installed (a development dependency) the phone rule is also measured
with libphonenumber deciding which digit chains are numbers (``bot/scrub_phones.py``
``bench/phone_rules.py``), beside the pattern rule that ships.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import phone_rules  # noqa: E402
from bot.scrub import LABELS, ScrubResult, scrub, scrubber_with_phone_rules  # noqa: E402
from bot.text import clean  # noqa: E402

# The scrubber before the work on issue 19, measured beside the current one.
BASELINE = "3387fcadb0486914b743dacc1f3c1d7493af1f26"
# Where the authors' corpora are looked for when no folder is given (the environment variable
# SCRUB_AUTHORS_DIR overrides it).
DEFAULT_DIR = Path(os.environ.get("SCRUB_AUTHORS_DIR", ROOT / "tests" / "data" / "safety_authors"))
NOT_COVERED = frozenset({"address"})
PERSON_LABELS = frozenset({"namn", "regnr"})
# The scrubber's kind for each kind of the corpus, where a planted item of that kind is
# expected to carry that label.
_SCRUB_KIND = {
    "phone": "telefon",
    "email": "epost",
    "username": "anvandarnamn",
    "bank_account": "kontonummer",
    "national_id": "personnummer",
    "plate": "regnr",
    "name": "namn",
}
REPEATS = 5
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Message:
    author: str
    lang: str
    text: str
    pii: tuple[tuple[str, str], ...]


@dataclass
class Figures:
    """Removed planted items per (author, kind) and changes of harmless messages."""

    removed: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    harmless: Counter[str] = field(default_factory=Counter)
    false_changes: list[tuple[Message, str]] = field(default_factory=list)
    person_changes: list[tuple[Message, str]] = field(default_factory=list)
    misses: list[tuple[Message, str, str, str]] = field(default_factory=list)
    other_labels: list[tuple[Message, str]] = field(default_factory=list)

    def rate(self, author: str | None = None, kind: str | None = None) -> tuple[int, int]:
        got = n = 0
        for (a, k), (ok, total) in self.removed.items():
            if author not in (None, a):
                continue
            if kind is None and k in NOT_COVERED:
                continue
            if kind not in (None, k):
                continue
            got += ok
            n += total
        return got, n


def load(corpus_dir: Path) -> list[Message]:
    out: list[Message] = []
    for path in sorted(corpus_dir.glob("*/corpus.jsonl")):
        author = path.parent.name
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            pii = tuple(
                (str(p["kind"]), str(p["value"]))
                for p in item.get("pii", [])
                if isinstance(p, dict) and p.get("value") and str(p["value"]) in item["text"]
            )
            out.append(Message(author, str(item.get("lang", "?")), str(item["text"]), pii))
    return out


def _words(text: str) -> Counter[str]:
    return Counter(
        w.casefold() for w in _WORD.findall(text) if len(w) >= 2 or any(c.isdigit() for c in w)
    )


def removed(original: str, scrubbed: str, value: str) -> bool:
    """Every word of ``value`` occurs fewer times in ``scrubbed`` (see the module docstring)."""
    need = _words(value)
    if not need:
        return value not in scrubbed
    for label in LABELS.values():  # "[matrix-id]" holds the word "matrix"
        scrubbed = scrubbed.replace(label, " ")
    before, after = _words(original), _words(scrubbed)
    return all(after[w] <= before[w] - n for w, n in need.items())


def measure(messages: list[Message], scrubber: Callable[[str], ScrubResult]) -> Figures:
    figs = Figures()
    for msg in messages:
        body = clean(msg.text)
        result = scrubber(body)
        if msg.pii:
            expected = {_SCRUB_KIND.get(kind, kind) for kind, _ in msg.pii} | PERSON_LABELS
            if set(result.found) - expected:
                figs.other_labels.append((msg, result.text))
            for kind, value in msg.pii:
                cell = figs.removed[(msg.author, kind)]
                cell[1] += 1
                if removed(body, result.text, clean(value)):
                    cell[0] += 1
                else:
                    figs.misses.append((msg, kind, value, result.text))
            continue
        figs.harmless[msg.author] += 1
        if result.text != body:
            if set(result.found) <= PERSON_LABELS:
                figs.person_changes.append((msg, result.text))
            else:
                figs.false_changes.append((msg, result.text))
    return figs


def median_us(fn: Callable[[str], object], texts: list[str], repeats: int = REPEATS) -> float:
    """Median over ``texts`` of the best of ``repeats`` runs of ``fn``, in µs."""
    per: list[float] = []
    for text in texts:
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            fn(text)
            best = min(best, time.perf_counter_ns() - t0)
        per.append(best / 1000)
    return statistics.median(per)


def _cell(got: int, n: int) -> str:
    return f"{got / n:4.2f} ({got}/{n})" if n else "-"


def print_figures(title: str, messages: list[Message], figs: Figures, verbose: bool) -> None:
    authors = sorted({m.author for m in messages})
    kinds = sorted({k for (_, k) in figs.removed})
    print(f"\n== {title}: planted items removed, per kind and author")
    print(f"{'':14}" + "".join(f"{a[:16]:>18}" for a in authors) + f"{'all':>18}")
    for kind in kinds:
        row = [_cell(*figs.rate(a, kind)) for a in authors] + [_cell(*figs.rate(None, kind))]
        mark = " (not covered)" if kind in NOT_COVERED else ""
        print(f"{kind:14}" + "".join(f"{c:>18}" for c in row) + mark)
    row = [_cell(*figs.rate(a)) for a in authors] + [_cell(*figs.rate())]
    print(f"{'covered, all':14}" + "".join(f"{c:>18}" for c in row))
    harmless = sum(figs.harmless.values())
    false_by = Counter(m.author for m, _ in figs.false_changes)
    row = [
        f"{false_by[a] / figs.harmless[a]:6.2%} ({false_by[a]}/{figs.harmless[a]})" for a in authors
    ] + [f"{len(figs.false_changes) / harmless:6.2%} ({len(figs.false_changes)}/{harmless})"]
    print(f"{'false change':14}" + "".join(f"{c:>18}" for c in row))
    person_by = Counter(m.author for m, _ in figs.person_changes)
    row = [str(person_by[a]) for a in authors] + [str(len(figs.person_changes))]
    print(f"{'name/plate out':14}" + "".join(f"{c:>18}" for c in row) + "  (not counted)")
    any_by = false_by + person_by
    n_any = len(figs.false_changes) + len(figs.person_changes)
    row = [
        f"{any_by[a] / figs.harmless[a]:6.2%} ({any_by[a]}/{figs.harmless[a]})" for a in authors
    ] + [f"{n_any / harmless:6.2%} ({n_any}/{harmless})"]
    print(f"{'any change':14}" + "".join(f"{c:>18}" for c in row) + "  (false + name/plate)")
    other_by = Counter(m.author for m, _ in figs.other_labels)
    row = [str(other_by[a]) for a in authors] + [str(len(figs.other_labels))]
    print(f"{'other label':14}" + "".join(f"{c:>18}" for c in row) + "  (in messages with items)")
    if verbose:
        for msg, kind, value, out in figs.misses:
            print(f"  miss [{msg.author}] {kind} {value!r}: {out!r}")
        for msg, out in figs.false_changes:
            print(f"  false change [{msg.author}] {msg.text!r} -> {out!r}")
        for msg, out in figs.person_changes:
            print(f"  name/plate [{msg.author}] {msg.text!r} -> {out!r}")
        for msg, out in figs.other_labels:
            print(f"  other label [{msg.author}] {msg.text!r} -> {out!r}")


def previous(tmp: Path, commit: str = BASELINE) -> Callable[[str], ScrubResult] | None:
    """The scrubber as it was at ``commit`` (with its names list), loaded from git."""
    pkg = tmp / "scrub_before"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    files = {
        "bot/scrub.py": "scrub.py",
        "bot/names.py": "names.py",
        "bot/text.py": "text.py",
        "config/content/names.toml": "names.toml",
    }
    for src, dst in files.items():
        try:
            blob = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{commit}:{src}"],
                check=True,
                capture_output=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
        # a name moved since that commit: CONTENT_DIR now lives in config.base
        blob = blob.replace(
            b"from config.settings import CONTENT_DIR", b"from config.base import CONTENT_DIR"
        )
        (pkg / dst).write_bytes(blob)
    sys.path.insert(0, str(tmp))
    names: ModuleType = importlib.import_module("scrub_before.names")
    old = names.Names(tomllib.loads((pkg / "names.toml").read_text(encoding="utf-8")))
    names.Names.load = staticmethod(lambda: old)
    module: ModuleType = importlib.import_module("scrub_before.scrub")
    fn: Callable[[str], ScrubResult] = module.scrub
    return fn


def report(corpus_dir: Path = DEFAULT_DIR, verbose: bool = False) -> None:
    """Print the scrubber's figures on the authors' corpora in ``corpus_dir``."""
    messages = load(corpus_dir)
    if not messages:
        print(f"\n(no author corpora under {corpus_dir}: scrubber across authors not measured)")
        return
    print(
        f"\nScrubber across authors: {len(messages)} messages by "
        f"{len({m.author for m in messages})} authors in {corpus_dir}"
    )
    print_figures("Scrubber (patterns, as shipped)", messages, measure(messages, scrub), verbose)
    tmp = tempfile.TemporaryDirectory()
    before = previous(Path(tmp.name))
    if before is None:
        print(f"\n(the scrubber of {BASELINE[:8]} is not in git here: no comparison)")
    else:
        title = f"Scrubber before issue 19 ({BASELINE[:8]})"
        print_figures(title, messages, measure(messages, before), False)
    try:
        variant = scrubber_with_phone_rules(*phone_rules.phonenumbers_rules())
    except ImportError:
        print("\n(phonenumbers not installed: the libphonenumber variant is not measured)")
    else:
        figs = measure(messages, variant)
        print_figures("Scrubber with libphonenumber for phones", messages, figs, False)
        compare_on_random_chains(variant)
    texts = [clean(m.text) for m in messages]
    print("\n== Name lists in memory (tracemalloc, building the scrubber's lists once more)")
    print(f"{'names (curated + large)':22}{names_memory() / 1e6:10.1f} MB")
    print("\n== Speed, median per message (best of 5 per message)")
    print(f"{'scrub':22}{median_us(scrub, texts):10.1f} µs")
    if before is not None:
        print(f"{'scrub before issue 19':22}{median_us(before, texts):10.1f} µs")
    tmp.cleanup()
    from bot.signals import SignalDetector

    det = SignalDetector()

    def three(text: str) -> object:
        body = clean(text)
        return det.detect(body), scrub(body)

    print(f"{'clean + detect + scrub':22}{median_us(three, [m.text for m in messages]):10.1f} µs")


def names_memory() -> int:
    """Bytes held by a freshly built :class:`ScrubNames` (the curated and the large list)."""
    import tracemalloc

    from bot.scrub.names import ScrubNames

    ScrubNames.load.cache_clear()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    names = ScrubNames.load()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(s.size_diff for s in after.compare_to(before, "filename"))
    del names
    return size


def compare_on_random_chains(variant: Callable[[str], ScrubResult], n: int = 3000) -> None:
    """How often each phone rule takes a random chain of digit groups for a phone number (a
    rough measure of how much each rule lets through), and its time on messages with one."""
    rng = random.Random(19)
    shapes = [(3, 3, 3), (3, 3, 4), (2, 3, 3), (4, 3, 3), (3, 7), (2, 4, 4), (3, 3, 2, 2)]
    chains: list[str] = []
    for _ in range(n):
        shape = rng.choice(shapes)
        digits = "0" + "".join(str(rng.randint(0, 9)) for _ in range(sum(shape) - 1))
        parts, i = [], 0
        for k in shape:
            parts.append(digits[i : i + k])
            i += k
        chains.append(" ".join(parts))
    print(f"\n== Phone rules on {n} random digit chains starting with 0 (taken as a phone number)")
    for name, fn in (("patterns", scrub), ("libphonenumber", variant)):
        taken = sum(fn(c).text != c for c in chains)
        per = median_us(lambda t, f=fn: f(f"ring {t} nu"), chains[:300])
        print(f"{name:22}{taken / n:6.1%} taken, {per:7.1f} µs median per message")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    report(Path(args[0]) if args else DEFAULT_DIR, verbose="-v" in sys.argv)
