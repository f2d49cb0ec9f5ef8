"""The poll itself: creating and scheduling it, opening and closing, results and outcome,
and deleting polls closed long ago."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import aiosqlite

from .posts import NewTarget

PollKind = Literal["poll", "survey"]
PollState = Literal["scheduled", "open", "closed", "deleted"]


@dataclass(frozen=True)
class NewPoll:
    kind: PollKind
    content: Mapping[str, Any]
    disclosed: bool
    opens_at: datetime
    closes_at: datetime
    created_by: str
    created_at: datetime
    template: str | None = None


@dataclass(frozen=True)
class Poll:
    id: int
    kind: PollKind
    template: str | None
    content: Mapping[str, Any]
    disclosed: bool
    state: PollState
    opens_at: datetime
    closes_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    voter_key: str | None
    created_at: datetime
    results_posted: bool
    outcome: str | None
    outcome_at: datetime | None
    outcome_posted: bool


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _poll(row: aiosqlite.Row) -> Poll:
    return Poll(
        id=row["id"],
        kind=row["kind"],
        template=row["template"],
        content=json.loads(row["content"]),
        disclosed=bool(row["disclosed"]),
        state=row["state"],
        opens_at=datetime.fromisoformat(row["opens_at"]),
        closes_at=datetime.fromisoformat(row["closes_at"]),
        opened_at=_dt(row["opened_at"]),
        closed_at=_dt(row["closed_at"]),
        voter_key=row["voter_key"],
        created_at=datetime.fromisoformat(row["created_at"]),
        results_posted=bool(row["results_posted"]),
        outcome=row["outcome"],
        outcome_at=_dt(row["outcome_at"]),
        outcome_posted=bool(row["outcome_posted"]),
    )


# ---- polls ----------------------------------------------------------------------------


async def insert(conn: aiosqlite.Connection, poll: NewPoll, targets: Sequence[NewTarget]) -> int:
    cur = await conn.execute(
        "INSERT INTO poll (kind, template, content, disclosed, opens_at, closes_at, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            poll.kind,
            poll.template,
            json.dumps(poll.content, ensure_ascii=False),
            int(poll.disclosed),
            poll.opens_at.isoformat(),
            poll.closes_at.isoformat(),
            poll.created_by,
            poll.created_at.isoformat(),
        ),
    )
    poll_id = int(cur.lastrowid or 0)
    for t in targets:
        await conn.execute(
            "INSERT INTO poll_target (poll_id, room_id, locality, area, language)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (poll_id, room_id) DO NOTHING",
            (poll_id, t.room_id, t.locality, t.area, t.language),
        )
    return poll_id


async def get(conn: aiosqlite.Connection, poll_id: int) -> Poll | None:
    async with conn.execute("SELECT * FROM poll WHERE id = ?", (poll_id,)) as cur:
        row = await cur.fetchone()
    return _poll(row) if row else None


async def listing(
    conn: aiosqlite.Connection, states: Iterable[PollState], limit: int = 30
) -> list[Poll]:
    wanted = tuple(states)
    marks = ",".join("?" * len(wanted))
    async with conn.execute(
        f"SELECT * FROM poll WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
        (*wanted, limit),
    ) as cur:
        return [_poll(r) for r in await cur.fetchall()]


async def due_to_open(conn: aiosqlite.Connection, now: datetime) -> list[int]:
    async with conn.execute(
        "SELECT id FROM poll WHERE state = 'scheduled' AND opens_at <= ? ORDER BY id",
        (now.isoformat(),),
    ) as cur:
        return [int(r["id"]) for r in await cur.fetchall()]


async def due_to_close(conn: aiosqlite.Connection, now: datetime) -> list[int]:
    async with conn.execute(
        "SELECT id FROM poll WHERE state = 'open' AND closes_at <= ? ORDER BY id",
        (now.isoformat(),),
    ) as cur:
        return [int(r["id"]) for r in await cur.fetchall()]


async def unfinished(conn: aiosqlite.Connection) -> list[int]:
    """Polls with something still to send: a start (or a survey's announcement), an end,
    the results or an outcome."""
    async with conn.execute(
        """
        SELECT DISTINCT p.id FROM poll p LEFT JOIN poll_target t ON t.poll_id = p.id
        WHERE (p.state = 'open' AND t.id IS NOT NULL AND t.start_event_id IS NULL)
           OR (p.state = 'closed' AND (p.results_posted = 0
               OR (p.kind = 'poll' AND t.id IS NOT NULL AND t.end_sent = 0
                   AND t.start_event_id IS NOT NULL)))
           OR (p.outcome IS NOT NULL AND (p.outcome_posted = 0
               OR (t.id IS NOT NULL AND t.outcome_sent = 0)))
        ORDER BY p.id
        """
    ) as cur:
        return [int(r["id"]) for r in await cur.fetchall()]


async def open_poll(conn: aiosqlite.Connection, poll_id: int, now: datetime, key: str) -> bool:
    """scheduled -> open, with a fresh voter key; False if it was not scheduled."""
    cur = await conn.execute(
        "UPDATE poll SET state = 'open', opened_at = ?, voter_key = ?"
        " WHERE id = ? AND state = 'scheduled'",
        (now.isoformat(), key, poll_id),
    )
    return cur.rowcount == 1


async def close_poll(conn: aiosqlite.Connection, poll_id: int, now: datetime) -> bool:
    """open -> closed: forget the voter key, every response and every voter hash. The caller
    has written the counts in the same transaction. False if it was not open."""
    cur = await conn.execute(
        "UPDATE poll SET state = 'closed', closed_at = ?, voter_key = NULL"
        " WHERE id = ? AND state = 'open'",
        (now.isoformat(), poll_id),
    )
    if cur.rowcount != 1:
        return False
    await conn.execute("DELETE FROM poll_response WHERE poll_id = ?", (poll_id,))
    await conn.execute("DELETE FROM survey_voter WHERE poll_id = ?", (poll_id,))
    await conn.execute("DELETE FROM survey_submission WHERE poll_id = ?", (poll_id,))
    return True


async def delete_scheduled(conn: aiosqlite.Connection, poll_id: int) -> bool:
    cur = await conn.execute(
        "UPDATE poll SET state = 'deleted' WHERE id = ? AND state = 'scheduled'", (poll_id,)
    )
    return cur.rowcount == 1


async def set_closes_at(conn: aiosqlite.Connection, poll_id: int, when: datetime) -> None:
    await conn.execute(
        "UPDATE poll SET closes_at = max(opens_at, ?) WHERE id = ? AND state = 'open'",
        (when.isoformat(), poll_id),
    )


async def mark_results_posted(conn: aiosqlite.Connection, poll_id: int) -> bool:
    cur = await conn.execute(
        "UPDATE poll SET results_posted = 1 WHERE id = ? AND results_posted = 0", (poll_id,)
    )
    return cur.rowcount == 1


async def set_outcome(conn: aiosqlite.Connection, poll_id: int, text: str, now: datetime) -> None:
    """Record (or replace) the outcome; it is posted again to every room."""
    await conn.execute(
        "UPDATE poll SET outcome = ?, outcome_at = ?, outcome_posted = 0 WHERE id = ?",
        (text, now.isoformat(), poll_id),
    )
    await conn.execute("UPDATE poll_target SET outcome_sent = 0 WHERE poll_id = ?", (poll_id,))


async def mark_outcome_posted(conn: aiosqlite.Connection, poll_id: int) -> bool:
    cur = await conn.execute(
        "UPDATE poll SET outcome_posted = 1 WHERE id = ? AND outcome_posted = 0", (poll_id,)
    )
    return cur.rowcount == 1


async def purge(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete polls closed (or cancelled) before ``before``, with their rooms and counts;
    return how many polls."""
    cur = await conn.execute(
        "DELETE FROM poll WHERE state IN ('closed', 'deleted')"
        " AND coalesce(closed_at, closes_at) < ?",
        (before.isoformat(),),
    )
    return cur.rowcount
