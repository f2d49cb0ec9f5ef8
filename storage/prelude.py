"""What the engine reads at the start of every message, in one statement: whether the event
was handled before, the sender's row (language, when the safety notice was shown), the
room's row, and whether the sender has a conversation going in that room.

Each is a small indexed lookup; asked together they cost one round trip to the database
thread instead of four, inside the unit of work that handles the message."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage import people, rooms

_SQL = """
SELECT
    EXISTS (SELECT 1 FROM handled_event WHERE event_id = :event) AS handled,
    EXISTS (SELECT 1 FROM conversation WHERE room_key = :room_key AND person = :person)
        AS talking,
    p.pseudonym AS pseudonym, p.language AS language,
    p.language_explicit AS language_explicit, p.notice_shown_at AS notice_shown_at,
    r.room_id AS room_id, r.kind AS kind, r.locality AS locality, r.area AS area,
    r.language AS room_language, r.encrypted AS encrypted
FROM (SELECT 1) AS one
LEFT JOIN person AS p ON p.pseudonym = :person
LEFT JOIN room AS r ON r.room_id = :room
"""


@dataclass(frozen=True)
class Start:
    handled: bool
    person: people.Person | None
    room: rooms.RoomInfo | None
    talking: bool


async def read(
    conn: aiosqlite.Connection, *, event_id: str, person: str, room_id: str, room_key: str
) -> Start:
    found = list(
        await conn.execute_fetchall(
            _SQL, {"event": event_id, "person": person, "room": room_id, "room_key": room_key}
        )
    )
    row = found[0]
    stored = people.from_row(row) if row["pseudonym"] is not None else None
    room = None
    if row["room_id"] is not None:
        room = rooms.from_row({**dict(row), "language": row["room_language"]})
    return Start(
        handled=bool(row["handled"]), person=stored, room=room, talking=bool(row["talking"])
    )
