"""Extra sections of the EST situation picture that other features provide (for example
poll and survey results per place, or fraud-warning deliveries and subscribers).

A feature appends a `SectionProvider` to ``registry.report_sections`` in its ``register``.
The picture calls it with a `ReportContext` (a database connection that may be read-only,
the settings, the catalogue and the reader's language) and the period, and shows what it returns
beside the tips, in chat, in the meeting report and in the Markdown export. Counts are
raw: the picture hides small groups itself (each column is one table whose total could be
known, so it is protected as a whole; see ``handlers/est/suppress.py``). A provider must
return only aggregates: never a person, a Matrix id or free text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiosqlite

from bot.i18n import Catalog
from config.settings import Settings


@dataclass(frozen=True)
class ReportContext:
    """What a provider may use. ``conn`` may be read-only (the ``tryggbot est`` command):
    providers only read."""

    conn: aiosqlite.Connection
    settings: Settings
    catalog: Catalog
    lang: str

    def t(self, key: str, /, **params: Any) -> str:
        return self.catalog.t(self.lang, key, **params)


@dataclass(frozen=True)
class ReportPeriod:
    """Local dates ``start`` … ``end`` (both included), optionally one locality's key."""

    start: date
    end: date
    locality: str | None = None


@dataclass(frozen=True)
class SectionRow:
    label: str
    counts: tuple[int, ...]  # one per column


@dataclass(frozen=True)
class ReportSection:
    """A titled table of counts, already in the reader's language."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[SectionRow, ...]
    note: str = ""
    # Groups below this are hidden (e.g. 5 for self-selected poll answers).
    minimum: int = 3


SectionProvider = Callable[[ReportContext, ReportPeriod], Awaitable[ReportSection | None]]
