"""The CSV sheet a translator fills in: its columns, the export, and the parsing and validation
of a filled-in sheet (nothing is written here; see :mod:`bot.translations.writing`)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from bot.i18n import PLURAL_CATEGORIES, Catalog, Value, fingerprint, placeholders, plural_categories
from bot.reviewtexts import ReviewText, review_texts
from config.settings import Settings

from .completeness import needed_keys

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
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def settings_or_example(settings: Settings | None) -> Settings:
    from config.base import EXAMPLE_PATH
    from config.settings import load_settings

    return settings if settings is not None else load_settings(EXAMPLE_PATH)


def export_sheet(catalog: Catalog, lang: str, settings: Settings | None = None) -> str:
    """The CSV sheet for ``lang``: one row per resident text (per plural category) of every
    kind (catalogue, warnings, poll templates, configured names), with the Swedish and
    English source, where it is shown, what its placeholders expand to for this kommun, a
    rendered example, and the current review (who and when)."""
    settings = settings_or_example(settings)
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


@dataclass
class ParsedSheet:
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
) -> ParsedSheet:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    problems: list[str] = []
    langs = {(r.get("lang") or "").strip() for r in rows}
    if not rows or len(langs) != 1 or "" in langs:
        raise SheetError(["the sheet must have rows, all with the same language in 'lang'"])
    (lang,) = langs
    if lang not in catalog.languages:
        raise SheetError([f"unknown language {lang!r}"])
    settings = settings_or_example(settings)
    needed = needed_keys(catalog, lang)
    allowed_forms = plural_categories(lang)
    others = {
        r.review_key: r
        for r in review_texts(catalog, settings, lang, kinds=("warnings", "polls", "names"))
    }
    parsed = ParsedSheet(lang)
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
