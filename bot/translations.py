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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
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
from bot.reviewtexts import KINDS, ReviewText, review_texts
from config.settings import Settings

COLUMNS = (
    "lang",
    "kind",
    "key",
    "form",
    "where",
    "swedish",
    "english",
    "placeholders",
    "example",
    "translation",
    "reviewed",
    "reviewer",
    "reviewed_on",
)
_YES = frozenset({"yes", "y", "ja", "j", "x", "1", "true", "reviewed", "granskad"})
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LanguageStatus:
    lang: str
    name: str
    needed: int
    present: int
    reviewed: int
    state: str
    #: per kind (catalogue, warnings, polls, names): (reviewed, total), when settings were given
    kinds: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def complete(self) -> float:
        return self.present / self.needed if self.needed else 1.0

    @property
    def all_reviewed(self) -> bool:
        """Every text of every kind reviewed (catalogue only, without settings)."""
        if self.kinds:
            return all(done == total for done, total in self.kinds.values())
        return self.reviewed == self.needed

    @property
    def effective_state(self) -> str:
        """``reviewed`` only when every kind is; ``source`` for the source languages."""
        if self.state == "source":
            return "source"
        return "reviewed" if self.all_reviewed else "machine-assisted"


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


def reviewed_by_kind(catalog: Catalog, settings: Settings, lang: str) -> dict[str, tuple[int, int]]:
    """(reviewed, total) texts per kind; a text counts as reviewed while its current text is
    the one the reviewer approved."""
    quality = catalog.quality(lang)
    out: dict[str, tuple[int, int]] = {}
    done_catalogue = catalog.reviewed_keys(lang)
    for kind in KINDS:
        rows = review_texts(catalog, settings, lang, kinds=(kind,))
        if kind == "catalogue":
            keys = {r.key for r in rows}
            out[kind] = (len(keys & done_catalogue), len(keys))
            continue
        done = sum(
            1
            for r in rows
            if r.text is not None and quality.reviewed.get(r.review_key) == fingerprint(r.text)
        )
        out[kind] = (done, len(rows))
    return out


def status(
    catalog: Catalog, languages: Iterable[str], settings: Settings | None = None
) -> list[LanguageStatus]:
    out = []
    for lang in languages:
        needed = needed_keys(catalog, lang)
        present = sum(1 for k in needed if is_complete_value(catalog, lang, k))
        reviewed = len(catalog.reviewed_keys(lang) & needed)
        state = catalog.quality(lang).state
        kinds: dict[str, tuple[int, int]] = {}
        if settings is not None and state != "source":
            kinds = reviewed_by_kind(catalog, settings, lang)
        out.append(
            LanguageStatus(
                lang=lang,
                name=catalog.raw(lang, "language.name") or lang,
                needed=len(needed),
                present=present,
                reviewed=reviewed,
                state=state,
                kinds=kinds,
            )
        )
    return out


