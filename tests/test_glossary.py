"""Every resident text of every language (catalogue, fraud warnings, poll templates and the
kommun's configured names) against that language's glossary and register
(config/locales/<lang>/_glossary.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.glossary import glossary_findings, load_glossary
from bot.i18n import Catalog
from bot.reviewtexts import review_texts
from config.base import LOCALES_DIR
from config.settings import Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "example.toml"
TRANSLATED = ("ar", "so", "ti", "fa", "hr", "sq", "uk", "fi", "pl")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(LOCALES_DIR)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(EXAMPLE)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_resident_text_follows_the_glossary_and_register(
    lang: str, catalog: Catalog, settings: Settings
) -> None:
    glossary = load_glossary(LOCALES_DIR, lang)
    assert glossary is not None, f"config/locales/{lang}/_glossary.toml is missing"
    rows = review_texts(catalog, settings, lang)
    kinds = {r.kind for r in rows}
    assert kinds == {"catalogue", "warnings", "polls", "names"}
    texts = [(f"{r.kind}:{r.key}{'/' + r.form if r.form else ''}", r.text or "") for r in rows]
    assert glossary_findings(glossary, texts) == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_chosen_word_names_the_core_concepts(lang: str) -> None:
    glossary = load_glossary(LOCALES_DIR, lang)
    assert glossary is not None
    concepts = {t.concept for t in glossary.terms}
    core = {"tip", "police_report", "emergency", "fraud", "survey", "moderator", "kommun", "code"}
    assert core <= concepts
    assert all(t.use for t in glossary.terms)
    assert glossary.register


def test_the_check_reports_a_forbidden_word_and_an_informal_marker() -> None:
    ar = load_glossary(LOCALES_DIR, "ar")
    pl = load_glossary(LOCALES_DIR, "pl")
    assert ar is not None and pl is not None
    found = glossary_findings(
        ar,
        [("receipt", "تم إرسال بلاغك."), ("notice", "ما تكتبه هنا ليس بلاغًا للشرطة.")],
    )
    assert len(found) == 1 and found[0].startswith("receipt:")
    found = glossary_findings(pl, [("x", "Cześć! Co widziałeś?"), ("y", "Dzień dobry!")])
    assert [f.split(":")[0] for f in found] == ["x", "x"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_critical_facts_of_the_source_are_in_every_text_of_every_kind(
    lang: str, catalog: Catalog, settings: Settings
) -> None:
    facts = ("112", "114 14", "polisen.se", "BankID", "fi.se", "!verify")
    missing = [
        f"{r.kind}:{r.key}{'/' + r.form if r.form else ''}: {fact}"
        for r in review_texts(catalog, settings, lang)
        for fact in facts
        if fact in r.english and fact not in (r.text or "")
    ]
    assert missing == []


def test_croatian_verb_forms_of_prevariti_are_not_taken_for_the_ekavian_noun() -> None:
    hr = load_glossary(LOCALES_DIR, "hr")
    assert hr is not None
    verbs = [
        ("a", "Pokušali su vas prevariti."),
        ("b", "Ako vas prevare, nazovite banku."),
        ("c", "Jeste li bili prevareni?"),
        ("d", "Prevari li vas netko, nazovite 114 14."),
    ]
    assert glossary_findings(hr, verbs) == []
    nouns = [("e", "To je prevara."), ("f", "Nazovite banku zbog prevare."), ("g", "prijevara")]
    assert [f.split(":")[0] for f in glossary_findings(hr, nouns)] == ["e", "f"]
