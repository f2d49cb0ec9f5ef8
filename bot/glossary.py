"""Per-language glossaries and registers (``config/locales/<lang>/_glossary.toml``).

A glossary names, for each concept a resident meets (a tip, a police report, fraud, the
kommun, a survey …), the word this language uses and the variants that must not appear, and
writes down the register of the language (``register``) with the markers of the register it
does not use (``informal``). :func:`glossary_findings` checks texts against it; the test
``tests/test_glossary.py`` runs it on every resident text of every language (catalogue,
warnings, poll templates and the configured names), so a drifting word fails ``make test``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

GLOSSARY_FILE = "_glossary.toml"


@dataclass(frozen=True)
class Term:
    concept: str
    meaning: str
    use: str
    forbidden: tuple[re.Pattern[str], ...]
    why: str = ""


@dataclass(frozen=True)
class Glossary:
    lang: str
    register: str
    informal: tuple[re.Pattern[str], ...]
    terms: tuple[Term, ...]


def _patterns(values: object, where: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{where}: must be a list of regular expressions")
    try:
        return tuple(re.compile(v, re.IGNORECASE) for v in values)
    except re.error as exc:
        raise ValueError(f"{where}: {exc}") from None


def load_glossary(root: Path, lang: str) -> Glossary | None:
    """The glossary of ``lang`` under the catalogue folder ``root``, or None if it has none."""
    path = root / lang / GLOSSARY_FILE
    if not path.exists():
        return None
    data = tomllib.loads(path.read_text("utf-8"))
    terms = tuple(
        Term(
            concept=concept,
            meaning=str(t.get("meaning", "")),
            use=str(t.get("use", "")),
            forbidden=_patterns(t.get("forbidden", []), f"{path}: terms.{concept}.forbidden"),
            why=str(t.get("why", "")),
        )
        for concept, t in data.get("terms", {}).items()
    )
    return Glossary(
        lang=lang,
        register=str(data.get("register", "")),
        informal=_patterns(data.get("informal", []), f"{path}: informal"),
        terms=terms,
    )


def glossary_findings(glossary: Glossary, texts: Iterable[tuple[str, str]]) -> list[str]:
    """Every forbidden variant and informal marker in ``texts`` (``(where, text)`` pairs), one
    line each: ``warnings:romance.text: 'przekręt' is not used for fraud (use: oszustwo)``."""
    out = []
    for where, text in texts:
        for term in glossary.terms:
            for pattern in term.forbidden:
                for m in pattern.finditer(text):
                    out.append(
                        f"{where}: {m.group(0)!r} is not used for {term.concept} (use: {term.use})"
                    )
        for pattern in glossary.informal:
            for m in pattern.finditer(text):
                out.append(f"{where}: {m.group(0)!r} is outside the register ({glossary.register})")
    return out


def readable(pattern: re.Pattern[str]) -> str:
    """A forbidden pattern as a reviewer reads it (``\\bvink\\w*`` -> ``vink…``)."""
    text = pattern.pattern
    for old, new in ((r"\b", ""), (r"\w*", "…"), (r"\w+", "…"), (r"\s+", " "), (r"\s*", " ")):
        text = text.replace(old, new)
    return text


def glossary_rows(glossary: Glossary) -> list[tuple[str, str, str, str]]:
    """``(concept, meaning, word used, forbidden variants)`` for a table."""
    return [
        (t.concept, t.meaning, t.use, ", ".join(f"`{readable(p)}`" for p in t.forbidden))
        for t in glossary.terms
    ]
