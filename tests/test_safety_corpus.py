"""The labelled corpus in tests/data/ pins the goals of issue 9: urgent recall and precision,
person/vehicle recall and precision, scrubber recall and false-change rate. The held-back part
(never tuned on) has its own, lower bar for clearly urgent and the same bar for "112 in the
reply"."""

from __future__ import annotations

import pytest

from bot.scrub import scrub
from bot.signals import SignalDetector
from bot.text import clean
from tests.safety_corpus import (
    HOLDOUT,
    LANGS,
    SCRUB,
    TUNE,
    Labelled,
    load_labelled,
    load_planted,
    load_readers,
    pr,
    scrub_figures,
    signal_figures,
)

TUNING = load_labelled(TUNE)
HELD_BACK = load_labelled(HOLDOUT)


@pytest.fixture(scope="module")
def detector() -> SignalDetector:
    return SignalDetector()


def classify(detector: SignalDetector):  # type: ignore[no-untyped-def]
    def run(text: str) -> tuple[str, bool]:
        s = detector.detect(clean(text))
        return ("U" if s.urgent else "P" if s.possibly_urgent else "N"), s.identifies

    return run


def test_corpus_is_broad() -> None:
    everything: list[Labelled] = TUNING + HELD_BACK
    assert len(everything) >= 400
    assert sum(i.lang in ("sv", "en") for i in everything) * 2 >= len(everything)
    for lang in LANGS:
        mine = [i for i in everything if i.lang == lang]
        assert {i.urgency for i in mine} >= {"U", "N"}, lang
        assert any(i.person for i in mine), lang
    assert len(load_planted(SCRUB)) >= 100


def test_tuning_part_meets_the_goals(detector: SignalDetector) -> None:
    figs = signal_figures(TUNING, classify(detector))
    assert figs.urgent.recall >= 0.97, [m.text for m in figs.misses]
    assert figs.urgent.precision >= 0.85
    assert figs.urgent_any.recall == 1.0  # every clearly urgent message gets 112 in the reply
    assert figs.person.recall >= 0.9
    assert figs.person.precision >= 0.9


def test_held_back_part(detector: SignalDetector) -> None:
    figs = signal_figures(HELD_BACK, classify(detector))
    assert figs.urgent.recall >= 0.9
    assert figs.urgent.precision >= 0.85
    assert figs.urgent_any.recall >= 0.97
    assert figs.person.recall >= 0.9
    assert figs.person.precision >= 0.9


def test_scrubber_meets_the_goals() -> None:
    harmless = [i.text for i in TUNING + HELD_BACK if not i.person]
    figs = scrub_figures(load_planted(SCRUB), harmless, lambda t: scrub(clean(t)).text)
    removed = sum(v[0] for v in figs.removed.values())
    total = sum(v[1] for v in figs.removed.values())
    assert removed / total >= 0.98, figs.failures
    assert figs.harmless_changed / figs.harmless_total <= 0.01, figs.failures


def test_readers_sample_is_whole_and_backs_the_documented_claim() -> None:
    """docs/safety_text.md: three readers who applied the issue's definition of "identifies a
    person or vehicle" to 600 corpus messages agree with each other almost always, but count
    far more messages as identifying than the authors did. The sample must be whole (every
    message in its author's corpus, every reader's answer there) for that figure to stand."""
    reads = load_readers()
    assert len(reads) == 600
    assert len({r.item.author for r in reads}) == 14
    pairs = [(0, 1), (0, 2), (1, 2)]
    agreement = min(sum(r.readers[a] == r.readers[b] for r in reads) / len(reads) for a, b in pairs)
    assert agreement >= 0.98
    against_authors = pr((r.item.person, r.majority) for r in reads)
    assert against_authors.recall >= 0.95
    assert against_authors.precision < 0.85
