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


async def test_kv_put_many_writes_and_replaces_every_key_at_once(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        async with db.transaction() as conn:
            await kv.put(conn, "a", "old", NOW)
            await kv.put_many(conn, {"a": "1", "b": "2"}, NOW + timedelta(seconds=1))
            await kv.put_many(conn, {}, NOW)
            a, b = await kv.get_entry(conn, "a"), await kv.get_entry(conn, "b")
        assert a is not None and (a.value, a.updated_at) == ("1", NOW + timedelta(seconds=1))
        assert b is not None and b.value == "2"
    finally:
        await db.close()


def _wal_and_all_bytes(path: Path) -> tuple[int, bytes]:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size, path.read_bytes() + wal.read_bytes()


async def test_checkpoint_starts_the_new_log_without_a_deleted_event_in_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await inbox.add(conn, "$a", "!r", "message", "PLANTED-TEXT-4711", NOW)
        async with db.transaction() as conn:
            await inbox.mark_handled(conn, "$a", NOW)
        await db.checkpoint()
        # The log was started anew by the one-row write (so the next commit need not wait
        # for the disk), and it holds nothing of the deleted event.
        wal, on_disk = _wal_and_all_bytes(path)
        assert wal > 0
        assert b"PLANTED-TEXT-4711" not in on_disk
        async with db.transaction() as conn:
            assert await inbox.add(conn, "$b", "!r", "message", "{}", NOW)
    finally:
        await db.close()
