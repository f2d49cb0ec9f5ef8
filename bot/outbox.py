"""Replies and other messages go through the outbox (transactional outbox pattern).

Writing: a handled event's replies are written by the engine in the same transaction as the
event's state changes and the removal of its inbox row. Other code (scheduled jobs, fan-outs)
can do the same with `enqueue` inside its own ``async with svc.db.transaction() as conn``::

    async with svc.db.transaction() as conn:
        await claim_delivery(conn, ...)                     # your state change
        await outbox.enqueue(conn, svc.sealer, Outgoing(room, text, txn_key=f"bc/{id}/{room}"),
                             now=svc.clock.now())
    svc.outbox.wake()                                        # deliver soon

The ``txn_key`` becomes the Matrix transaction id, fixed when the row is written; a resend
after a crash reuses it, so the homeserver never shows the message twice. Every field of an
`Outgoing` is kept (image bytes, poll data, poll end). The payload is sealed at rest.

Sending: `OutboxSender` drains rows in order per room (rooms in parallel, bounded by the
messenger), deleting each row once the homeserver accepted it. `flush(rooms)` sends what is
waiting in those rooms now (the engine calls it after each commit); `run()` drains in the
background whenever `wake()` is called, and once at start.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiosqlite

from bot.faults import NO_FAULTS, FaultInjection
from bot.messages import Image, Outgoing, PollAnswer, PollStart
from bot.messenger import DeliveryPostponed, DeliveryRefused, Messenger
from bot.sealing import Sealer
from bot.slots import BULK
from storage import outbox as rows
from storage.db import Database
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

PURPOSE = "outbox"
MAX_ATTEMPTS = 5


def encode(out: Outgoing) -> str:
    """An Outgoing as JSON text (image bytes in base64)."""
    data: dict[str, Any] = {
        "room_id": out.room_id,
        "text": out.text,
        "reply_to": out.reply_to,
        "thread_root": out.thread_root,
        "mentions": list(out.mentions),
        "txn_key": out.txn_key,
        "poll_end": out.poll_end,
    }
    if out.lang is not None:
        data["lang"] = out.lang
    if out.image is not None:
        img = out.image
        data["image"] = {
            "data": base64.b64encode(img.data).decode("ascii"),
            "width": img.width,
            "height": img.height,
            "filename": img.filename,
            "alt": img.alt,
        }
    if out.poll is not None:
        poll = out.poll
        data["poll"] = {
            "question": poll.question,
            "answers": [[a.id, a.text] for a in poll.answers],
            "max_selections": poll.max_selections,
            "disclosed": poll.disclosed,
        }
    return json.dumps(data, ensure_ascii=False)


def decode(text: str) -> Outgoing:
    data = json.loads(text)
    image = data.get("image")
    poll = data.get("poll")
    return Outgoing(
        room_id=data["room_id"],
        text=data["text"],
        reply_to=data.get("reply_to"),
        thread_root=data.get("thread_root"),
        mentions=tuple(data.get("mentions") or ()),
        txn_key=data.get("txn_key"),
        image=Image(
            data=base64.b64decode(image["data"]),
            width=int(image["width"]),
            height=int(image["height"]),
            filename=str(image["filename"]),
            alt=str(image["alt"]),
        )
        if image
        else None,
        poll=PollStart(
            question=poll["question"],
            answers=tuple(PollAnswer(str(i), str(t)) for i, t in poll["answers"]),
            max_selections=int(poll["max_selections"]),
            disclosed=bool(poll["disclosed"]),
        )
        if poll
        else None,
        poll_end=data.get("poll_end"),
        lang=data.get("lang"),
    )


async def enqueue(
    conn: aiosqlite.Connection, sealer: Sealer, out: Outgoing, *, now: datetime
) -> bool:
    """Queue ``out`` inside the caller's transaction. ``out.txn_key`` is required: it is the
    transaction id, and it must be derived from what caused the message (an event id, a
    claim), never random, so that redoing the work after a crash queues the same id.
    Returns False if that id is already queued."""
    if not out.txn_key:
        raise ValueError("an outbox message needs a txn_key")
    payload = sealer.seal(encode(out), PURPOSE)
    return await rows.add(conn, out.room_id, out.txn_key, "message", payload, now)


async def enqueue_reaction(
    conn: aiosqlite.Connection,
    sealer: Sealer,
    room_id: str,
    event_id: str,
    key: str,
    *,
    now: datetime,
) -> bool:
    """Queue a reaction (``key`` on ``event_id``) inside the caller's transaction."""
    payload = sealer.seal(json.dumps({"event_id": event_id, "key": key}), PURPOSE)
    return await rows.add(conn, room_id, f"react/{event_id}/{key}", "reaction", payload, now)


