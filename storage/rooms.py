"""Rooms the bot knows: direct chats, the moderation room, neighbourhood rooms."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import aiosqlite

from config.settings import Settings

RoomKind = Literal["direct", "moderation", "neighbourhood", "other"]


@dataclass(frozen=True)
class RoomInfo:
    room_id: str
    kind: RoomKind
    locality: str | None = None
    area: str | None = None
    language: str | None = None
    encrypted: bool = False


async def get(conn: aiosqlite.Connection, room_id: str) -> RoomInfo | None:
    found = list(
        await conn.execute_fetchall(
            "SELECT room_id, kind, locality, area, language, encrypted FROM room WHERE room_id = ?",
            (room_id,),
        )
    )
    return from_row(found[0]) if found else None


def from_row(row: sqlite3.Row | Mapping[str, Any]) -> RoomInfo:
    """A ``room`` row (room_id, kind, locality, area, language, encrypted)."""
    return RoomInfo(
        room_id=row["room_id"],
        kind=row["kind"],
        locality=row["locality"],
        area=row["area"],
        language=row["language"],
        encrypted=bool(row["encrypted"]),
    )


async def upsert(conn: aiosqlite.Connection, info: RoomInfo, now: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO room (room_id, kind, locality, area, language, encrypted, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (room_id) DO UPDATE SET kind = excluded.kind, locality = excluded.locality,
            area = excluded.area, language = excluded.language, encrypted = excluded.encrypted,
            updated_at = excluded.updated_at
        """,
        (
            info.room_id,
            info.kind,
            info.locality,
            info.area,
            info.language,
            int(info.encrypted),
            now.isoformat(),
        ),
    )


async def by_kind(conn: aiosqlite.Connection, kind: RoomKind) -> list[RoomInfo]:
    async with conn.execute("SELECT room_id FROM room WHERE kind = ? ORDER BY id", (kind,)) as cur:
        ids = [r["room_id"] for r in await cur.fetchall()]
    out = []
    for rid in ids:
        info = await get(conn, rid)
        if info is not None:
            out.append(info)
    return out


async def ids_of_kind(conn: aiosqlite.Connection, kind: RoomKind) -> list[str]:
    """Room ids of one kind, in one query (the bot may be in thousands of direct chats)."""
    rows = await conn.execute_fetchall(
        "SELECT room_id FROM room WHERE kind = ? ORDER BY id", (kind,)
    )
    return [str(r["room_id"]) for r in rows]


async def moderation_room(conn: aiosqlite.Connection, settings: Settings) -> str | None:
    """The moderation room's id: the one registered in the room table, else
    ``matrix.moderation_room`` if it is a room id (not an alias)."""
    found = await by_kind(conn, "moderation")
    if found:
        return found[0].room_id
    configured = settings.matrix.moderation_room
    return configured if configured and configured.startswith("!") else None
