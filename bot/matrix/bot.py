"""The Matrix bot: sync loop -> inbox -> worker -> engine, put together.

- The sync (`bot.matrix.sync`) writes each batch's events to the ``inbox`` table and saves
  the sync token in the same transaction, filling any gap from ``/messages``, then wakes the
  worker.
- The worker (`bot.matrix.lanes`) takes inbox events in order within a lane, hands each to
  the engine (`bot.matrix.dispatch`), then deletes it and remembers the event id
  (``handled_event``). Replies use deterministic transaction ids on the same device, so an
  event handled again after a crash cannot produce a second reply.
- Invites (`bot.matrix.invites`): direct chats from anyone (if allowed), group rooms only from
  moderators or when the room is in the config (`bot.matrix.directory`); the rest declined.
- Encrypted rooms the bot cannot read (`bot.matrix.notices`): it tells the person, in their
  language, in a new unencrypted direct chat, at most once a day per person and room.
- After a start or a gap, the responses to open native polls are read again
  (`bot.matrix.pollrecovery`).

The composition root (`bot.matrix.app`) builds it with the engine and its services.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from bot.context import Services
from bot.engine import Engine
from bot.matrix.directory import RoomDirectory
from bot.matrix.dispatch import Dispatcher
from bot.matrix.failures import SendAborted
from bot.matrix.invites import Invites
from bot.matrix.lanes import Lanes
from bot.matrix.pollrecovery import recover_open_polls
from bot.matrix.sync import FIRST_START, LAST_SYNC, STATE, SYNC_FILTER, SYNC_TOKEN, Sync
from bot.matrix.transport import MatrixTransport
from storage import kv, rooms

__all__ = ["FIRST_START", "LAST_SYNC", "STATE", "SYNC_FILTER", "SYNC_TOKEN", "MatrixBot"]

log = logging.getLogger(__name__)


class MatrixBot:
    """Runs one bot account: `run()` until `request_stop()` (or SIGTERM via the CLI)."""

    def __init__(
        self,
        transport: MatrixTransport,
        directory: RoomDirectory,
        engine: Engine,
        svc: Services,
        *,
        sync_timeout_ms: int = 30_000,
        seed: int | None = None,
    ) -> None:
        self.t = transport
        self.settings = transport.settings
        self.directory = directory
        self.engine = engine
        self.svc = svc
        self._wake = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()
        joined: set[str] = set()  # the rooms the bot is in, shared by the sync and invites
        self.invites = Invites(transport, directory, svc, joined, self._spawn)
        self.sync = Sync(
            transport,
            directory,
            self.invites,
            svc,
            joined=joined,
            wake=self._wake,
            faults=engine.faults,
            timeout_ms=sync_timeout_ms,
            rng=random.Random(seed),
        )
        self.lanes = Lanes(transport, svc, self._wake, Dispatcher(transport, engine, svc).handle)
        self.synced = asyncio.Event()
        """Set after the first successful sync of this process (for tests and status)."""

    def request_stop(self) -> None:
        """Stop: the worker finishes the event in hand, state is saved, `run()` returns."""
        self.t.request_stop()
        self._wake.set()

    async def run(self) -> None:
        """Sync and handle until stopped. The caller has logged in (`MatrixTransport.login`)."""
        svc = self.svc
        now = svc.clock.now()
        async with svc.db.transaction() as conn:
            first_start = await kv.get(conn, FIRST_START)
            if first_start is None:
                await kv.put(conn, FIRST_START, now.isoformat(), now)
        self.sync.first_start = datetime.fromisoformat(first_start) if first_start else now
        if self.t.crypto is not None:  # encryption: a late room key wakes the worker
            self.t.crypto.wake = self._wake.set
        self.t.on_opened_direct = self._record_room
        async with svc.db.read() as conn:
            self.t.known_direct.update(await rooms.ids_of_kind(conn, "direct"))
        self._spawn(self._display_name())  # not on the way to the first answer
        with contextlib.suppress(SendAborted):
            await self.directory.resolve_aliases()
        self._spawn(svc.outbox.run(self.t.stopping))  # what a crash left unsent goes first
        worker = asyncio.create_task(self.lanes.run(), name="tryggbot-worker")
        sync = asyncio.create_task(self.sync.run(self._after_batch), name="tryggbot-sync")
        stop = asyncio.create_task(self.t.stopping.wait())
        try:
            await asyncio.wait({sync, worker, stop}, return_when=asyncio.FIRST_COMPLETED)
            for task in (sync, worker):
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            stop.cancel()
            self._wake.set()
            self.t.request_stop()
            with contextlib.suppress(asyncio.CancelledError):
                await sync  # returns at its next step; a batch in hand is taken in first
            with contextlib.suppress(asyncio.CancelledError):
                await worker  # finishes the event in hand
            for task in list(self._background):
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            with contextlib.suppress(Exception):
                async with svc.db.transaction() as conn:
                    await kv.put(conn, STATE, "stopped", svc.clock.now())
            log.info("matrix bot stopped")

    async def _after_batch(self, first: bool, gap: bool) -> None:
        """After a batch is in the inbox: poll recovery after the first sync and after a
        gap; after the first, the configured rooms are joined and every room recorded."""
        if first or gap:
            self._spawn(
                recover_open_polls(
                    self.svc, self.t.get_json, self.t.user_id, self.engine.handle_poll
                )
            )
        if first:
            self.synced.set()
            await self.directory.join_configured(self.svc, self.sync.joined)

    async def _record_room(self, room_id: str) -> None:
        await self.directory.record(self.svc, room_id)

    async def _display_name(self) -> None:
        with contextlib.suppress(SendAborted):
            await self.t.set_display_name(self.settings.matrix.display_name)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task
