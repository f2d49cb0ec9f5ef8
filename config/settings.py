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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails

from config.base import (
    CONTENT_DIR,
    EXAMPLE_PATH,
    FIELDS_ONLY,
    LOCALES_DIR,
    PATTERN_WORDS,
    ConfigError,
    Model,
    RuleProblem,
    RuleProblems,
    lenient,
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
    "CONTENT_DIR",
    "EXAMPLE_PATH",
    "LOCALES_DIR",
    "ConfigError",
    "Secrets",
    "Settings",
    "key_path",
    "load_secrets",
    "load_settings",
    "parse_settings",
    "read_toml",
    "resolve_path",
    "settings_base",
    "settings_problems",
]


class Settings(Model):
    kommun: KommunSettings
    language: LanguageSettings = LanguageSettings()
    reading_hours: ReadingHours = ReadingHours()
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
        """The rules between sections. When some setting is invalid they still run, on every
        section and list item that is valid on its own, so a typo elsewhere never hides them;
        a rule that reads an invalid setting is left out (it would only repeat the problem)."""
        fields_only = isinstance(info.context, Mapping) and info.context.get(FIELDS_ONLY)
        try:
            settings: Settings = handler(data)
        except ValidationError as exc:
            if fields_only:
                raise
            errors = exc.errors()
            invalid = [key_path(e["loc"]) for e in errors if not _broken_rules(e)]
            found = [
                p
                for p in _rules_between_sections(_Sections.lenient(data))
                if not any(_overlaps(need, bad) for need in (p.path, *p.needs) for bad in invalid)
            ]
            if not found:
                raise
            broken: InitErrorDetails = {
                "type": "value_error",
                "loc": (),
                "input": data,
                "ctx": {"error": RuleProblems(found)},
            }
            raise ValidationError.from_exception_data(
                exc.title, [*map(_again, errors), broken]
            ) from None
        found = [] if fields_only else list(_rules_between_sections(_Sections.of(settings)))
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

_M = TypeVar("_M", bound=BaseModel)


def _items(model: type[_M], raw: object) -> list[tuple[int, _M]]:
    """The items of a list of tables that are valid on their own, with their index."""
    items = raw if isinstance(raw, list | tuple) else []
    valid = ((i, lenient(model, item)) for i, item in enumerate(items))
    return [(i, item) for i, item in valid if item is not None]


@dataclass(frozen=True)
class _Sections:
    """What the rules between sections read, each list item with its index."""

    enabled: tuple[str, ...]
    moderation_room: str | None
    keyed: dict[str, list[tuple[int, Locality | PlaceType | Category]]]
    rooms: list[tuple[int, RoomSettings]]
    est_places: list[tuple[int, EstPlace]]

    @classmethod
    def of(cls, s: Settings) -> _Sections:
        return cls(
            enabled=s.language.enabled,
            moderation_room=s.matrix.moderation_room,
            keyed={
                "localities": list(enumerate(s.localities)),
                "place_types": list(enumerate(s.place_types)),
                "categories": list(enumerate(s.categories)),
            },
            rooms=list(enumerate(s.rooms)),
            est_places=list(enumerate(s.est.places)),
        )

    @classmethod
    def lenient(cls, data: object) -> _Sections:
        """The parts of raw (partly invalid) settings that are valid on their own."""
        raw = table(data)
        language = lenient(LanguageSettings, raw.get("language")) or LanguageSettings()
        matrix = lenient(MatrixSettings, raw.get("matrix")) or MatrixSettings()
        keyed: dict[str, list[tuple[int, Locality | PlaceType | Category]]] = {
            "localities": [*_items(Locality, raw.get("localities"))],
            "place_types": [*_items(PlaceType, raw.get("place_types"))],
            "categories": [*_items(Category, raw.get("categories"))],
        }
        return cls(
            enabled=language.enabled,
            moderation_room=matrix.moderation_room,
            keyed=keyed,
            rooms=_items(RoomSettings, raw.get("rooms")),
            est_places=_items(EstPlace, table(raw.get("est")).get("places")),
        )


def _rules_between_sections(s: _Sections) -> Iterator[RuleProblem]:
    for section, items in s.keyed.items():
        first: dict[str, int] = {}
        for i, item in items:
            if item.key in first:
                used = f"{item.key!r} is already used by {section}[{first[item.key]}]"
                yield RuleProblem(f"{section}[{i}].key", used, (section,))
            first.setdefault(item.key, i)
    localities = {loc.key: loc for _, loc in s.keyed["localities"] if isinstance(loc, Locality)}
    seen_rooms: dict[str, int] = {}
    for i, room in s.rooms:
        if localities and room.locality not in localities:
            unknown = f"{room.locality!r} is not a configured locality"
            yield RuleProblem(f"rooms[{i}].locality", unknown, ("localities",))
        if room.language not in s.enabled:
            off = f"{room.language!r} is not in language.enabled"
            yield RuleProblem(f"rooms[{i}].language", off, ("language.enabled",))
        if room.id in seen_rooms:
            yield RuleProblem(
                f"rooms[{i}].id", f"{room.id!r} is already rooms[{seen_rooms[room.id]}]"
            )
        seen_rooms.setdefault(room.id, i)
        if room.id == s.moderation_room:
            both = "the moderation room cannot also be a neighbourhood room"
            yield RuleProblem(f"rooms[{i}].id", both, ("matrix.moderation_room",))
    for i, place in s.est_places:
        locality = localities.get(place.locality)
        if localities and locality is None:
            unknown = f"{place.locality!r} is not a configured locality"
            yield RuleProblem(f"est.places[{i}].locality", unknown, ("localities",))
        elif place.area is not None and (locality is None or place.area not in locality.areas):
            not_area = f"{place.area!r} is not an area of {place.locality}"
            yield RuleProblem(f"est.places[{i}].area", not_area, ("localities",))


def _overlaps(a: str, b: str) -> bool:
    """One key path is the other or lies inside it."""
    return a == b or a.startswith((b + ".", b + "[")) or b.startswith((a + ".", a + "["))


def _broken_rules(err: ErrorDetails) -> tuple[RuleProblem, ...]:
    found = (err.get("ctx") or {}).get("error")
    return found.problems if isinstance(found, RuleProblems) else ()


def _again(err: ErrorDetails) -> InitErrorDetails:
    """A reported error as it can be raised again."""
    again: InitErrorDetails = {"type": err["type"], "loc": err["loc"], "input": err["input"]}
    if "ctx" in err:
        again["ctx"] = err["ctx"]
    return again


@dataclass(frozen=True)
class Secrets:
    """Secrets resolved from the environment or files; never printed."""

    pseudonym_key: bytes

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"


# ---------------------------------------------------------------------------- problems

Problem = tuple[str, str]
"""A key path (``rooms[2].locality``) and what is wrong there."""


def key_path(loc: Sequence[object]) -> str:
    """``("rooms", 2, "locality")`` -> ``rooms[2].locality``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


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


def settings_problems(data: Mapping[str, Any]) -> list[str]:
    """Every problem in already-parsed TOML data, one line each: ``path: what is wrong``;
    the field problems first, then the broken rules."""
    try:
        Settings.model_validate(dict(data))
    except ValidationError as exc:
        field: list[Problem] = []
        rules: list[Problem] = []
        for err in exc.errors():
            broken = _broken_rules(err)
            if broken:
                prefix = key_path(err["loc"])
                rules.extend((_inside(prefix, p.path), p.message) for p in broken)
            else:
                field.append(_field_problem(err))
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
