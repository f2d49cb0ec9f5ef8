"""The root of the settings: one TOML file, loaded and validated at start.

Each section's model lives with its subject beside this module (``config/kommun.py``,
``language.py``, ``matrix.py``, ``moderation.py``, ``privacy.py``, ``est.py``,
``broadcasts.py``, ``web.py``, ``operations.py``; what they share is in ``config/base.py``).
A rule between settings of one section is a validator on that section's model; a rule between
sections (a room's locality must be a configured one) is a validator on :class:`Settings`.

Every problem in the file is reported at once, one line each with its key path
(``rooms[2].locality: 'x' is not a configured locality``): field problems first, then the
broken rules, even where another setting is invalid; a rule that reads an invalid setting is
not reported as well. Problems come out as :class:`ConfigError`. Secrets never live in the
TOML file: they come from the environment or from a file path named in the TOML
(`load_secrets`; what the files would do on this machine is checked by ``config/preflight.py``).
Relative paths in a settings file are resolved against the folder of that file
(`settings_base`). Package data (the example, the message catalogues, word lists) is found
through ``importlib.resources`` (``config/base.py``; the paths are also importable from here).
This module imports nothing from the rest of Tryggbot outside ``config``.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from config.base import (
    FIELDS_ONLY,
    PATTERN_WORDS,
    ConfigError,
    Model,
    RuleProblem,
    RuleProblems,
    broken_rules,
    key_path,
    raise_with,
    setting,
    table,
)
from config.broadcasts import BroadcastSettings
from config.est import EstPlace, EstSettings
from config.files import private_dir, write_private
from config.kommun import (
    Category,
    KommunSettings,
    Locality,
    PlaceType,
    ReadingHours,
    SafetySettings,
)
from config.language import LanguageSettings
from config.matrix import EncryptionSettings, MatrixSettings, RoomSettings
from config.moderation import LimitSettings, ModerationSettings
from config.operations import MonitoringSettings, SecretSettings, StorageSettings
from config.privacy import PrivacySettings, RetentionSettings
from config.web import WebSettings

__all__ = [
    "Secrets",
    "Settings",
    "load_secrets",
    "load_settings",
    "parse_settings",
    "read_toml",
    "resolve_path",
    "settings_base",
    "settings_problems",
]


class Settings(Model):
    """The whole settings file: one field per section, in the example file's order."""

    kommun: KommunSettings
    reading_hours: ReadingHours = ReadingHours()
    # A factory, not an instance: the languages' rules read the poll templates.
    language: LanguageSettings = Field(default_factory=lambda: LanguageSettings())
    safety: SafetySettings = SafetySettings()
    retention: RetentionSettings = RetentionSettings()
    limits: LimitSettings = LimitSettings()
    secrets: SecretSettings = SecretSettings()
    storage: StorageSettings = StorageSettings()
    privacy: PrivacySettings = PrivacySettings()
    matrix: MatrixSettings = MatrixSettings()
    encryption: EncryptionSettings = EncryptionSettings()
    moderation: ModerationSettings = ModerationSettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    est: EstSettings = EstSettings()
    broadcasts: BroadcastSettings = Field(default_factory=lambda: BroadcastSettings())
    web: WebSettings = WebSettings()
    localities: tuple[Locality, ...] = Field(min_length=1)
    place_types: tuple[PlaceType, ...] = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)
    rooms: tuple[RoomSettings, ...] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _between_sections(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Settings:
        """The rules between sections. When some setting is invalid they still run on every
        setting that is valid on its own, so a typo elsewhere never hides them."""
        if isinstance(info.context, Mapping) and info.context.get(FIELDS_ONLY):
            return cast(Settings, handler(data))
        try:
            settings = cast(Settings, handler(data))
        except ValidationError as exc:
            raise_with(exc, data, _rules_between_sections(_Sections.from_raw(data)))
        found = list(_rules_between_sections(_Sections.of(settings)))
        if found:
            raise RuleProblems(found)
        return settings

    def locality(self, key: str) -> Locality | None:
        return next((loc for loc in self.localities if loc.key == key), None)

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def place_type(self, key: str) -> PlaceType | None:
        return next((p for p in self.place_types if p.key == key), None)


# ------------------------------------------------------------------ rules between sections


@dataclass(frozen=True)
class _Room:
    id: str | None
    locality: str | None
    language: str | None

    @classmethod
    def from_raw(cls, raw: object) -> _Room:
        return cls(*(setting(RoomSettings, name, raw) for name in ("id", "locality", "language")))


@dataclass(frozen=True)
class _Place:
    locality: str | None
    area: str | None

    @classmethod
    def from_raw(cls, raw: object) -> _Place:
        return cls(setting(EstPlace, "locality", raw), setting(EstPlace, "area", raw))


@dataclass(frozen=True)
class _Sections:
    """What the rules between sections read; a setting that is invalid is None."""

    enabled: tuple[str, ...] | None
    moderation_room: str | None
    keys: dict[str, list[tuple[int, str]]]  # section -> (index, key) of its items
    areas: dict[str, tuple[str, ...]]  # locality key -> its areas
    rooms: list[tuple[int, _Room]]
    est_places: list[tuple[int, _Place]]

    @classmethod
    def of(cls, s: Settings) -> _Sections:
        return cls(
            enabled=s.language.enabled,
            moderation_room=s.matrix.moderation_room,
            keys={
                "localities": [(i, item.key) for i, item in enumerate(s.localities)],
                "place_types": [(i, item.key) for i, item in enumerate(s.place_types)],
                "categories": [(i, item.key) for i, item in enumerate(s.categories)],
            },
            areas={loc.key: loc.areas for loc in s.localities},
            rooms=[(i, _Room(r.id, r.locality, r.language)) for i, r in enumerate(s.rooms)],
            est_places=[(i, _Place(p.locality, p.area)) for i, p in enumerate(s.est.places)],
        )

    @classmethod
    def from_raw(cls, data: object) -> _Sections:
        """The settings of raw (partly invalid) data, each validated on its own."""
        raw = table(data)
        keyed: dict[str, type[Model]] = {
            "localities": Locality,
            "place_types": PlaceType,
            "categories": Category,
        }
        keys = {
            section: [
                (i, key)
                for i, item in enumerate(_seq(raw.get(section)))
                if (key := setting(model, "key", item)) is not None
            ]
            for section, model in keyed.items()
        }
        areas = {
            key: setting(Locality, "areas", item) or ()
            for item in _seq(raw.get("localities"))
            if (key := setting(Locality, "key", item)) is not None
        }
        rooms = [(i, _Room.from_raw(room)) for i, room in enumerate(_seq(raw.get("rooms")))]
        est_places = table(raw.get("est")).get("places")
        places = [(i, _Place.from_raw(place)) for i, place in enumerate(_seq(est_places))]
        return cls(
            enabled=setting(LanguageSettings, "enabled", raw.get("language")),
            moderation_room=setting(MatrixSettings, "moderation_room", raw.get("matrix")),
            keys=keys,
            areas=areas,
            rooms=rooms,
            est_places=places,
        )


def _seq(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _rules_between_sections(s: _Sections) -> Iterator[RuleProblem]:
    for section, keys in s.keys.items():
        first: dict[str, int] = {}
        for i, key in keys:
            if key in first:
                used = f"{key!r} is already used by {section}[{first[key]}]"
                yield RuleProblem(f"{section}[{i}].key", used, (section,))
            first.setdefault(key, i)
    localities = s.areas
    seen_rooms: dict[str, int] = {}
    for i, room in s.rooms:
        if localities and room.locality is not None and room.locality not in localities:
            unknown = f"{room.locality!r} is not a configured locality"
            yield RuleProblem(f"rooms[{i}].locality", unknown, ("localities",))
        if room.language is not None and s.enabled is not None and room.language not in s.enabled:
            off = f"{room.language!r} is not in language.enabled"
            yield RuleProblem(f"rooms[{i}].language", off, ("language.enabled",))
        if room.id is None:
            continue
        if room.id in seen_rooms:
            yield RuleProblem(
                f"rooms[{i}].id", f"{room.id!r} is already rooms[{seen_rooms[room.id]}]"
            )
        seen_rooms.setdefault(room.id, i)
        if room.id == s.moderation_room:
            both = "the moderation room cannot also be a neighbourhood room"
            yield RuleProblem(f"rooms[{i}].id", both, ("matrix.moderation_room",))
    for i, place in s.est_places:
        if place.locality is None:
            continue
        if localities and place.locality not in localities:
            unknown = f"{place.locality!r} is not a configured locality"
            yield RuleProblem(f"est.places[{i}].locality", unknown, ("localities",))
        elif place.area is not None and place.area not in localities.get(place.locality, ()):
            not_area = f"{place.area!r} is not an area of {place.locality}"
            yield RuleProblem(f"est.places[{i}].area", not_area, ("localities",))


@dataclass(frozen=True)
class Secrets:
    """Secrets resolved from the environment or files; never printed."""

    pseudonym_key: bytes

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"


# ---------------------------------------------------------------------------- problems

Problem = tuple[str, str]
"""A key path (``rooms[2].locality``) and what is wrong there."""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_problem(err: Mapping[str, Any]) -> Problem:
    path = key_path(err.get("loc", ()))
    kind = err.get("type")
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        msg = "is missing (it is required)"
    elif kind == "extra_forbidden":
        msg = "is not a known setting (check the spelling and the section)"
    elif kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        words = PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        msg = f"{_show(value)} is not {words}"
    elif kind == "literal_error":
        msg = f"{_show(value)} is not one of {ctx.get('expected', '')}"
    else:
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if kind not in ("value_error", "too_short") and value is not None:
            if not isinstance(value, Mapping | list | tuple):
                msg = f"{msg} (got {_show(value)})"
    return path, " ".join(msg.split())


def _inside(prefix: str, path: str) -> str:
    """The key path ``path`` of a rule of the model at ``prefix``, from the root."""
    if not prefix or not path:
        return prefix or path
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


def _rule_rank(loc: tuple[int | str, ...]) -> int:
    """Where a model's broken rules are listed: ``[language]``'s first (which languages the bot
    speaks bears on much else), then the other sections' in the file's order, then the rules
    between sections."""
    return 0 if loc[:1] == ("language",) else 1 if loc else 2


def settings_problems(data: Mapping[str, Any]) -> list[str]:
    """Every problem in already-parsed TOML data, one line each: ``path: what is wrong``;
    the field problems first, then the broken rules."""
    try:
        Settings.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors()
        field = [_field_problem(err) for err in errors if not broken_rules(err)]
        rules = [
            (_inside(key_path(err["loc"]), p.path), p.message)
            for err in sorted(errors, key=lambda err: _rule_rank(err["loc"]))
            for p in broken_rules(err)
        ]
        return [f"{path}: {msg}" if path else msg for path, msg in field + rules]
    return []


def parse_settings(data: Mapping[str, Any]) -> Settings:
    """Validate already-parsed TOML data; raise ConfigError listing every problem."""
    problems = settings_problems(data)
    if problems:
        raise ConfigError(problems)
    return Settings.model_validate(dict(data))


def read_toml(path: Path | str) -> dict[str, Any]:
    """The parsed TOML of a settings file; ConfigError (one line) if unreadable or invalid."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{file}: cannot read ({exc.strerror})"]) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{file}: not valid TOML ({exc})"]) from None


def load_settings(path: Path | str) -> Settings:
    """Read and validate a TOML settings file; raise ConfigError listing every problem."""
    return parse_settings(read_toml(path))


def settings_base(path: Path | str) -> Path:
    """The folder that relative paths in the settings file ``path`` are resolved against:
    the file's own folder (absolute), whatever the current directory is."""
    return Path(path).expanduser().resolve().parent


def resolve_path(value: str, base: Path) -> Path:
    """A path from the config, relative to ``base`` unless absolute."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


# ---------------------------------------------------------------------------- secrets


def load_secrets(settings: Settings, base: Path, env: Mapping[str, str] | None = None) -> Secrets:
    """Resolve the pseudonym key: environment first, then the key file (created, 0600 in a
    0700 folder, if ``generate_missing_key`` allows)."""
    environ = os.environ if env is None else env
    value = environ.get(settings.secrets.pseudonym_key_env, "").strip()
    if value:
        if len(value) < 16:
            raise ConfigError(
                [f"${settings.secrets.pseudonym_key_env}: the key must be at least 16 characters"]
            )
        return Secrets(pseudonym_key=value.encode())
    if settings.secrets.pseudonym_key_file:
        file = resolve_path(settings.secrets.pseudonym_key_file, base)
        if not file.exists() and settings.secrets.generate_missing_key:
            private_dir(file.parent)
            write_private(file, secrets.token_hex(32), exclusive=True)
        try:
            key = file.read_text().strip()
        except OSError as exc:
            raise ConfigError(
                [f"secrets.pseudonym_key_file: cannot read {file} ({exc.strerror})"]
            ) from None
        if len(key) < 16:
            raise ConfigError([f"secrets.pseudonym_key_file: {file} holds too short a key"])
        return Secrets(pseudonym_key=key.encode())
    raise ConfigError(
        [
            "secrets: no pseudonym key; set $"
            + settings.secrets.pseudonym_key_env
            + " or secrets.pseudonym_key_file"
        ]
    )
