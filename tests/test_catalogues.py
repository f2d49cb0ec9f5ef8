"""Message catalogues and the file convention: ``moderation*.toml`` is moderator-facing (Swedish
and English only); every other file is resident-facing and complete in every enabled language,
with the same placeholders and the plural categories each language uses. No non-English text
is a copy of the English one, except the deliberate exceptions listed here."""

from __future__ import annotations

import re

import pytest

from bot.i18n import Catalog, is_plural_table, placeholders, plural_categories
from config.base import EXAMPLE_PATH, LOCALES_DIR
from config.settings import load_settings

CATALOG = Catalog.load(LOCALES_DIR)
SETTINGS = load_settings(EXAMPLE_PATH)
ENABLED = SETTINGS.language.enabled
OTHERS = [lang for lang in ENABLED if lang not in ("sv", "en")]
RESIDENT_KEYS = sorted(CATALOG.resident_keys("sv"))

#: Values that may equal the English text in a language, and why.
SAME_AS_ENGLISH: dict[tuple[str, str], str] = {
    ("sv", "moderation.priority.normal"): "normal is the Swedish word too",
    ("sv", "moderation.card_text"): "Text is the Swedish word too",
}

#: Config names that may equal the English name, and why.
SAME_NAME_AS_ENGLISH: dict[tuple[str, str], str] = {
    ("hr", "park"): "Park is the Bosnian/Croatian/Serbian word",
    ("pl", "park"): "Park is the Polish word",
}

_NOT_WORDS = re.compile(
    r"\{[^}]*\}|![^\s!.,;:?()«»\"”]+|https?://\S+|\b[\w.-]+\.se\b|[A-Z]{2,4}-[0-9A-Z]{4}"
    r"|\bTryggbot\b|\bMatrix\b|\bVärnamo\b|socialtjänsten"
)


def words_of(text: str) -> str:
    """What a translator must translate: letters outside placeholders, commands, codes,
    addresses and names."""
    return "".join(ch for ch in _NOT_WORDS.sub(" ", text) if ch.isalpha())


def test_swedish_and_english_have_the_same_keys() -> None:
    sv, en = CATALOG.keys("sv"), CATALOG.keys("en")
    assert sv - en == set(), f"only in Swedish: {sorted(sv - en)}"
    assert en - sv == set(), f"only in English: {sorted(en - sv)}"


def test_every_enabled_language_has_a_catalogue() -> None:
    assert set(ENABLED) <= set(CATALOG.languages)


def test_the_convention_splits_moderator_and_resident_files() -> None:
    assert CATALOG.audience("moderation.card_title") == "moderator"
    assert CATALOG.audience("tips.receipt") == "resident"
    assert CATALOG.audience("safety.notice") == "resident"
    assert "moderation.card_title" not in RESIDENT_KEYS and "tips.receipt" in RESIDENT_KEYS


@pytest.mark.parametrize("lang", ENABLED)
def test_every_resident_key_exists_with_the_same_placeholders(lang: str) -> None:
    missing = [k for k in RESIDENT_KEYS if not CATALOG.has(lang, k)]
    assert not missing, f"{lang} lacks {missing}"
    for key in RESIDENT_KEYS:
        mine, source = CATALOG.value(lang, key), CATALOG.value("sv", key)
        assert mine is not None and source is not None
        assert placeholders(mine) == placeholders(source), f"{lang}:{key} placeholders differ"


@pytest.mark.parametrize("lang", ENABLED)
def test_plurals_have_exactly_the_categories_of_the_language(lang: str) -> None:
    wanted = plural_categories(lang)
    for key in CATALOG.keys(lang):
        forms = CATALOG.forms(lang, key)
        source_is_plural = CATALOG.forms("sv", key) is not None
        assert (forms is not None) == source_is_plural, f"{lang}:{key} plural or not as Swedish"
        if forms is not None:
            assert set(forms) <= wanted, f"{lang}:{key} has forms {lang} does not use"
            assert wanted <= set(forms), f"{lang}:{key} lacks forms {sorted(wanted - set(forms))}"


@pytest.mark.parametrize("lang", CATALOG.languages)
def test_no_language_has_keys_swedish_lacks(lang: str) -> None:
    extra = CATALOG.keys(lang) - CATALOG.keys("sv")
    assert not extra, f"{lang} has keys Swedish lacks: {sorted(extra)}"


@pytest.mark.parametrize("lang", [*OTHERS, "sv"])
def test_no_text_is_a_copy_of_the_english_one(lang: str) -> None:
    copies = []
    for key in CATALOG.keys(lang):
        mine, english = CATALOG.value(lang, key), CATALOG.value("en", key)
        if mine != english or (lang, key) in SAME_AS_ENGLISH:
            continue
        texts = list(mine.values()) if isinstance(mine, dict) else [str(mine)]
        if any(len(words_of(t)) >= 3 for t in texts):
            copies.append(key)
    assert not copies, f"{lang} copies English in {copies}"


def test_the_exception_lists_name_real_entries() -> None:
    for lang, key in SAME_AS_ENGLISH:
        assert CATALOG.value(lang, key) == CATALOG.value("en", key)
    for lang, key in SAME_NAME_AS_ENGLISH:
        item = SETTINGS.place_type(key) or SETTINGS.category(key)
        assert item is not None and item.names.get(lang) == item.names.en


