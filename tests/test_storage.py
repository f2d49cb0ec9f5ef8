"""Storage: pragmas, migrations fresh and re-run, a failing migration rolls back, a newer
database is refused; the moderation room's lookup."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import rooms
from storage.db import Database, Migration, StorageError
from storage.migrations import MIGRATIONS
from storage.rooms import RoomInfo
from tests.harness import make_settings

ONE = Migration(1, "one", ("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT) STRICT",))
TWO = Migration(2, "two", ("CREATE TABLE b (id INTEGER PRIMARY KEY) STRICT",))
BROKEN = Migration(
    2,
    "broken",
    (
        "CREATE TABLE b (id INTEGER PRIMARY KEY) STRICT",
        "INSERT INTO a (v) VALUES ('kept?')",
        "THIS IS NOT SQL",
    ),
)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def test_fresh_database_gets_the_whole_schema_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path)
    async with db.read() as conn:
        async with conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1
        async with conn.execute("PRAGMA secure_delete") as cur:
            assert (await cur.fetchone())[0] == 1
    await db.close()
    assert user_version(path) == len(MIGRATIONS)
    assert {"person", "room", "conversation", "completion"} <= tables(path)


async def test_rerun_applies_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path, [ONE])
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO a (v) VALUES ('x')")
    await db.close()
    db = await Database.open(path, [ONE, TWO])
    await db.close()
    db = await Database.open(path, [ONE, TWO])
    async with db.read() as conn:
        async with conn.execute("SELECT v FROM a") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["x"]
    await db.close()
    assert user_version(path) == 2
    assert {"a", "b"} <= tables(path)


async def test_failing_migration_rolls_back_completely(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path, [ONE])
    await db.close()
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(path, [ONE, BROKEN])
    assert user_version(path) == 1
    assert "b" not in tables(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM a").fetchone()[0] == 0


async def test_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path, [ONE, TWO])
    await db.close()
    with pytest.raises(StorageError, match="newer Tryggbot"):
        await Database.open(path, [ONE])
    assert user_version(path) == 2


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3", [ONE])
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO a (v) VALUES ('lost')")
            raise RuntimeError("boom")
    async with db.read() as conn:
        async with conn.execute("SELECT count(*) FROM a") as cur:
            assert (await cur.fetchone())[0] == 0
    await db.close()


async def test_migrations_must_be_numbered_without_gaps(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="without gaps"):
        await Database.open(tmp_path / "t.sqlite3", [ONE, Migration(3, "gap", ())])


async def test_cancelled_transaction_leaves_the_connection_usable(tmp_path: Path) -> None:
    import asyncio

    db = await Database.open(tmp_path / "t.sqlite3", [ONE])
    inside = asyncio.Event()

    async def slow_writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO a (v) VALUES ('cancelled')")
            inside.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(slow_writer())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO a (v) VALUES ('next')")
    async with db.read() as conn:
        async with conn.execute("SELECT v FROM a") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["next"]
    await db.close()


async def test_cancelled_while_beginning_leaves_the_connection_usable(tmp_path: Path) -> None:
    """Cancelled while ``BEGIN`` is still on its way to SQLite (the sync loop of a stopping
    bot): the next transaction must still start."""
    import asyncio

    db = await Database.open(tmp_path / "t.sqlite3", [ONE])

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO a (v) VALUES ('never')")

    for _ in range(20):
        task = asyncio.create_task(writer())
        await asyncio.sleep(0)  # the task is now awaiting BEGIN IMMEDIATE
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

        async def next_write() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO a (v) VALUES ('next')")

        await asyncio.wait_for(next_write(), 10)  # a connection left mid-transaction hangs
    async with db.read() as conn:
        async with conn.execute("SELECT count(*) FROM a WHERE v = 'next'") as cur:
            assert (await cur.fetchone())[0] == 20
    await db.close()


async def test_moderation_room_is_the_registered_one_else_a_configured_room_id(
    tmp_path: Path,
) -> None:
    by_id = make_settings(**{"matrix.moderation_room": "!mod:test.local"})
    by_alias = make_settings(**{"matrix.moderation_room": "#mod:test.local"})
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        async with db.transaction() as conn:
            assert await rooms.moderation_room(conn, by_id) == "!mod:test.local"
            assert await rooms.moderation_room(conn, by_alias) is None  # an alias is no room id
            registered = RoomInfo(room_id="!registered:test.local", kind="moderation")
            await rooms.upsert(conn, registered, datetime(2026, 11, 25, tzinfo=UTC))
            assert await rooms.moderation_room(conn, by_alias) == "!registered:test.local"
            assert await rooms.moderation_room(conn, by_id) == "!registered:test.local"
    finally:
        await db.close()
