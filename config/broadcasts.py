"""Fraud-warning broadcasts: their settings, the cron syntax of schedules and the warnings
catalogue.

Both are checked when the settings load, so a bad schedule or a bad catalogue stops the bot
at start with the place and the reason (``warnings.toml:42: ...``). This module imports
nothing from the rest of Tryggbot except its own package.

**Cron.** Five fields (``minute hour day month weekday``, as in crontab) or six with seconds
first (``second minute hour day month weekday``). Weekdays are names (``mon``…``sun``, or
Swedish ``mån``…``sön``) or crontab numbers (``0`` and ``7`` are Sunday, ``1`` Monday); they
are translated to names, because APScheduler 3 counts ``0`` as Monday.

**Catalogue.** A TOML file of ``[[warning]]`` tables, each with an ``id``, a ``topic`` and one
table per language holding ``title`` and ``text``. Swedish and English are required; the
other languages may be listed in ``needs_review`` (written plainly, not yet checked by an
authorised translator). Every link or domain in a text must be on the allow-list.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, model_validator

from config import base
from config.base import Key, Model

_WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_WORDS = {
    "mon": "mon", "tue": "tue", "wed": "wed", "thu": "thu", "fri": "fri", "sat": "sat",
    "sun": "sun", "mån": "mon", "man": "mon", "tis": "tue", "ons": "wed", "tor": "thu",
    "fre": "fri", "lör": "sat", "lor": "sat", "sön": "sun", "son": "sun",
}  # fmt: skip
_FIELD = re.compile(r"^[0-9A-Za-zåäöÅÄÖ*/,\-]+$")


class CronError(ValueError):
    """A cron expression that cannot be used; the message says why."""


def _weekday_token(token: str) -> str:
    word = token.casefold()
    if word in _WEEKDAY_WORDS:
        return _WEEKDAY_WORDS[word]
    if word.isdigit() and int(word) <= 7:
        return _WEEKDAY_NAMES[int(word)]
    raise CronError(f"unknown weekday {token!r}")


def _weekdays(field: str) -> str:
    if field == "*" or field.startswith("*/"):
        return field
    parts = []
    for part in field.split(","):
        rng, slash, step = part.partition("/")
        ends = [_weekday_token(t) for t in rng.split("-")]
        if len(ends) > 2 or not all(ends):
            raise CronError(f"bad weekday range {part!r}")
        parts.append("-".join(ends) + (slash + step if slash else ""))
    return ",".join(parts)


def cron_fields(expr: str) -> dict[str, str]:
    """The CronTrigger keyword arguments for a 5- or 6-field cron expression."""
    fields = expr.split()
    if len(fields) not in (5, 6):
        raise CronError(f"a schedule has 5 fields (or 6 with seconds), got {len(fields)}")
    for f in fields:
        if not _FIELD.match(f):
            raise CronError(f"bad field {f!r}")
    if len(fields) == 5:
        fields = ["0", *fields]
    second, minute, hour, day, month, dow = fields
    return {
        "second": second,
        "minute": minute,
        "hour": hour,
        "day": day,
        "month": month,
        "day_of_week": _weekdays(dow),
    }


def cron_trigger(expr: str, tz: tzinfo) -> CronTrigger:
    """An APScheduler CronTrigger in ``tz`` (a kommun's IANA zone); raises CronError."""
    kwargs = cron_fields(expr)
    try:
        return CronTrigger(timezone=tz, **kwargs)
    except (ValueError, TypeError) as exc:
        raise CronError(str(exc)) from None


# ---- the warnings catalogue ------------------------------------------------------------

# Things in a text that look like a link: a URL, or a bare domain (``polisen.se``).
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_DOMAIN = re.compile(
    r"(?<![\w@.-])((?:[a-z0-9-]+\.)+(?:se|nu|com|org|net|eu|info|io|app|biz|online|site|"
    r"top|xyz|me|co|ru|cn|uk|de|fi|no|dk|pl|ua|link|shop|store|click|live))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WarningText:
    title: str
    text: str


@dataclass(frozen=True)
class Warning:
    """One warning: an id, a topic and its texts by language."""

    id: str
    topic: str
    texts: Mapping[str, WarningText]

    def text_for(self, lang: str) -> tuple[str, WarningText]:
        """The language actually used (``lang``, else English) and its text."""
        if lang in self.texts:
            return lang, self.texts[lang]
        return "en", self.texts["en"]


@dataclass(frozen=True)
class WarningCatalogue:
    warnings: tuple[Warning, ...]
    needs_review: frozenset[str]

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w.topic for w in self.warnings))

    def get(self, warning_id: str) -> Warning | None:
        return next((w for w in self.warnings if w.id == warning_id), None)

    def with_topic(self, topic: str | None) -> tuple[Warning, ...]:
        return tuple(w for w in self.warnings if topic is None or w.topic == topic)


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    host = host.casefold().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (a.casefold() for a in allowed))