class OutboxSender:
    """Delivers outbox rows: in order within a room, rooms independently."""

    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        sealer: Sealer,
        *,
        faults: FaultInjection = NO_FAULTS,
    ) -> None:
        self._db = db
        self._messenger = messenger
        self._sealer = sealer
        self._faults = faults
        self._locks: dict[str, asyncio.Lock] = {}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the background loop (`run`) to drain the outbox."""
        self._wake.set()

    async def flush(self, room_ids: Iterable[str] | None = None) -> None:
        """Send what is waiting in ``room_ids`` (all rooms if None), rooms in parallel."""
        if room_ids is None:
            async with self._db.read() as conn:
                wanted = await rows.rooms_waiting(conn)
        else:
            wanted = list(dict.fromkeys(room_ids))
        if len(wanted) == 1:
            await self._drain_room(wanted[0])
            return
        results = await asyncio.gather(
            *(self._drain_fanout(r) for r in wanted), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def run(self, stopping: asyncio.Event) -> None:
        """Drain at start and whenever woken, until ``stopping`` is set. These sends are
        nobody's reply in particular: they wait for every send slot a reply wants."""
        BULK.set(True)  # this task's context only
        self._wake.set()
        while not stopping.is_set():
            await self._wake.wait()
            self._wake.clear()
            if stopping.is_set():
                return
            try:
                await self.flush()
            except Exception:
                log.exception("delivering the outbox failed; retried at the next wake")

    async def _drain_fanout(self, room_id: str) -> None:
        await self._drain_room(room_id)
        self._faults.reached("fanout")

    async def _drain_room(self, room_id: str) -> None:
        lock = self._locks.get(room_id)
        if lock is None:
            lock = self._locks[room_id] = asyncio.Lock()
        try:
            async with lock:
                while True:
                    async with self._db.read() as conn:
                        waiting = await rows.next_in_room(conn, room_id)
                    if not waiting:
                        return
                    for row in waiting:
                        await self._deliver(row)
        finally:
            if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
                self._locks.pop(room_id, None)

    async def _deliver(self, row: OutboxRow) -> None:
        """Send one row and delete it (sent, or refused for good); raises if it must wait."""
        try:
            clear = self._sealer.open(row.payload, PURPOSE)
            if row.kind == "reaction":
                data = json.loads(clear)
                await self._messenger.react(row.room_id, data["event_id"], data["key"])
            else:
                out = decode(clear)
                await self._messenger.send(_with_txn(out, row.txn_id))
        except DeliveryPostponed:
            raise  # stopping: the row waits for the next start
        except DeliveryRefused as exc:
            log.warning("message %s refused by the homeserver (%s); dropped", row.txn_id, exc)
        except Exception:
            async with self._db.transaction() as conn:
                await rows.record_attempt(conn, row.id)
            if row.attempts + 1 < MAX_ATTEMPTS:
                raise
            log.exception("message %s failed %d times; dropped", row.txn_id, MAX_ATTEMPTS)
        else:
            self._faults.reached("sent")
        async with self._db.write() as conn:
            await rows.delete(conn, row.id)


def _with_txn(out: Outgoing, txn_id: str) -> Outgoing:
    return out if out.txn_key == txn_id else replace(out, txn_key=txn_id)


async def pending_count(db: Database) -> int:
    with contextlib.suppress(Exception):
        async with db.read() as conn:
            return await rows.count(conn)
    return 0
