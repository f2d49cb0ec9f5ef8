"""Small named values (the Matrix sync token, the time of the last sync, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite


@dataclass(frozen=True)
class Entry:
    key: str
    value: str
    updated_at: datetime


async def get_entry(conn: aiosqlite.Connection, key: str) -> Entry | None:
    async with conn.execute("SELECT key, value, updated_at FROM kv WHERE key = ?", (key,)) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Entry(row["key"], row["value"], datetime.fromisoformat(row["updated_at"]))


async def get(conn: aiosqlite.Connection, key: str) -> str | None:
    entry = await get_entry(conn, key)
    return entry.value if entry else None


async def put(conn: aiosqlite.Connection, key: str, value: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, value, now.isoformat()),
    )


async def put_many(conn: aiosqlite.Connection, values: dict[str, str], now: datetime) -> None:
    """`put` for several keys in one statement (one round trip)."""
    if not values:
        return
    rows = ", ".join("(?, ?, ?)" for _ in values)
    params = [p for key, value in values.items() for p in (key, value, now.isoformat())]
    await conn.execute(
        f"INSERT INTO kv (key, value, updated_at) VALUES {rows}"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params,
    )


async def delete(conn: aiosqlite.Connection, key: str) -> None:
    await conn.execute("DELETE FROM kv WHERE key = ?", (key,))


NOTICE_PREFIXES = ("matrix.encrypted_notice.", "matrix.undecryptable_notice.")
"""Keys that remember a reminder given to a person or a room (they hold a keyed hash).
``notice_lang/<pseudonym>`` (bot.engine) goes with the person's row instead."""


async def purge_notices(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete reminder keys written before ``before``, and the safety-notice language of
    people who are no longer in the ``person`` table; return how many."""
    deleted = 0
    for prefix in NOTICE_PREFIXES:
        pattern = prefix.replace("_", "\\_") + "%"
        cur = await conn.execute(
            "DELETE FROM kv WHERE key LIKE ? ESCAPE '\\' AND updated_at < ?",
            (pattern, before.isoformat()),
        )
        deleted += cur.rowcount
    cur = await conn.execute(
        "DELETE FROM kv WHERE key LIKE 'notice\\_lang/%' ESCAPE '\\'"
        " AND substr(key, 13) NOT IN (SELECT pseudonym FROM person)"
    )
    return deleted + cur.rowcount
