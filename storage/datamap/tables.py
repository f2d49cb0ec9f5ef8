"""Every table of the schema in one tuple, in the order of the migrations that made them, and
the lookup by name."""

from __future__ import annotations

from . import broadcasts, est, people, polls, tips, transit, web
from .model import Table

TABLES: tuple[Table, ...] = (
    *people.TABLES,
    *transit.TABLES,
    *tips.TABLES,
    *transit.OUTBOX,
    *polls.TABLES,
    *broadcasts.TABLES,
    *est.TABLES,
    *web.TABLES,
)
"""Every table of the schema (SQLite's own ``sqlite_*`` tables excepted)."""

INTERNAL_PREFIX = "sqlite_"
"""SQLite's own tables (``sqlite_sequence``: the last AUTOINCREMENT ids) hold no data of ours."""


def table(name: str) -> Table:
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(name)
