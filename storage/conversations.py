"""Persisted guided conversations (one per room and person, both keyed hashes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite


@dataclass(frozen=True)
class ConversationRow:
    room_key: str
    person: str
    flow: str
    step: str
    history: tuple[str, ...]
    data: dict[str, Any]
    token: str
    language: str
    expires_at: datetime


async def get(conn: aiosqlite.Connection, room_key: str, person: str) -> ConversationRow | None:
    found = list(
        await conn.execute_fetchall(
            "SELECT room_key, person, flow, step, history, data, token, language, expires_at"
            " FROM conversation WHERE room_key = ? AND person = ?",
            (room_key, person),
        )
    )
    row = found[0] if found else None
    if row is None:
        return None
    # Raises ValueError/TypeError if the stored JSON or timestamps are corrupt.
    return ConversationRow(
        room_key=row["room_key"],
        person=row["person"],
        flow=row["flow"],
        step=row["step"],
        history=tuple(json.loads(row["history"])),
        data=dict(json.loads(row["data"])),
        token=row["token"],
        language=row["language"],
        expires_at=datetime.fromisoformat(row["expires_at"]),
    )


async def exists(conn: aiosqlite.Connection, room_key: str, person: str) -> bool:
    sql = "SELECT 1 FROM conversation WHERE room_key = ? AND person = ?"
    return bool(await conn.execute_fetchall(sql, (room_key, person)))


async def save(conn: aiosqlite.Connection, row: ConversationRow, now: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO conversation (room_key, person, flow, step, history, data, token, language,
                                  started_at, updated_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (room_key, person) DO UPDATE SET flow = excluded.flow, step = excluded.step,
            history = excluded.history, data = excluded.data, token = excluded.token,
            language = excluded.language, updated_at = excluded.updated_at,
            expires_at = excluded.expires_at
        """,
        (
            row.room_key,
            row.person,
            row.flow,
            row.step,
            json.dumps(list(row.history)),
            json.dumps(row.data, ensure_ascii=False),
            row.token,
            row.language,
            now.isoformat(),
            now.isoformat(),
            row.expires_at.isoformat(),
        ),
    )


async def delete(conn: aiosqlite.Connection, room_key: str, person: str) -> None:
    await conn.execute(
        "DELETE FROM conversation WHERE room_key = ? AND person = ?", (room_key, person)
    )


async def delete_for_person(conn: aiosqlite.Connection, person: str) -> int:
    cur = await conn.execute("DELETE FROM conversation WHERE person = ?", (person,))
    return cur.rowcount


async def delete_expired(conn: aiosqlite.Connection, now: datetime) -> int:
    cur = await conn.execute("DELETE FROM conversation WHERE expires_at <= ?", (now.isoformat(),))
    return cur.rowcount


async def complete(conn: aiosqlite.Connection, token: str, flow: str, now: datetime) -> bool:
    """Record completion of ``token``; False if it was already completed."""
    cur = await conn.execute(
        "INSERT INTO completion (token, flow, completed_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (token, flow, now.isoformat()),
    )
    return cur.rowcount == 1


async def purge_completions(conn: aiosqlite.Connection, before: datetime) -> int:
    """Forget tokens of conversations finished before ``before``; return how many."""
    cur = await conn.execute("DELETE FROM completion WHERE completed_at < ?", (before.isoformat(),))
    return cur.rowcount
