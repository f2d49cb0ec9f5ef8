"""Importing a filled-in sheet: catalogue texts, warnings and poll templates written back to
their TOML files, and the review marks to ``<lang>/_quality.toml``."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bot.i18n import (
    PLURAL_CATEGORIES,
    QUALITY_FILE,
    Catalog,
    Value,
    fingerprint,
    flatten,
    is_moderator_file,
    write_quality,
)
from bot.reviewtexts import review_texts
from config.settings import Settings

from .completeness import reviewed_by_kind
from .sheet import SheetError, parse_sheet, settings_or_example

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class ImportResult:
    lang: str
    changed: int
    reviewed: int


def import_sheet(
    catalog: Catalog,
    root: Path,
    text: str,
    settings: Settings | None = None,
    *,
    reviewer: str = "",
    today: str = "",
    polls_file: Path | None = None,
) -> ImportResult:
    """Validate the sheet and write it: catalogue texts into ``root/<lang>/``, changed
    warnings into the settings' warnings file, changed template texts into ``polls_file``
    (``config/content/polls.toml``), and every row marked reviewed, with its reviewer and
    date, into ``root/<lang>/_quality.toml``. Nothing is written if any row is wrong."""
    from config.base import CONTENT_DIR

    settings = settings_or_example(settings)
    today = today or datetime.now(UTC).date().isoformat()
    parsed = parse_sheet(catalog, text, settings, reviewer=reviewer, today=today)
    lang, values = parsed.lang, parsed.values
    merged: dict[str, Value] = {}
    changed = 0
    for key, value in values.items():
        old = catalog.value(lang, key)
        if isinstance(value, dict):
            new: Value = {**(old if isinstance(old, Mapping) else {}), **value}
        else:
            new = value
        merged[key] = new
        if new != old:
            changed += 1
    if merged:
        write_catalogue(root, lang, merged)
    if parsed.content.get("warnings"):
        write_warnings(settings.broadcasts.catalogue_path, lang, parsed.content["warnings"])
        changed += len(parsed.content["warnings"])
    if parsed.content.get("polls"):
        write_poll_texts(polls_file or CONTENT_DIR / "polls.toml", lang, parsed.content["polls"])
        changed += len(parsed.content["polls"])
    reloaded = Catalog.load(root)
    quality = catalog.quality(lang)
    reviewed = {k: v for k, v in quality.reviewed.items() if ":" in k or reloaded.has(lang, k)}
    reviewers = dict(quality.reviewers)
    current = {
        r.review_key: r.text or ""
        for r in review_texts(reloaded, settings, lang, kinds=("warnings", "polls", "names"))
    }
    for key, who in parsed.marked.items():
        found = reloaded.value(lang, key) if ":" not in key else current.get(key)
        if found:
            reviewed[key] = fingerprint(found)
            reviewers[key] = who
    state = quality.state
    after = replace(quality, reviewed=reviewed, reviewers=reviewers)
    if state != "source":
        write_quality(root / lang / QUALITY_FILE, after)
        again = Catalog.load(root)
        done = all(d == t for d, t in reviewed_by_kind(again, settings, lang).values())
        state = "reviewed" if done else "machine-assisted"
    write_quality(root / lang / QUALITY_FILE, replace(after, state=state))
    return ImportResult(lang=lang, changed=changed, reviewed=len(parsed.marked))


def write_warnings(path: Path, lang: str, updates: Mapping[str, str]) -> None:
    """Put new texts (``"<id>.title"``/``"<id>.text"`` -> text) into the ``[warning.<lang>]``
    tables of the warnings file, keeping everything else of the file as it is."""
    raw = path.read_text("utf-8")
    for key, new in updates.items():
        wid, part = key.rsplit(".", 1)
        head = rf'(?ms)^id = "{re.escape(wid)}"\n.*?^\[warning\.{re.escape(lang)}\]\n.*?'
        body = rf'^({re.escape(part)} = (?:""".*?"""|"(?:[^"\\\n]|\\.)*")\n)'
        pattern = re.compile(head + body)
        m = pattern.search(raw)
        if m is None:
            raise SheetError([f"warnings {key}: not found in {path}"])
        raw = raw[: m.start(1)] + f"{part} = {_toml_text(new)}\n" + raw[m.end(1) :]
    tomllib.loads(raw)  # still valid TOML
    path.write_text(raw, encoding="utf-8")


def write_poll_texts(path: Path, lang: str, updates: Mapping[str, str]) -> None:
    """Put new texts (``template.<t>.title``, ``template.<t>.question.<q>.text``,
    ``template.<t>.question.<q>.options.<id>`` -> text) into ``polls.toml`` as written by
    this project (one ``lang = "…"`` line per language in each table)."""
    lines = path.read_text("utf-8").split("\n")
    template = question = None
    table = ""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "[[template]]":
            template, question, table = None, None, ""
        elif stripped == "[[template.question]]":
            question, table = None, ""
        elif stripped == "[template.title]":
            table = f"template.{template}.title"
        elif stripped == "[template.question.text]":
            table = f"template.{template}.question.{question}.text"
        elif stripped == "[[template.question.options]]":
            table = ""
        elif (m := re.match(r'^key = "([^"]+)"$', stripped)) and not table:
            if template is None:
                template = m.group(1)
            else:
                question = m.group(1)
        elif m := re.match(r'^id = "([^"]+)"$', stripped):
            table = f"template.{template}.question.{question}.options.{m.group(1)}"
        elif table and stripped.startswith(f"{lang} = ") and table in updates:
            lines[i] = f"{lang} = {_toml_text(updates[table])}"
    out = "\n".join(lines)
    tomllib.loads(out)
    path.write_text(out, encoding="utf-8")


def _toml_text(text: str) -> str:
    if "\n" in text and '"""' not in text:
        return '"""' + text.replace("\\", "\\\\") + '"""'
    return _toml_str(text)