@pytest.mark.parametrize("lang", OTHERS)
def test_config_names_exist_in_every_enabled_language(lang: str) -> None:
    named = [
        *((c.key, c.names) for c in SETTINGS.categories),
        *((p.key, p.names) for p in SETTINGS.place_types),
        ("kommun", SETTINGS.kommun.name),
        ("police", SETTINGS.kommun.police_area),
    ]
    for key, names in named:
        assert lang in names.languages(), f"{key} has no {lang} name"
        if (lang, key) not in SAME_NAME_AS_ENGLISH:
            assert names.get(lang) != names.en, f"{key}: the {lang} name is the English one"


@pytest.mark.parametrize("lang", CATALOG.languages)
def test_safety_essentials_say_112_and_114_14(lang: str) -> None:
    notice = CATALOG.t(lang, "safety.notice", kommun="K", police="P", hours="H", website="W")
    assert "112" in notice and "114 14" in notice and "polisen.se" in notice
    assert "112" in CATALOG.t(lang, "safety.urgent")


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("en", 1, "1 tip."),
        ("en", 2, "2 tips."),
        ("sv", 1, "1 tips."),
        ("uk", 1, "1 спостереження."),
        ("uk", 3, "3 спостережень."),
        ("uk", 5, "5 спостережень."),
        ("pl", 1, "1 zgłoszenia."),
        ("pl", 22, "22 zgłoszeń."),
        ("hr", 21, "21 dojavu."),
        ("hr", 3, "3 dojave."),
        ("hr", 5, "5 dojava."),
        ("ar", 1, "لملاحظة واحدة."),
        ("ar", 2, "لملاحظتين."),
        ("ar", 3, "لـ3 ملاحظات."),
        ("ar", 11, "لـ11 ملاحظةً."),
    ],
)
def test_plural_form_follows_the_cldr_rule(lang: str, count: int, expected: str) -> None:
    assert expected in CATALOG.t(lang, "tips.forgotten", count=count)


def test_plural_form_is_chosen_by_the_only_number_without_count() -> None:
    assert "1 second and" in CATALOG.t("en", "error.flood", seconds=1)
    assert "60 seconds and" in CATALOG.t("en", "error.flood", seconds=60)
    assert "1 sekund," in CATALOG.t("sv", "error.flood", seconds=1)


def test_a_plural_table_is_recognised_only_with_cldr_keys_and_other() -> None:
    assert is_plural_table({"one": "a", "other": "b"})
    assert not is_plural_table({"one": "a"})
    assert not is_plural_table({"00_06": "natt", "other": "x"})


def test_raw_of_a_plural_is_its_other_form() -> None:
    catalog = Catalog({"sv": {"n": {"one": "{count} sak", "other": "{count} saker"}}, "en": {}})
    assert catalog.raw("sv", "n") == "{count} saker"
    assert catalog.t("sv", "n", count=1) == "1 sak"
    assert catalog.t("sv", "n") == "{count} saker"
    assert catalog.t("sv", "n", count=-1) == "-1 sak"


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


def test_a_text_missing_in_english_too_is_marked_swedish_not_english() -> None:
    catalog = Catalog(
        {"sv": {"a": "hej"}, "en": {}, "pl": {"i18n.fallback_note": "(Tylko po angielsku:)"}}
    )
    assert catalog.t("pl", "a") == "[svenska] hej"


@pytest.mark.parametrize("lang", [lang for lang in ENABLED if lang not in ("sv", "en")])
def test_the_fallback_note_of_every_language_is_the_one_put_before_english(lang: str) -> None:
    """The note says "only in English" in each language (a reviewer reads that): it is shown
    exactly where the English text stands in for a missing one."""
    real = CATALOG
    values = {"sv": {"x": "hej"}, "en": {"x": "hello"}}
    values[lang] = {"i18n.fallback_note": real.raw(lang, "i18n.fallback_note")}
    assert Catalog(values).t(lang, "x") == real.raw(lang, "i18n.fallback_note") + " hello"


def test_bad_placeholder_values_never_raise() -> None:
    catalog = Catalog({"sv": {"a": "hej {n} {m}"}, "en": {}})
    assert catalog.t("sv", "a", n="{m}") == "hej {m} {m}"


@pytest.mark.parametrize("lang", ENABLED)
def test_every_language_declares_its_quality(lang: str) -> None:
    quality = CATALOG.quality(lang)
    if lang in ("sv", "en"):
        assert quality.state == "source"
    else:
        assert quality.state in ("machine-assisted", "reviewed")
        assert (LOCALES_DIR / lang / "_quality.toml").exists()
        if quality.state == "reviewed":
            assert CATALOG.reviewed_keys(lang) >= set(RESIDENT_KEYS)


def test_config_names_must_be_keyed_by_language_codes() -> None:
    from config.base import ConfigError
    from config.settings import parse_settings
    from tests.harness import example_data

    data = example_data()
    data["categories"][0]["names"]["Somali"] = "Burburin"
    data["categories"][1]["names"]["so"] = " "
    with pytest.raises(ConfigError) as err:
        parse_settings(data)
    text = "\n".join(err.value.problems)
    assert "categories[0].names: 'Somali' is not a language code" in text
    assert "categories[1].names: the so name must be a non-empty text" in text