def render_status(rows: Iterable[LanguageStatus]) -> str:
    """A table: language, name, complete (count and share), reviewed texts per kind, quality.
    A language is "reviewed" only when every kind is."""
    rows = list(rows)
    width = max([4, *(len(r.name) for r in rows)])
    labels = {
        "source": "source language",
        "machine-assisted": "machine-assisted, needs review by an authorised translator",
        "reviewed": "reviewed by an authorised translator",
    }
    per_kind = any(r.kinds for r in rows)
    kind_names = KINDS if per_kind else ("catalogue",)
    head = " ".join(f"{k:>10}" for k in kind_names)
    lines = [f"{'lang':<5} {'name':<{width}} {'complete':>14} {head}  quality"]
    for r in rows:
        cells = []
        for kind in kind_names:
            if r.state == "source":
                cells.append(f"{'-':>10}")
            elif r.kinds:
                done, total = r.kinds[kind]
                cells.append(f"{f'{done}/{total}':>10}")
            else:
                cells.append(f"{f'{r.reviewed}/{r.needed}':>10}")
        lines.append(
            f"{r.lang:<5} {r.name:<{width}} {f'{r.present}/{r.needed}':>7} {r.complete:>6.0%} "
            f"{' '.join(cells)}  {labels.get(r.effective_state, r.effective_state)}"
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


def _settings(settings: Settings | None) -> Settings:
    from config.settings import EXAMPLE_PATH, load_settings

    return settings if settings is not None else load_settings(EXAMPLE_PATH)


def export_sheet(catalog: Catalog, lang: str, settings: Settings | None = None) -> str:
    """The CSV sheet for ``lang``: one row per resident text (per plural category) of every
    kind (catalogue, warnings, poll templates, configured names), with the Swedish and
    English source, where it is shown, what its placeholders expand to for this kommun, a
    rendered example, and the current review (who and when)."""
    settings = _settings(settings)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    quality = catalog.quality(lang)
    reviewed = catalog.reviewed_keys(lang)
    rows = review_texts(catalog, settings, lang)
    if lang in ("sv", "en"):  # the source languages: their catalogue also has moderator texts
        rows = [r for r in rows if r.kind != "catalogue"] + _moderator_rows(catalog, lang)
    for r in rows:
        current = r.text or ""
        if r.kind == "catalogue":
            done = r.key in reviewed and bool(current)
        else:
            done = bool(current) and quality.reviewed.get(r.review_key) == fingerprint(current)
        by, on = quality.reviewers.get(r.review_key, ("", "")) if done else ("", "")
        writer.writerow(
            (
                lang,
                r.kind,
                r.key,
                r.form,
                r.where,
                r.swedish,
                r.english,
                r.placeholders,
                r.example,
                current,
                "yes" if done else "",
                by,
                on,
            )
        )
    return "\ufeff" + buf.getvalue()


def _moderator_rows(catalog: Catalog, lang: str) -> list[ReviewText]:
    out = []
    for key in sorted(needed_keys(catalog, lang)):
        for form in _forms_for(catalog, lang, key):
            current = ""
            if catalog.has(lang, key):
                forms = catalog.forms(lang, key)
                current = (forms or {}).get(form, "") if form else (catalog.raw(lang, key) or "")
            out.append(
                ReviewText(
                    kind="catalogue",
                    key=key,
                    form=form,
                    swedish=_source_form(catalog, "sv", key, form),
                    english=_source_form(catalog, "en", key, form),
                    text=current or None,
                    where="moderators" if catalog.audience(key) == "moderator" else "residents",
                    placeholders=" ".join(sorted(placeholders(catalog.value("sv", key) or ""))),
                    example="",
                )
            )
    return out


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


@dataclass
class _Parsed:
    lang: str
    values: dict[str, Value] = field(default_factory=dict)  # catalogue
    content: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> key -> text
    marked: dict[str, tuple[str, str]] = field(default_factory=dict)  # review key -> (by, on)


def read_sheet(
    catalog: Catalog,
    text: str,
    settings: Settings | None = None,
    *,
    reviewer: str = "",
    today: str = "",
) -> tuple[str, dict[str, Value], set[str]]:
    """Parse and validate a sheet: its language, the new catalogue values, the keys marked
    reviewed (see :func:`parse_sheet` for everything)."""
    parsed = parse_sheet(catalog, text, settings, reviewer=reviewer, today=today)
    return parsed.lang, parsed.values, set(parsed.marked)


def parse_sheet(
    catalog: Catalog,
    text: str,
    settings: Settings | None = None,
    *,
    reviewer: str = "",
    today: str = "",
) -> _Parsed:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    problems: list[str] = []
    langs = {(r.get("lang") or "").strip() for r in rows}
    if not rows or len(langs) != 1 or "" in langs:
        raise SheetError(["the sheet must have rows, all with the same language in 'lang'"])
    (lang,) = langs
    if lang not in catalog.languages:
        raise SheetError([f"unknown language {lang!r}"])
    settings = _settings(settings)
    needed = needed_keys(catalog, lang)
    allowed_forms = plural_categories(lang)
    others = {
        r.review_key: r
        for r in review_texts(catalog, settings, lang, kinds=("warnings", "polls", "names"))
    }
    parsed = _Parsed(lang)
    values: dict[str, Value] = parsed.values
    for line, row in enumerate(rows, start=2):
        kind = (row.get("kind") or "catalogue").strip()
        key = (row.get("key") or "").strip()
        form = (row.get("form") or "").strip()
        text_ = (row.get("translation") or "").replace("\r\n", "\n")
        where = f"row {line} ({key}{'/' + form if form else ''})"
        marked = (row.get("reviewed") or "").strip().casefold() in _YES
        by = (row.get("reviewer") or "").strip() or reviewer
        on = (row.get("reviewed_on") or "").strip() or today
        if marked and not by:
            problems.append(
                f"{where}: marked reviewed, but no reviewer (column 'reviewer' or --reviewer)"
            )
            continue
        if marked and not _DATE.match(on):
            problems.append(f"{where}: the review date must be YYYY-MM-DD, not {on!r}")
            continue
        if kind != "catalogue":
            found = others.get(f"{kind}:{key}")
            if found is None:
                problems.append(f"{where}: not a {kind} text of this language")
                continue
            current = found.text or ""
            if text_.strip() and text_ != current:
                if kind == "names":
                    problems.append(
                        f"{where}: names live in the kommun's settings file: change "
                        f"{key} ({lang}) there, then review it in a new sheet"
                    )
                    continue
                parsed.content.setdefault(kind, {})[key] = text_
            if marked and (text_.strip() or current):
                parsed.marked[found.review_key] = (by, on)
            continue
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
        if marked:
            parsed.marked[key] = (by, on)
    for key, value in values.items():
        if isinstance(value, dict):
            merged = {**(catalog.forms(lang, key) or {}), **value}
            if "other" not in merged:
                problems.append(f"{key}: the plural form 'other' is missing")
            elif placeholders(merged) != placeholders(catalog.value("sv", key) or ""):
                problems.append(f"{key}: the forms together lack a placeholder")
    if problems:
        raise SheetError(problems)
    return parsed


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
    from config.settings import CONTENT_DIR

    settings = _settings(settings)
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
        _write_catalogue(root, lang, merged)
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