def write_catalogue(root: Path, lang: str, updates: Mapping[str, Value]) -> None:
    """Write ``updates`` into ``root/<lang>/<file>.toml``, each key into the file the Swedish
    catalogue keeps it in, keeping the order of the Swedish file and the file's header."""
    sv_dir, lang_dir = root / "sv", root / lang
    lang_dir.mkdir(parents=True, exist_ok=True)
    for sv_file in sorted(sv_dir.glob("*.toml")):
        if sv_file.name.startswith("_"):
            continue
        if is_moderator_file(sv_file.stem) and lang not in ("sv", "en"):
            continue
        with sv_file.open("rb") as fh:
            order = list(flatten(tomllib.load(fh)))
        mine = updates.keys() & set(order)
        if not mine:
            continue
        target = lang_dir / sv_file.name
        existing: dict[str, Value] = {}
        header: list[str] = []
        if target.exists():
            raw = target.read_text(encoding="utf-8")
            existing = flatten(tomllib.loads(raw))
            for line in raw.splitlines():
                if not line.startswith("#"):
                    break
                header.append(line)
        existing.update({k: updates[k] for k in mine})
        keys = [k for k in order if k in existing] + sorted(set(existing) - set(order))
        target.write_text(render_toml(header, keys, existing), encoding="utf-8")


def _toml_str(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_str(key)


def render_toml(header: list[str], keys: list[str], values: Mapping[str, Value]) -> str:
    """Catalogue TOML: one ``[table]`` per dotted prefix, plurals as inline tables."""
    lines = list(header)
    current: str | None = None
    groups: dict[str, list[str]] = {}
    for key in keys:
        table, _, leaf = key.rpartition(".")
        groups.setdefault(table, []).append(leaf)
    for table, leaves in groups.items():
        if table != current:
            if lines:
                lines.append("")
            if table:
                lines.append("[" + ".".join(_toml_key(p) for p in table.split(".")) + "]")
            current = table
        for leaf in leaves:
            value = values[f"{table}.{leaf}" if table else leaf]
            if isinstance(value, Mapping):
                inner = ", ".join(
                    f"{c} = {_toml_str(value[c])}" for c in PLURAL_CATEGORIES if c in value
                )
                lines.append(f"{_toml_key(leaf)} = {{ {inner} }}")
            else:
                lines.append(f"{_toml_key(leaf)} = {_toml_str(value)}")
    return "\n".join(lines) + "\n"
