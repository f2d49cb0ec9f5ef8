"""What one schema step is. A module of its own so that the schema (`storage.migrations`)
and the database that applies it (`storage.db`) both import it, and not each other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step. ``statements`` run in order inside one transaction with the
    ``PRAGMA user_version`` bump, so a failing step leaves the database as it was."""

    version: int
    name: str
    statements: tuple[str, ...]
