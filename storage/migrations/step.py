"""One schema step (:class:`Migration`); the steps themselves are in this package's modules,
one per area, and :data:`storage.migrations.MIGRATIONS` lists them in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step. ``statements`` run in order inside one transaction with the
    ``PRAGMA user_version`` bump, so a failing step leaves the database as it was."""

    version: int
    name: str
    statements: tuple[str, ...]
