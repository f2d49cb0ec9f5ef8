"""Benchmark: the safety-text detector judged across authors, against the previous release.

Run as ``.venv/bin/python bench/safety_text.py`` (needs the dev extra: scikit-learn; add ``-v``
to list every urgent message that got no 112 at all, ``--jobs=N`` to fit in N processes instead
of one per core). It takes about ten minutes on two cores.

**Leave one author out.** The labelled messages come from fourteen authors who never saw each
other's text, the rules or the model (``tests/data/safety_authors/*`` and the project's own
``tests/data/safety_tune.txt`` + ``safety_holdout.txt``). For each author in turn, the model is
trained on the other thirteen and the thresholds are chosen on those alone (by a leave-one-
author-out inside them, as ``bench/train_safety_model.py`` does for the shipped model); then the
author left out is classified. The figures are those predictions pooled, per language and per
author. Beside them: the rules alone (this code with the model switched off) and the previous
release (``bot/signals.py``, ``bot/scrub.py``, ``bot/text.py``, ``bot/names.py`` and the word
lists taken from git at ``BASELINE`` and measured in the same run). The rules were written with
the project's own messages in view, so their figures on the ``project`` author flatter them.

Also printed: the scrubber's figures on ``tests/data/scrub_corpus.txt``, the median time per
message for clean + detect + scrub, and how much the resident memory of a fresh process grows
when the detector is loaded. Prints figures only; it never passes or fails.
"""

from __future__ import annotations

import importlib
import itertools
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import scrub_authors  # noqa: E402
from bench import train_safety_model as training  # noqa: E402
from tests.safety_corpus import (  # noqa: E402
    LANGS,
    PR,
    SCRUB,
    Labelled,
    ScrubFigures,
    SignalFigures,
    load_authors,
    load_planted,
    load_readers,
    pr,
    scrub_figures,
    signal_figures,
)

# The previous release: main when this work started (rules only).
BASELINE = "3387fcadb0486914b743dacc1f3c1d7493af1f26"
REPEATS = 3
Prediction = tuple[str, bool]  # grade letter U/P/N, identifies


class Subject:
    """One version of the code: clean + detect + scrub, and a classifier for the figures."""

    def __init__(
        self,
        name: str,
        classify: Callable[[str], Prediction],
        scrub: Callable[[str], str],
        all_three: Callable[[str], object],
    ) -> None:
        self.name = name
        self.classify = classify
        self.scrub = scrub
        self.all_three = all_three


def _grade(s: object) -> str:
    if getattr(s, "urgent", False):
        return "U"
    return "P" if getattr(s, "possibly_urgent", False) else "N"


def current(learned: bool) -> Subject:
    from bot.scrub import scrub
    from bot.signals import SignalDetector
    from bot.text import clean

    det = SignalDetector(learned=learned)

    def classify(text: str) -> Prediction:
        s = det.detect(clean(text))
        return _grade(s), s.identifies

    def three(text: str) -> object:
        body = clean(text)
        return det.detect(body), scrub(body)

    name = "learned + rules" if learned else "rules only (now)"
    return Subject(name, classify, lambda t: scrub(clean(t)).text, three)


def _git_show(path: str) -> bytes | None:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{BASELINE}:{path}"],
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def baseline(tmp: Path) -> Subject | None:
    """The previous release, loaded from git as the package ``baseline_safety``."""
    pkg = tmp / "baseline_safety"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    blobs = {}
    for src in (
        "bot/signals.py",
        "bot/scrub.py",
        "bot/text.py",
        "bot/names.py",
        "config/content/signals.toml",
        "config/content/names.toml",
    ):
        blob = _git_show(src)
        if blob is None:
            print(f"(previous release {BASELINE[:8]} not available from git: no comparison)")
            return None
        blobs[src] = blob
    for src, blob in blobs.items():
        # CONTENT_DIR moved from config.settings to config.base after that release.
        blob = blob.replace(
            b"from config.settings import CONTENT_DIR", b"from config.base import CONTENT_DIR"
        )
        (pkg / Path(src).name).write_bytes(blob)
    sys.path.insert(0, str(tmp))
    names_mod: ModuleType = importlib.import_module("baseline_safety.names")
    signals: ModuleType = importlib.import_module("baseline_safety.signals")
    scrub_mod: ModuleType = importlib.import_module("baseline_safety.scrub")
    text_mod: ModuleType = importlib.import_module("baseline_safety.text")
    names = names_mod.Names(tomllib.loads(blobs["config/content/names.toml"].decode("utf-8")))
    det = signals.SignalDetector(pkg / "signals.toml", names)

    def classify(text: str) -> Prediction:
        s = det.detect(text_mod.clean(text))
        return _grade(s), s.identifies

    def three(text: str) -> object:
        body = text_mod.clean(text)
        return det.detect(body), scrub_mod.scrub(body)

    return Subject(
        f"prev {BASELINE[:8]}",
        classify,
        lambda t: scrub_mod.scrub(text_mod.clean(t)).text,
        three,
    )


