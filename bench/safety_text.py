"""Benchmark: urgent / person detection and the scrubber on the labelled corpus in tests/data.

Run as ``.venv/bin/python bench/safety_text.py`` (add ``-v`` to list every miss). Prints, for
the current code and for the previous release side by side (its ``bot/signals.py``,
``bot/scrub.py`` and ``config/content/signals.toml`` are taken from git at ``BASELINE`` and
measured in the same run):

* precision and recall for "clearly urgent", "possibly urgent" and person/vehicle, overall and
  per language, separately for the tuning part and the held-back part of the corpus;
* the scrubber's recall per kind (exactly the expected output) and its false-change rate on
  harmless messages;
* the median time per message for hygiene + detection + scrubbing together.

Prints figures only; it never passes or fails (the tests pin the thresholds).
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import scrub_authors  # noqa: E402
from tests.safety_corpus import (  # noqa: E402
    HOLDOUT,
    PR,
    SCRUB,
    TUNE,
    ScrubFigures,
    SignalFigures,
    load_labelled,
    load_planted,
    scrub_figures,
    signal_figures,
)

# The previous release: the commit this work started from.
BASELINE = "71554ffa032773418886ffbc0b8c9992faacccef"
REPEATS = 5


class Subject:
    """One version of the code: classify, scrub and the three together."""

    def __init__(
        self,
        name: str,
        classify: Callable[[str], tuple[str, bool]],
        scrub: Callable[[str], str],
        all_three: Callable[[str], object],
    ) -> None:
        self.name = name
        self.classify = classify
        self.scrub = scrub
        self.all_three = all_three


def current() -> Subject:
    from bot.scrub import scrub
    from bot.signals import SignalDetector
    from bot.text import clean

    det = SignalDetector()

    def classify(text: str) -> tuple[str, bool]:
        s = det.detect(clean(text))
        return ("U" if s.urgent else "P" if s.possibly_urgent else "N"), s.identifies

    def three(text: str) -> object:
        body = clean(text)
        return det.detect(body), scrub(body)

    return Subject("current", classify, lambda t: scrub(clean(t)).text, three)


def baseline(tmp: Path) -> Subject | None:
    """The previous release, loaded from git as the package ``baseline_safety``."""
    pkg = tmp / "baseline_safety"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    files = {
        "bot/signals.py": pkg / "signals.py",
        "bot/scrub.py": pkg / "scrub.py",
        "bot/text.py": pkg / "text.py",
        "config/content/signals.toml": pkg / "signals.toml",
    }
    for src, dst in files.items():
        try:
            blob = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{BASELINE}:{src}"],
                check=True,
                capture_output=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            print(f"(previous release {BASELINE[:8]} not available from git: no comparison)")
            return None
        dst.write_bytes(blob)
    sys.path.insert(0, str(tmp))
    signals: ModuleType = importlib.import_module("baseline_safety.signals")
    scrub_mod: ModuleType = importlib.import_module("baseline_safety.scrub")
    text_mod: ModuleType = importlib.import_module("baseline_safety.text")
    det = signals.SignalDetector(pkg / "signals.toml")

    def classify(text: str) -> tuple[str, bool]:
        s = det.detect(text_mod.clean(text))
        return ("U" if s.urgent else "N"), s.identifies

    def three(text: str) -> object:
        body = text_mod.clean(text)
        return det.detect(body), scrub_mod.scrub(body)

    return Subject(
        f"prev {BASELINE[:8]}",
        classify,
        lambda t: scrub_mod.scrub(text_mod.clean(t)).text,
        three,
    )


def median_us(fn: Callable[[str], object], texts: list[str]) -> float:
    per: list[float] = []
    for text in texts:
        best = float("inf")
        for _ in range(REPEATS):
            t0 = time.perf_counter_ns()
            fn(text)
            best = min(best, time.perf_counter_ns() - t0)
        per.append(best / 1000)
    return statistics.median(per)


def fmt(x: PR) -> str:
    return f"P {x.precision:4.2f} R {x.recall:4.2f} ({x.tp}/{x.tp + x.fn})"


def print_signals(title: str, figs: list[tuple[str, SignalFigures]], verbose: bool) -> None:
    print(f"\n== {title}")
    head = f"{'':22}" + "".join(f"{name:>28}" for name, _ in figs)
    print(head)
    rows: list[tuple[str, Callable[[SignalFigures], PR]]] = [
        ("clearly urgent", lambda f: f.urgent),
        ("urgent, 112 in reply", lambda f: f.urgent_any),
        ("possibly urgent", lambda f: f.possible),
        ("person/vehicle", lambda f: f.person),
    ]
    for label, get in rows:
        print(f"{label:22}" + "".join(f"{fmt(get(f)):>28}" for _, f in figs))
    langs = list(figs[0][1].by_lang)
    for lang in langs:
        for idx, label in ((0, "urgent"), (1, "possible"), (2, "person")):
            cells = []
            for _, f in figs:
                x = f.by_lang[lang][idx]
                cells.append(fmt(x) if x.tp + x.fn + x.fp else "-")
            print(f"  {lang} {label:17}" + "".join(f"{c:>28}" for c in cells))
    if verbose:
        for name, f in figs:
            for m in f.misses:
                print(f"  [{name}] missed urgent: {m.lang} {m.text}")


def print_scrub(figs: list[tuple[str, ScrubFigures]], verbose: bool) -> None:
    print("\n== Scrubber (exactly the expected output / planted data gone)")
    print(f"{'':22}" + "".join(f"{name:>28}" for name, _ in figs))
    kinds = sorted(figs[0][1].recall)
    for kind in kinds:
        cells = []
        for _, f in figs:
            ok, n = f.recall.get(kind, (0, 0))
            gone, _ = f.removed.get(kind, (0, 0))
            cells.append(f"{ok / n:4.2f} / {gone / n:4.2f} (n={n})")
        print(f"{kind:22}" + "".join(f"{c:>28}" for c in cells))
    cells = []
    for _, f in figs:
        ok = sum(v[0] for v in f.recall.values())
        n = sum(v[1] for v in f.recall.values())
        gone = sum(v[0] for v in f.removed.values())
        cells.append(f"{ok / n:4.2f} / {gone / n:4.2f} (n={n})")
    print(f"{'all kinds':22}" + "".join(f"{c:>28}" for c in cells))
    cells = [
        f"{f.harmless_changed / f.harmless_total:6.2%} ({f.harmless_changed}/{f.harmless_total})"
        for _, f in figs
    ]
    print(f"{'harmless changed':22}" + "".join(f"{c:>28}" for c in cells))
    if verbose:
        for name, f in figs:
            for case, out in f.failures:
                print(f"  [{name}] {case.kind}: {case.text!r} -> {out!r}")


def main() -> None:
    verbose = "-v" in sys.argv
    tune, hold = load_labelled(TUNE), load_labelled(HOLDOUT)
    planted = load_planted(SCRUB)
    harmless = [i.text for i in tune + hold if not i.person]
    with tempfile.TemporaryDirectory() as tmp:
        subjects = [current()]
        prev = baseline(Path(tmp))
        if prev is not None:
            subjects.append(prev)
        n_sv_en = sum(i.lang in ("sv", "en") for i in tune + hold)
        print(
            f"Corpus: {len(tune)} tuning + {len(hold)} held-back messages "
            f"({n_sv_en} sv/en), {len(planted)} scrubber cases"
        )
        print_signals(
            "Signals, tuning part",
            [(s.name, signal_figures(tune, s.classify)) for s in subjects],
            verbose,
        )
        print_signals(
            "Signals, held-back part (never tuned on)",
            [(s.name, signal_figures(hold, s.classify)) for s in subjects],
            verbose,
        )
        print_scrub(
            [(s.name, scrub_figures(planted, harmless, s.scrub)) for s in subjects], verbose
        )
        texts = [i.text for i in tune + hold] + [p.text for p in planted]
        print("\n== Speed: median per message, clean + detect + scrub (best of 5 per message)")
        for s in subjects:
            print(f"{s.name:22}{median_us(s.all_three, texts):10.1f} µs")
    scrub_authors.report(verbose=verbose)  # the scrubber on the authors' corpora


if __name__ == "__main__":
    main()
