"""Tips: EST records, their short-lived text, relay links, cards, messages and audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import aiosqlite

State = Literal["new", "reviewed", "forwarded", "closed", "dismissed"]
Priority = Literal["high", "normal", "low"]
STATES: tuple[State, ...] = ("new", "reviewed", "forwarded", "closed", "dismissed")
PRIORITIES: tuple[Priority, ...] = ("high", "normal", "low")
OPEN_STATES: tuple[State, ...] = ("new", "reviewed", "forwarded")
TIME_BANDS = ("00-06", "06-12", "12-18", "18-24", "okand")


@dataclass(frozen=True)
class NewTip:
    code: str
    category: str
    locality: str
    area: str | None
    place_type: str
    occurred: date
    time_band: str
    language: str
    reporter: str
    text: str
    created_at: datetime
    text_delete_after: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Tip:
    id: int
    code: str
    category: str
    locality: str
    area: str | None
    place_type: str
    occurred_date: str
    weekday: int
    time_band: str
    language: str
    state: State
    priority: Priority
    public_note: str | None
    assignee: str | None
    reporter: str | None
    created_at: datetime
    text: str | None


@dataclass(frozen=True)
class Relay:
    tip_id: int
    room_id: str
    expires_at: datetime


@dataclass(frozen=True)
class TipMessage:
    direction: str
    body: str
    author: str | None
    created_at: datetime


_SELECT = """
    SELECT tip.id, code, category, locality, area, place_type, occurred_date, weekday,
           time_band, language, state, priority, public_note, assignee, reporter, created_at,
           tip_text.body AS text
    FROM tip LEFT JOIN tip_text ON tip_text.tip_id = tip.id
"""


def _tip(row: aiosqlite.Row) -> Tip:
    return Tip(
        id=row["id"],
        code=row["code"],
        category=row["category"],
        locality=row["locality"],
        area=row["area"],
        place_type=row["place_type"],
        occurred_date=row["occurred_date"],
        weekday=row["weekday"],
        time_band=row["time_band"],
        language=row["language"],
        state=row["state"],
        priority=row["priority"],
        public_note=row["public_note"],
        assignee=row["assignee"],
        reporter=row["reporter"],
        created_at=datetime.fromisoformat(row["created_at"]),
        text=row["text"],
    )


async def code_exists(conn: aiosqlite.Connection, code: str) -> bool:
    async with conn.execute("SELECT 1 FROM tip WHERE code = ?", (code,)) as cur:
        return await cur.fetchone() is not None


async def insert(conn: aiosqlite.Connection, tip: NewTip) -> int:
    iso = tip.occurred.isocalendar()
    cur = await conn.execute(
        """
        INSERT INTO tip (code, category, locality, area, place_type, occurred_date, weekday,
                         time_band, iso_week, language, reporter, created_at, updated_at,
                         expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            tip.code,
            tip.category,
            tip.locality,
            tip.area,
            tip.place_type,
            tip.occurred.isoformat(),
            tip.occurred.isoweekday(),
            tip.time_band,
            f"{iso.year}-W{iso.week:02d}",
            tip.language,
            tip.reporter,
            tip.created_at.isoformat(),
            tip.created_at.isoformat(),
            tip.expires_at.isoformat(),
        ),
    )
    tip_id = cur.lastrowid
    assert tip_id is not None
    await conn.execute(
        "INSERT INTO tip_text (tip_id, body, delete_after) VALUES (?, ?, ?)",
        (tip_id, tip.text, tip.text_delete_after.isoformat()),
    )
    return tip_id


async def by_code(conn: aiosqlite.Connection, code: str) -> Tip | None:
    async with conn.execute(_SELECT + " WHERE code = ?", (code,)) as cur:
        row = await cur.fetchone()
    return _tip(row) if row else None


async def by_id(conn: aiosqlite.Connection, tip_id: int) -> Tip | None:
    async with conn.execute(_SELECT + " WHERE tip.id = ?", (tip_id,)) as cur:
        row = await cur.fetchone()
    return _tip(row) if row else None


async def by_reporter(conn: aiosqlite.Connection, reporter: str, limit: int = 20) -> list[Tip]:
    async with conn.execute(
        _SELECT + " WHERE reporter = ? ORDER BY tip.id DESC LIMIT ?", (reporter, limit)
    ) as cur:
        return [_tip(r) for r in await cur.fetchall()]


