"""The learned safety-text detector (bot/safety_model.py and its use in bot/signals.py).

The figures that count are across authors: ``test_leave_one_author_out_*`` trains, for each of
the fourteen authors in turn, a model on the other thirteen and classifies the one left out, at the
thresholds shipped in the weights file (needs scikit-learn, the dev extra; about half a minute).
The shipped weights themselves saw every author, so no test here reports their figures on the
corpus as if they were held out. ``bench/safety_text.py`` does the full job (thresholds chosen
without the author left out, per language and per author, beside the previous release)."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bench import train_safety_model as training
from bot.safety_model import OUTPUTS, SafetyModel, default_model_path
from bot.signals import SignalDetector
from bot.text import clean
from tests.safety_corpus import LANGS, Labelled, SignalFigures, load_authors, signal_figures

HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None
AUTHORS = load_authors()
ITEMS: list[Labelled] = [i for items in AUTHORS.values() for i in items]


@pytest.fixture(scope="module")
def shipped() -> SafetyModel:
    return SafetyModel.load()


def test_fourteen_authors_with_at_least_120_messages_per_language() -> None:
    """Five independent authors wrote about 600 messages each (the issue's brief), eight more
    about 330 each; the project's own messages count as one more author."""
    assert len(AUTHORS) >= 14
    assert sum(len(items) >= 500 for items in AUTHORS.values()) >= 6
    for author, items in AUTHORS.items():
        assert len(items) >= 300, author
    for lang in LANGS:
        mine = [i for i in ITEMS if i.lang == lang]
        assert len(mine) >= 120, lang
        assert {i.urgency for i in mine} == {"U", "P", "N"}, lang
        assert any(i.person for i in mine) and not all(i.person for i in mine), lang


def test_shipped_weights_were_trained_on_the_shipped_corpus(shipped: SafetyModel) -> None:
    assert shipped.meta["trained_on"] == {a: len(v) for a, v in AUTHORS.items()}
    assert shipped.meta["corpus_sha256_16"] == training.corpus_digest(ITEMS)
    assert set(shipped.thresholds) == set(OUTPUTS)
    assert 0 < shipped.thresholds["alarm"] < shipped.thresholds["urgent"] < 1


def test_a_weights_file_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.frombuffer(json.dumps({"format": 99}).encode(), np.uint8))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("meta.npy", buf.getvalue())
        zf.writestr("weights.npy", buf.getvalue())
        zf.writestr("bias.npy", buf.getvalue())
    with pytest.raises(ValueError, match="format"):
        SafetyModel.load(path)


def test_the_model_is_read_from_the_package() -> None:
    assert default_model_path().name == "safety_model.npz"
    assert default_model_path().stat().st_size < 2_000_000


def test_short_answers_are_graded_by_the_rules_alone() -> None:
    """ "7" at a menu or "nu" at "När hände det?" is no emergency and names nobody, whatever
    the model would make of so few characters; "Hjälp!" stays clearly urgent (a rule)."""
    det = SignalDetector()
    for text in ("7", "1", "nu", "Just nu", "ok tack"):
        s = det.detect(text)
        assert not s.urgent and not s.identifies, text
    assert det.detect("Hjälp!").urgent


def test_explicit_patterns_always_identify() -> None:
    det = SignalDetector()
    assert det.detect("Bilen hade regnummer ABC 123 och stod där hela dagen").identifies
    assert det.detect("Det var [namn] igen vid kiosken i kväll").identifies
    # the person rules that were right for ≥ 96 % of the messages they fired on (issue 19)
    assert det.detect("En kille i svart jacka står vid kiosken varje kväll").identifies
    assert det.detect("my neighbour keeps shouting at his kids every night").identifies


def test_the_writers_own_identity_number_identifies_nobody() -> None:
    """Issue 19: "mitt personnummer är …" is the writer's own number (the independent authors
    labelled 34 of 39 such messages as identifying nobody); the resident gets an answer, not the
    114 14 redirect, and the scrubber removes the number either way. Someone else's number
    still identifies, with the model and with the rules alone."""
    for det in (SignalDetector(), SignalDetector(learned=False)):
        for own in (
            "Mitt personnummer är 880214-5632, behöver jag skriva det för anmälan?",
            "mój pesel 44051401359 potrzebny do zgłoszenia?",
            "do i need personnummer for the report? mine is 19910705-3318",
        ):
            s = det.detect(clean(own))
            assert not s.identifies, own
            assert "own_id.personnummer" in s.matched
        assert det.detect(clean("Hans personnummer är 811218-9876 och han bor här")).identifies


def test_a_relative_without_a_name_identifies_someone() -> None:
    """The SPEC's definition: a specific person, e.g. "my neighbour", "my ex", and so a
    specific family member (written for this test)."""
    det = SignalDetector()
    assert det.detect("Min bror har blivit misshandlad vid stationen").identifies
    assert det.detect("Min syster svarar inte i telefon sedan i går").identifies
    assert not det.detect("Ungdomar samlas vid stationen varje kväll").identifies


def _figures(items: list[Labelled], preds: list[tuple[str, bool]]) -> SignalFigures:
    it = iter(preds)
    return signal_figures(items, lambda _text: next(it))


@pytest.fixture(scope="module")
def out_of_author() -> tuple[list[training.Row], np.ndarray]:
    rows = training.prepare(ITEMS)
    return rows, training.out_of_author(rows)