_ROWS: list[training.Row] = []


def _init_worker(rows: list[training.Row]) -> None:
    _ROWS[:] = rows


def _fit_without(pair: tuple[str, ...]) -> tuple[tuple[str, ...], list[training.Array]]:
    """A model trained on every author but those in ``pair``; the scores of each of them."""
    fitted = training.fit([r for r in _ROWS if r.item.author not in pair])
    return pair, [training.score(fitted, [r for r in _ROWS if r.item.author == a]) for a in pair]


def _thresholds_without(author: str, probs: training.Array) -> dict[str, float]:
    """The thresholds chosen on every author but ``author`` from their out-of-author scores."""
    return training.choose_thresholds([r for r in _ROWS if r.item.author != author], probs)


def leave_one_author_out(items: Sequence[Labelled], jobs: int = 0) -> list[Prediction]:
    """Each author's messages classified by a model trained, and thresholded, on the others.

    For author A the thresholds come from the others' out-of-author scores, each author B
    scored by a model trained without A and B. That model is the same one for A and for B,
    so one fit per pair serves both (the same rows in the same order as
    ``training.out_of_author`` would use); the fits run in ``jobs`` processes."""
    rows = training.prepare(items)
    authors = sorted({r.item.author for r in rows})
    tasks = [(a,) for a in authors] + list(itertools.combinations(authors, 2))
    outer: dict[str, training.Array] = {}
    inner: dict[tuple[str, str], training.Array] = {}  # (left out, scored): scores of "scored"
    t0 = time.perf_counter()
    workers = jobs or os.cpu_count() or 1
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(rows,)) as pool:
        for pair, scores in pool.map(_fit_without, tasks):
            if len(pair) == 1:
                outer[pair[0]] = scores[0]
            else:
                a, b = pair
                inner[a, b], inner[b, a] = scores[1], scores[0]
        print(f"  {len(tasks)} models fitted ({time.perf_counter() - t0:.0f} s)", flush=True)
        inner_probs = []
        for author in authors:
            train = [r for r in rows if r.item.author != author]
            probs = np.zeros((len(train), outer[author].shape[1]))
            for other in authors:
                if other != author:
                    idx = [i for i, r in enumerate(train) if r.item.author == other]
                    probs[idx] = inner[author, other]
            inner_probs.append(probs)
        chosen = list(pool.map(_thresholds_without, authors, inner_probs))
    preds: list[Prediction | None] = [None] * len(rows)
    for author, thresholds in zip(authors, chosen, strict=True):
        test_idx = [i for i, r in enumerate(rows) if r.item.author == author]
        test = [rows[i] for i in test_idx]
        for i, p in zip(test_idx, training.decide(test, outer[author], thresholds), strict=True):
            preds[i] = p
        shown = ", ".join(f"{k} {v:.2f}" for k, v in thresholds.items())
        print(f"  left out {author:25} thresholds from the others: {shown}", flush=True)
    return [p for p in preds if p is not None]


_RSS = """
import os, sys
sys.path.insert(0, {root!r})
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
import numpy, bot.signals, bot.scrub, bot.text
from bot.signals import SignalDetector
before = rss()
det = SignalDetector(learned={learned})
det.detect("Det brinner i trapphuset, min granne Ali är kvar där inne")
print((rss() - before) / 1e6)
"""


