"""The inbox and key-value repositories (migration 2's tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import inbox, kv
from storage.db import Database

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def test_inbox_once_in_order_then_remembered(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        async with db.transaction() as conn:
            assert await inbox.add(conn, "$a", "!r", "message", "{}", NOW)
            assert await inbox.add(conn, "$b", "!r", "reaction", "{}", NOW)
            assert not await inbox.add(conn, "$a", "!r", "message", "{}", NOW)
        async with db.read() as conn:
            assert [e.event_id for e in await inbox.pending(conn)] == ["$a", "$b"]
            backlog = await inbox.backlog(conn)
        assert backlog.count == 2 and backlog.oldest == NOW
        async with db.transaction() as conn:
            await inbox.mark_handled(conn, "$a", NOW)
            assert not await inbox.add(conn, "$a", "!r", "message", "{}", NOW)
            assert await inbox.is_known(conn, "$b")
            assert await inbox.record_attempt(conn, "$b") == 1
        async with db.read() as conn:
            assert [e.event_id for e in await inbox.pending(conn)] == ["$b"]
            rows = await (await conn.execute("SELECT count(*) FROM inbox")).fetchone()
        assert rows is not None and rows[0] == 1
        async with db.transaction() as conn:
            assert await inbox.purge_handled(conn, NOW + timedelta(days=8)) == 1
            assert await inbox.add(conn, "$a", "!r", "message", "{}", NOW)
    finally:
        await db.close()


async def test_kv_put_get_replace(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        async with db.transaction() as conn:
            assert await kv.get(conn, "k") is None
            await kv.put(conn, "k", "1", NOW)
            await kv.put(conn, "k", "2", NOW + timedelta(seconds=1))
            entry = await kv.get_entry(conn, "k")
            assert entry is not None and entry.value == "2"
            assert entry.updated_at == NOW + timedelta(seconds=1)
            await kv.delete(conn, "k")
            assert await kv.get(conn, "k") is None
    finally:
        await db.close()
