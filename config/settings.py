"""Typed settings, loaded from one TOML file and validated at start.

Every problem in the file is reported at once, each with its key path
(``places.localities.2.key: ...``), through :class:`ConfigError`.  Secrets never live in
the TOML file: they come from the environment or from a file path named in the TOML.
This module imports nothing from the rest of Tryggbot.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

CONFIG_DIR = Path(__file__).resolve().parent
EXAMPLE_PATH = CONFIG_DIR / "example.toml"
LOCALES_DIR = CONFIG_DIR / "locales"
CONTENT_DIR = CONFIG_DIR / "content"

Key = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")]
LangCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every reason with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Model):
    """A name in several languages; Swedish and English are required, others optional."""

    model_config = ConfigDict(extra="allow", frozen=True)
    sv: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        extra = self.model_extra or {}
        value = extra.get(lang)
        if isinstance(value, str) and value:
            return value
        return self.sv if lang == "sv" else self.en


class KommunSettings(_Model):
    name: Names
    police_area: Names
    code_prefix: str = Field(pattern=r"^[A-Z]{2,4}$", description="Prefix of tip codes")
    website: str = Field(pattern=r"^https://")
    timezone: str = "Europe/Stockholm"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# A room id (``!opaque`` — since room version 12 without a ``:server`` part) or an alias
# (``#name:server``).
_ROOM_REF = r"^(![^\s:]+(:\S+)?|#[^\s:]+:\S+)$"

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class ReadingHours(_Model):
    """When people read what residents send; the bot states it and never promises more."""

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: str = Field(default="08:00", pattern=_HHMM)
    end: str = Field(default="16:00", pattern=_HHMM)

    @model_validator(mode="after")
    def _order(self) -> ReadingHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        if not self.days:
            raise ValueError("days must name at least one weekday")
        return self


class LanguageSettings(_Model):
    default: LangCode = "sv"
    enabled: tuple[LangCode, ...] = ("sv", "en")
    min_chars: int = Field(default=20, ge=1, le=500)
    min_probability: float = Field(default=0.80, gt=0, le=1)

    @model_validator(mode="after")
    def _default_enabled(self) -> LanguageSettings:
        if self.default not in self.enabled:
            raise ValueError(f"default language {self.default!r} is not in enabled")
        for needed in ("sv", "en"):
            if needed not in self.enabled:
                raise ValueError(f"{needed!r} must be enabled (it is the fallback language)")
        return self


class SafetySettings(_Model):
    notice_repeat_days: int = Field(default=90, ge=1, le=3650)


class RetentionSettings(_Model):
    record_days: int = Field(default=1095, ge=30, le=3650)
    text_days: int = Field(default=45, ge=1, le=365)
    relay_days: int = Field(default=30, ge=1, le=365)
    conversation_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)

    @model_validator(mode="after")
    def _order(self) -> RetentionSettings:
        if self.relay_days > self.text_days:
            raise ValueError("relay_days cannot be longer than text_days")
        return self


class LimitSettings(_Model):
    max_message_chars: int = Field(default=4000, ge=100, le=65536)
    flood_messages: int = Field(default=12, ge=2, le=1000)
    flood_seconds: int = Field(default=60, ge=1, le=3600)
    tips_per_hour: int = Field(default=3, ge=1, le=100)


class ModerationSettings(_Model):
    # Relay any plain reply in a tip's thread to the reporter (as well as !fråga).
    relay_thread_replies: bool = False
    # Tips of the same category and locality within this many days are "possibly related".
    related_window_days: int = Field(default=14, ge=1, le=365)
    # Language of tip cards and moderation answers.
    language: LangCode = "sv"


class Locality(_Model):
    key: Key
    name: str = Field(min_length=1)
    areas: tuple[str, ...] = ()


class PlaceType(_Model):
    key: Key
    names: Names


class Category(_Model):
    key: Key
    names: Names


class RoomSettings(_Model):
    """A neighbourhood room the bot serves: its Matrix room id or alias, place and language."""

    id: str = Field(pattern=_ROOM_REF)
    locality: Key
    area: str | None = None
    language: LangCode = "sv"


class SecretSettings(_Model):
    pseudonym_key_env: str = "TRYGGBOT_PSEUDONYM_KEY"
    pseudonym_key_file: str | None = None
    generate_missing_key: bool = False


class MatrixSettings(_Model):
    homeserver: str = Field(default="http://127.0.0.1:8008", pattern=r"^https?://")
    user_id: str = Field(default="@tryggbot:localhost", pattern=r"^@[^:]+:.+$")
    password_env: str = "TRYGGBOT_PASSWORD"
    password_file: str | None = None
    access_token_env: str = "TRYGGBOT_ACCESS_TOKEN"
    session_file: str = ".local/matrix-session.json"
    device_name: str = "Tryggbot"
    display_name: str = "Tryggbot"
    accept_direct_invites: bool = True
    moderation_room: str | None = Field(default=None, pattern=_ROOM_REF)
    moderators: tuple[str, ...] = ()
    moderator_power_level: int = Field(default=50, ge=1, le=100)
    send_concurrency: int = Field(default=4, ge=1, le=64)

    @field_validator("moderators")
    @classmethod
    def _mxids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if not re.fullmatch(r"@[^:\s]+:\S+", v)]
        if bad:
            raise ValueError(f"not Matrix user ids: {', '.join(bad)}")
        return value


class BroadcastSchedule(_Model):
    """A fraud-warning schedule from the config (kept in the database by its ``key``)."""

    key: Key
    cron: str = Field(min_length=9, description="5 fields, or 6 with seconds first")
    target: Literal["rooms", "subscribers", "all", "digest"] = "rooms"
    topic: Key | None = None


class BroadcastSettings(_Model):
    """Scheduled fraud warnings (handlers/broadcasts)."""

    # The warnings catalogue: a file name under config/content/, or a path.
    catalogue: str = "warnings.toml"
    # Links in warnings may point only to these domains (and their subdomains). Checked when
    # the catalogue loads: a link elsewhere stops the bot at start.
    allowed_domains: tuple[str, ...] = (
        "polisen.se",
        "bra.se",
        "fi.se",
        "hallakonsument.se",
        "bankid.com",
    )
    # A slot missed while the bot was down is sent if the bot is back within this many
    # minutes; otherwise it is skipped and logged.
    grace_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    # Sends at once during a fan-out (the transport may limit further).
    concurrency: int = Field(default=8, ge=1, le=64)
    # Attempts per delivery before it counts as failed (rate limits are waited out and do
    # not count).
    max_attempts: int = Field(default=3, ge=1, le=10)
    # An ad hoc warning (!utskick nu) must be confirmed within this many minutes.
    confirm_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # The weekly digest holds at most this many warnings.
    digest_max: int = Field(default=5, ge=1, le=20)
    schedules: tuple[BroadcastSchedule, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> BroadcastSettings:
        from config.broadcasts import CronError, cron_fields, load_catalogue

        problems = []
        for i, sched in enumerate(self.schedules):
            try:
                cron_fields(sched.cron)
            except CronError as exc:
                problems.append(f"schedules.{i}.cron: {exc}")
        if len({s.key for s in self.schedules}) != len(self.schedules):
            problems.append("schedules: duplicate key")
        for d in self.allowed_domains:
            if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d):
                problems.append(f"allowed_domains: {d!r} is not a domain name")
        if not problems:
            try:
                catalogue = load_catalogue(self.catalogue_path, self.allowed_domains)
            except ValueError as exc:
                problems.append(f"catalogue: {exc}")
            else:
                for i, sched in enumerate(self.schedules):
                    if sched.topic is not None and sched.topic not in catalogue.topics:
                        problems.append(
                            f"schedules.{i}.topic: no warning has the topic {sched.topic!r}"
                        )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def catalogue_path(self) -> Path:
        path = Path(self.catalogue).expanduser()
        return path if path.is_absolute() else CONTENT_DIR / path


class StorageSettings(_Model):
    path: str = ".local/tryggbot.sqlite3"


class Settings(_Model):
    kommun: KommunSettings
    reading_hours: ReadingHours = ReadingHours()
    language: LanguageSettings = LanguageSettings()
    safety: SafetySettings = SafetySettings()
    retention: RetentionSettings = RetentionSettings()
    limits: LimitSettings = LimitSettings()
    secrets: SecretSettings = SecretSettings()
    storage: StorageSettings = StorageSettings()
    matrix: MatrixSettings = MatrixSettings()
    moderation: ModerationSettings = ModerationSettings()
    broadcasts: BroadcastSettings = Field(default_factory=lambda: BroadcastSettings())
    localities: tuple[Locality, ...] = Field(min_length=1)
    place_types: tuple[PlaceType, ...] = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)
    rooms: tuple[RoomSettings, ...] = ()

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        problems: list[str] = []
        for label, items in (
            ("localities", self.localities),
            ("place_types", self.place_types),
            ("categories", self.categories),
        ):
            seen: set[str] = set()
            for item in items:
                if item.key in seen:
                    problems.append(f"{label}: duplicate key {item.key!r}")
                seen.add(item.key)
        keys = {loc.key for loc in self.localities}
        for i, room in enumerate(self.rooms):
            if room.locality not in keys:
                problems.append(f"rooms.{i}.locality: unknown locality {room.locality!r}")
            if room.language not in self.language.enabled:
                problems.append(f"rooms.{i}.language: {room.language!r} is not enabled")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def locality(self, key: str) -> Locality | None:
        return next((loc for loc in self.localities if loc.key == key), None)

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def place_type(self, key: str) -> PlaceType | None:
        return next((p for p in self.place_types if p.key == key), None)


@dataclass(frozen=True)
class Secrets:
    """Secrets resolved from the environment or files; never printed."""

    pseudonym_key: bytes

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"


def _format_error(err: Mapping[str, Any]) -> str:
    loc = ".".join(str(part) for part in err.get("loc", ()))
    msg = str(err.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def parse_settings(data: Mapping[str, Any]) -> Settings:
    """Validate already-parsed TOML data; raise ConfigError listing every problem."""
    try:
        return Settings.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError([_format_error(e) for e in exc.errors()]) from None


def load_settings(path: Path | str) -> Settings:
    """Read and validate a TOML settings file; raise ConfigError listing every problem."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{file}: cannot read ({exc.strerror})"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{file}: not valid TOML ({exc})"]) from None
    return parse_settings(data)


def resolve_path(value: str, base: Path) -> Path:
    """A path from the config, relative to ``base`` unless absolute."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def load_secrets(settings: Settings, base: Path, env: Mapping[str, str] | None = None) -> Secrets:
    """Resolve the pseudonym key: environment first, then the key file (created if allowed)."""
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
            file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
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
