"""``tryggbot check-config``: everything that would stop or silently break the bot, in one pass.

One run reports, together: the settings schema and the rules between settings, the message
catalogue, every scheduled job built from its real trigger (the built-in jobs, the EST post,
the broadcast schedules in the settings and those moderators added in the database), the files
and secrets the settings name, and the database's schema version. Each problem names the file
and, where the TOML text tells, the line. Nothing is written (the database is opened
read-only; the optional login check, `bot.matrix.logincheck`, logs in as a temporary device
and logs it out again).
"""

from __future__ import annotations

import re
import sqlite3
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from config.base import LOCALES_DIR, ConfigError, lenient
from config.kommun import KommunSettings
from config.operations import StorageSettings
from config.preflight import check_environment
from config.settings import Settings, parse_settings, resolve_path

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_SUBPATH = re.compile(r"^([A-Za-z_][\w]*(?:\.(?:[A-Za-z_]\w*|\d+))*): ")


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``file:line: path: message``."""

    message: str
    path: str = ""
    line: int | None = None

    def render(self, file: Path) -> str:
        where = f"{file}:{self.line}" if self.line else f"{file}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass
class Report:
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    settings: Settings | None = None


# ---------------------------------------------------------------------------- TOML lines


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1] if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'" else part


def _dotted(text: str) -> list[str]:
    return [_unquote(p) for p in re.findall(r"""(?:"[^"]*"|'[^']*'|[^.]+)""", text)]


def key_lines(text: str) -> dict[str, int]:
    """Every key path of a TOML text (``rooms[2].locality``) with the line it starts on.

    Line-based: tables, arrays of tables and ``key = value`` lines (values spanning lines are
    attributed to their first line). Enough to point an operator at the right place."""
    lines: dict[str, int] = {}
    prefix = ""
    counts: dict[str, int] = {}
    in_multiline = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_multiline:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = False
            continue
        if not line or line.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            parts = _dotted(header.group(2))
            path = ".".join(parts)
            if header.group(1) == "[[":
                counts[path] = counts.get(path, -1) + 1
                prefix = f"{path}[{counts[path]}]"
            else:
                prefix = path
            # an array of tables inside an element of another ([[a.b]] under [[a]])
            for outer, n in counts.items():
                if path.startswith(outer + ".") and outer != path:
                    prefix = f"{outer}[{n}]" + prefix[len(outer) :]
            lines.setdefault(prefix, number)
            continue
        key = _KEY.match(line)
        if key:
            full = ".".join([prefix, *_dotted(key.group(1))] if prefix else _dotted(key.group(1)))
            lines.setdefault(full, number)
            rest = line[key.end() :]
            if rest.count('"""') == 1 or rest.count("'''") == 1:
                in_multiline = True
    return lines


