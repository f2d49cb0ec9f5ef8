"""Polls and private surveys: the schedule, where each poll was posted, responses while a
poll is open, counts once it has closed, anonymous survey answers and outcome follow-ups.

Privacy contract (what the tables can ever hold):

- ``poll_response``: a native poll response or ``!rösta`` while the poll is open, with the
  voter as a hash keyed by the poll's own random key. Deleted, with the key, at close.
- ``survey_voter``: who has answered a survey (same kind of keyed hash), in a table without
  row order, so it cannot be lined up with ``survey_submission``. Deleted at close.
- ``survey_submission``/``survey_answer``: the answers and the place the person chose; no
  person, no time. Aggregated into ``poll_count`` and deleted at close.
- ``survey_followup``: direct-chat room ids (never Matrix ids) that asked for the outcome.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import aiosqlite

PollKind = Literal["poll", "survey"]
PollState = Literal["scheduled", "open", "closed", "deleted"]
ALL_PLACES = ""
ANSWERED = "*"  # option id of the row that counts the people who answered a question
NO_PLACE = "-"  # a survey answer whose place the person did not give


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
class NewTarget:
    room_id: str
    locality: str | None
    area: str | None
    language: str


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


@dataclass(frozen=True)
class Target:
    id: int
    poll_id: int
    room_id: str
    locality: str | None
    area: str | None
    language: str
    start_event_id: str | None
    end_sent: bool
    outcome_sent: bool

    @property
    def place(self) -> str:
        """The place key results are grouped by: ``locality`` or ``locality/area``."""
        if not self.locality:
            return NO_PLACE
        return f"{self.locality}/{self.area}" if self.area else self.locality


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


def _target(row: aiosqlite.Row) -> Target:
    return Target(
        id=row["id"],
        poll_id=row["poll_id"],
        room_id=row["room_id"],
        locality=row["locality"],
        area=row["area"],
        language=row["language"],
        start_event_id=row["start_event_id"],
        end_sent=bool(row["end_sent"]),
        outcome_sent=bool(row["outcome_sent"]),
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


# ---- targets --------------------------------------------------------------------------


async def targets(conn: aiosqlite.Connection, poll_id: int) -> list[Target]:
    async with conn.execute(
        "SELECT * FROM poll_target WHERE poll_id = ? ORDER BY id", (poll_id,)
    ) as cur:
        return [_target(r) for r in await cur.fetchall()]


async def target_by_start(conn: aiosqlite.Connection, event_id: str) -> Target | None:
    async with conn.execute(
        "SELECT * FROM poll_target WHERE start_event_id = ?", (event_id,)
    ) as cur:
        row = await cur.fetchone()
    return _target(row) if row else None


async def open_starts(conn: aiosqlite.Connection) -> list[tuple[str, str]]:
    """(room id, start event id) of every open native poll: what to recover after a gap."""
    async with conn.execute(
        "SELECT t.room_id, t.start_event_id FROM poll_target t JOIN poll p ON p.id = t.poll_id"
        " WHERE p.state = 'open' AND t.start_event_id IS NOT NULL ORDER BY t.id"
    ) as cur:
        return [(r["room_id"], r["start_event_id"]) for r in await cur.fetchall()]


async def set_start_event(conn: aiosqlite.Connection, target_id: int, event_id: str) -> None:
    await conn.execute(
        "UPDATE poll_target SET start_event_id = ? WHERE id = ?", (event_id, target_id)
    )


async def mark_end_sent(conn: aiosqlite.Connection, target_id: int) -> None:
    await conn.execute("UPDATE poll_target SET end_sent = 1 WHERE id = ?", (target_id,))


async def mark_outcome_sent(conn: aiosqlite.Connection, target_id: int) -> None:
    await conn.execute("UPDATE poll_target SET outcome_sent = 1 WHERE id = ?", (target_id,))


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


# ---- private surveys ------------------------------------------------------------------


async def has_answered(conn: aiosqlite.Connection, poll_id: int, voter: str) -> bool:
    async with conn.execute(
        "SELECT 1 FROM survey_voter WHERE poll_id = ? AND voter = ?", (poll_id, voter)
    ) as cur:
        return await cur.fetchone() is not None


async def add_submission(
    conn: aiosqlite.Connection,
    poll_id: int,
    voter: str,
    place: str,
    answers: Mapping[str, Sequence[str]],
) -> bool:
    """Store one answer set, unless this voter has answered already (False)."""
    cur = await conn.execute(
        "INSERT INTO survey_voter (poll_id, voter) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (poll_id, voter),
    )
    if cur.rowcount != 1:
        return False
    cur = await conn.execute(
        "INSERT INTO survey_submission (poll_id, place) VALUES (?, ?)", (poll_id, place)
    )
    sub = int(cur.lastrowid or 0)
    await conn.executemany(
        "INSERT INTO survey_answer (submission_id, question, option_id) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [(sub, q, o) for q, opts in answers.items() for o in opts],
    )
    return True


async def survey_tally(conn: aiosqlite.Connection, poll_id: int) -> list[tuple[str, str, str]]:
    """(submission place, question, option) for every stored survey answer; the submission
    id is only used to count people per question (``ANSWERED`` rows)."""
    async with conn.execute(
        "SELECT s.id AS sub, s.place, a.question, a.option_id FROM survey_submission s"
        " JOIN survey_answer a ON a.submission_id = s.id WHERE s.poll_id = ?"
        " ORDER BY s.id",
        (poll_id,),
    ) as cur:
        rows = await cur.fetchall()
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[int, str]] = set()
    for r in rows:
        if (r["sub"], r["question"]) not in seen:
            seen.add((r["sub"], r["question"]))
            out.append((r["place"], r["question"], ANSWERED))
        out.append((r["place"], r["question"], r["option_id"]))
    return out


async def submission_count(conn: aiosqlite.Connection, poll_id: int) -> int:
    async with conn.execute(
        "SELECT count(*) AS n FROM survey_submission WHERE poll_id = ?", (poll_id,)
    ) as cur:
        row = await cur.fetchone()
    return int(row["n"]) if row else 0


async def add_followup(
    conn: aiosqlite.Connection, poll_id: int, room_id: str, language: str
) -> None:
    await conn.execute(
        "INSERT INTO survey_followup (poll_id, room_id, language) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (poll_id, room_id, language),
    )


async def take_followups(conn: aiosqlite.Connection, poll_id: int) -> list[tuple[str, str]]:
    """The direct chats waiting for the outcome, deleted as they are taken (claim first)."""
    async with conn.execute(
        "SELECT room_id, language FROM survey_followup WHERE poll_id = ?", (poll_id,)
    ) as cur:
        rows = [(r["room_id"], r["language"]) for r in await cur.fetchall()]
    await conn.execute("DELETE FROM survey_followup WHERE poll_id = ?", (poll_id,))
    return rows


async def purge(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete polls closed (or cancelled) before ``before``, with their rooms and counts;
    return how many polls."""
    cur = await conn.execute(
        "DELETE FROM poll WHERE state IN ('closed', 'deleted')"
        " AND coalesce(closed_at, closes_at) < ?",
        (before.isoformat(),),
    )
    return cur.rowcount


async def purge_followups(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete requests for a survey's outcome whose survey closed before ``before`` and whose
    outcome was never sent; return how many."""
    cur = await conn.execute(
        "DELETE FROM survey_followup WHERE poll_id IN (SELECT id FROM poll WHERE closes_at < ?)",
        (before.isoformat(),),
    )
    return cur.rowcount
