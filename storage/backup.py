"""``tryggbot backup``: a consistent copy of the live database through SQLite's online
backup API, safe while the bot runs (WAL: the bot keeps writing while the copy is read).

The copy is written next to the target under a temporary name (mode 0600), checked with
``PRAGMA quick_check``, switched to a self-contained rollback journal, and then renamed into
place, so a target path never holds a half-written backup.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from config.files import PRIVATE_FILE, private_dir
from storage.db import NewerDatabase, StorageError


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    schema_version: int
    tips: int


def backup_target(target: Path, *, folder: bool = False, now: datetime | None = None) -> Path:
    """A folder (an existing one, or ``folder=True``) gets a timestamped file name
    (``tryggbot-20261201-231500.sqlite3``)."""
    if folder or target.is_dir():
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        return target / f"tryggbot-{stamp}.sqlite3"
    return target


def backup_database(source: Path, target: Path, *, folder: bool = False) -> BackupReport:
    """Copy the database at ``source`` to ``target``: a file, replaced atomically, or a
    folder (existing, or created when ``folder``). Blocking: call it from a thread in async
    code. Raises StorageError."""
    if not source.is_file():
        raise StorageError(f"there is no database at {source}")
    target = backup_target(target, folder=folder)
    if target.resolve() == source.resolve():
        raise StorageError("the backup cannot replace the database itself")
    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.close(fd)
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True)
        try:
            src.execute("PRAGMA busy_timeout = 10000")
            dst = sqlite3.connect(tmp)
            try:
                # All pages in one step: one read transaction, so the copy is one moment.
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
                check = dst.execute("PRAGMA quick_check").fetchone()
                if not check or check[0] != "ok":
                    raise StorageError(f"the copy failed its check: {check}")
                version = int(dst.execute("PRAGMA user_version").fetchone()[0])
                tips = _count_tips(dst)
            finally:
                dst.close()
        finally:
            src.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise StorageError(f"backup of {source} failed: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return BackupReport(target, target.stat().st_size, version, tips)


def _count_tips(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT count(*) FROM tip").fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0]) if row else 0


def restore_database(backup: Path, target: Path, latest_version: int) -> BackupReport:
    """Copy the backup ``backup`` to ``target``, which must not exist (the bot is stopped
    and the old database moved aside). Checked first: SQLite's quick check, and a schema
    this Tryggbot knows (NewerDatabase otherwise). Blocking. Raises StorageError."""
    if not backup.is_file():
        raise StorageError(f"there is no backup at {backup}")
    for leftover in (target, target.with_name(target.name + "-wal")):
        if leftover.exists():
            raise StorageError(
                f"{leftover} exists: stop the bot and move the old database (and its -wal and "
                "-shm files) aside first; restore never overwrites a database"
            )
    try:
        src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = src.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise StorageError(f"the backup {backup} failed its check: {check}")
            version = int(src.execute("PRAGMA user_version").fetchone()[0])
            if version > latest_version:
                raise NewerDatabase(
                    f"the backup {backup} has schema version {version}, but this Tryggbot "
                    f"knows only up to {latest_version}: install the Tryggbot that took it"
                )
            private_dir(target.parent)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
            os.close(fd)
            try:
                dst = sqlite3.connect(tmp)
                try:
                    src.backup(dst)
                    tips = _count_tips(dst)
                finally:
                    dst.close()
                os.chmod(tmp, PRIVATE_FILE)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise StorageError(f"restore of {backup} failed: {exc}") from None
    return BackupReport(target, target.stat().st_size, version, tips)