def links_in(text: str) -> list[tuple[str, str]]:
    """Every link-like thing in ``text`` as (what was written, its host)."""
    found: list[tuple[str, str]] = []
    rest = text
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        host = re.sub(r"^https?://", "", url, flags=re.IGNORECASE).split("/")[0].split(":")[0]
        found.append((url, host.split("@")[-1]))
        rest = rest.replace(m.group(0), " ")
    for m in _DOMAIN.finditer(rest):
        found.append((m.group(1), m.group(1)))
    return found


def _line_of(raw: str, needle: str, after: int = 0) -> int:
    pos = raw.find(needle, after)
    if pos < 0:
        pos = after
    return raw.count("\n", 0, pos) + 1


def load_catalogue(path: Path, allowed_domains: Iterable[str]) -> WarningCatalogue:
    """Read and check the catalogue; raise ``ValueError`` listing every problem as
    ``file:line: reason``."""
    name = path.name
    try:
        raw = path.read_text("utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{name}: not valid TOML ({exc})") from None
    allowed = tuple(allowed_domains)
    problems: list[str] = []
    review = data.get("needs_review", [])
    if not isinstance(review, list) or not all(isinstance(x, str) for x in review):
        problems.append(f"{name}:{_line_of(raw, 'needs_review')}: needs_review must be a list")
        review = []
    items = data.get("warning")
    if not isinstance(items, list) or not items:
        raise ValueError(f"{name}: no [[warning]] tables")
    warnings: list[Warning] = []
    seen: set[str] = set()
    cursor = 0
    for index, item in enumerate(items):
        wid = item.get("id") if isinstance(item, Mapping) else None
        start = raw.find(f'"{wid}"', cursor) if isinstance(wid, str) else -1
        if start < 0:
            start = raw.find("[[warning]]", cursor)
        cursor = max(cursor, start)
        line = _line_of(raw, "", cursor)
        where = f"{name}:{line}"
        if not isinstance(wid, str) or not re.fullmatch(r"[a-z0-9_]{1,40}", wid):
            problems.append(f"{where}: warning {index + 1} needs an id of a-z, 0-9 and _")
            continue
        if wid in seen:
            problems.append(f"{where}: duplicate warning id {wid!r}")
        seen.add(wid)
        topic = item.get("topic")
        if not isinstance(topic, str) or not re.fullmatch(r"[a-z0-9_]{1,40}", topic):
            problems.append(f"{where}: warning {wid!r} needs a topic of a-z, 0-9 and _")
            continue
        texts: dict[str, WarningText] = {}
        for lang, value in item.items():
            if lang in ("id", "topic"):
                continue
            lwhere = f"{name}:{_line_of(raw, f'[warning.{lang}]', cursor)}"
            if not re.fullmatch(r"[a-z]{2,3}", lang) or not isinstance(value, Mapping):
                problems.append(f"{where}: warning {wid!r} has an unknown key {lang!r}")
                continue
            title, text = value.get("title"), value.get("text")
            if not isinstance(title, str) or not title.strip():
                problems.append(f"{lwhere}: warning {wid!r} ({lang}) has no title")
                continue
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{lwhere}: warning {wid!r} ({lang}) has no text")
                continue
            for written, host in links_in(title + "\n" + text):
                if not host_allowed(host, allowed):
                    problems.append(
                        f"{name}:{_line_of(raw, written, cursor)}: warning {wid!r} ({lang}) "
                        f"links to {written!r}, but {host} is not on broadcasts.allowed_domains"
                    )
            texts[lang] = WarningText(title.strip(), text.strip())
        for needed in ("sv", "en"):
            if needed not in item:
                problems.append(f"{where}: warning {wid!r} has no {needed} text")
        warnings.append(Warning(wid, topic, texts))
    if problems:
        raise ValueError("; ".join(problems))
    return WarningCatalogue(tuple(warnings), frozenset(review))


def catalogue_languages(catalogue: WarningCatalogue) -> dict[str, int]:
    """How many warnings each language has (for the moderators' overview)."""
    counts: dict[str, int] = {}
    for w in catalogue.warnings:
        for lang in w.texts:
            counts[lang] = counts.get(lang, 0) + 1
    return counts


# ---------------------------------------------------------------------------- settings


class BroadcastSchedule(Model):
    """A fraud-warning schedule from the config (kept in the database by its ``key``)."""

    key: Key
    cron: str = Field(min_length=9, description="5 fields, or 6 with seconds first")
    target: Literal["rooms", "subscribers", "all", "digest"] = "rooms"
    topic: Key | None = None


class BroadcastSettings(Model):
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
        return path if path.is_absolute() else base.CONTENT_DIR / path
