"""Configured names as terms: every sentence of every language asks for a form the settings
give, rendering finds no fallback, and check-config names a missing form or template text."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n import Catalog, Term, form_uses
from bot.terms import TERM_SETTINGS, kommun_terms, locality_term, term_gaps
from config.base import CONTENT_DIR, EXAMPLE_PATH, LOCALES_DIR
from config.polltexts import template_gaps
from config.settings import Settings, load_settings
from tests.test_operations import at, problem_lines, settings_file

ALL = ("sv", "en", "ar", "so", "ti", "fa", "hr", "sq", "uk", "fi", "pl")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(LOCALES_DIR)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(EXAMPLE_PATH)


def test_a_term_gives_the_form_a_sentence_asks_for_and_records_a_missing_one() -> None:
    kommun = Term("kommun.name", "Gmina Värnamo", {"gen": "Gminy Värnamo"})
    assert f"od {kommun:gen}" == "od Gminy Värnamo"
    assert f"{kommun}" == "Gmina Värnamo"
    assert f"z {kommun:ins}" == "z Gmina Värnamo"
    assert kommun.misses == ["ins"]
    assert form_uses("z {police:ins} i {kommun}") == {("police", "ins"), ("kommun", "")}


@pytest.mark.parametrize("lang", ALL)
def test_every_text_renders_with_the_kommuns_terms_without_fallback(
    lang: str, catalog: Catalog, settings: Settings
) -> None:
    keys = catalog.keys("sv") if lang in ("sv", "en") else catalog.resident_keys("sv")
    fallback = catalog.raw(lang, "i18n.fallback_note") or "[English]"
    problems = []
    for key in sorted(keys - {"i18n.fallback_note"}):
        terms = kommun_terms(settings, lang)
        place = locality_term(settings.locality("varnamo"), lang)
        value = catalog.value(lang, key)
        if value is None:
            problems.append(f"{key}: missing")
            continue
        forms = list(value.values()) if isinstance(value, dict) else [value]
        for form in forms:  # every plural form, not only the one a count would pick
            text = form.format_map({**_sample(form), **terms, "place": place})
            if "{" in text.replace("{{", ""):
                problems.append(f"{key}: a placeholder left: {text!r}")
        shown = catalog.t(lang, key, **_sample(forms[0]), **terms, place=place)
        if shown.startswith(fallback):
            problems.append(f"{key}: fallback")
        misses = [*terms["kommun"].misses, *terms["police"].misses, *place.misses]
        if misses:
            problems.append(f"{key}: no form {misses}")
    assert problems == []


def _sample(text: str) -> dict[str, object]:
    return {name: 1 for name, _ in form_uses(text) if name not in TERM_SETTINGS}


def test_the_example_settings_give_every_form_and_name_the_sentences_ask_for(
    catalog: Catalog, settings: Settings
) -> None:
    assert term_gaps(catalog, settings, ALL) == []
    asked = {
        (lang, use)
        for lang in ALL
        for key in catalog.keys(lang)
        for use in form_uses(catalog.value(lang, key) or "")
        if use[0] in ("kommun", "police") and use[1]
    }
    # the languages whose grammar needs them ask for forms (this test would pass vacuously
    # if the sentences stopped asking)
    assert {lang for lang, _ in asked} >= {"sv", "pl", "hr", "uk", "sq", "fi"}


def test_check_config_names_a_missing_form_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings_file(
        tmp_path / "etc",
        ('pl = { gen = "Gminy Värnamo" }\n', ""),
        ('uk = { ins = "місцевою поліцією Вернаму" }\n', ""),
    )
    monkeypatch.setenv("TRYGGBOT_ACCESS_TOKEN", "syt_token")
    monkeypatch.setenv("TRYGGBOT_PSEUDONYM_KEY", "a-pseudonym-key-of-some-length")
    assert main(["check-config", "--config", str(path)]) == 2
    lines = problem_lines(capsys.readouterr().err)
    assert sorted(lines) == [
        f"  - {at(path, '[kommun.name.forms]')}: kommun.name.forms.pl.gen: missing (asked for "
        "by broadcasts.adhoc_title in config/locales/pl)",
        f"  - {at(path, '[kommun.police_area.forms]')}: kommun.police_area.forms.uk.ins: "
        "missing (asked for by broadcasts.footer in config/locales/uk)",
    ]


def test_check_config_names_a_description_locality_given_only_in_swedish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = EXAMPLE_PATH.read_text("utf-8")
    start = text.index("[localities.names]")
    end = text.index("\n", text.index('\npl = "', start) + 1) + 1  # through the Polish line
    path = settings_file(tmp_path / "etc", (text[start:end], ""))
    monkeypatch.setenv("TRYGGBOT_ACCESS_TOKEN", "syt_token")
    monkeypatch.setenv("TRYGGBOT_PSEUDONYM_KEY", "a-pseudonym-key-of-some-length")
    assert main(["check-config", "--config", str(path)]) == 2
    lines = problem_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "'Landsbygd/annan plats' reads as a description" in lines[0]


def test_every_template_text_is_in_every_language_and_a_gap_names_file_line_and_key(
    tmp_path: Path,
) -> None:
    source = CONTENT_DIR / "polls.toml"
    assert template_gaps(source, ALL) == []
    text = source.read_text("utf-8")
    needle = 'id = "ganska_otrygg"\n'
    at_option = text.index(needle)
    pl_line = text.index('pl = "Raczej niebezpiecznie"\n', at_option)
    broken = tmp_path / "polls.toml"
    broken.write_text(
        text[:pl_line] + text[pl_line:].replace('pl = "Raczej niebezpiecznie"\n', "", 1)
    )
    line = text[:at_option].count("\n") + 1
    assert template_gaps(broken, ALL) == [
        f"polls.toml:{line}: template.trygghet.question.trygg.options.ganska_otrygg: no text in pl"
    ]
    data = tomllib.loads(broken.read_text("utf-8"))
    assert data["template"][0]["question"][0]["options"][2]["sv"] == "Ganska otrygg"


def test_a_template_without_an_enabled_language_refuses_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import config.base as config_base
    from config.base import ConfigError
    from config.settings import parse_settings
    from tests.harness import example_data

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)  # the warnings catalogue is read from here too
    text = (CONTENT_DIR / "polls.toml").read_text("utf-8")
    text = text.replace('fi = "Ongelmat asuinalueella"\n', "", 1)
    (content / "polls.toml").write_text(text, "utf-8")
    monkeypatch.setattr(config_base, "CONTENT_DIR", content)
    with pytest.raises(ConfigError) as caught:
        parse_settings(example_data())
    (problem,) = caught.value.problems
    line = text[: text.index('key = "problem"')].count("\n") + 1 + 4  # its [template.title]
    assert problem == (
        f"language.enabled: a poll template lacks a language: polls.toml:{line}: "
        "template.problem.title: no text in fi"
    )
