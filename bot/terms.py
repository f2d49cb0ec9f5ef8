"""The kommun's configured names as terms: each sentence of the catalogue asks for the
grammatical form it needs (``{kommun:gen}``), and the settings give the forms per language
(``[kommun.name.forms]``). See :class:`bot.i18n.Term` and docs/i18n.md.

``term_gaps`` lists every form a catalogue text asks for that the settings do not give, for
``check-config`` and the tests; at run time a missing form is shown in the basic form and
logged, never an error a resident sees.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import Catalog, Term, form_uses
from config.kommun import Locality, Names
from config.settings import Settings

#: Placeholders that stand for configured names, and where the settings keep them.
TERM_SETTINGS: dict[str, str] = {
    "kommun": "kommun.name",
    "police": "kommun.police_area",
    "place": "localities",
}


def term(name: str, names: Names, lang: str) -> Term:
    """The term ``name`` (a settings path) in ``lang``: its basic form and named forms."""
    forms = names.forms_of(lang) if lang in names.languages() else {}
    return Term(name, names.get(lang), forms)


def kommun_terms(settings: Settings, lang: str) -> dict[str, Term]:
    """``kommun`` and ``police`` for a catalogue text in ``lang``."""
    k = settings.kommun
    return {
        "kommun": term("kommun.name", k.name, lang),
        "police": term("kommun.police_area", k.police_area, lang),
    }


def locality_term(loc: Locality | None, lang: str, fallback: str = "") -> Term:
    """A locality as ``{place}``: a proper name is the same in every form; a translated one
    (``names``) has the forms the settings give."""
    if loc is None:
        return Term("localities", fallback)
    if loc.names is None:
        return Term(f"localities.{loc.key}", loc.name)
    return term(f"localities.{loc.key}", loc.names, lang)


def _keys(catalog: Catalog, lang: str) -> Iterable[str]:
    return sorted(catalog.keys(lang) if lang in ("sv", "en") else catalog.resident_keys(lang))


def term_gaps(catalog: Catalog, settings: Settings, langs: Iterable[str]) -> list[str]:
    """Every configured name and form the catalogue texts of ``langs`` ask for that the
    settings do not give, one line each: ``kommun.name.forms.pl.gen: missing (asked for by
    safety.notice in config/locales/pl)``."""
    k = settings.kommun
    named = {"kommun": k.name, "police": k.police_area}
    out: list[str] = []
    for lang in langs:
        asked: dict[tuple[str, str], str] = {}
        for key in _keys(catalog, lang):
            value = catalog.value(lang, key)
            if value is None:
                continue
            for use in form_uses(value):
                if use[0] in TERM_SETTINGS:
                    asked.setdefault(use, key)
        for (name, form), key in sorted(asked.items()):
            where = f"(asked for by {key} in config/locales/{lang})"
            if name in named:
                names, path = named[name], TERM_SETTINGS[name]
                if lang not in names.languages():
                    out.append(f"{path}.{lang}: missing: no name in {lang} {where}")
                elif form and names.form(lang, form) is None:
                    out.append(f"{path}.forms.{lang}.{form}: missing {where}")
            else:
                for i, loc in enumerate(settings.localities):
                    if loc.names is not None and lang not in loc.names.languages():
                        out.append(f"localities[{i}].names.{lang}: missing {where}")
                    elif form and loc.names is not None and loc.names.form(lang, form) is None:
                        out.append(f"localities[{i}].names.forms.{lang}.{form}: missing {where}")
                    elif form and loc.names is None:
                        out.append(
                            f"localities[{i}]: {loc.name!r} is a proper name without forms, "
                            f"but a text asks for {{place:{form}}} {where}"
                        )
    return out


def name_gaps(settings: Settings) -> list[str]:
    """Configured names that an enabled language lacks (the resident would read English),
    and localities that read as descriptions but are given only in Swedish."""
    out = []
    named: list[tuple[str, Names]] = [
        *((f"categories[{i}].names", c.names) for i, c in enumerate(settings.categories)),
        *((f"place_types[{i}].names", p.names) for i, p in enumerate(settings.place_types)),
        ("kommun.name", settings.kommun.name),
        ("kommun.police_area", settings.kommun.police_area),
        *(
            (f"localities[{i}].names", loc.names)
            for i, loc in enumerate(settings.localities)
            if loc.names is not None
        ),
    ]
    for path, names in named:
        missing = [lang for lang in settings.language.enabled if lang not in names.languages()]
        if missing:
            out.append(f"{path}: no name in {', '.join(missing)} (residents would read English)")
    for i, loc in enumerate(settings.localities):
        if loc.names is None and loc.looks_translatable():
            out.append(
                f"localities[{i}]: {loc.name!r} reads as a description, not a proper name: "
                "give [localities.names] in every enabled language"
            )
    return out


def reading_hours(catalog: Catalog, settings: Settings, lang: str) -> str:
    """The kommun's reading hours as the bot writes them in ``lang`` (``Mon–Fri 08:00–16:00``)."""
    hours = settings.reading_hours
    order = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    idx = sorted(order.index(d) for d in set(hours.days))
    runs: list[list[int]] = []
    for i in idx:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        first = catalog.t(lang, f"days.{order[run[0]]}")
        last = catalog.t(lang, f"days.{order[run[-1]]}")
        parts.append(first if len(run) == 1 else f"{first}–{last}")
    return catalog.t(lang, "safety.hours", days=", ".join(parts), start=hours.start, end=hours.end)
