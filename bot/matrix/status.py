"""``tryggbot status``: what the running bot last wrote to its database."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.matrix.crosssign import fingerprint
from bot.matrix.cryptostore import Identity, crypto_paths, read_identity
from bot.matrix.sync import LAST_SYNC, STATE
from config.settings import Settings, resolve_path
from storage import inbox, kv
from storage.db import Database, StorageError

STALE_AFTER = timedelta(seconds=90)
"""A bot that has not finished a sync for this long is not connected (syncs long-poll 30 s)."""


@dataclass(frozen=True)
class Status:
    state: str | None
    last_sync: datetime | None
    backlog: int
    oldest: datetime | None
    now: datetime
    encryption: bool = False
    identity: Identity | None = None

    @property
    def connected(self) -> bool:
        return (
            self.state == "connected"
            and self.last_sync is not None
            and self.now - self.last_sync < STALE_AFTER
        )

    def render(self) -> str:
        if self.last_sync is None:
            last = "never"
        else:
            age = int((self.now - self.last_sync).total_seconds())
            last = f"{self.last_sync.isoformat(timespec='seconds')} ({age} s ago)"
        state = self.state or "never started"
        lines = [
            f"connected:     {'yes' if self.connected else 'no'} (state: {state})",
            f"last sync:     {last}",
            f"inbox backlog: {self.backlog} event{'s' if self.backlog != 1 else ''}",
        ]
        if self.oldest is not None:
            lines[-1] += f", oldest from {self.oldest.isoformat(timespec='seconds')}"
        if not self.encryption:
            lines.append("encryption:    off")
        elif self.identity is None:
            lines.append("encryption:    on (not set up yet: the bot has not started)")
        else:
            lines += [
                f"encryption:    on, device {self.identity.device_id} (cross-signed)",
                f"master key:    {fingerprint(self.identity.master_key)}",
            ]
        return "\n".join(lines)


async def read_status(settings: Settings, base: Path, now: datetime | None = None) -> Status:
    """What the bot last wrote, read without changing anything: the database is opened
    read-only and never created or migrated (StorageError if there is none)."""
    path = resolve_path(settings.storage.path, base)
    db = await Database.open_readonly(path)
    try:
        async with db.read() as conn:
            state = await kv.get(conn, STATE)
            last = await kv.get(conn, LAST_SYNC)
            waiting = await inbox.backlog(conn)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"cannot read the status from {path} ({exc})") from None
    finally:
        await db.close()
    return Status(
        state=state,
        last_sync=datetime.fromisoformat(last) if last else None,
        backlog=waiting.count,
        oldest=waiting.oldest,
        now=now or datetime.now(UTC),
        encryption=settings.encryption.enabled,
        identity=read_identity(crypto_paths(settings, base)),
    )