async def count_since(conn: aiosqlite.Connection, reporter: str, since: datetime) -> int:
    async with conn.execute(
        "SELECT count(*) FROM tip WHERE reporter = ? AND created_at >= ?",
        (reporter, since.isoformat()),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def queue(
    conn: aiosqlite.Connection,
    *,
    states: tuple[str, ...] = OPEN_STATES,
    priority: str | None = None,
    category: str | None = None,
    locality: str | None = None,
    limit: int = 20,
) -> tuple[list[Tip], int]:
    """Tips in ``states`` (optionally filtered), highest priority and oldest first, and the
    total number matching."""
    where = [f"state IN ({','.join('?' * len(states))})"]
    params: list[object] = list(states)
    for column, value in (("priority", priority), ("category", category), ("locality", locality)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    clause = " WHERE " + " AND ".join(where)
    order = " ORDER BY CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, tip.id"
    async with conn.execute(_SELECT + clause + order + " LIMIT ?", (*params, limit)) as cur:
        rows = [_tip(r) for r in await cur.fetchall()]
    async with conn.execute("SELECT count(*) FROM tip" + clause, params) as cur:
        total_row = await cur.fetchone()
    return rows, int(total_row[0]) if total_row else 0


async def related_codes(
    conn: aiosqlite.Connection, tip: Tip, since: date, until: date, limit: int = 5
) -> list[str]:
    async with conn.execute(
        """
        SELECT code FROM tip
        WHERE category = ? AND locality = ? AND occurred_date BETWEEN ? AND ? AND id != ?
        ORDER BY id DESC LIMIT ?
        """,
        (tip.category, tip.locality, since.isoformat(), until.isoformat(), tip.id, limit),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def update(
    conn: aiosqlite.Connection, tip_id: int, now: datetime, **values: str | None
) -> None:
    allowed = {"state", "priority", "public_note", "assignee"}
    if not values or set(values) - allowed:
        raise ValueError(f"cannot update {sorted(values)}")
    sets = ", ".join(f"{k} = ?" for k in values)
    await conn.execute(
        f"UPDATE tip SET {sets}, updated_at = ? WHERE id = ?",
        (*values.values(), now.isoformat(), tip_id),
    )


async def audit(
    conn: aiosqlite.Connection,
    tip_id: int | None,
    actor: str,
    action: str,
    detail: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO audit (tip_id, actor, action, detail, created_at) VALUES (?, ?, ?, ?, ?)",
        (tip_id, actor, action, detail, now.isoformat()),
    )


async def audit_log(
    conn: aiosqlite.Connection, tip_id: int
) -> list[tuple[str, str, str | None, str]]:
    async with conn.execute(
        "SELECT actor, action, detail, created_at FROM audit WHERE tip_id = ? ORDER BY id",
        (tip_id,),
    ) as cur:
        return [(r[0], r[1], r[2], r[3]) for r in await cur.fetchall()]


async def add_message(
    conn: aiosqlite.Connection,
    tip_id: int,
    direction: str,
    body: str,
    author: str | None,
    now: datetime,
    delete_after: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO tip_message (tip_id, direction, body, author, created_at, delete_after)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (tip_id, direction, body, author, now.isoformat(), delete_after.isoformat()),
    )


async def messages(conn: aiosqlite.Connection, tip_id: int) -> list[TipMessage]:
    async with conn.execute(
        "SELECT direction, body, author, created_at FROM tip_message WHERE tip_id = ? ORDER BY id",
        (tip_id,),
    ) as cur:
        return [
            TipMessage(r[0], r[1], r[2], datetime.fromisoformat(r[3])) for r in await cur.fetchall()
        ]


async def set_relay(conn: aiosqlite.Connection, relay: Relay) -> None:
    await conn.execute(
        "INSERT INTO relay (tip_id, room_id, expires_at) VALUES (?, ?, ?)"
        " ON CONFLICT (tip_id) DO UPDATE SET room_id = excluded.room_id,"
        " expires_at = excluded.expires_at",
        (relay.tip_id, relay.room_id, relay.expires_at.isoformat()),
    )


async def get_relay(conn: aiosqlite.Connection, tip_id: int, now: datetime) -> Relay | None:
    async with conn.execute(
        "SELECT tip_id, room_id, expires_at FROM relay WHERE tip_id = ? AND expires_at > ?",
        (tip_id, now.isoformat()),
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        return None
    return Relay(row[0], row[1], datetime.fromisoformat(row[2]))


async def set_card(conn: aiosqlite.Connection, tip_id: int, room_id: str, event_id: str) -> None:
    await conn.execute(
        "INSERT INTO tip_card (tip_id, room_id, event_id) VALUES (?, ?, ?)"
        " ON CONFLICT (tip_id) DO NOTHING",
        (tip_id, room_id, event_id),
    )


async def card_of(conn: aiosqlite.Connection, tip_id: int) -> tuple[str, str] | None:
    async with conn.execute(
        "SELECT room_id, event_id FROM tip_card WHERE tip_id = ?", (tip_id,)
    ) as cur:
        row = await cur.fetchone()
    return (row[0], row[1]) if row else None


async def tip_by_card(conn: aiosqlite.Connection, event_id: str) -> Tip | None:
    async with conn.execute("SELECT tip_id FROM tip_card WHERE event_id = ?", (event_id,)) as cur:
        row = await cur.fetchone()
    return await by_id(conn, row[0]) if row else None


async def without_card(conn: aiosqlite.Connection, limit: int = 50) -> list[Tip]:
    async with conn.execute(
        _SELECT + " WHERE tip.id NOT IN (SELECT tip_id FROM tip_card) ORDER BY tip.id LIMIT ?",
        (limit,),
    ) as cur:
        return [_tip(r) for r in await cur.fetchall()]


async def forget_reporter(
    conn: aiosqlite.Connection, reporter: str, now: datetime, *, erase_text: bool = True
) -> int:
    """Erase the text, answers and relay links of a reporter's tips and unlink them; the
    records without text stay. With ``erase_text`` False (no retention decision: the texts
    are public records that may not yet be deleted) only the relay links and the link to
    the reporter go. Returns the number of tips affected."""
    async with conn.execute("SELECT id FROM tip WHERE reporter = ?", (reporter,)) as cur:
        ids = [r[0] for r in await cur.fetchall()]
    for tip_id in ids:
        if erase_text:
            await conn.execute("DELETE FROM tip_text WHERE tip_id = ?", (tip_id,))
            await conn.execute(
                "DELETE FROM tip_message WHERE tip_id = ? AND direction = 'answer'", (tip_id,)
            )
        await conn.execute("DELETE FROM relay WHERE tip_id = ?", (tip_id,))
        await conn.execute(
            "UPDATE tip SET reporter = NULL, updated_at = ? WHERE id = ?", (now.isoformat(), tip_id)
        )
    return len(ids)


@dataclass(frozen=True)
class Purged:
    texts: int
    messages: int
    relays: int
    records: int
    audit: int = 0


async def purge(
    conn: aiosqlite.Connection, now: datetime, *, records: bool = True, audit_before: datetime
) -> Purged:
    """Delete everything past its retention time. Relay links always; with ``records``
    False (no retention decision recorded) the public records (texts, messages, tips and
    their audit trail) are kept. Audit rows of no tip (records requests for a period) go
    when written before ``audit_before``."""
    stamp = now.isoformat()
    relays = (await conn.execute("DELETE FROM relay WHERE expires_at <= ?", (stamp,))).rowcount
    if not records:
        return Purged(0, 0, relays, 0)
    texts = (await conn.execute("DELETE FROM tip_text WHERE delete_after <= ?", (stamp,))).rowcount
    msgs = (
        await conn.execute("DELETE FROM tip_message WHERE delete_after <= ?", (stamp,))
    ).rowcount
    tips_gone = (await conn.execute("DELETE FROM tip WHERE expires_at <= ?", (stamp,))).rowcount
    audit = (
        await conn.execute(
            "DELETE FROM audit WHERE tip_id IS NULL AND created_at < ?",
            (audit_before.isoformat(),),
        )
    ).rowcount
    return Purged(texts, msgs, relays, tips_gone, audit)


# ---- what the kommun holds (records requests) --------------------------------------------

Row = dict[str, object]


@dataclass(frozen=True)
class Held:
    """Every stored row about one tip, every column, as stored (``tryggbot records-request``)."""

    tip: Row
    text: Row | None
    relay: Row | None
    card: Row | None
    messages: list[Row]
    audit: list[Row]


async def _rows(conn: aiosqlite.Connection, sql: str, args: tuple[object, ...]) -> list[Row]:
    async with conn.execute(sql, args) as cur:
        names = [d[0] for d in cur.description]
        return [dict(zip(names, tuple(r), strict=True)) for r in await cur.fetchall()]


async def held(conn: aiosqlite.Connection, tip_id: int) -> Held | None:
    found = await _rows(conn, "SELECT * FROM tip WHERE id = ?", (tip_id,))
    if not found:
        return None
    text = await _rows(conn, "SELECT * FROM tip_text WHERE tip_id = ?", (tip_id,))
    relay = await _rows(conn, "SELECT * FROM relay WHERE tip_id = ?", (tip_id,))
    card = await _rows(conn, "SELECT * FROM tip_card WHERE tip_id = ?", (tip_id,))
    return Held(
        found[0],
        text[0] if text else None,
        relay[0] if relay else None,
        card[0] if card else None,
        await _rows(conn, "SELECT * FROM tip_message WHERE tip_id = ? ORDER BY id", (tip_id,)),
        await _rows(conn, "SELECT * FROM audit WHERE tip_id = ? ORDER BY id", (tip_id,)),
    )


async def ids_received(conn: aiosqlite.Connection, start: datetime, end: datetime) -> list[int]:
    """Ids of the tips received from ``start`` (included) to ``end`` (excluded)."""
    async with conn.execute(
        "SELECT id FROM tip WHERE created_at >= ? AND created_at < ? ORDER BY id",
        (start.isoformat(), end.isoformat()),
    ) as cur:
        return [int(r[0]) for r in await cur.fetchall()]
