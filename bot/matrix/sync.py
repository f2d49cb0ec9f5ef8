"""The sync loop and gap-fill: our own loop around ``client.sync()`` writes each batch's
events to the ``inbox`` table and saves the sync token in the same transaction, then wakes
the worker.

After a restart the first sync is incremental (the joined rooms come from ``/joined_rooms``
and nio loads a room's state when something needs it, `bot.matrix.rooms`), so the first
answer does not wait for the state of every room; the first sync of a brand-new deployment
only learns rooms and never answers old history. A ``limited`` timeline (a gap, e.g. many
messages while the bot was down) is filled from ``/messages`` back to the previous token, so
nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nio

from bot.context import Services
from bot.faults import FaultInjection
from bot.matrix.convert import InboxKind, backoff_delay, classify, keeps_sender, payload
from bot.matrix.directory import RoomDirectory
from bot.matrix.eventtime import event_time
from bot.matrix.failures import NETWORK_ERRORS, SendAborted, SendFailed
from bot.matrix.invites import Invites
from bot.matrix.transport import MatrixTransport
from storage import inbox, kv, rooms
from storage.datamap import HANDLED_KEEP_DAYS

log = logging.getLogger(__name__)

SYNC_TOKEN = "matrix.sync_token"
LAST_SYNC = "matrix.last_sync"
STATE = "matrix.state"
FIRST_START = "matrix.first_start"

SYNC_FILTER: dict[str, Any] = {
    "presence": {"not_types": ["*"]},
    "account_data": {"types": ["m.direct"]},
    "room": {
        # Members only as far as the timeline needs them: keeps a sync small when the bot
        # joins many rooms at once (a burst of new direct chats, a large neighbourhood room).
        # Without it, syncs during a burst of 1,000 new direct chats took Synapse longer than
        # the client waits, again and again.
        "state": {"lazy_load_members": True},
        "timeline": {"limit": 50, "lazy_load_members": True},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}
INBOX_PURPOSE = "inbox"
HANDLED_KEEP = timedelta(days=HANDLED_KEEP_DAYS)
# A batch with nothing to queue saves its token only if the last save is this old (seconds):
# well within `bot.matrix.status.STALE_AFTER`, since the token's save time is the last sync's.
TOKEN_SAVE_EVERY = 20.0


@dataclass(frozen=True)
class Queued:
    """An event on its way into the inbox."""

    event_id: str
    room_id: str
    kind: InboxKind
    payload: str
    person: str | None  # None: the event has no sender (the engine refuses it)
    role: int


class Sync:
    """Takes in what the homeserver has for the bot, batch by batch, until stopped."""

    def __init__(
        self,
        transport: MatrixTransport,
        directory: RoomDirectory,
        invites: Invites,
        svc: Services,
        *,
        joined: set[str],
        wake: asyncio.Event,
        faults: FaultInjection,
        timeout_ms: int,
        rng: random.Random,
    ) -> None:
        self.t = transport
        self.settings = transport.settings
        self.directory = directory
        self.invites = invites
        self.svc = svc
        self.joined = joined
        self._wake = wake
        self._faults = faults
        self.timeout_ms = timeout_ms
        self._rng = rng
        self.first_start: datetime | None = None
        self._last_purge: datetime | None = None
        self._poll_gap = False
        self._token_saved: float | None = None  # time.monotonic() of the last saved token

    async def run(self, after: Callable[[bool, bool], Awaitable[None]]) -> None:
        """Sync until stopped; after each batch taken in, ``after(first, gap)``: whether it
        was this process's first batch, and whether a gap was filled since the last call."""
        svc = self.svc
        async with svc.db.read() as conn:
            token = await kv.get(conn, SYNC_TOKEN)
        # After a restart the first sync is incremental: the rooms the bot is in come from
        # /joined_rooms, and nio learns the others' state when something needs it
        # (bot.matrix.rooms). Without that list, a full-state sync relearns everything.
        full_state = token is not None and not await self._learn_joined_rooms()
        first = True
        failures = 0
        while not self.t.stopping.is_set():
            request = asyncio.create_task(
                self.t.client.sync(
                    timeout=0 if first else self.timeout_ms,
                    sync_filter=SYNC_FILTER,
                    since=token,
                    full_state=first and full_state,
                )
            )
            stop = asyncio.create_task(self.t.stopping.wait())
            await asyncio.wait({request, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if not request.done():
                # Stopping: only the long poll is cancelled, never a batch being taken in.
                request.cancel()
                with contextlib.suppress(asyncio.CancelledError, *NETWORK_ERRORS):
                    await request
                return
            try:
                resp = request.result()
                self.t.stages.batch("synced")
            except NETWORK_ERRORS as exc:
                resp = exc
            if not isinstance(resp, nio.SyncResponse):
                failures += 1
                if failures == 1:
                    await self.set_state("disconnected")
                delay = backoff_delay(failures, rng=self._rng)
                log.warning("sync failed (%s); retry in %.1fs", _describe(resp), delay)
                self.t.backoff("sync", _reason(resp), delay, failures)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.t.stopping.wait(), delay)
                continue
            try:
                await self._ingest(resp, since=token, first_process_sync=first)
                if self.t.crypto is not None:  # encryption: keys, late room keys, withheld
                    await self.t.crypto.after_sync(resp)
            except (*NETWORK_ERRORS, SendAborted, SendFailed) as exc:
                failures += 1
                delay = backoff_delay(failures, rng=self._rng)
                log.warning("could not take in a sync batch (%s); retry in %.1fs", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.t.stopping.wait(), delay)
                continue
            svc.metrics.synced()
            if failures or first:
                log.info("connected to %s", self.settings.matrix.homeserver)
            failures = 0
            token = resp.next_batch
            gap, self._poll_gap = self._poll_gap, False
            await after(first, gap)
            first = False

    async def set_state(self, state: str) -> None:
        svc = self.svc
        self._token_saved = None  # the next batch is saved, and says "connected" again
        with contextlib.suppress(Exception):
            async with svc.db.transaction() as conn:
                await kv.put(conn, STATE, state, svc.clock.now())

    async def _learn_joined_rooms(self) -> bool:
        """The rooms the bot is in and its ``m.direct``, from the homeserver; then the
        moderation room's state, which roles need before the first event is taken in."""
        try:
            resp = await self.t.call(self.t.client.joined_rooms, what="joined rooms")
        except SendAborted:
            return False
        if not isinstance(resp, nio.JoinedRoomsResponse):
            log.warning("could not list joined rooms (%s); relearning them all", resp)
            return False
        self.joined.update(resp.rooms)
        try:  # an incremental sync brings m.direct only when it changes
            self.t.learn_direct(await self.t.get_account_data("m.direct"))
        except (SendAborted, SendFailed):
            return False
        moderation = self.directory.moderation_room_id()
        if moderation and moderation in self.joined:
            with contextlib.suppress(SendAborted):
                await self.t.rooms.ensure(moderation)
        return True

    async def _ingest(
        self, resp: nio.SyncResponse, *, since: str | None, first_process_sync: bool
    ) -> None:
        """Queue the batch's events and save the token, in one transaction."""
        svc = self.svc
        me = self.t.user_id
        for event in resp.account_data_events:
            if getattr(event, "type", None) == "m.direct":
                self.t.learn_direct(dict(event.content))
        brand_new = since is None
        queued: list[Queued] = []
        new_rooms: list[str] = []
        for room_id, info in resp.rooms.join.items():
            newly_joined = room_id not in self.joined and not first_process_sync
            if room_id not in self.joined:
                self.joined.add(room_id)
                new_rooms.append(room_id)
            if brand_new:
                continue  # a new deployment learns its rooms; it does not answer history
            events = [e.source for e in info.timeline.events]
            if newly_joined:
                events = self._after_own_join(room_id, events)
            elif info.timeline.limited and info.timeline.prev_batch:
                self._poll_gap = True
                events = await self._fill_gap(room_id, info.timeline.prev_batch, since) + events
            is_direct = self.directory.kind(room_id) == "direct"
            for source in events:
                kind = classify(source, me)
                if kind is not None:
                    queued.append(await self._queued(source, room_id, kind, is_direct))
        for room_id in resp.rooms.leave:
            self.joined.discard(room_id)
        self.invites.take(resp)
        now = svc.clock.now()
        added = 0
        if not (queued or new_rooms or brand_new or first_process_sync) and self._token_fresh():
            # Nothing in this batch to keep (say, only the bot's own replies): its token is
            # saved with the next batch that brings an event, or after TOKEN_SAVE_EVERY. A
            # restart from the older token brings back only events that are not queued.
            if self.invites.pending:
                self.invites.changed()
            return
        async with svc.db.transaction() as conn:
            for n, q in enumerate(queued):
                if await inbox.add(
                    conn,
                    q.event_id,
                    q.room_id,
                    q.kind,
                    q.payload,
                    now,
                    person=q.person,
                    role=q.role,
                ):
                    added += 1
                if n == len(queued) // 2:
                    self._faults.reached("ingest")
            for room_id in new_rooms:
                await rooms.upsert(conn, self.directory.room_info(room_id), now)
            state = {SYNC_TOKEN: resp.next_batch, LAST_SYNC: now.isoformat(), STATE: "connected"}
            await kv.put_many(conn, state, now)
            if self._last_purge is None or now - self._last_purge > timedelta(hours=1):
                purged = await inbox.purge_handled(conn, now - HANDLED_KEEP)
                self._last_purge = now
                if purged:
                    log.info("forgot %d handled event ids", purged)
        self._token_saved = time.monotonic()
        for q in queued:
            self.t.stages.queued(q.event_id)
            self.t.stages.mark("inbox", q.event_id)
        if added:
            self._wake.set()
        for room_id in new_rooms:
            room = self.t.client.rooms.get(room_id)
            if room is not None and room.encrypted and self.t.crypto is None:
                log.info("room %s is encrypted; the bot cannot read it", room_id)
        if self.invites.pending:
            self.invites.changed()

    def _token_fresh(self) -> bool:
        """The sync token and "connected" were saved less than TOKEN_SAVE_EVERY ago."""
        saved = self._token_saved
        return saved is not None and time.monotonic() - saved < TOKEN_SAVE_EVERY

    async def _queued(
        self, source: dict[str, Any], room_id: str, kind: InboxKind, is_direct: bool
    ) -> Queued:
        """An inbox row for an event: the sender as a pseudonym and a role, resolved now; the
        payload sealed (see `keeps_sender` for when the Matrix id stays in it). The pseudonym
        is what every feature keys the sender by; an event without a sender gets none, and
        the engine refuses it."""
        svc = self.svc
        sender = str(source.get("sender") or "")
        role = await svc.roles.role_of(sender)
        keep_sender = keeps_sender(is_direct, kind, role)
        text = payload(source, room_id, is_direct, keep_sender=keep_sender)
        return Queued(
            event_id=str(source["event_id"]),
            room_id=room_id,
            kind=kind,
            payload=svc.sealer.seal(text, INBOX_PURPOSE),
            person=svc.pseudonymize(sender) if sender.strip() else None,
            role=int(role),
        )

    def _after_own_join(self, room_id: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """In a room joined just now, group rooms: only events after the bot's join.
        Direct chats: everything since the deployment's first start (the person may have
        written before the bot accepted the invite)."""
        if self.directory.kind(room_id) == "direct":
            since = self.first_start
            return [e for e in events if since is None or event_time(e) >= since]
        for i in range(len(events) - 1, -1, -1):
            e = events[i]
            if (
                e.get("type") == "m.room.member"
                and e.get("state_key") == self.t.user_id
                and (e.get("content") or {}).get("membership") == "join"
            ):
                return events[i + 1 :]
        return []

    async def _fill_gap(self, room_id: str, start: str, until: str | None) -> list[dict[str, Any]]:
        """Events between the previous sync token and the start of a limited timeline."""
        older: list[dict[str, Any]] = []
        token = start
        for _ in range(50):
            resp = await self.t.call(
                lambda tok=token: self.t.client.room_messages(  # type: ignore[misc]
                    room_id, start=tok, end=until, direction=nio.MessageDirection.back, limit=100
                ),
                what="fill gap",
            )
            if not isinstance(resp, nio.RoomMessagesResponse):
                raise SendFailed(f"could not fetch missed events: {resp}")
            older.extend(e.source for e in resp.chunk if hasattr(e, "source"))
            if not resp.chunk or not resp.end or resp.end == token:
                break
            token = resp.end
        log.info("filled a gap of %d events in room %s", len(older), room_id)
        older.reverse()
        return older


def _describe(resp: object) -> str:
    if isinstance(resp, BaseException):
        return type(resp).__name__
    return str(getattr(resp, "status_code", None) or resp)


def _reason(resp: object) -> str:
    """``unreachable`` (no HTTP answer) or ``server_error``, for metrics and the console."""
    if isinstance(resp, BaseException):
        return "unreachable"
    status = getattr(getattr(resp, "transport_response", None), "status", None)
    return "server_error" if status else "unreachable"