@pytest.mark.skipif(not HAVE_SKLEARN, reason="needs scikit-learn (the dev extra)")
def test_leave_one_author_out_at_the_shipped_thresholds_meets_the_urgency_goals(
    out_of_author: tuple[list[training.Row], np.ndarray], shipped: SafetyModel
) -> None:
    rows, probs = out_of_author
    figs = _figures(ITEMS, training.decide(rows, probs, shipped.thresholds))
    assert figs.urgent_any.recall >= 0.95  # 112 in the first answer
    assert figs.urgent_any_by_lang is not None
    for lang, x in figs.urgent_any_by_lang.items():
        assert x.recall >= 0.85, lang
    assert figs.urgent.recall >= 0.85  # the 112 answer first
    assert figs.takeover_rate <= 0.10  # labelled not urgent, yet the 112 answer first


@pytest.mark.skipif(not HAVE_SKLEARN, reason="needs scikit-learn (the dev extra)")
def test_leave_one_author_out_person_figures_stay_at_the_level_reached(
    out_of_author: tuple[list[training.Row], np.ndarray], shipped: SafetyModel
) -> None:
    """The goal is 0.90 / 0.90. Across the fourteen authors the detector reaches recall 0.91
    (0.93 when urgent) at precision 0.887 (0.889 when urgent), short of the precision goal mainly
    because authors differ on whether a relative or neighbour without a name identifies someone
    (``elderly`` says no where the SPEC and most others say yes: precision 0.73 on that author;
    docs/safety_text.md, "Three readers of the definition"). This pins the level reached (0.75 /
    0.75 before the person work; 0.94 / 0.89 across the first six authors before eight more were
    added; P 0.856 R 0.926 before the sixth round; P 0.871 R 0.922 before the seventh, whose
    classes (pets, characters, the writer's own home, account and number) moved the best-F1
    threshold from 0.24 to 0.33: a little recall for precision, recall still above the goal)."""
    rows, probs = out_of_author
    figs = _figures(ITEMS, training.decide(rows, probs, shipped.thresholds))
    assert figs.person.recall >= 0.905 and figs.person.precision >= 0.885
    assert figs.person_urgent.recall >= 0.93 and figs.person_urgent.precision >= 0.885


@pytest.mark.skipif(not HAVE_SKLEARN, reason="needs scikit-learn (the dev extra)")
def test_training_reproduces_the_shipped_weights_file_byte_for_byte(
    out_of_author: tuple[list[training.Row], np.ndarray], shipped: SafetyModel
) -> None:
    import sklearn

    if sklearn.__version__ != shipped.meta["scikit_learn"]:
        pytest.skip(f"trained with scikit-learn {shipped.meta['scikit_learn']}")
    rows, probs = out_of_author
    blob, _ = training.build(rows, probs)
    assert blob == default_model_path().read_bytes()


def test_detect_uses_the_model_and_says_so() -> None:
    """A Tigrinya emergency the rules alone do not see ("Help! someone fell to the ground and
    is not breathing"; written for this test, not by a native speaker)."""
    text = clean("ሓገዝ! ሓደ ሰብ ኣብ ባይታ ወዲቑ ኣየስተንፍስን ዘሎ")
    assert not SignalDetector(learned=False).detect(text).urgent
    s = SignalDetector().detect(text)
    assert s.urgent
    assert "model.urgent" in s.matched


def test_features_fold_diacritics_strokes_and_a_russian_layout() -> None:
    """ "rok" for "rök", "l" for "ł", and Ukrainian typed on a Russian layout ("чоловик" for
    "чоловік", issue 19) give the same features without diacritics."""
    from bot.safety_model import plain_letters

    assert plain_letters("rök łódź") == "rok lodz"
    assert plain_letters("чоловік сусід їде") == plain_letters("чоловик сусид иде")


def test_the_writers_own_handle_is_no_sign_of_someone_else() -> None:
    """A handle the scrubber finds is a feature of the model ("found.anvandarnamn"); with
    "my insta", "insta mi je", … it is the writer's own ("own_id.handle")."""
    det = SignalDetector(learned=False)
    _, _, _, own = det.rule_findings(clean("insta mi je @amra.vmo ako trebate slike smeća"))
    assert "own_id.handle" in own and "found.anvandarnamn" not in own
    _, _, _, other = det.rule_findings(clean("nån skrev på snap, usern heter x_bandit_x"))
    assert "found.anvandarnamn" in other and "own_id.handle" not in other


def test_a_look_beside_a_man_or_woman_and_someone_elses_handle_identify() -> None:
    """Issue 19, second round (written for this test): a description by build, height or hair
    identifies, with the model and with the rules alone; so does someone else's handle, not
    the writer's own; "asking for a friend" points at nobody."""
    for learned in (True, False):
        det = SignalDetector(learned=learned)
        for text in (
            "en lång skallig kille står vid kiosken varje kväll",
            "a tall bald guy keeps shouting at people outside",
            "wysoki łysy facet stoi pod sklepem",
            "ktoś mi grozi na snapie, jego nick to polak_z_vmo",
        ):
            assert det.detect(clean(text)).identifies, (learned, text)
        assert not det.detect(clean("insta mi je @amra.vmo ako trebate slike")).identifies
    det = SignalDetector(learned=False)
    _, _, _, features = det.rule_findings(
        clean("is it legal to have brass knuckles in the car? asking for a friend")
    )
    assert not any(f.startswith("cue.") and f != "cue.vehicle" for f in features)
