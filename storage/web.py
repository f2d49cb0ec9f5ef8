"""Replies waiting for web pages, numbered per session.

Contract:

- `store` adds one reply for a session inside the caller's transaction and returns its
  sequence number. The same ``txn_id`` twice (an outbox resend after a crash) returns the
  sequence given the first time and stores nothing: a page never sees a reply twice.
- `store_with_reply` adds several replies of one session at once (the web chat stores a
  handler's replies in the handler's own transaction), unless a reply for the session's room
  still waits in the outbox or one of them was stored before: then it stores nothing and
  returns None, and the caller sends them through the outbox instead.
- `after` returns a session's replies with a sequence above ``seq``, oldest first: what a
  reconnecting page missed.
- `last_seq` is the sequence of the session's latest reply (0 if none).
- `forget` removes a session and its replies; `purge` removes replies past ``expires_at``
  and sessions with nothing left that have been idle since before ``idle_before``.

``payload`` is opaque text (the caller seals it); no address or secret of the page is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite


@dataclass(frozen=True)
class WebReply:
    seq: int
    payload: str


async def store(
    conn: aiosqlite.Connection,
    session: str,
    txn_id: str,
    payload: str,
    now: datetime,
    expires_at: datetime,
) -> int:
    # Two round trips to the database thread in the usual case: the counter is advanced
    # only if this txn_id was never stored (a resend finds nothing returned, then its seq).
    counted = await conn.execute_fetchall(
        "INSERT INTO web_session (session, last_seq, updated_at) SELECT ?, 1, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM web_message WHERE txn_id = ?)"
        " ON CONFLICT (session) DO UPDATE SET last_seq = last_seq + 1,"
        " updated_at = excluded.updated_at RETURNING last_seq",
        (session, now.isoformat(), txn_id),
    )
    if not counted:
        stored = await conn.execute_fetchall(
            "SELECT seq FROM web_message WHERE txn_id = ?", (txn_id,)
        )
        return int(next(iter(stored))["seq"])
    seq = int(next(iter(counted))["last_seq"])
    await conn.execute(
        "INSERT INTO web_message (session, seq, txn_id, payload, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (session, seq, txn_id, payload, now.isoformat(), expires_at.isoformat()),
    )
    return seq


async def store_with_reply(
    conn: aiosqlite.Connection,
    session: str,
    room_id: str,
    replies: list[tuple[str, str]],
    now: datetime,
    expires_at: datetime,
) -> list[int] | None:
    """Store ``replies`` (``(txn_id, payload)``, in order) for ``session`` inside the caller's
    transaction and return their sequence numbers; None (nothing stored) if an outbox row of
    ``room_id`` is waiting (it must keep its place before these) or a txn_id is already
    stored. Two round trips to the database thread, whatever the number of replies."""
    if not replies:
        return []
    n = len(replies)
    txn_ids = [txn for txn, _ in replies]
    marks = ", ".join("?" * n)
    counted = await conn.execute_fetchall(
        "INSERT INTO web_session (session, last_seq, updated_at) SELECT ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE room_id = ?)"
        f" AND NOT EXISTS (SELECT 1 FROM web_message WHERE txn_id IN ({marks}))"
        " ON CONFLICT (session) DO UPDATE SET last_seq = last_seq + ?,"
        " updated_at = excluded.updated_at RETURNING last_seq",
        (session, n, now.isoformat(), room_id, *txn_ids, n),
    )
    if not counted:
        return None
    last = int(next(iter(counted))["last_seq"])
    seqs = list(range(last - n + 1, last + 1))
    created, expires = now.isoformat(), expires_at.isoformat()
    values: list[object] = []
    for seq, (txn_id, payload) in zip(seqs, replies, strict=True):
        values += [session, seq, txn_id, payload, created, expires]
    await conn.execute(
        "INSERT INTO web_message (session, seq, txn_id, payload, created_at, expires_at)"
        " VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?)"] * n),
        values,
    )
    return seqs


async def last_seq(conn: aiosqlite.Connection, session: str) -> int:
    found = await conn.execute_fetchall(
        "SELECT last_seq FROM web_session WHERE session = ?", (session,)
    )
    return next((int(row["last_seq"]) for row in found), 0)


PAGE = 200


async def after(
    conn: aiosqlite.Connection, session: str, seq: int, limit: int = PAGE
) -> list[WebReply]:
    rows = await conn.execute_fetchall(
        "SELECT seq, payload FROM web_message WHERE session = ? AND seq > ? ORDER BY seq LIMIT ?",
        (session, seq, limit),
    )
    return [WebReply(int(r["seq"]), str(r["payload"])) for r in rows]


async def forget(conn: aiosqlite.Connection, session: str, room_id: str) -> int:
    """Delete a session's replies, its counter and its room row (the page's language)."""
    cur = await conn.execute("DELETE FROM web_message WHERE session = ?", (session,))
    await conn.execute("DELETE FROM web_session WHERE session = ?", (session,))
    await conn.execute("DELETE FROM room WHERE room_id = ?", (room_id,))
    return cur.rowcount


async def purge(
    conn: aiosqlite.Connection, now: datetime, idle_before: datetime, room_suffix: str
) -> int:
    """Delete replies past their time, then sessions and web rooms (ids ending with
    ``room_suffix``) idle since ``idle_before`` with nothing left; the number of replies."""
    cur = await conn.execute("DELETE FROM web_message WHERE expires_at <= ?", (now.isoformat(),))
    idle = idle_before.isoformat()
    await conn.execute(
        "DELETE FROM web_session WHERE updated_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM web_message m WHERE m.session = web_session.session)",
        (idle,),
    )
    await conn.execute(
        "DELETE FROM room WHERE substr(room_id, -?) = ? AND updated_at < ? AND NOT EXISTS"
        " (SELECT 1 FROM web_session s WHERE s.session = substr(room.room_id, 2, 32))",
        (len(room_suffix), room_suffix, idle),
    )
    return cur.rowcount
