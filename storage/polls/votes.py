"""Responses while a poll is open (native polls and ``!rösta``, voters as keyed hashes) and
the counts kept once it has closed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiosqlite

from .keys import NO_PLACE
from .posts import Target


@dataclass(frozen=True)
class Response:
    """One stored response. ``answers`` is None for a redacted response."""

    event_id: str
    voter: str
    sent_ms: int
    answers: tuple[str, ...] | None
    place: str


@dataclass(frozen=True)
class Count:
    question: str
    place: str
    option_id: str
    n: int


# ---- responses (native polls and !rösta) ----------------------------------------------


async def add_response(
    conn: aiosqlite.Connection,
    target: Target,
    event_id: str,
    voter: str,
    sent_ms: int,
    answers: Sequence[str] | None,
) -> bool:
    """Store a response once (by event id); False if it was stored before."""
    cur = await conn.execute(
        "INSERT INTO poll_response (poll_id, target_id, event_id, voter, sent_ms, answers,"
        " redacted) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
        (
            target.poll_id,
            target.id,
            event_id,
            voter,
            sent_ms,
            None if answers is None else json.dumps(list(answers)),
            int(answers is None),
        ),
    )
    return cur.rowcount == 1


async def add_responses(
    conn: aiosqlite.Connection,
    rows: Sequence[tuple[Target, str, str, int, Sequence[str] | None]],
) -> None:
    """`add_response` for many (target, event id, voter, sent_ms, answers) at once."""
    await conn.executemany(
        "INSERT INTO poll_response (poll_id, target_id, event_id, voter, sent_ms, answers,"
        " redacted) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
        [
            (t.poll_id, t.id, e, v, ms, None if a is None else json.dumps(list(a)), int(a is None))
            for t, e, v, ms, a in rows
        ],
    )


async def redact_responses(conn: aiosqlite.Connection, event_ids: Sequence[str]) -> int:
    """Mark stored responses as redacted; return how many were not already."""
    if not event_ids:
        return 0
    before = conn.total_changes
    await conn.executemany(
        "UPDATE poll_response SET redacted = 1, answers = NULL WHERE event_id = ? AND redacted = 0",
        [(e,) for e in event_ids],
    )
    return conn.total_changes - before


async def redact_response(conn: aiosqlite.Connection, event_id: str) -> bool:
    cur = await conn.execute(
        "UPDATE poll_response SET redacted = 1, answers = NULL WHERE event_id = ?", (event_id,)
    )
    return cur.rowcount == 1


async def responses(conn: aiosqlite.Connection, poll_id: int) -> list[Response]:
    async with conn.execute(
        "SELECT r.event_id, r.voter, r.sent_ms, r.answers, r.redacted, t.locality, t.area"
        " FROM poll_response r JOIN poll_target t ON t.id = r.target_id"
        " WHERE r.poll_id = ? ORDER BY r.sent_ms, r.event_id",
        (poll_id,),
    ) as cur:
        rows = await cur.fetchall()
    out = []
    for r in rows:
        place = NO_PLACE
        if r["locality"]:
            place = f"{r['locality']}/{r['area']}" if r["area"] else r["locality"]
        answers = None
        if not r["redacted"] and r["answers"] is not None:
            answers = tuple(str(a) for a in json.loads(r["answers"]))
        out.append(Response(r["event_id"], r["voter"], int(r["sent_ms"]), answers, place))
    return out


async def response_count(conn: aiosqlite.Connection, poll_id: int) -> int:
    async with conn.execute(
        "SELECT count(*) AS n FROM poll_response WHERE poll_id = ?", (poll_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row["n"]) if row else 0


# ---- counts ---------------------------------------------------------------------------


async def write_counts(conn: aiosqlite.Connection, poll_id: int, rows: Iterable[Count]) -> None:
    await conn.execute("DELETE FROM poll_count WHERE poll_id = ?", (poll_id,))
    await conn.executemany(
        "INSERT INTO poll_count (poll_id, question, place, option_id, n) VALUES (?, ?, ?, ?, ?)",
        [(poll_id, c.question, c.place, c.option_id, c.n) for c in rows],
    )


async def counts(conn: aiosqlite.Connection, poll_id: int) -> list[Count]:
    async with conn.execute(
        "SELECT question, place, option_id, n FROM poll_count WHERE poll_id = ?"
        " ORDER BY question, place, option_id",
        (poll_id,),
    ) as cur:
        return [
            Count(r["question"], r["place"], r["option_id"], int(r["n"]))
            for r in await cur.fetchall()
        ]
