"""Every resident text of a language in one list (:func:`review_texts`), and the Markdown
packet for an independent reviewer built from it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import Catalog
from config.settings import Settings

from .catalogue import catalogue_texts
from .content import poll_texts, warning_texts
from .names import name_texts
from .text import KINDS, ReviewText


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
