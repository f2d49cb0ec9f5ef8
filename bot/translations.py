"""Translation work on the catalogues: completeness and review state per language, and a
CSV sheet a translator fills in next to the Swedish source (``tryggbot i18n``).

Why CSV and not gettext PO: the kommun's authorised translators work in a spreadsheet
(Excel, LibreOffice), not in PO editors; one row per text with the Swedish and English
source beside the translation is what they can check and sign off; CLDR plural categories
(``one``, ``few``, ``many``…) are named rows instead of gettext's numbered ``msgstr[n]``
that depend on a ``Plural-Forms`` formula; and a ``reviewed`` column is plainer than PO's
``fuzzy`` flag. The file is UTF-8 with a byte-order mark so Excel opens it correctly.

Import validates everything before writing anything: known keys, the same placeholders as
the Swedish text, plural categories the language uses. Rows marked reviewed are recorded in
``<lang>/_quality.toml`` with a fingerprint of the reviewed text.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bot.i18n import (
    PLURAL_CATEGORIES,
    QUALITY_FILE,
    Catalog,
    Quality,
    Value,
    fingerprint,
    flatten,
    is_moderator_file,
    placeholders,
    plural_categories,
    write_quality,
)
from config.settings import Settings

COLUMNS = ("lang", "key", "form", "swedish", "english", "translation", "reviewed", "placeholders")
_YES = frozenset({"yes", "y", "ja", "j", "x", "1", "true", "reviewed", "granskad"})
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class LanguageStatus:
    lang: str
    name: str
    needed: int
    present: int
    reviewed: int
    state: str

    @property
    def complete(self) -> float:
        return self.present / self.needed if self.needed else 1.0


def needed_keys(catalog: Catalog, lang: str) -> frozenset[str]:
    """What ``lang`` must have: every Swedish key for English, else the resident-facing ones."""
    return catalog.keys("sv") if lang in ("sv", "en") else catalog.resident_keys("sv")


def is_complete_value(catalog: Catalog, lang: str, key: str) -> bool:
    """Present, and a plural has every category the language uses."""
    value = catalog.value(lang, key)
    if value is None:
        return False
    if isinstance(value, Mapping):
        return plural_categories(lang) <= set(value)
    return True


def status(catalog: Catalog, languages: Iterable[str]) -> list[LanguageStatus]:
    out = []
    for lang in languages:
        needed = needed_keys(catalog, lang)
        present = sum(1 for k in needed if is_complete_value(catalog, lang, k))
        reviewed = len(catalog.reviewed_keys(lang) & needed)
        out.append(
            LanguageStatus(
                lang=lang,
                name=catalog.raw(lang, "language.name") or lang,
                needed=len(needed),
                present=present,
                reviewed=reviewed,
                state=catalog.quality(lang).state,
            )
        )
    return out


def render_status(rows: Iterable[LanguageStatus]) -> str:
    """A table: language, name, complete (count and share), reviewed, quality."""
    rows = list(rows)
    width = max([4, *(len(r.name) for r in rows)])
    labels = {
        "source": "source language",
        "machine-assisted": "machine-assisted, needs review by an authorised translator",
        "reviewed": "reviewed by an authorised translator",
    }
    lines = [f"{'lang':<5} {'name':<{width}} {'complete':>14} {'reviewed':>9}  quality"]
    for r in rows:
        reviewed = "-" if r.state == "source" else f"{r.reviewed}/{r.needed}"
        lines.append(
            f"{r.lang:<5} {r.name:<{width}} {f'{r.present}/{r.needed}':>7} {r.complete:>6.0%} "
            f"{reviewed:>9}  {labels.get(r.state, r.state)}"
        )
    return "\n".join(lines)


def config_name_gaps(settings: Settings) -> dict[str, list[str]]:
    """Per enabled language, the configured names (categories, place types, kommun, police)
    that have no name in it and are shown in English instead."""
    named = [
        *((f"categories.{c.key}", c.names) for c in settings.categories),
        *((f"place_types.{p.key}", p.names) for p in settings.place_types),
        ("kommun.name", settings.kommun.name),
        ("kommun.police_area", settings.kommun.police_area),
    ]
    return {
        lang: [key for key, names in named if lang not in names.languages()]
        for lang in settings.language.enabled
    }


def _forms_for(catalog: Catalog, lang: str, key: str) -> list[str]:
    """The rows of ``key``: ``[""]`` for a plain text, the language's categories for a plural."""
    if catalog.forms("sv", key) is None:
        return [""]
    return [c for c in PLURAL_CATEGORIES if c in plural_categories(lang)]


def _source_form(catalog: Catalog, lang: str, key: str, form: str) -> str:
    forms = catalog.forms(lang, key)
    if forms is None:
        return catalog.raw(lang, key) or ""
    return forms.get(form) or forms.get("other", "")


