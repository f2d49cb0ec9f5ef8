"""Typed settings, loaded from one TOML file and validated at start.

Every problem in the file is reported at once, one line each with its key path
(``rooms[2].locality: 'x' is not a configured locality``), field and cross-field problems
alike, through :class:`ConfigError`.  Secrets never live in the TOML file: they come from the
environment or from a file path named in the TOML.  Relative paths in a settings file are
resolved against the folder of that file (`settings_base`).  Package data (the example, the
message catalogues, word lists) is found through ``importlib.resources``.
This module imports nothing from the rest of Tryggbot.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from config.files import open_to_others, private_dir, write_private


def package_data(name: str) -> Path:
    """A file or folder shipped inside the ``config`` package, as a filesystem path.

    Found through ``importlib.resources`` (never ``config.__file__``), so it works for a
    regular install, an editable one, and a ``config`` package whose ``__init__.py`` another
    distribution of the same name removed. Tryggbot must be installed as files (not zipped).
    """
    resource = resources.files("config") / name
    if not isinstance(resource, Path):
        raise RuntimeError(f"Tryggbot's package data ({name}) must be installed as files")
    return resource


EXAMPLE_PATH = package_data("example.toml")
CONFIG_DIR = EXAMPLE_PATH.parent
LOCALES_DIR = package_data("locales")
CONTENT_DIR = package_data("content")

KEY_PATTERN = r"^[a-z0-9_]{1,40}$"
LANG_PATTERN = r"^[a-z]{2,3}$"
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
LangCode = Annotated[str, Field(pattern=LANG_PATTERN)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every reason, one line each,
    starting with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


FORM_PATTERN = r"^[a-z][a-z0-9_]{0,19}$"


class Names(_Model):
    """A name in several languages; Swedish and English are required, others optional.

    The text given per language is the name's basic form (the form of a heading or a list:
    nominative, indefinite where the language has the choice). ``forms`` gives the other
    grammatical forms a language's sentences ask for, by the names the catalogue uses
    (``{kommun:gen}`` asks for ``forms.<lang>.gen``), like Project Fluent's term variants::

        [kommun.name]
        pl = "Gmina Värnamo"
        [kommun.name.forms]
        pl = { gen = "Gminy Värnamo", ins = "Gminą Värnamo" }
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    sv: str = Field(min_length=1)
    en: str = Field(min_length=1)
    forms: dict[str, dict[str, str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _language_names(self) -> Names:
        for lang, value in (self.model_extra or {}).items():
            if not re.fullmatch(r"[a-z]{2,3}", lang):
                raise ValueError(f"{lang!r} is not a language code")
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"the {lang} name must be a non-empty text")
        for lang, forms in self.forms.items():
            if not re.fullmatch(r"[a-z]{2,3}", lang):
                raise ValueError(f"forms: {lang!r} is not a language code")
            if lang not in self.languages():
                raise ValueError(f"forms: {lang} has forms but no basic name")
            for form, text in forms.items():
                if not re.fullmatch(FORM_PATTERN, form):
                    raise ValueError(f"forms.{lang}: {form!r} is not a form name (a-z, 0-9, _)")
                if not text.strip():
                    raise ValueError(f"forms.{lang}.{form} must be a non-empty text")
        return self

    def form(self, lang: str, form: str) -> str | None:
        """The form ``form`` of the name in ``lang``, or None if the config does not give it."""
        if not form:
            return self.get(lang) if lang in self.languages() else None
        return self.forms.get(lang, {}).get(form)

    def forms_of(self, lang: str) -> dict[str, str]:
        """Every named form in ``lang`` (not the basic one)."""
        return dict(self.forms.get(lang, {}))

    def languages(self) -> frozenset[str]:
        """The languages this name is given in."""
        return frozenset({"sv", "en", *(self.model_extra or {})})

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
            raise ValueError(f"{value!r} is not a known IANA time zone") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# A room id (``!opaque`` — since room version 12 without a ``:server`` part) or an alias
# (``#name:server``).
_ROOM_REF = r"^(![^\s:]+(:\S+)?|#[^\s:]+:\S+)$"
_MXID = r"^@[^:\s]+:\S+$"
_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

# What a pattern means, in words, for problem lines.
_PATTERN_WORDS = {
    r"^[A-Z]{2,4}$": "two to four capital letters A-Z",
    r"^https://": "an https:// address",
    r"^https?://": "an http:// or https:// address",
    r"^@[^:]+:.+$": "a Matrix user id (@name:server)",
    _MXID: "a Matrix user id (@name:server)",
    _ROOM_REF: "a room id (!…) or a room alias (#name:server)",
    _HHMM: "a time of day as HH:MM",
    KEY_PATTERN: "a key of lowercase letters a-z, digits and _ (at most 40)",
    LANG_PATTERN: "a language code such as sv or en",
}


class ReadingHours(_Model):
    """When people read what residents send; the bot states it and never promises more."""

    days: tuple[Weekday, ...] = Field(default=("mon", "tue", "wed", "thu", "fri"), min_length=1)
    start: str = Field(default="08:00", pattern=_HHMM)
    end: str = Field(default="16:00", pattern=_HHMM)


class LanguageSettings(_Model):
    default: LangCode = "sv"
    enabled: tuple[LangCode, ...] = ("sv", "en")
    min_chars: int = Field(default=20, ge=1, le=500)
    min_probability: float = Field(default=0.80, gt=0, le=1)


class SafetySettings(_Model):
    notice_repeat_days: int = Field(default=90, ge=1, le=3650)


class RetentionSettings(_Model):
    record_days: int = Field(default=1095, ge=30, le=3650)
    text_days: int = Field(default=45, ge=1, le=365)
    relay_days: int = Field(default=30, ge=1, le=365)
    conversation_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    # How long the language choice of a person who has no tip, subscription or conversation
    # is kept after they were last shown the safety notice (docs/lawful-operation).
    person_days: int = Field(default=365, ge=30, le=3650)
    # The kommun's retention decision (gallringsbeslut) that allows deleting public records,
    # e.g. "KS 2027/123, dokumenthanteringsplan § 4.2". Empty: public records are kept.
    decision: str = Field(default="", max_length=300)

    @property
    def decided(self) -> bool:
        """True when a retention decision is recorded: only then are public records deleted."""
        return bool(self.decision.strip())


class LimitSettings(_Model):
    max_message_chars: int = Field(default=4000, ge=100, le=65536)
    flood_messages: int = Field(default=30, ge=2, le=1000)
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
    """A place residents choose. ``name`` is a proper name and is shown as it is in every
    language; a locality that is not a proper name (``Landsbygd/annan plats``) gives
    ``names`` per language instead, like a category."""

    key: Key
    name: str = Field(min_length=1)
    names: Names | None = None
    areas: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The name a resident of ``lang`` reads."""
        return self.names.get(lang) if self.names is not None else self.name

    def looks_translatable(self) -> bool:
        """A name with a lowercase word after the first (``Landsbygd/annan plats``) reads as
        a description, not a proper name: it should be given in every language."""
        words = re.split(r"[\s/]+", self.name.strip())
        return any(w[:1].islower() for w in words[1:])


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
    moderators: tuple[Annotated[str, Field(pattern=_MXID)], ...] = ()
    moderator_power_level: int = Field(default=50, ge=1, le=100)
    send_concurrency: int = Field(default=16, ge=1, le=64)


class EstPlace(_Model):
    """An official code and a representative coordinate (WGS 84) for a locality or, with
    ``area``, for one of its areas; exported with every record so a GIS can place it."""

    locality: Key
    area: str | None = None
    code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,40}$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_or_neither(self) -> EstPlace:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class EstSchedule(_Model):
    """Automatic posting of the situation picture to the moderation room before the EST
    meeting. ``day_of_week``, ``time`` and ``weeks`` form an APScheduler cron trigger in the
    kommun's time zone (``weeks = "*/2"``: every other ISO week)."""

    enabled: bool = False
    day_of_week: str = Field(default="mon", pattern=r"^[a-z0-9,*/-]{1,40}$")
    time: str = Field(default="07:00", pattern=_HHMM)
    weeks: str = Field(default="*", pattern=r"^[0-9,*/-]{1,20}$")
    period_days: Literal[7, 14, 30] = 14
    # A slot missed (bot down) is still posted if the bot is back within this many hours.
    grace_hours: int = Field(default=6, ge=0, le=72)

    @model_validator(mode="after")
    def _buildable(self) -> EstSchedule:
        """The real trigger is built here, so a schedule that could never run stops
        check-config and the start instead of failing quietly later."""
        from apscheduler.triggers.cron import CronTrigger

        hour, minute = (int(part) for part in self.time.split(":"))
        try:
            CronTrigger(
                day_of_week=self.day_of_week,
                week=self.weeks,
                hour=hour,
                minute=minute,
                timezone=UTC,
            )
        except (ValueError, TypeError) as exc:
            raise ValueError(f"day_of_week/weeks cannot be scheduled: {exc}") from None
        return self


class EstSettings(_Model):
    """The EST situation picture (lägesbild): hot spots, small-count suppression, schedule,
    export codes."""

    # A place (locality + area + place type + time band) with at least this many tips in the
    # period is a hot spot. Never below 3, so a hot spot is never a small group.
    hotspot_min: int = Field(default=4, ge=3, le=1000)
    # At most this many hot spots are listed (the biggest; the rest are counted).
    hotspot_max: int = Field(default=10, ge=1, le=100)
    # Groups with fewer tips than this are shown as "<3" and hidden from revealing sums.
    # Fixed at 3 by the medborgarlöfte's rule; raise it for a stricter kommun.
    suppress_below: int = Field(default=3, ge=3, le=100)
    # The kommun's official code (SCB kommunkod), exported with every record.
    kommun_code: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    schedule: EstSchedule = EstSchedule()
    places: tuple[EstPlace, ...] = ()


class EncryptionSettings(_Model):
    """End-to-end encryption (docs/encryption.md). The crypto store and the cross-signing key
    file default to next to the database; the recovery key, if used, comes from the env."""

    enabled: bool = True
    store_dir: str | None = None
    cross_signing_key_file: str | None = None
    recovery_key_env: str = "TRYGGBOT_RECOVERY_KEY"
    share_keys_with: Literal["cross-signed", "all"] = "cross-signed"
    explain_after_minutes: int = Field(default=10, ge=0, le=7 * 24 * 60)


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
        from config.broadcasts import CronError, cron_trigger, load_catalogue

        problems = []
        for i, sched in enumerate(self.schedules):
            try:  # the real trigger, so "0 25 * * tue" (hour 25) is refused here
                cron_trigger(sched.cron, UTC)
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


class PrivacySettings(_Model):
    """What !integritet tells residents (GDPR art. 13) beyond what the bot knows by itself.
    Each is the kommun's to fill in; an empty one points to ``info_url`` (or the website),
    and check-config warns about it (docs/lawful-operation/information-art13.md)."""

    # The controller, e.g. "Kommunstyrelsen i Värnamo kommun".
    controller: Names | None = None
    # How to reach the controller (e-mail, phone or postal address).
    contact: str = Field(default="", max_length=200)
    # How to reach the kommun's data protection officer.
    dpo_contact: str = Field(default="", max_length=200)
    # The legal basis the kommun has decided, in words.
    legal_basis: Names | None = None
    # The page with the full information (https).
    info_url: str = Field(default="", pattern=r"^(https://\S+)?$")
    # True if the hosting processes data outside the EU/EEA (then info_url must say how).
    outside_eea: bool = False


class MonitoringSettings(_Model):
    """The optional health and metrics listener (``/healthz``, ``/metrics``)."""

    # Unset: no listener. Set a port to serve /healthz and /metrics on host:port.
    port: int | None = Field(default=None, ge=1, le=65535)
    # Loopback by default: the endpoints are for the machine's own monitoring agent.
    host: str = "127.0.0.1"

    @field_validator("host")
    @classmethod
    def _ip_address(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address (such as 127.0.0.1)") from exc
        return value


class WebSettings(_Model):
    """The web chat (``bot/web/``): residents reach the bot from a page, with no account.
    Off unless enabled; served by the bot process itself, normally behind the kommun's
    reverse proxy (docs/deploy.md)."""

    enabled: bool = False
    # Where the bot listens; keep the loopback address behind a reverse proxy.
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=1, le=65535)
    # The address residents open (the reverse proxy's https URL). Writes must come from
    # this origin; the page and its API live under it.
    public_url: str = Field(default="http://127.0.0.1:8090", pattern=r"^https?://[^/?#]+/?$")
    # Origins allowed to show the chat in a frame (Content-Security-Policy frame-ancestors),
    # e.g. "https://www.varnamo.se". Empty: no other site may frame it.
    allowed_origins: tuple[Annotated[str, Field(pattern=r"^https?://[^/?#]+$")], ...] = ()
    # Requests larger than this are refused (a message is at most limits.max_message_chars).
    max_body_bytes: int = Field(default=16384, ge=1024, le=1_048_576)
    # Messages a page may send per minute, and all pages from one address together (the
    # address is held in memory only, for this count).
    session_per_minute: int = Field(default=20, ge=1, le=1000)
    address_per_minute: int = Field(default=120, ge=1, le=100_000)
    # New sessions (page loads) one address may open per minute.
    sessions_per_address_minute: int = Field(default=30, ge=1, le=100_000)
    # Open reply streams at once: in all, and per address.
    max_streams: int = Field(default=2000, ge=1, le=100_000)
    max_streams_per_address: int = Field(default=50, ge=1, le=100_000)
    # A stream is closed after this long (the page reconnects and resumes exactly).
    stream_seconds: int = Field(default=900, ge=10, le=86_400)
    # Seconds between keep-alive comments on an idle stream.
    heartbeat_seconds: int = Field(default=20, ge=1, le=300)
    # A client that sends its request this slowly is cut off.
    request_timeout_seconds: int = Field(default=15, ge=1, le=300)
    # How long a reply waits for the page to fetch it (a resident coming back in the same
    # browser sees what was answered meanwhile). Sealed at rest.
    history_days: int = Field(default=30, ge=1, le=365)
    # How long a stream ticket (made from the page's secret) stays valid.
    ticket_hours: int = Field(default=12, ge=1, le=168)
    # Trust X-Forwarded-For from these proxy addresses (the reverse proxy), for rate limits.
    trusted_proxies: tuple[str, ...] = ()

    @field_validator("host")
    @classmethod
    def _web_host(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address (such as 127.0.0.1)") from exc
        return value

    @property
    def origin(self) -> str:
        """The scheme, host and port of ``public_url`` (what a browser sends as Origin)."""
        return self.public_url.rstrip("/")


class Settings(_Model):
    kommun: KommunSettings
    reading_hours: ReadingHours = ReadingHours()
    language: LanguageSettings = LanguageSettings()
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

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Settings:
        # `settings_problems` runs these on the raw data, next to the field checks, so that
        # every problem is reported in one run; this keeps a direct `model_validate` honest.
        if isinstance(info.context, Mapping) and info.context.get(_CROSS_CHECKED):
            return self
        problems = cross_field_problems(self.model_dump())
        if problems:
            raise ValueError("; ".join(f"{path}: {msg}" for path, msg in problems))
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


# ---------------------------------------------------------------------------- problems

_CROSS_CHECKED = "cross_field_checked_separately"

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
        words = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        msg = f"{_show(value)} is not {words}"
    elif kind == "literal_error":
        msg = f"{_show(value)} is not one of {ctx.get('expected', '')}"
    else:
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if kind not in ("value_error", "too_short") and value is not None:
            if not isinstance(value, Mapping | list | tuple):
                msg = f"{msg} (got {_show(value)})"
    return path, " ".join(msg.split())


def _seq(value: object) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return []


def _table(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def cross_field_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Problems that involve more than one setting, found on raw (possibly invalid) data.

    Each check looks only at values of the right type, so a field problem elsewhere never
    hides one of these.
    """
    return [(path, msg) for path, msg, _ in _cross_field(data)]


def _cross_field(data: Mapping[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Cross-field problems, each with the key paths it depends on (`settings_problems`
    drops one whose inputs already have a field problem, so nothing is reported twice)."""
    problems: list[tuple[str, str, tuple[str, ...]]] = []
    lang = _table(data.get("language"))
    enabled = [v for v in _seq(lang.get("enabled", ["sv", "en"])) if isinstance(v, str)]
    default = lang.get("default", "sv")
    if isinstance(default, str) and default not in enabled:
        problems.append(
            ("language.default", f"{default!r} is not in language.enabled", ("language.enabled",))
        )
    for needed in ("sv", "en"):
        if needed not in enabled:
            problems.append(
                ("language.enabled", f"{needed!r} must be enabled (it is a fallback language)", ())
            )
    # A poll template a resident would read in English refuses the start, one line per text.
    from config.polltexts import template_gaps

    for gap in template_gaps(CONTENT_DIR / "polls.toml", enabled):
        problems.append(("language.enabled", f"a poll template lacks a language: {gap}", ()))

    hours = _table(data.get("reading_hours"))
    start, end = hours.get("start", "08:00"), hours.get("end", "16:00")
    if (
        isinstance(start, str)
        and isinstance(end, str)
        and re.fullmatch(_HHMM[1:-1], start)
        and re.fullmatch(_HHMM[1:-1], end)
        and start >= end
    ):
        problems.append(
            (
                "reading_hours.end",
                f"{end!r} must be later than start ({start!r})",
                ("reading_hours.start",),
            )
        )

    retention = _table(data.get("retention"))
    relay, text = retention.get("relay_days", 30), retention.get("text_days", 45)
    if isinstance(relay, int) and isinstance(text, int) and relay > text:
        problems.append(
            (
                "retention.relay_days",
                f"{relay} cannot be longer than text_days ({text})",
                ("retention.text_days",),
            )
        )

    keys: dict[str, list[str]] = {}
    for section in ("localities", "place_types", "categories"):
        first: dict[str, int] = {}
        for i, item in enumerate(_seq(data.get(section))):
            key = _table(item).get("key")
            if not isinstance(key, str):
                continue
            if key in first:
                problems.append(
                    (
                        f"{section}[{i}].key",
                        f"{key!r} is already used by {section}[{first[key]}]",
                        (section,),
                    )
                )
            else:
                first[key] = i
        keys[section] = list(first)

    localities = set(keys["localities"])
    seen_rooms: dict[str, int] = {}
    moderation_room = _table(data.get("matrix")).get("moderation_room")
    for i, room in enumerate(_seq(data.get("rooms"))):
        room = _table(room)
        locality = room.get("locality")
        if isinstance(locality, str) and localities and locality not in localities:
            problems.append(
                (
                    f"rooms[{i}].locality",
                    f"{locality!r} is not a configured locality",
                    ("localities",),
                )
            )
        language = room.get("language", "sv")
        if isinstance(language, str) and language not in enabled:
            problems.append(
                (
                    f"rooms[{i}].language",
                    f"{language!r} is not in language.enabled",
                    ("language.enabled",),
                )
            )
        room_id = room.get("id")
        if isinstance(room_id, str):
            if room_id in seen_rooms:
                problems.append(
                    (f"rooms[{i}].id", f"{room_id!r} is already rooms[{seen_rooms[room_id]}]", ())
                )
            seen_rooms.setdefault(room_id, i)
            if room_id == moderation_room:
                problems.append(
                    (
                        f"rooms[{i}].id",
                        "the moderation room cannot also be a neighbourhood room",
                        ("matrix.moderation_room",),
                    )
                )

    areas = {
        _table(loc).get("key"): {a for a in _seq(_table(loc).get("areas")) if isinstance(a, str)}
        for loc in _seq(data.get("localities"))
    }
    for i, place in enumerate(_seq(_table(data.get("est")).get("places"))):
        place = _table(place)
        locality, area = place.get("locality"), place.get("area")
        if isinstance(locality, str) and localities and locality not in localities:
            problems.append(
                (
                    f"est.places[{i}].locality",
                    f"{locality!r} is not a configured locality",
                    ("localities",),
                )
            )
        elif (
            isinstance(locality, str)
            and isinstance(area, str)
            and area not in areas.get(locality, set())
        ):
            problems.append(
                (
                    f"est.places[{i}].area",
                    f"{area!r} is not an area of {locality}",
                    ("localities",),
                )
            )
    return problems


def _overlaps(a: str, b: str) -> bool:
    """One key path is the other or lies inside it."""
    return a == b or a.startswith((b + ".", b + "[")) or b.startswith((a + ".", a + "["))


def settings_problems(data: Mapping[str, Any]) -> list[str]:
    """Every problem in already-parsed TOML data, one line each: ``path: what is wrong``."""
    field: list[Problem] = []
    try:
        Settings.model_validate(dict(data), context={_CROSS_CHECKED: True})
    except ValidationError as exc:
        field = [_field_problem(e) for e in exc.errors()]
    paths = [path for path, _ in field]
    cross = [
        (path, msg)
        for path, msg, inputs in _cross_field(data)
        if not any(_overlaps(need, other) for need in (path, *inputs) for other in paths)
    ]
    return [f"{path}: {msg}" if path else msg for path, msg in field + cross]


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


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def load_secrets(settings: Settings, base: Path, env: Mapping[str, str] | None = None) -> Secrets:
    """Resolve the pseudonym key: environment first, then the key file (created, 0600 in a
    0700 folder, if ``generate_missing_key`` allows)."""
    environ = _env(env)
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


@dataclass(frozen=True)
class Check:
    """What `check_environment` found: problems (the bot would not start or would lose
    data) and warnings (it would start, but something should be looked at)."""

    problems: list[str]
    warnings: list[str]


def _readable_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None if it can (reads nothing)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"{path} does not exist"
    except OSError as exc:
        return f"cannot read {path} ({exc.strerror})"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a file"
    if not os.access(path, os.R_OK):
        return f"cannot read {path} (permission denied)"
    return None


def _creatable(path: Path) -> str | None:
    """Why a file at ``path`` could not be created, or None (creates nothing)."""
    parent = path.parent
    while not parent.exists():
        if parent.parent == parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create files in {parent} (permission denied)"
    return None


def check_secrets(
    secrets_settings: SecretSettings, base: Path, env: Mapping[str, str] | None = None
) -> Check:
    """Is there a usable pseudonym key? Reads, never writes."""
    environ = _env(env)
    problems: list[str] = []
    warnings: list[str] = []
    name = secrets_settings.pseudonym_key_env
    value = environ.get(name, "").strip()
    if value:
        if len(value) < 16:
            problems.append(f"${name}: the key must be at least 16 characters")
    elif secrets_settings.pseudonym_key_file:
        file = resolve_path(secrets_settings.pseudonym_key_file, base)
        why = _readable_file(file)
        if why is not None and not file.exists() and secrets_settings.generate_missing_key:
            cannot = _creatable(file)
            if cannot:
                problems.append(f"secrets.pseudonym_key_file: {cannot}")
            else:
                warnings.append(
                    f"secrets.pseudonym_key_file: {file} does not exist yet; the bot will "
                    "create it at the first start (back it up and keep it secret)"
                )
        elif why is not None:
            problems.append(f"secrets.pseudonym_key_file: {why}")
        else:
            try:
                key = file.read_text().strip()
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"secrets.pseudonym_key_file: cannot read {file} ({exc})")
            else:
                if len(key) < 16:
                    problems.append(f"secrets.pseudonym_key_file: {file} holds too short a key")
            if open_to_others(file):
                warnings.append(
                    f"secrets.pseudonym_key_file: other users may read {file}; chmod 600 {file}"
                )
    else:
        problems.append(f"secrets: no pseudonym key; set ${name} or secrets.pseudonym_key_file")
    return Check(problems, warnings)


def check_login(matrix: MatrixSettings, base: Path, env: Mapping[str, str] | None = None) -> Check:
    """Could the bot log in: a token, a password, or a readable password file? And is a
    saved session, if any, readable? Reads, never writes, never contacts the homeserver."""
    environ = _env(env)
    problems: list[str] = []
    warnings: list[str] = []
    token = environ.get(matrix.access_token_env, "").strip()
    password = environ.get(matrix.password_env, "").strip()
    if not token and not password:
        if matrix.password_file:
            file = resolve_path(matrix.password_file, base)
            why = _readable_file(file)
            if why is not None:
                problems.append(f"matrix.password_file: {why}")
            else:
                try:
                    empty = not file.read_text("utf-8").strip()
                except (OSError, UnicodeDecodeError) as exc:
                    problems.append(f"matrix.password_file: cannot read {file} ({exc})")
                else:
                    if empty:
                        problems.append(f"matrix.password_file: {file} is empty")
        else:
            problems.append(
                f"matrix: no way to log in; set ${matrix.password_env} or "
                f"${matrix.access_token_env}, or matrix.password_file"
            )
    session = resolve_path(matrix.session_file, base)
    if problems and not matrix.password_file and session.is_file():
        # A saved session logs in on its own; credentials are needed only to replace it.
        problems.clear()
        warnings.append(
            f"matrix: only the saved session in {session} can log in; set "
            f"${matrix.password_env} or ${matrix.access_token_env} for when it expires"
        )
    if session.exists():
        why = _readable_file(session)
        if why is not None:
            problems.append(f"matrix.session_file: {why}")
        elif open_to_others(session):
            warnings.append(f"matrix.session_file: other users may read {session}")
    else:
        cannot = _creatable(session)
        if cannot:
            problems.append(f"matrix.session_file: {cannot}")
    return Check(problems, warnings)


def check_storage(storage: StorageSettings, base: Path) -> Check:
    """Can the database be opened for writing (or created)? Reads, never writes."""
    problems: list[str] = []
    path = resolve_path(storage.path, base)
    if path.exists():
        if not path.is_file():
            problems.append(f"storage.path: {path} is not a file")
        elif not os.access(path, os.R_OK | os.W_OK):
            problems.append(f"storage.path: cannot read and write {path} (permission denied)")
        elif not os.access(path.parent, os.W_OK | os.X_OK):
            problems.append(
                f"storage.path: SQLite needs to create files next to {path} "
                f"(permission denied in {path.parent})"
            )
    else:
        cannot = _creatable(path)
        if cannot:
            problems.append(f"storage.path: {cannot}")
    return Check(problems, [])


_M = TypeVar("_M", bound=BaseModel)


def lenient(model: type[_M], raw: object) -> _M | None:
    """``model`` from ``raw`` without the keys that are themselves invalid (they are reported
    as settings problems), so one bad key never hides a missing file next to it; None when a
    required key is missing or wrong."""
    data = dict(_table(raw))
    while True:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")} & data.keys()
            if not bad:
                return None
            for key in bad:
                data.pop(key)


def check_environment(
    data: Mapping[str, Any], base: Path, env: Mapping[str, str] | None = None
) -> Check:
    """`check-config`: every problem of a settings file (as parsed TOML) and of what it
    points to (pseudonym key, login credentials, session and database files), without
    writing anything. Sections that are themselves invalid are reported by the settings
    problems and not checked further."""
    problems = settings_problems(data)
    warnings: list[str] = []
    parts: list[Check] = []
    secret_settings = lenient(SecretSettings, data.get("secrets", {}))
    if secret_settings is not None:
        parts.append(check_secrets(secret_settings, base, env))
    matrix = lenient(MatrixSettings, data.get("matrix", {}))
    if matrix is not None:
        parts.append(check_login(matrix, base, env))
    storage = lenient(StorageSettings, data.get("storage", {}))
    if storage is not None:
        parts.append(check_storage(storage, base))
    for part in parts:
        problems.extend(part.problems)
        warnings.extend(part.warnings)
    return Check(problems, warnings)
