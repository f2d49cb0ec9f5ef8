"""The data map: every table and column of the schema, what it holds, the rule that limits how
long it is kept (and the setting that enforces it), and what ``!glöm`` does to it.

This is the declaration that ``tryggbot privacy map``, ``tryggbot privacy report``, the
retention job's audit and the go-live pack (docs/lawful-operation/) are built from. A test
opens a freshly migrated database and fails when a table or column of the schema has no entry
here, or when an entry names one that does not exist: a new column cannot be added without
saying what it holds.

Texts are in Swedish: the map's readers are the kommun's data protection officer, archivist
and registrar.

Rules are SQL expressions over one row of the table (SQLite, ``julianday`` numbers):
``born`` is when the row came to be (for age bands), ``deadline`` is the moment after which
the row must be gone (NULL: no time limit, the row lives while something else holds it).
Placeholders such as ``{text_days}`` are filled from the settings (`rule_values`).
"""

from __future__ import annotations

from .model import (
    CATEGORY_SV,
    KIND_SV,
    NOT_FORGOTTEN,
    Category,
    Column,
    Kind,
    Rule,
    Table,
)
from .rules import (
    COMPLETION_KEEP_DAYS,
    DELIVERY_KEEP_DAYS,
    HANDLED_KEEP_DAYS,
    STUCK_DAYS,
    deadline_sql,
    gated,
    rule_values,
    summary,
)
from .tables import INTERNAL_PREFIX, TABLES, table

__all__ = [
    "CATEGORY_SV",
    "COMPLETION_KEEP_DAYS",
    "DELIVERY_KEEP_DAYS",
    "HANDLED_KEEP_DAYS",
    "INTERNAL_PREFIX",
    "KIND_SV",
    "NOT_FORGOTTEN",
    "STUCK_DAYS",
    "TABLES",
    "Category",
    "Column",
    "Kind",
    "Rule",
    "Table",
    "deadline_sql",
    "gated",
    "rule_values",
    "summary",
    "table",
]
