"""Every text a resident reads, of four kinds, in one list: what a reviewer must see.

- ``catalogue``: the message catalogues (``config/locales/<lang>/*.toml``, resident files);
- ``warnings``: the fraud warnings (``config/content/warnings.toml``), title and text;
- ``polls``: the poll and survey templates (``config/content/polls.toml``): titles,
  questions, options;
- ``names``: the names in the kommun's settings (kommun, police, categories, place types,
  localities given per language) with every grammatical form the settings give.

Each :class:`ReviewText` carries the Swedish and English source, where a resident sees the
text, what each placeholder expands to for this kommun, and a rendered example. The sheet
(``tryggbot i18n export``), the review state (``tryggbot i18n status``), the glossary check
(``tests/test_glossary.py``) and the reviewers' packets all read this list, so none of them
can leave a kind out.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.i18n import PLURAL_CATEGORIES, Catalog, Term, form_uses, plural_categories, plural_category
from bot.terms import kommun_terms, reading_hours
from config.polltexts import template_texts
from config.settings import CONTENT_DIR, Names, Settings

KINDS: tuple[str, ...] = ("catalogue", "warnings", "polls", "names")


@dataclass(frozen=True)
class ReviewText:
    """One text (one plural form) of one language, with what a reviewer needs beside it."""

    kind: str
    key: str
    form: str
    swedish: str
    english: str
    text: str | None
    where: str
    placeholders: str
    example: str

    @property
    def review_key(self) -> str:
        """The key a review is recorded under in ``_quality.toml``: the catalogue key itself,
        ``kind:key`` for the other kinds."""
        return self.key if self.kind == "catalogue" else f"{self.kind}:{self.key}"


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
                    swedish=_form(catalog.value("sv", key), form),
                    english=_form(catalog.value("en", key), form),
                    text=text,
                    where=where_shown(key),
                    placeholders=_terms_text(
                        settings, lang, catalog.value(lang, key) or sv_value or ""
                    ),
                    example=example,
                )
            )
    return out


def _form(value: Any, form: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(form) or value.get("other", ""))
    return str(value or "")


def warning_texts(settings: Settings, lang: str) -> list[ReviewText]:
    """Title and text of every fraud warning; the example is the warning as sent, with the
    standard footer of this language."""
    data = tomllib.loads(settings.broadcasts.catalogue_path.read_text("utf-8"))
    out = []
    for w in data.get("warning", []):
        mine = w.get(lang) or {}
        for part in ("title", "text"):
            text = mine.get(part)
            out.append(
                ReviewText(
                    kind="warnings",
                    key=f"{w['id']}.{part}",
                    form="",
                    swedish=str(w["sv"][part]),
                    english=str(w["en"][part]),
                    text=str(text) if text else None,
                    where=(
                        f"fraud warning '{w['id']}' (topic {w.get('topic', '')}), sent to "
                        "subscribers and rooms; the footer is added below it"
                    ),
                    placeholders="",
                    example=(f"⚠️ {mine.get('title', '')}" if part == "title" else str(text or "")),
                )
            )
    return out


def poll_texts(lang: str) -> list[ReviewText]:
    """Every title, question and option of the templates."""
    data = tomllib.loads((CONTENT_DIR / "polls.toml").read_text("utf-8"))
    out = []
    for key, texts in template_texts(data):
        what = (
            "title of a poll or survey template"
            if key.endswith(".title")
            else "an answer option"
            if ".options." in key
            else "a question"
        )
        text = texts.get(lang)
        out.append(
            ReviewText(
                kind="polls",
                key=key,
                form="",
                swedish=str(texts.get("sv", "")),
                english=str(texts.get("en", "")),
                text=str(text) if text else None,
                where=f"{what} (!poll template / !survey), shown in rooms and direct chats",
                placeholders="",
                example=str(text or ""),
            )
        )
    return out


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


def review_texts(
    catalog: Catalog, settings: Settings, lang: str, kinds: Iterable[str] = KINDS
) -> list[ReviewText]:
    """Every resident text of ``lang``, kind by kind."""
    wanted = set(kinds)
    out: list[ReviewText] = []
    if "catalogue" in wanted:
        out += catalogue_texts(catalog, settings, lang)
    if "warnings" in wanted:
        out += warning_texts(settings, lang)
    if "polls" in wanted:
        out += poll_texts(lang)
    if "names" in wanted:
        out += name_texts(settings, lang, catalog)
    return out


# ---------------------------------------------------------------------------- packets

KIND_TITLES = {
    "catalogue": "Chat texts (the message catalogue)",
    "warnings": "Fraud warnings",
    "polls": "Poll and survey templates",
    "names": "Names in the kommun's settings",
}


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def review_packet(
    catalog: Catalog,
    settings: Settings,
    lang: str,
    *,
    register: str = "",
    glossary: Iterable[tuple[str, str, str, str]] = (),
) -> str:
    """A Markdown packet for an independent reviewer of ``lang``: what to check, the
    glossary and register, then every resident text beside its Swedish and English source,
    where it is shown, what its placeholders expand to for this kommun and how it reads.
    ``glossary`` rows are ``(concept, meaning, chosen word, forbidden variants)``."""
    name = catalog.raw(lang, "language.name") or lang
    rows = review_texts(catalog, settings, lang)
    counts = {k: sum(1 for r in rows if r.kind == k) for k in KINDS}
    out = [
        f"# Review packet: {name} ({lang})",
        "",
        f"For an independent reviewer of {name}. Every text a resident of "
        f"{settings.kommun.name.sv} can read from Tryggbot in this language is below, "
        "beside the Swedish source and the English version: "
        + ", ".join(f"{counts[k]} {KIND_TITLES[k].lower()}" for k in KINDS)
        + ". Plural forms are separate rows.",
        "",
        "Tryggbot is the kommun's safety channel in partnership with the police. It is not a way "
        "to report crimes: residents describe unsafe places and times; crimes and people go to "
        "the police (114 14, polisen.se); emergencies to 112.",
        "",
        "## What to check",
        "",
        "1. **Critical facts** in every text: 112 (emergency, crime happening now), 114 14 "
        "(police, non-emergency tips and reports), polisen.se, that Tryggbot never asks for "
        "BankID, codes, card numbers or money, and that a tip is *not* a police report. Any "
        "error here is critical: mark it first.",
        "2. **Meaning**: the text says what the Swedish says (the English is a help), nothing "
        "more and nothing less; no promise of anonymity, speed or outcome.",
        "3. **One word for one thing**: the words of the glossary below, everywhere.",
        "4. **Register**: the register below, in every text, warnings and polls included.",
        "5. **Grammar of names**: the names of the kommun and the police are inserted into "
        "sentences in the form each sentence asks for (`{kommun:gen}` is the form `gen`). "
        "The rendered example shows the sentence as a resident reads it.",
        "6. **Placeholders** in `{braces}`, commands (`!help`), numbers and `polisen.se` stay "
        "exactly as they are.",
        "",
        "Please write your findings per key (key, what is wrong, your proposal) and end with a "
        "rating of the whole language from 1 to 5 (5 = a public authority would publish it as "
        "it is). Review this language on its own.",
        "",
        "## Register",
        "",
        register or "(not written down yet)",
        "",
        "## Glossary",
        "",
        "| concept | meaning | word used | must not appear |",
        "| --- | --- | --- | --- |",
    ]
    for concept, meaning, use, forbidden in glossary:
        out.append(f"| {concept} | {meaning} | {use} | {forbidden or '–'} |")
    for kind in KINDS:
        out += ["", f"## {KIND_TITLES[kind]}", ""]
        for r in (r for r in rows if r.kind == kind):
            label = f"{r.key}" + (f" ({r.form})" if r.form else "")
            out += [f"### {label}", "", f"*Shown:* {r.where}"]
            if r.placeholders:
                out.append(f"*Placeholders:* {r.placeholders}")
            out += [
                "",
                "Swedish:",
                _quote(r.swedish),
                "",
                "English:",
                _quote(r.english),
                "",
                f"**{name}:**",
                _quote(r.text if r.text is not None else "(MISSING)"),
            ]
            if r.example and r.text is not None and r.example != r.text:
                out += ["", "As a resident reads it (example):", _quote(r.example)]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