def export_sheet(catalog: Catalog, lang: str) -> str:
    """The CSV sheet for ``lang``: one row per text (per plural category), sorted by key."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    reviewed = catalog.reviewed_keys(lang)
    for key in sorted(needed_keys(catalog, lang)):
        for form in _forms_for(catalog, lang, key):
            current = ""
            if catalog.has(lang, key):
                forms = catalog.forms(lang, key)
                current = (forms or {}).get(form, "") if form else (catalog.raw(lang, key) or "")
            writer.writerow(
                (
                    lang,
                    key,
                    form,
                    _source_form(catalog, "sv", key, form),
                    _source_form(catalog, "en", key, form),
                    current,
                    "yes" if key in reviewed and current else "",
                    " ".join(sorted(placeholders(catalog.value("sv", key) or ""))),
                )
            )
    return "\ufeff" + buf.getvalue()


class SheetError(Exception):
    """The sheet cannot be imported; ``problems`` lists every reason, each with its row."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ImportResult:
    lang: str
    changed: int
    reviewed: int


def read_sheet(catalog: Catalog, text: str) -> tuple[str, dict[str, Value], set[str]]:
    """Parse and validate a sheet: its language, the new values, the keys marked reviewed."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    problems: list[str] = []
    langs = {(r.get("lang") or "").strip() for r in rows}
    if not rows or len(langs) != 1 or "" in langs:
        raise SheetError(["the sheet must have rows, all with the same language in 'lang'"])
    (lang,) = langs
    if lang not in catalog.languages:
        raise SheetError([f"unknown language {lang!r}"])
    needed = needed_keys(catalog, lang)
    allowed_forms = plural_categories(lang)
    values: dict[str, dict[str, str] | str] = {}
    marked: set[str] = set()
    for line, row in enumerate(rows, start=2):
        key = (row.get("key") or "").strip()
        form = (row.get("form") or "").strip()
        text_ = (row.get("translation") or "").replace("\r\n", "\n")
        where = f"row {line} ({key}{'/' + form if form else ''})"
        if key not in needed:
            problems.append(f"{where}: not a key this language needs")
            continue
        is_plural = catalog.forms("sv", key) is not None
        if is_plural and form not in allowed_forms:
            problems.append(f"{where}: {lang} has no plural form {form!r}")
            continue
        if not is_plural and form:
            problems.append(f"{where}: this text has no plural forms")
            continue
        if not text_.strip():
            continue
        source = placeholders(catalog.value("sv", key) or "")
        mine = placeholders(text_)
        # A plural form may leave the number out ("one tip"); all forms together may not.
        if mine != source and not (is_plural and mine < source):
            want = ", ".join("{" + p + "}" for p in sorted(source)) or "none"
            problems.append(f"{where}: placeholders must be exactly: {want}")
            continue
        if is_plural:
            entry = values.setdefault(key, {})
            assert isinstance(entry, dict)
            entry[form] = text_
        else:
            values[key] = text_
        if (row.get("reviewed") or "").strip().casefold() in _YES:
            marked.add(key)
    for key, value in values.items():
        if isinstance(value, dict):
            merged = {**(catalog.forms(lang, key) or {}), **value}
            if "other" not in merged:
                problems.append(f"{key}: the plural form 'other' is missing")
            elif placeholders(merged) != placeholders(catalog.value("sv", key) or ""):
                problems.append(f"{key}: the forms together lack a placeholder")
    if problems:
        raise SheetError(problems)
    return lang, dict(values), marked


def import_sheet(catalog: Catalog, root: Path, text: str) -> ImportResult:
    """Validate the sheet and write it into ``root/<lang>/`` (catalogue files and quality)."""
    lang, values, marked = read_sheet(catalog, text)
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
    _write_catalogue(root, lang, merged)
    reloaded = Catalog.load(root)
    quality = catalog.quality(lang)
    reviewed = {k: v for k, v in quality.reviewed.items() if reloaded.has(lang, k)}
    for key in marked:
        found = reloaded.value(lang, key)
        if found is not None:
            reviewed[key] = fingerprint(found)
    state = quality.state
    needed = needed_keys(reloaded, lang)
    if state != "source":
        after = replace(quality, reviewed=reviewed)
        done = all(k in reviewed and _current(reloaded, lang, k, after) for k in needed)
        state = "reviewed" if done else "machine-assisted"
    write_quality(root / lang / QUALITY_FILE, replace(quality, state=state, reviewed=reviewed))
    return ImportResult(lang=lang, changed=changed, reviewed=len(marked))


def _current(catalog: Catalog, lang: str, key: str, quality: Quality) -> bool:
    value = catalog.value(lang, key)
    return value is not None and quality.reviewed.get(key) == fingerprint(value)


def _write_catalogue(root: Path, lang: str, updates: Mapping[str, Value]) -> None:
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
