"""Message catalogues: Swedish and English complete and identical in keys; every other
language a subset with the same placeholders; the safety essentials everywhere."""

from __future__ import annotations

import pytest

from bot.i18n import Catalog, placeholders
from config.settings import EXAMPLE_PATH, LOCALES_DIR, load_settings

CATALOG = Catalog.load(LOCALES_DIR)
ESSENTIAL = (
    "safety.notice",
    "safety.urgent",
    "safety.hours",
    "language.name",
    "i18n.fallback_note",
)


def test_swedish_and_english_have_the_same_keys() -> None:
    sv, en = CATALOG.keys("sv"), CATALOG.keys("en")
    assert sv - en == set(), f"only in Swedish: {sorted(sv - en)}"
    assert en - sv == set(), f"only in English: {sorted(en - sv)}"


def test_every_enabled_language_has_a_catalogue() -> None:
    settings = load_settings(EXAMPLE_PATH)
    assert set(settings.language.enabled) <= set(CATALOG.languages)


@pytest.mark.parametrize("lang", CATALOG.languages)
def test_catalogue_keys_and_placeholders_match_english(lang: str) -> None:
    en = CATALOG.keys("en")
    extra = CATALOG.keys(lang) - en
    assert not extra, f"{lang} has keys English lacks: {sorted(extra)}"
    for key in CATALOG.keys(lang):
        mine, ref = CATALOG.raw(lang, key), CATALOG.raw("en", key)
        assert mine is not None and ref is not None
        assert placeholders(mine) == placeholders(ref), f"{lang}:{key} placeholders differ"


@pytest.mark.parametrize("lang", CATALOG.languages)
def test_safety_essentials_exist_in_every_language(lang: str) -> None:
    for key in ESSENTIAL:
        assert CATALOG.has(lang, key), f"{lang} lacks {key}"
    notice = CATALOG.t(lang, "safety.notice", kommun="K", police="P", hours="H", website="W")
    assert "112" in notice and "114 14" in notice


def test_missing_string_falls_back_visibly() -> None:
    catalog = Catalog(
        {
            "sv": {"a": "hej {n}"},
            "en": {"a": "hello {n}"},
            "pl": {"i18n.fallback_note": "(Tylko po angielsku:)"},
        }
    )
    assert catalog.t("pl", "a", n=1) == "(Tylko po angielsku:) hello 1"
    assert catalog.t("sv", "a", n=2) == "hej 2"
    assert catalog.t("fi", "a", n=3) == "[English] hello 3"
    assert catalog.t("sv", "missing.key") == "missing.key"


def test_bad_placeholder_values_never_raise() -> None:
    catalog = Catalog({"sv": {"a": "hej {n} {m}"}, "en": {}})
    assert catalog.t("sv", "a", n="{m}") == "hej {m} {m}"
