"""One aiosqlite connection, explicit transactions, numbered forward-only migrations.

All SQL of Tryggbot lives in ``storage/``.  Callers work inside ``async with db.transaction()
as conn`` (``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception) or ``async with
db.read() as conn`` for reads.  Both serialise on one lock, so a read never sees another
task's open transaction.

A *unit of work* (``async with db.unit() as conn``) is one outer transaction that the task
which opened it can build from smaller pieces: inside it, ``transaction()`` becomes a
``SAVEPOINT`` (an exception rolls back only that block, as a separate transaction would have)
and ``read()`` reuses the connection.  Everything commits together when the unit ends, so the
engine can make a handler's state changes, its replies (outbox rows) and the removal of the
inbox row one atomic step.  Only the task that opened the unit joins it; any other task waits
for the lock as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from config.files import make_private, open_to_others, private_dir
from storage.migrations import MIGRATIONS
from storage.migrations import Migration as Migration  # the name callers know from here

log = logging.getLogger(__name__)

WAL_RESTART_KEY = "storage.wal_restart"
"""The ``kv`` row that `Database.checkpoint` writes to start the new log (no meaning)."""


class StorageError(Exception):
    """The database cannot be used (for example it comes from a newer Tryggbot)."""


class NewerDatabase(StorageError):
    """The database was written by a newer Tryggbot (its schema version is higher than the
    last migration this one knows). Nothing was changed."""


class Database:
    """The application's single SQLite connection."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self._unit_owner: contextvars.ContextVar[asyncio.Task[object] | None] = (
            contextvars.ContextVar(f"db-unit-{id(self)}", default=None)
        )
        self._savepoints = itertools.count(1)

    def _in_unit(self) -> bool:
        owner = self._unit_owner.get()
        return owner is not None and owner is asyncio.current_task()

    @classmethod
    async def open(
        cls, path: Path | str, migrations: Sequence[Migration] | None = None
    ) -> Database:
        """Open (creating if needed) and migrate the database at ``path``."""
        # aiosqlite logs every statement *with its parameters* at DEBUG: that would put
        # residents' text into the logs. Keep it quiet whatever the root level is.
        logging.getLogger("aiosqlite").setLevel(logging.WARNING)
        target = str(path)
        if target != ":memory:":
            await asyncio.to_thread(prepare_private_file, Path(target))
        conn = await aiosqlite.connect(target, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            for pragma in (
                "PRAGMA foreign_keys = ON",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA busy_timeout = 5000",
                "PRAGMA secure_delete = ON",
            ):
                await conn.execute(pragma)
            db = cls(conn, target)
            await db.migrate(MIGRATIONS if migrations is None else migrations)
        except BaseException:
            await conn.close()
            raise
        return db

    @classmethod
    async def open_readonly(cls, path: Path | str) -> Database:
        """Open an existing database for reading only: never creates, migrates or writes
        it (``tryggbot status``). Raises StorageError if there is no database at ``path``.

        If no ``-wal`` file exists (the bot is not running, or stopped cleanly) the file is
        opened as immutable, so not even the ``-wal``/``-shm`` companions are created.
        """
        file = Path(path)
        if not await asyncio.to_thread(file.is_file):
            raise StorageError(
                f"there is no database at {file} (has the bot been started with this "
                "settings file?)"
            )
        uri = await asyncio.to_thread(readonly_uri, file)
        conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute("PRAGMA query_only = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
        except BaseException:
            await conn.close()
            raise
        return cls(conn, str(file))

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    async def user_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Sequence[Migration]) -> int:
        """Apply every migration newer than the database; return the resulting version."""
        ordered = sorted(migrations, key=lambda m: m.version)
        versions = [m.version for m in ordered]
        if versions != list(range(1, len(ordered) + 1)):
            raise StorageError(f"migrations must be numbered 1..n without gaps, got {versions}")
        latest = versions[-1] if versions else 0
        async with self._lock:
            current = await self.user_version()
            if current > latest:
                raise NewerDatabase(
                    f"the database {self.path} has schema version {current}, but this Tryggbot "
                    f"knows only up to {latest}; it was written by a newer Tryggbot. Upgrade "
                    "Tryggbot or restore a backup; the database was not changed."
                )
            for migration in ordered:
                if migration.version <= current:
                    continue
                try:
                    await self._conn.execute("BEGIN IMMEDIATE")
                    for statement in migration.statements:
                        await self._conn.execute(statement)
                    await self._conn.execute(f"PRAGMA user_version = {int(migration.version)}")
                except BaseException:
                    await self._rollback()
                    raise
                await asyncio.shield(self._conn.execute("COMMIT"))
                log.info("database migrated to version %d (%s)", migration.version, migration.name)
                current = migration.version
        return current

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[aiosqlite.Connection]:
        """One outer transaction that nested ``transaction()``/``read()`` blocks of the same
        task join (see the module docstring). Any exception rolls everything back."""
        if self._in_unit():
            raise RuntimeError("a unit of work is already open in this task")
        async with self._lock:
            token = self._unit_owner.set(asyncio.current_task())
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
            except BaseException:
                await self._rollback()
                raise
            finally:
                self._unit_owner.reset(token)
            await asyncio.shield(self._conn.execute("COMMIT"))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls back and propagates.
        Inside a unit of work of the same task: a savepoint of that unit."""
        if self._in_unit():
            name = f"sp{next(self._savepoints)}"
            await self._conn.execute(f"SAVEPOINT {name}")
            try:
                yield self._conn
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):
                    await asyncio.shield(self._conn.execute(f"ROLLBACK TO {name}"))
                    await asyncio.shield(self._conn.execute(f"RELEASE {name}"))
                raise
            await self._conn.execute(f"RELEASE {name}")
            return
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
            except BaseException:
                await self._rollback()
                raise
            # Shielded: a task cancelled here must not leave the connection mid-transaction.
            await asyncio.shield(self._conn.execute("COMMIT"))

    async def _rollback(self) -> None:
        """Roll back whatever is open, even while the task is being cancelled. aiosqlite runs
        statements in order on one thread, so this runs after a BEGIN that was already sent;
        if none was, SQLite says there is no transaction and that is fine."""
        with contextlib.suppress(sqlite3.OperationalError):
            await asyncio.shield(self._conn.execute("ROLLBACK"))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection for reads, serialised with transactions (inside a unit of work of
        the same task: the unit's connection)."""
        if self._in_unit():
            yield self._conn
            return
        async with self._lock:
            yield self._conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection for one self-contained write statement (autocommit: no BEGIN, so
        one round trip to the database thread instead of three). Inside a unit of work of
        the same task: the unit's connection."""
        if self._in_unit():
            yield self._conn
            return
        async with self._lock:
            yield self._conn

    def count_trips(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on every round trip to the database thread (each statement,
        fetch or commit that waits for it): for the benchmarks' stage table only."""
        conn: Any = self._conn
        execute = conn._execute

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            callback()
            return await execute(fn, *args, **kwargs)

        conn._execute = counted

    async def checkpoint(self) -> None:
        """Fold the write-ahead log into the database and truncate it, so deleted rows (an
        inbox event's text) do not linger in ``-wal`` frames.

        The first commit after a checkpoint starts the log anew and waits for the disk
        (an ``fdatasync`` of the new log's header: 4 ms and more on a busy disk). A one-row
        write of `WAL_RESTART_KEY` in ``kv`` pays that here, off the reply path, so the next
        event's commit does not; it rewrites only that ``kv`` page, never a deleted row."""
        async with self._lock:
            with contextlib.suppress(sqlite3.OperationalError):
                await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                await self._conn.execute(
                    "INSERT INTO kv (key, value, updated_at)"
                    " VALUES (?, '', '1970-01-01T00:00:00+00:00')"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (WAL_RESTART_KEY,),
                )


def readonly_uri(path: Path) -> str:
    """An SQLite URI that opens ``path`` read-only (immutable when no ``-wal`` exists)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    if not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    return uri


def prepare_private_file(path: Path) -> None:
    """Before SQLite opens ``path``: its folder exists (created 0700), and the database
    file exists with mode 0600, so SQLite's ``-wal`` and ``-shm`` files, which take the
    database's mode, are private too, whatever the umask."""
    created = private_dir(path.parent)
    if not created and open_to_others(path.parent):
        log.warning("other users may list the data folder %s; chmod 700 it", path.parent)
    for file in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        if file is not path and not file.exists():
            continue
        try:
            make_private(file)
        except PermissionError:
            # Not ours to change (another owner); SQLite reports it if it cannot write.
            log.warning("cannot make %s private (mode 0600): not its owner", file)
