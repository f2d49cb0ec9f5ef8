"""People: language preference and when the safety notice was last shown."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite


@dataclass(frozen=True)
class Person:
    pseudonym: str
    language: str | None
    language_explicit: bool
    notice_shown_at: datetime | None


async def get(conn: aiosqlite.Connection, pseudonym: str) -> Person | None:
    found = list(
        await conn.execute_fetchall(
            "SELECT pseudonym, language, language_explicit, notice_shown_at"
            " FROM person WHERE pseudonym = ?",
            (pseudonym,),
        )
    )
    return from_row(found[0]) if found else None


def from_row(row: sqlite3.Row | Mapping[str, Any]) -> Person:
    """A ``person`` row (pseudonym, language, language_explicit, notice_shown_at)."""
    shown = row["notice_shown_at"]
    return Person(
        pseudonym=row["pseudonym"],
        language=row["language"],
        language_explicit=bool(row["language_explicit"]),
        notice_shown_at=datetime.fromisoformat(shown) if shown else None,
    )


async def ensure(conn: aiosqlite.Connection, pseudonym: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO person (pseudonym, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (pseudonym, now.isoformat()),
    )


async def set_language(
    conn: aiosqlite.Connection, pseudonym: str, language: str, *, explicit: bool, now: datetime
) -> None:
    # One statement (added if new, as `ensure`, else updated): the engine runs it without a
    # savepoint of its own, so it must stay one.
    await conn.execute(
        "INSERT INTO person (pseudonym, created_at, language, language_explicit)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (pseudonym) DO UPDATE SET"
        " language = excluded.language, language_explicit = excluded.language_explicit",
        (pseudonym, now.isoformat(), language, int(explicit)),
    )


async def mark_notice_shown(conn: aiosqlite.Connection, pseudonym: str, now: datetime) -> None:
    await conn.execute(  # one statement: added if new (as `ensure`), else updated
        "INSERT INTO person (pseudonym, created_at, notice_shown_at) VALUES (?, ?, ?)"
        " ON CONFLICT (pseudonym) DO UPDATE SET notice_shown_at = excluded.notice_shown_at",
        (pseudonym, now.isoformat(), now.isoformat()),
    )


async def purge(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete people last shown the safety notice (or first seen) before ``before`` who have
    no tip linked to them, no subscription and no conversation; return how many."""
    cur = await conn.execute(
        "DELETE FROM person WHERE max(created_at, coalesce(notice_shown_at, created_at)) < ?"
        " AND pseudonym NOT IN (SELECT reporter FROM tip WHERE reporter IS NOT NULL)"
        " AND pseudonym NOT IN (SELECT person FROM broadcast_subscriber)"
        " AND pseudonym NOT IN (SELECT person FROM conversation)",
        (before.isoformat(),),
    )
    return cur.rowcount
