"""Private surveys: who has answered (without row order), the anonymous answers, and the
requests for the outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import aiosqlite

from .keys import ANSWERED

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


async def purge_followups(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete requests for a survey's outcome whose survey closed before ``before`` and whose
    outcome was never sent; return how many."""
    cur = await conn.execute(
        "DELETE FROM survey_followup WHERE poll_id IN (SELECT id FROM poll WHERE closes_at < ?)",
        (before.isoformat(),),
    )
    return cur.rowcount
