"""The names in the kommun's settings under review, with every grammatical form the settings
give and the texts that ask for each form."""

from __future__ import annotations

from bot.i18n import Catalog, Term, form_uses
from config.kommun import Names
from config.settings import Settings

from .text import ReviewText


def _named(settings: Settings) -> list[tuple[str, str, Names]]:
    k = settings.kommun
    rows: list[tuple[str, str, Names]] = [
        ("kommun.name", "the kommun's name in the safety notice, footer and warnings", k.name),
        ("kommun.police_area", "the police partner in the safety notice and footer", k.police_area),
    ]
    rows += [
        (f"categories.{c.key}", "a category in the tip dialogue (What is it about?)", c.names)
        for c in settings.categories
    ]
    rows += [
        (f"place_types.{p.key}", "a place type in the tip dialogue (What kind of place?)", p.names)
        for p in settings.place_types
    ]
    rows += [
        (f"localities.{loc.key}", "a locality in the tip dialogue and in results", loc.names)
        for loc in settings.localities
        if loc.names is not None
    ]
    return rows


def _form_users(catalog: Catalog | None, lang: str) -> dict[tuple[str, str], list[str]]:
    """Which catalogue texts of ``lang`` ask for each (settings key, form)."""
    users: dict[tuple[str, str], list[str]] = {}
    if catalog is None:
        return users
    paths = {"kommun": "kommun.name", "police": "kommun.police_area"}
    for key in sorted(catalog.resident_keys(lang)):
        for name, form in form_uses(catalog.value(lang, key) or ""):
            if name in paths and form:
                users.setdefault((paths[name], form), []).append(key)
    return users


def name_texts(settings: Settings, lang: str, catalog: Catalog | None = None) -> list[ReviewText]:
    """The configured names in ``lang``, each with every form the settings give (and the
    texts that ask for it)."""
    users = _form_users(catalog, lang)
    out = []
    for key, where, names in _named(settings):
        has = lang in names.languages()
        out.append(
            ReviewText(
                kind="names",
                key=key,
                form="",
                swedish=names.sv,
                english=names.en,
                text=names.get(lang) if has else None,
                where=where + " (basic form)",
                placeholders="",
                example=names.get(lang) if has else "",
            )
        )
        sv_forms = names.forms_of("sv")
        for form in sorted(names.forms_of(lang)):
            text = names.form(lang, form)
            out.append(
                ReviewText(
                    kind="names",
                    key=f"{key}.forms.{form}",
                    form="",
                    swedish=sv_forms.get(form, names.sv),
                    english=names.en,
                    text=text,
                    where=f"{where}; the form {{…:{form}}}, asked for by "
                    + (", ".join(users.get((key, form), [])) or "no text yet"),
                    placeholders="",
                    example=_term_example(names, lang, form),
                )
            )
    return out


def _term_example(names: Names, lang: str, form: str) -> str:
    return format(Term("", names.get(lang), names.forms_of(lang)), form)
