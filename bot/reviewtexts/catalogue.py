"""The catalogue's resident texts under review: where each is shown, what its placeholders
expand to for this kommun, and a rendered example per plural form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.i18n import PLURAL_CATEGORIES, Catalog, form_uses, plural_categories, plural_category
from bot.terms import kommun_terms, reading_hours
from config.settings import Settings

from .text import ReviewText

# ---------------------------------------------------------------------------- where shown

#: Where a resident sees a catalogue text, by key or key prefix (the longest match wins).
WHERE: dict[str, str] = {
    "safety.notice": "first message to a new resident (and !about); the safety notice",
    "safety.urgent": "answer to a message that may be urgent (someone in danger now)",
    "safety.hours": "the reading hours inside the safety notice and the tip receipt",
    "urgent.": "added to an answer when a message may be urgent",
    "privacy.text": "answer to !privacy: what is stored and for how long",
    "help.": "the command list (!help)",
    "language.": "choosing the answer language (!lang)",
    "days.": "weekday abbreviations in the reading hours",
    "units.": "a number of days inside other texts",
    "conversation.": "any step-by-step dialogue (cancel, back, expired)",
    "error.": "error answers to any command",
    "i18n.fallback_note": "put before a text that is missing in this language",
    "tips.receipt": "end of the tip dialogue: the receipt with the tip code",
    "tips.identifies": "when a tip names or describes people: redirect to 114 14 / polisen.se",
    "tips.child_concern": "when a tip is about a worried-for child: redirect to social services",
    "tips.": "the tip dialogue (!tip) and the resident's tip commands (!mine, !status, !forget)",
    "broadcasts.footer": "under every fraud warning sent to residents",
    "broadcasts.verify": "answer to !verify (is this message really from Tryggbot?)",
    "broadcasts.": "fraud warnings: subscription (!subscribe) and !verify",
    "polls.results.": "poll and survey results shown to residents",
    "polls.": "polls in neighbourhood rooms and private surveys (!survey, !vote)",
    "encryption.": "when the bot cannot decrypt a message in an encrypted room",
    "matrix.": "when a resident writes in an encrypted room the bot cannot read",
}

#: What a placeholder stands for, in words (terms and the website are expanded per kommun).
PLACEHOLDER_INFO: dict[str, str] = {
    "code": "a tip code, e.g. VMO-7K3Q",
    "count": "a number",
    "limit": "a number (a limit)",
    "seconds": "a number of seconds",
    "min": "a number of characters",
    "max": "a number",
    "length": "a number of characters",
    "hours": "the reading hours, e.g. 'Mon–Fri 08:00–16:00' in this language",
    "id": "a poll or survey number, e.g. 12",
    "title": "the title of a poll or survey",
    "question": "a question (from a template or a moderator)",
    "options": "a numbered list of answers",
    "closes": "a date and time, e.g. 2026-12-20 18:00",
    "command": "a command word, e.g. survey",
    "vote": "the command word vote",
    "help": "the command word help",
    "guess": "a command word",
    "text": "text written by the kommun's moderators",
    "note": "a note written by the kommun's moderators",
    "state": "the state of a tip (new, reviewed …) in this language",
    "place": "a locality, e.g. Bredaryd (a proper name, not translated)",
    "labels": "a list of removed kinds of personal data",
    "date": "a date, e.g. 2026-11-20",
    "name": "the name of a language",
    "current": "a language code, e.g. sv",
    "available": "a list of language codes with names",
    "wanted": "what the resident wrote",
    "usage": "how a command is used",
    "incident": "an incident number, e.g. 3f9a2c1b",
    "text_days": "a number of days, e.g. 45 days",
    "record_days": "a number of days, e.g. 1095 days",
    "relay_days": "a number of days, e.g. 30 days",
    "days": "weekday names",
    "start": "a time, e.g. 08:00",
    "end": "a time, e.g. 16:00",
    "answers": "the chosen answers",
    "top": "the most chosen answer",
    "n": "a number",
    "total": "a number",
    "hint": "how to answer (one or several numbers)",
    "website": "the kommun's website",
}

_SAMPLE: dict[str, Any] = {
    "code": "VMO-7K3Q",
    "id": 12,
    "title": "…",
    "question": "…",
    "options": "1. …\n2. …",
    "closes": "2026-12-20 18:00",
    "command": "survey",
    "vote": "vote",
    "help": "help",
    "guess": "status",
    "text": "…",
    "note": "…",
    "state": "…",
    "place": "Bredaryd",
    "labels": "…",
    "date": "2026-11-20",
    "name": "…",
    "current": "sv",
    "available": "sv, en, …",
    "wanted": "xx",
    "usage": "!tip",
    "incident": "3f9a2c1b",
    "text_days": "45",
    "record_days": "1095",
    "relay_days": "30",
    "days": "…",
    "start": "08:00",
    "end": "16:00",
    "answers": "2",
    "top": "…",
    "n": 1,
    "total": 3,
    "hint": "…",
    "min": 20,
    "max": 1000,
    "length": 1200,
}


def where_shown(key: str) -> str:
    """Where a resident sees the catalogue text ``key`` (the longest matching entry)."""
    if key.rsplit(".", 1)[-1].endswith(("summary", "usage")):
        return "one line of the command list (!help) and of !help COMMAND"
    matches = [p for p in WHERE if key == p or key.startswith(p)]
    return WHERE[max(matches, key=len)] if matches else "a resident-facing answer"


def _count_for(lang: str, form: str) -> int:
    """A number whose CLDR category in ``lang`` is ``form`` (for a rendered example)."""
    for n in (1, 2, 3, 5, 11, 21, 0, 100, 102):
        if plural_category(lang, n) == form:
            return n
    return 7


def _terms_text(settings: Settings, lang: str, value: Any) -> str:
    """``{kommun} = Gmina Värnamo; {kommun:gen} = Gminy Värnamo`` for the uses in ``value``."""
    terms = kommun_terms(settings, lang)
    parts = []
    for name, spec in sorted(form_uses(value)):
        if name in terms:
            shown = format(terms[name], spec)
            parts.append(f"{{{name}{':' + spec if spec else ''}}} = {shown}")
        elif name == "website":
            parts.append(f"{{website}} = {settings.kommun.website}")
        else:
            parts.append(f"{{{name}}} = {PLACEHOLDER_INFO.get(name, 'filled in by the bot')}")
    return "; ".join(parts)


def catalogue_texts(catalog: Catalog, settings: Settings, lang: str) -> list[ReviewText]:
    """The resident texts of the catalogue, one per plural form of ``lang``."""
    out = []
    for key in sorted(catalog.resident_keys("sv")):
        sv_value = catalog.value("sv", key)
        forms = (
            [c for c in PLURAL_CATEGORIES if c in plural_categories(lang)]
            if isinstance(sv_value, Mapping)
            else [""]
        )
        for form in forms:
            value = catalog.value(lang, key)
            if isinstance(value, Mapping):
                text = value.get(form)
            else:
                text = value if not form else None
            params = {
                **_SAMPLE,
                **kommun_terms(settings, lang),
                "website": settings.kommun.website,
                "hours": reading_hours(catalog, settings, lang),
            }
            if form:
                n = _count_for(lang, form)
                params.update({p: n for p in ("count", "limit", "seconds")})
            elif isinstance(sv_value, Mapping):
                params["count"] = 2
            example = catalog.t(lang, key, **params) if text is not None else ""
            out.append(
                ReviewText(
                    kind="catalogue",
                    key=key,
                    form=form,
                    swedish=form_of(catalog.value("sv", key), form),
                    english=form_of(catalog.value("en", key), form),
                    text=text,
                    where=where_shown(key),
                    placeholders=_terms_text(
                        settings, lang, catalog.value(lang, key) or sv_value or ""
                    ),
                    example=example,
                )
            )
    return out


def form_of(value: Any, form: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(form) or value.get("other", ""))
    return str(value or "")
