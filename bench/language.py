"""Benchmark: the bot's language detector against plain ``langdetect.detect``.

Run as ``.venv/bin/python bench/language.py``. Loads ``bench/data/language_samples.tsv``
(``lang<TAB>text``), runs both detectors on every sample in the same process and prints
accuracy (overall, under 20 characters, per language), per-message latency (median, p99) and
the speed ratio. Prints figures only; it never passes or fails on timing.

The bot's answer is its *effective* choice when nothing else is known:
``choose_language(detector.detect(text), explicit=None, stored=None, room=None)``, i.e. "sv"
when the detector is unsure. Plain langdetect is scored by identity of codes, except that
"hr", "sr" and "bs" all count as "hr"; an exception counts as wrong.
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import langdetect  # noqa: E402
from langdetect import DetectorFactory  # noqa: E402

from bot.language import (  # noqa: E402
    BOT_LANGUAGES,
    LanguageDetector,
    choose_language,
    dominant_script,
)

SAMPLES = ROOT / "bench" / "data" / "language_samples.tsv"
# Written separately, after the detector was tuned, and never used to tune it: the honest
# estimate of accuracy on messages the detector has not been shaped around.
HOLDOUT = ROOT / "bench" / "data" / "language_holdout.tsv"
SHORT = 20
REPEATS = 3


@dataclass(frozen=True)
class Sample:
    """One labelled chat message."""

    lang: str
    text: str


@dataclass(frozen=True)
class Result:
    """Answers and per-message latencies (ns, best of REPEATS) of one detector."""

    answers: list[str]
    latencies: list[int]


def load_samples(path: Path = SAMPLES) -> list[Sample]:
    """Read the labelled samples (header ``lang\\ttext``)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Sample(row["lang"], row["text"]) for row in reader]


def plain_detect(text: str) -> str:
    """Plain langdetect over all its profiles; "sr"/"bs" count as "hr", errors as "error"."""
    try:
        code = str(langdetect.detect(text))
    except Exception:
        return "error"
    return "hr" if code in ("sr", "bs") else code


def run(fn: Callable[[str], str], samples: Sequence[Sample]) -> Result:
    """Time ``fn`` on every sample (after one warm-up call) and collect its answers."""
    fn("warm-up: det här är en mening för att värma upp detektorn")
    answers: list[str] = []
    latencies: list[int] = []
    for sample in samples:
        best = None
        answer = ""
        for _ in range(REPEATS):
            start = time.perf_counter_ns()
            answer = fn(sample.text)
            elapsed = time.perf_counter_ns() - start
            best = elapsed if best is None else min(best, elapsed)
        answers.append(answer)
        latencies.append(best or 0)
    return Result(answers, latencies)


def accuracy(result: Result, samples: Sequence[Sample], keep: Callable[[Sample], bool]) -> str:
    """Accuracy on the samples selected by ``keep``, as "93.1% (27/29)"."""
    pairs = [(a, s.lang) for a, s in zip(result.answers, samples, strict=True) if keep(s)]
    if not pairs:
        return "-"
    right = sum(a == lang for a, lang in pairs)
    return f"{100 * right / len(pairs):5.1f}% ({right}/{len(pairs)})"


def p99(values: Sequence[int]) -> float:
    """The 99th percentile of ``values``."""
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def print_langdetect_path(results: dict[str, Result], samples: Sequence[Sample]) -> None:
    """Latency on the messages that reach the bot's langdetect stage (Latin, >= 20 chars)."""
    keep = [
        i
        for i, s in enumerate(samples)
        if len(s.text) >= SHORT and dominant_script(s.text) == "latin"
    ]
    if not keep:
        return
    medians = {
        name: statistics.median(result.latencies[i] for i in keep)
        for name, result in results.items()
    }
    print(
        f"langdetect path only ({len(keep)} Latin-script messages >= {SHORT} chars): median "
        f"bot {medians['bot detector'] / 1e3:.1f} us, plain {medians['plain detect'] / 1e3:.1f} us,"
        f" ratio {medians['plain detect'] / max(1.0, medians['bot detector']):.1f}x"
    )


def main() -> None:
    """Run both detectors and print the comparison table."""
    samples = load_samples()
    DetectorFactory.seed = 0

    start = time.perf_counter_ns()
    detector = LanguageDetector(BOT_LANGUAGES)
    build_ms = (time.perf_counter_ns() - start) / 1e6
    start = time.perf_counter_ns()
    langdetect.detect("warm-up: this loads every langdetect profile")
    plain_build_ms = (time.perf_counter_ns() - start) / 1e6

    def bot_choice(text: str) -> str:
        return choose_language(detector.detect(text), explicit=None, stored=None, room=None)

    results = {"bot detector": run(bot_choice, samples), "plain detect": run(plain_detect, samples)}

    n_short = sum(len(s.text) < SHORT for s in samples)
    print(f"samples: {len(samples)} ({n_short} under {SHORT} characters), best of {REPEATS} runs")
    print(
        f"factory build: bot {build_ms:.0f} ms, plain langdetect first call {plain_build_ms:.0f} ms"
    )
    print()
    print(f"{'':14}{'overall':>18}{'< 20 chars':>18}{'median':>12}{'p99':>12}")
    for name, result in results.items():
        print(
            f"{name:14}"
            f"{accuracy(result, samples, lambda s: True):>18}"
            f"{accuracy(result, samples, lambda s: len(s.text) < SHORT):>18}"
            f"{statistics.median(result.latencies) / 1e3:>9.1f} us"
            f"{p99(result.latencies) / 1e3:>9.1f} us"
        )
    ratio = statistics.median(results["plain detect"].latencies) / max(
        1.0, statistics.median(results["bot detector"].latencies)
    )
    print(f"speed ratio (median plain / median bot): {ratio:.1f}x")
    print_langdetect_path(results, samples)
    print()
    print("per language:")
    for lang in BOT_LANGUAGES:
        cells = [
            accuracy(r, samples, lambda s, lang=lang: s.lang == lang) for r in results.values()
        ]
        print(f"  {lang:4} bot {cells[0]:>16}   plain {cells[1]:>16}")
    print()
    print("bot detector misses:")
    for answer, sample in zip(results["bot detector"].answers, samples, strict=True):
        if answer != sample.lang:
            print(f"  {sample.lang} -> {answer}: {sample.text}")
    holdout = load_samples(HOLDOUT)
    held = {"bot detector": run(bot_choice, holdout), "plain detect": run(plain_detect, holdout)}
    n_short = sum(len(s.text) < SHORT for s in holdout)
    print()
    print(f"held-out set: {len(holdout)} messages ({n_short} under {SHORT} characters)")
    for name, result in held.items():
        print(
            f"{name:14}"
            f"{accuracy(result, holdout, lambda s: True):>18}"
            f"{accuracy(result, holdout, lambda s: len(s.text) < SHORT):>18}"
        )
    for answer, sample in zip(held["bot detector"].answers, holdout, strict=True):
        if answer != sample.lang:
            print(f"  miss {sample.lang} -> {answer}: {sample.text}")


if __name__ == "__main__":
    main()
