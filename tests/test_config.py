"""Configuration: the example loads, every problem is reported at once with its key path,
secrets come from the environment or a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from config.base import EXAMPLE_PATH, ConfigError
from config.language import LanguageSettings
from config.privacy import RetentionSettings
from config.settings import Settings, load_secrets, load_settings, parse_settings
from tests.harness import example_data


def test_example_config_loads_with_varnamo_values() -> None:
    settings = load_settings(EXAMPLE_PATH)
    assert settings.kommun.name.get("sv") == "Värnamo kommun"
    assert settings.kommun.code_prefix == "VMO"
    names = [loc.name for loc in settings.localities]
    assert "Bredaryd" in names and "Landsbygd/annan plats" in names
    varnamo = settings.locality("varnamo")
    assert varnamo is not None and "Gröndal" in varnamo.areas
    assert settings.category("bedrageri") is not None
    assert settings.language.enabled[:2] == ("sv", "en")
    assert settings.retention.text_days < settings.retention.record_days


def test_every_problem_is_listed_with_its_key_path() -> None:
    data = example_data()
    data["kommun"]["code_prefix"] = "vmo"
    data["kommun"]["timezone"] = "Europe/Värnamo"
    data["reading_hours"]["start"] = "25:00"
    data["retention"]["text_days"] = 0
    data["localities"][1]["key"] = "Rydaholm!"
    data["unknown_section"] = {"x": 1}
    with pytest.raises(ConfigError) as err:
        parse_settings(data)
    problems = err.value.problems
    joined = "\n".join(problems)
    assert len(problems) == 6, joined
    for path in (
        "kommun.code_prefix: 'vmo' is not two to four capital letters",
        "kommun.timezone: 'Europe/Värnamo' is not a known IANA time zone",
        "reading_hours.start: '25:00' is not a time of day as HH:MM",
        "retention.text_days:",
        "localities[1].key: 'Rydaholm!' is not a key",
        "unknown_section: is not a known setting",
    ):
        assert any(p.startswith(path) for p in problems), f"{path} missing in:\n{joined}"


def test_field_problems_do_not_hide_cross_field_problems() -> None:
    data = example_data()
    data["kommun"]["code_prefix"] = "vmo"  # a field problem
    data["language"]["default"] = "de"
    data["rooms"] = [
        {"id": "!r:x", "locality": "nowhere", "language": "sv"},
        {"id": "!s:x", "locality": "bor", "language": "de"},
    ]
    data["categories"].append(dict(data["categories"][0]))
    data["reading_hours"]["start"] = "17:00"
    data["retention"]["relay_days"] = 60
    with pytest.raises(ConfigError) as err:
        parse_settings(data)
    assert err.value.problems == [
        "kommun.code_prefix: 'vmo' is not two to four capital letters A-Z",
        "language.default: 'de' is not in language.enabled",
        "reading_hours.end: '16:00' must be later than start ('17:00')",
        "retention.relay_days: 60 cannot be longer than text_days (45)",
        "categories[13].key: 'skadegorelse' is already used by categories[0]",
        "rooms[0].locality: 'nowhere' is not a configured locality",
        "rooms[1].language: 'de' is not in language.enabled",
    ]


def test_a_bad_value_is_reported_once_not_again_as_a_cross_field_problem() -> None:
    data = example_data()
    data["rooms"] = [{"id": "!r:x", "locality": "Nowhere!", "language": "sv"}]
    with pytest.raises(ConfigError) as err:
        parse_settings(data)
    assert err.value.problems == [
        "rooms[0].locality: 'Nowhere!' is not a key of lowercase letters a-z, digits and _ "
        "(at most 40)"
    ]


def test_room_problems_name_the_other_room() -> None:
    data = example_data()
    data["matrix"]["moderation_room"] = "!mod:x"
    data["rooms"] = [
        {"id": "!r:x", "locality": "bor"},
        {"id": "!r:x", "locality": "lanna"},
        {"id": "!mod:x", "locality": "lanna"},
    ]
    with pytest.raises(ConfigError) as err:
        parse_settings(data)
    assert err.value.problems == [
        "rooms[1].id: '!r:x' is already rooms[0]",
        "rooms[2].id: the moderation room cannot also be a neighbourhood room",
    ]


def test_model_validate_alone_still_refuses_cross_field_problems() -> None:
    data = example_data()
    data["language"]["default"] = "de"
    with pytest.raises(ValidationError, match=r"'de' is not in language\.enabled"):
        Settings.model_validate(data)


def test_a_bad_value_in_a_section_does_not_hide_that_sections_rules() -> None:
    data = example_data()
    data["language"]["min_chars"] = 0  # a field problem in the same section
    data["language"]["enabled"] = ["sv"]
    data["reading_hours"]["days"] = []
    data["reading_hours"]["start"] = "17:00"
    data["rooms"] = [{"id": "bad", "locality": "nowhere"}]  # a bad id, an unknown locality
    with pytest.raises(ConfigError) as err:
        parse_settings(data)
    assert err.value.problems == [
        "reading_hours.days: Tuple should have at least 1 item after validation, not 0",
        "language.min_chars: Input should be greater than or equal to 1 (got 0)",
        "rooms[0].id: 'bad' is not a room id (!…) or a room alias (#name:server)",
        "language.enabled: 'en' must be enabled (it is a fallback language)",
        "reading_hours.end: '16:00' must be later than start ('17:00')",
        "rooms[0].locality: 'nowhere' is not a configured locality",
    ]


def test_a_section_refuses_its_own_rules_on_its_own() -> None:
    with pytest.raises(ValidationError, match=r"default: 'de' is not in language\.enabled"):
        LanguageSettings.model_validate({"default": "de"})
    with pytest.raises(ValidationError, match=r"relay_days: 60 cannot be longer"):
        RetentionSettings.model_validate({"relay_days": 60})


def test_unreadable_and_invalid_toml_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[kommun\nname = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_secret_from_environment_wins(tmp_path: Path) -> None:
    settings = load_settings(EXAMPLE_PATH)
    secrets = load_secrets(settings, tmp_path, env={"TRYGGBOT_PSEUDONYM_KEY": "k" * 40})
    assert secrets.pseudonym_key == b"k" * 40
    assert "k" * 40 not in repr(secrets)
    assert not (tmp_path / ".local" / "pseudonym.key").exists()


def test_secret_file_is_generated_private_and_reused(tmp_path: Path) -> None:
    settings = load_settings(EXAMPLE_PATH)
    first = load_secrets(settings, tmp_path, env={})
    key_file = tmp_path / ".local" / "pseudonym.key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_secrets(settings, tmp_path, env={}) == first


def test_missing_secret_is_a_clear_error(tmp_path: Path) -> None:
    data = example_data()
    data["secrets"]["generate_missing_key"] = False
    settings = parse_settings(data)
    with pytest.raises(ConfigError, match="pseudonym_key_file: cannot read"):
        load_secrets(settings, tmp_path, env={})
    data["secrets"].pop("pseudonym_key_file")
    with pytest.raises(ConfigError, match="no pseudonym key"):
        load_secrets(parse_settings(data), tmp_path, env={})
    with pytest.raises(ConfigError, match="at least 16"):
        load_secrets(settings, tmp_path, env={"TRYGGBOT_PSEUDONYM_KEY": "short"})