def memory_mb(learned: bool) -> float:
    """Growth of a fresh process's resident memory from loading the detector (after imports)."""
    out = subprocess.run(
        [sys.executable, "-c", _RSS.format(root=str(ROOT), learned=learned)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip())


def figures_of_predictions(
    items: Sequence[Labelled],
    preds: Sequence[Sequence[Prediction]],
    sel: Callable[[Labelled], bool],
) -> list[SignalFigures]:
    """The figures of each subject's precomputed predictions (one list per subject, in the
    order of ``items``) on the items ``sel`` chooses. signal_figures takes a classifier of
    text; it is fed the predictions in order."""
    out = []
    for p in preds:
        chosen = [(i, g) for i, g in zip(items, p, strict=True) if sel(i)]
        it = iter([g for _, g in chosen])
        out.append(signal_figures([i for i, _ in chosen], lambda _t, it=it: next(it)))
    return out


def pr_cell(x: PR) -> str:
    if not x.tp + x.fn + x.fp:
        return "-"
    return f"P {x.precision:4.2f} R {x.recall:4.2f}"


def recall_cell(x: PR) -> str:
    return f"{x.recall:4.2f} ({x.tp}/{x.tp + x.fn})" if x.tp + x.fn else "-"


def takeover_cell(f: SignalFigures) -> str:
    return f"{f.takeover_rate:4.2f} ({f.takeovers[0]}/{f.takeovers[1]})"


ROWS: list[tuple[str, Callable[[SignalFigures], str]]] = [
    ("112 in first answer (R)", lambda f: recall_cell(f.urgent_any)),
    ("112 answer first (R)", lambda f: recall_cell(f.urgent)),
    ("clearly urgent", lambda f: pr_cell(f.urgent)),
    ("possibly urgent", lambda f: pr_cell(f.possible)),
    ("false takeovers", takeover_cell),
    ("person/vehicle", lambda f: pr_cell(f.person)),
    ("person, when urgent", lambda f: pr_cell(f.person_urgent)),
]
COMPACT: list[tuple[str, Callable[[SignalFigures], str]]] = [
    ("112 in 1st", lambda f: recall_cell(f.urgent_any)),
    ("112 first", lambda f: recall_cell(f.urgent)),
    ("takeovers", takeover_cell),
    ("person", lambda f: pr_cell(f.person)),
]


def print_table(title: str, names: Sequence[str], figs: Sequence[SignalFigures]) -> None:
    print(f"\n== {title}")
    print(f"{'':26}" + "".join(f"{n:>24}" for n in names))
    for label, get in ROWS:
        print(f"{label:26}" + "".join(f"{get(f):>24}" for f in figs))


def print_groups(
    title: str,
    groups: Sequence[str],
    names: Sequence[str],
    figs: dict[str, list[SignalFigures]],
) -> None:
    """One line per group and measure, a column per subject."""
    print(f"\n== {title}")
    print(f"{'':28}" + "".join(f"{n:>24}" for n in names))
    for group in groups:
        for label, get in COMPACT:
            print(f"{group:16}{label:12}" + "".join(f"{get(f):>24}" for f in figs[group]))


def print_readers(
    authors: dict[str, list[Labelled]],
    items: Sequence[Labelled],
    names: Sequence[str],
    preds: Sequence[Sequence[Prediction]],
) -> None:
    """Person/vehicle on the readers' sample (``tests/data/safety_readers``): judged by the
    authors' labels and by the majority of three readers of the issue's definition."""
    reads = load_readers(authors)
    index = {(i.author, i.lang, i.text): n for n, i in reversed(list(enumerate(items)))}
    at = [index[r.item.author, r.item.lang, r.item.text] for r in reads]
    print(
        f"\n== Person/vehicle on {len(reads)} messages read again by three readers of the"
        " issue's definition"
    )
    print(f"{'':26}{'by the authors':>24}{'by the readers':>24}")
    for name, pred in zip(names, preds, strict=True):
        said = [pred[n][1] for n in at]
        by_authors = pr((r.item.person, p) for r, p in zip(reads, said, strict=True))
        by_readers = pr((r.majority, p) for r, p in zip(reads, said, strict=True))
        print(f"{name:26}{pr_cell(by_authors):>24}{pr_cell(by_readers):>24}")
    readers = pr((r.item.person, r.majority) for r in reads)
    print(f"{'the readers themselves':26}{pr_cell(readers):>24}")


def print_scrub(figs: list[tuple[str, ScrubFigures]]) -> None:
    print("\n== Scrubber on tests/data/scrub_corpus.txt (exactly as expected / planted data gone)")
    print(f"{'':22}" + "".join(f"{name:>28}" for name, _ in figs))
    kinds = sorted(figs[0][1].recall)
    for kind in kinds:
        cells = []
        for _, f in figs:
            ok, n = f.recall.get(kind, (0, 0))
            gone, _ = f.removed.get(kind, (0, 0))
            cells.append(f"{ok / n:4.2f} / {gone / n:4.2f} (n={n})")
        print(f"{kind:22}" + "".join(f"{c:>28}" for c in cells))
    cells = [
        f"{f.harmless_changed / f.harmless_total:6.2%} ({f.harmless_changed}/{f.harmless_total})"
        for _, f in figs
    ]
    print(f"{'harmless changed':22}" + "".join(f"{c:>28}" for c in cells))


def main() -> None:
    verbose = "-v" in sys.argv
    jobs = next((int(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--jobs=")), 0)
    authors = load_authors()
    items = [i for name in authors for i in authors[name]]
    print(
        f"Corpus: {len(items)} labelled messages by {len(authors)} authors ("
        + ", ".join(f"{a} {len(v)}" for a, v in authors.items())
        + ")"
    )
    print("\nLeave one author out (each author classified by a model that never saw them):")
    loao = leave_one_author_out(items, jobs)
    with tempfile.TemporaryDirectory() as tmp:
        prev = baseline(Path(tmp))
        rules = current(learned=False)
        learned = current(learned=True)
        names = ["learned + rules (LOAO)", rules.name]
        preds = [loao, [rules.classify(i.text) for i in items]]
        if prev is not None:
            names.append(prev.name)
            preds.append([prev.classify(i.text) for i in items])

        def figures_of(sel: Callable[[Labelled], bool]) -> list[SignalFigures]:
            return figures_of_predictions(items, preds, sel)

        print_table("All authors", names, figures_of(lambda _i: True))
        print_groups(
            "Per language",
            LANGS,
            names,
            {lang: figures_of(lambda i, lang=lang: i.lang == lang) for lang in LANGS},
        )
        print_groups(
            "Per author",
            list(authors),
            names,
            {a: figures_of(lambda i, a=a: i.author == a) for a in authors},
        )
        print_readers(authors, items, names, preds)
        if verbose:
            for i, g in zip(items, loao, strict=True):
                if i.urgency == "U" and g[0] == "N":
                    print(f"  [LOAO] no 112: {i.author} {i.lang} {i.text}")

        subjects = [learned] + ([prev] if prev is not None else [])
        planted = load_planted(SCRUB)
        harmless = [i.text for i in items if not i.person and i.author == "project"]
        print_scrub([(s.name, scrub_figures(planted, harmless, s.scrub)) for s in subjects])

        texts = [i.text for i in items]
        print(
            f"\n== Speed: clean + detect + scrub, median per message over {len(texts)} messages"
            f" (best of {REPEATS} each)"
        )
        for s in [learned, rules, *([prev] if prev is not None else [])]:
            print(
                f"{s.name:26}{scrub_authors.median_us(s.all_three, texts, REPEATS) / 1000:8.3f} ms"
            )
    print("\n== Memory: growth of a fresh process's resident set when the detector is loaded")
    print(f"{'learned + rules':26}{memory_mb(True):8.1f} MB")
    print(f"{'rules only':26}{memory_mb(False):8.1f} MB")
    scrub_authors.report(verbose=verbose)  # the scrubber on the authors' corpora


if __name__ == "__main__":
    main()