def locate(lines: Mapping[str, int], path: str) -> int | None:
    """The line of ``path`` or of the nearest enclosing key that the text has."""
    probe = path
    while probe:
        if probe in lines:
            return lines[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return None


def _split(problem: str) -> tuple[str, str]:
    """``"rooms[2].locality: msg"`` -> (path, msg); a model-level message that starts with
    its own sub-path (``broadcasts: schedules.0.cron: ...``) is joined into one path."""
    path, sep, message = problem.partition(": ")
    if not sep or " " in path or "/" in path:
        return "", problem
    sub = _SUBPATH.match(message)
    if sub:
        tail = re.sub(r"\.(\d+)", r"[\1]", sub.group(1))
        return f"{path}.{tail}", message[sub.end() :]
    return path, message


def _findings(problems: list[str], lines: Mapping[str, int]) -> list[Finding]:
    out = []
    for problem in problems:
        path, sep, message = problem.partition(": ")
        pieces = message.split("; ") if sep else []
        if len(pieces) > 1 and all(_SUBPATH.match(p) for p in pieces):
            # a model-level check listed several problems: one line each
            candidates = [f"{path}: {piece}" for piece in pieces]
        else:
            candidates = [problem]
        for one in candidates:
            where, text = _split(one)
            out.append(Finding(text, where, locate(lines, where) if where else None))
    return out


# ---------------------------------------------------------------------------- the checks


def _schedules(settings: Settings) -> list[str]:
    """Every job of the app, built from its real trigger in the kommun's time zone."""
    from bot.app import JOBS, est_jobs

    problems = []
    tz = settings.kommun.tz
    for job in [*JOBS, *est_jobs(settings)]:
        try:
            job.trigger(tz)
        except (ValueError, TypeError) as exc:
            where = "est.schedule" if job.id.startswith("est") else f"job {job.id}"
            problems.append(f"{where}: cannot be scheduled ({exc})")
    return problems


def _catalogue(settings: Settings) -> tuple[list[str], list[str]]:
    from bot.i18n import Catalog

    try:
        catalog = Catalog.load(LOCALES_DIR)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        return [f"the message catalogue cannot be loaded: {exc}"], []
    from bot.translations import status

    warnings = []
    missing_lang = [lang for lang in settings.language.enabled if lang not in catalog.languages]
    if missing_lang:
        return [f"language.enabled: there is no catalogue for {', '.join(missing_lang)}"], []
    for row in status(catalog, settings.language.enabled):
        if row.present < row.needed:
            warnings.append(
                f"language.enabled: {row.lang} lacks {row.needed - row.present} of "
                f"{row.needed} resident texts (shown in English)"
            )
    from bot.terms import name_gaps, term_gaps

    # A name or a grammatical form a sentence asks for and the settings lack would put a
    # wrong form (or English) into a resident's sentence: refuse, naming the key.
    problems = term_gaps(catalog, settings, settings.language.enabled)
    problems += name_gaps(settings)
    return problems, warnings


def _retention(settings: Settings) -> list[str]:
    """No retention decision: say what the bot keeps and what it still deletes. Items of the
    information to residents (GDPR art. 13) the kommun has not filled in."""
    p = settings.privacy
    found = [
        f"privacy.{key}: not filled in, so !integritet points residents to the website "
        "instead (docs/lawful-operation/information-art13.md)"
        for key, value in (
            ("controller", p.controller),
            ("contact", p.contact),
            ("dpo_contact", p.dpo_contact),
            ("legal_basis", p.legal_basis),
            ("info_url", p.info_url),
        )
        if not value
    ]
    if settings.retention.decided:
        return found
    return [
        *found,
        "retention.decision: no retention decision (gallringsbeslut) is recorded: public "
        "records (tip texts, follow-ups and notes, tip records and their audit trail, poll "
        "results, broadcasts) are kept, not deleted, until the kommun decides and this names "
        "the decision; relay links, unfinished conversations and language choices are still "
        "deleted by their rules (docs/lawful-operation/gallringsbeslut.md)",
    ]


def _database(data: Mapping[str, Any], base: Path) -> tuple[list[str], list[str]]:
    """The schema version of an existing database against this Tryggbot's migrations, and
    the broadcast schedules moderators stored there (each must still build)."""
    from config.broadcasts import CronError, cron_trigger
    from storage.db import readonly_uri
    from storage.migrations import MIGRATIONS

    storage = lenient(StorageSettings, data.get("storage", {}))
    kommun = lenient(KommunSettings, data.get("kommun", {}))
    tz = kommun.tz if kommun is not None else ZoneInfo("Europe/Stockholm")
    if storage is None:
        return [], []
    path = resolve_path(storage.path, base)
    if not path.is_file():
        return [], []
    latest = max(m.version for m in MIGRATIONS)
    try:
        conn = sqlite3.connect(readonly_uri(path), uri=True)
    except sqlite3.Error as exc:
        return [f"storage.path: cannot open {path} ({exc})"], []
    problems: list[str] = []
    warnings: list[str] = []
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > latest:
            problems.append(
                f"storage.path: {path} has schema version {version}, but this Tryggbot knows "
                f"only up to {latest}: it was written by a newer Tryggbot (upgrade Tryggbot or "
                "restore a backup)"
            )
            return problems, warnings
        if version < latest:
            warnings.append(
                f"storage.path: {path} has schema version {version}; the start migrates it to "
                f"{latest} (take a backup first: tryggbot backup)"
            )
        try:
            rows = conn.execute(
                "SELECT id, cron FROM broadcast_schedule WHERE state = 'active'"
            ).fetchall()
        except sqlite3.Error:
            rows = []
        for schedule_id, cron in rows:
            try:
                cron_trigger(str(cron), tz)
            except CronError as exc:
                problems.append(
                    f"storage.path: broadcast schedule {schedule_id} in the database "
                    f"({cron!r}) cannot run: {exc} (change it with !utskick)"
                )
    except sqlite3.Error as exc:
        problems.append(f"storage.path: cannot read {path} ({exc})")
    finally:
        conn.close()
    return problems, warnings


def preflight(file: Path, base: Path, env: Mapping[str, str] | None = None) -> Report:
    """Every problem of the settings file ``file`` and of what it names, in one pass."""
    report = Report()
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError as exc:
        report.problems.append(Finding(f"cannot read ({exc.strerror})"))
        return report
    except UnicodeDecodeError:
        report.problems.append(Finding("is not UTF-8 text"))
        return report
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        report.problems.append(
            Finding(f"not valid TOML ({exc})", line=int(line.group(1)) if line else None)
        )
        return report
    lines = key_lines(text)
    check = check_environment(data, base, env)
    problems, warnings = list(check.problems), list(check.warnings)
    try:
        settings = parse_settings(data)
    except ConfigError:
        settings = None  # already among the problems
    if settings is not None:
        report.settings = settings
        problems += _schedules(settings)
        found, warned = _catalogue(settings)
        problems += found
        warnings += warned
    found, warned = _database(data, base)
    problems += found
    warnings += warned
    if settings is not None:
        warnings += _retention(settings)
    report.problems = _findings(problems, lines)
    report.warnings = _findings(warnings, lines)
    return report
