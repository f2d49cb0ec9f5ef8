"""The Matrix bot: sync loop -> inbox -> worker -> engine.

- The sync loop (our own loop around ``client.sync()``) writes each batch's events to the
  ``inbox`` table and saves the sync token in the same transaction, then wakes the worker.
  After a restart the first sync is incremental (the joined rooms come from ``/joined_rooms``
  and nio loads a room's state when something needs it, `bot.matrix.rooms`), so the first
  answer does not wait for the state of every room; the first sync of a brand-new deployment
  only learns rooms and never answers old history. A ``limited``
  timeline (a gap, e.g. many messages while the bot was down) is filled from ``/messages``
  back to the previous token, so nothing is lost.
- The worker takes inbox events in order, hands them to the engine, then deletes them and
  remembers the event id (``handled_event``). Replies use deterministic transaction ids on the
  same device, so an event handled again after a crash cannot produce a second reply.
- Invites: direct chats from anyone (if allowed), group rooms only from moderators or when
  the room is in the config; everything else is declined.
- Encrypted rooms: the bot cannot read them; it tells the person, in their language, in a new
  unencrypted direct chat, at most once a day per person and room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import nio

from bot.commands import Role
from bot.context import Services
from bot.engine import Engine
from bot.faults import NO_FAULTS, FaultInjection
from bot.matrix.convert import (
    EncryptedEvent,
    InboxKind,
    Invite,
    backoff_delay,
    classify,
    decide_invite,
    event_time,
    from_payload,
    keeps_sender,
    payload,
    read_invite,
)
from bot.matrix.crypto import Decision, explain_undecryptable
from bot.matrix.transport import NETWORK_ERRORS, MatrixTransport, SendAborted, SendFailed
from bot.messages import IncomingMessage, IncomingPollEvent, IncomingReaction, Outgoing
from bot.slots import ON_BEHALF, FairSlots
from bot.transports import WEB_SUFFIX
from config.settings import RoomSettings
from storage import inbox, kv, people, polls, rooms
from storage.datamap import HANDLED_KEEP_DAYS
from storage.inbox import InboxEvent
from storage.rooms import RoomInfo, RoomKind

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
ENCRYPTED_NOTICE_EVERY = timedelta(hours=24)
MAX_ATTEMPTS = 3
INVITE_CONCURRENCY = 8
WORKER_CONCURRENCY = 16
CHECKPOINT_AFTER = 1.0  # seconds of an empty inbox before the WAL is checkpointed
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


@dataclass(frozen=True)
class Directory:
    """Where the configured rooms are: ids (aliases resolved) to their settings."""

    neighbourhood: dict[str, RoomSettings]
    moderation: str | None


class MatrixBot:
    """Runs one bot account: `run()` until `request_stop()` (or SIGTERM via the CLI)."""

    def __init__(
        self,
        transport: MatrixTransport,
        *,
        sync_timeout_ms: int = 30_000,
        seed: int | None = None,
    ) -> None:
        self.t = transport
        self.settings = transport.settings
        self.sync_timeout_ms = sync_timeout_ms
        self._rng = random.Random(seed)
        self._wake = asyncio.Event()
        self._joined: set[str] = set()
        self._invites_in_hand: set[str] = set()
        self._invites: dict[str, list[dict[str, Any]]] = {}
        self._invites_answered: set[str] = set()
        self._invites_dirty = False
        self._invite_pass: asyncio.Task[None] | None = None
        self._alias_ids: dict[str, str] = {}
        self._last_purge: datetime | None = None
        self._first_start: datetime | None = None
        self._engine: Engine | None = None
        self._svc: Services | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._poll_gap = False
        self._token_saved: float | None = None  # time.monotonic() of the last saved token
        self.synced = asyncio.Event()
        """Set after the first successful sync of this process (for tests and status)."""

    # ------------------------------------------------------------------ public

    def request_stop(self) -> None:
        """Stop: the worker finishes the event in hand, state is saved, `run()` returns."""
        self.t.request_stop()
        self._wake.set()

    async def is_moderator_by_power(self, user_id: str) -> bool:
        """Power level in the moderation room at least ``moderator_power_level``."""
        room_id = self._moderation_room_id()
        room = self.t.client.rooms.get(room_id) if room_id else None
        if room is None:
            return False
        level: int = room.power_levels.get_user_level(user_id)
        return level >= self.settings.matrix.moderator_power_level

    async def run(self, engine: Engine, svc: Services) -> None:
        """Sync and handle until stopped. The caller has logged in (`MatrixTransport.login`)."""
        self._engine, self._svc = engine, svc
        now = svc.clock.now()
        async with svc.db.transaction() as conn:
            first_start = await kv.get(conn, FIRST_START)
            if first_start is None:
                await kv.put(conn, FIRST_START, now.isoformat(), now)
        self._first_start = datetime.fromisoformat(first_start) if first_start else now
        if self.t.crypto is not None:  # encryption: a late room key wakes the worker
            self.t.crypto.wake = self._wake.set
        self.t.on_opened_direct = self._record_room
        async with svc.db.read() as conn:
            self.t.known_direct.update(await rooms.ids_of_kind(conn, "direct"))
        self._spawn(self._display_name())  # not on the way to the first answer
        with contextlib.suppress(SendAborted):
            await self._resolve_aliases()
        self._spawn(svc.outbox.run(self.t.stopping))  # what a crash left unsent goes first
        worker = asyncio.create_task(self._worker(), name="tryggbot-worker")
        sync = asyncio.create_task(self._sync_loop(), name="tryggbot-sync")
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

    async def _display_name(self) -> None:
        with contextlib.suppress(SendAborted):
            await self.t.set_display_name(self.settings.matrix.display_name)

    # ------------------------------------------------------------------ sync

    async def _sync_loop(self) -> None:
        svc = self._services()
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
                    timeout=0 if first else self.sync_timeout_ms,
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
                    await self._set_state("disconnected")
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
            if first or self._poll_gap:
                self._poll_gap = False
                self._spawn(self._recover_polls())
            if first:
                first = False
                self.synced.set()
                await self._configured_rooms()

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
        self._joined.update(resp.rooms)
        try:  # an incremental sync brings m.direct only when it changes
            self.t.learn_direct(await self.t.get_account_data("m.direct"))
        except (SendAborted, SendFailed):
            return False
        moderation = self._moderation_room_id()
        if moderation and moderation in self._joined:
            with contextlib.suppress(SendAborted):
                await self.t.rooms.ensure(moderation)
        return True

    async def _ingest(
        self, resp: nio.SyncResponse, *, since: str | None, first_process_sync: bool
    ) -> None:
        """Queue the batch's events and save the token, in one transaction."""
        svc = self._services()
        me = self.t.user_id
        for event in resp.account_data_events:
            if getattr(event, "type", None) == "m.direct":
                self.t.learn_direct(dict(event.content))
        brand_new = since is None
        queued: list[Queued] = []
        new_rooms: list[str] = []
        for room_id, info in resp.rooms.join.items():
            newly_joined = room_id not in self._joined and not first_process_sync
            if room_id not in self._joined:
                self._joined.add(room_id)
                new_rooms.append(room_id)
            if brand_new:
                continue  # a new deployment learns its rooms; it does not answer history
            events = [e.source for e in info.timeline.events]
            if newly_joined:
                events = self._after_own_join(room_id, events)
            elif info.timeline.limited and info.timeline.prev_batch:
                self._poll_gap = True
                events = await self._fill_gap(room_id, info.timeline.prev_batch, since) + events
            is_direct = self._kind(room_id) == "direct"
            for source in events:
                kind = classify(source, me)
                if kind is not None:
                    queued.append(await self._queued(source, room_id, kind, is_direct))
        for room_id in resp.rooms.leave:
            self._joined.discard(room_id)
            self._invites.pop(room_id, None)
            self._invites_answered.discard(room_id)  # a new invite later is a new question
        for room_id, invited in resp.rooms.invite.items():
            self._invites[room_id] = [_invite_source(e) for e in invited.invite_state]
        for room_id in resp.rooms.join:
            self._invites.pop(room_id, None)
        now = svc.clock.now()
        added = 0
        if not (queued or new_rooms or brand_new or first_process_sync) and self._token_fresh():
            # Nothing in this batch to keep (say, only the bot's own replies): its token is
            # saved with the next batch that brings an event, or after TOKEN_SAVE_EVERY. A
            # restart from the older token brings back only events that are not queued.
            if self._invites:
                self._invites_changed()
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
                    self._faults().reached("ingest")
            for room_id in new_rooms:
                await rooms.upsert(conn, self._room_info(room_id), now)
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
        if self._invites:
            self._invites_changed()

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
        svc = self._services()
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
        if self._kind(room_id) == "direct":
            since = self._first_start
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

    # ------------------------------------------------------------------ rooms

    def _directory(self) -> Directory:
        neighbourhood: dict[str, RoomSettings] = {}
        for room in self.settings.rooms:
            room_id = self._alias_ids.get(room.id, room.id)
            neighbourhood[room_id] = room
        return Directory(neighbourhood, self._moderation_room_id())

    def _moderation_room_id(self) -> str | None:
        mod = self.settings.matrix.moderation_room
        return self._alias_ids.get(mod, mod) if mod else None

    def _kind(self, room_id: str) -> RoomKind:
        d = self._directory()
        if room_id == d.moderation:
            return "moderation"
        if room_id in d.neighbourhood:
            return "neighbourhood"
        if self.t.is_direct_room(room_id):
            return "direct"
        return "other"

    async def _record_room(self, room_id: str) -> None:
        """The room's row in the ``room`` table, as the bot knows the room now."""
        svc = self._services()
        async with svc.db.transaction() as conn:
            await rooms.upsert(conn, self._room_info(room_id), svc.clock.now())

    def _room_info(self, room_id: str) -> RoomInfo:
        room = self.t.client.rooms.get(room_id)
        encrypted = bool(room is not None and room.encrypted)
        kind = self._kind(room_id)
        if kind == "neighbourhood":
            conf = self._directory().neighbourhood[room_id]
            return RoomInfo(room_id, kind, conf.locality, conf.area, conf.language, encrypted)
        return RoomInfo(room_id, kind, encrypted=encrypted)

    async def _configured_rooms(self) -> None:
        """Resolve configured aliases; join configured rooms the bot is not in yet."""
        wanted = [r.id for r in self.settings.rooms]
        if self.settings.matrix.moderation_room:
            wanted.append(self.settings.matrix.moderation_room)
        svc = self._services()
        await self._resolve_aliases()
        for ref in wanted:
            if ref.startswith("#") and ref not in self._alias_ids:
                continue
            room_id = self._alias_ids.get(ref, ref)
            if room_id not in self._joined and room_id not in self.t.client.rooms:
                resp = await self.t.call(lambda r=room_id: self.t.client.join(r))  # type: ignore[misc]
                if not isinstance(resp, nio.JoinResponse):
                    log.warning("cannot join configured room %s yet: %s", ref, resp)
                    continue
                log.info("joined configured room %s", room_id)
        known = list(self.t.client.rooms)
        for start in range(0, len(known), 100):  # in slices: answers need not wait for all
            async with svc.db.transaction() as conn:
                for room_id in known[start : start + 100]:
                    await rooms.upsert(conn, self._room_info(room_id), svc.clock.now())

    async def _resolve_aliases(self) -> None:
        """Room ids for the configured aliases (before the first sync, so the first batch
        already knows its neighbourhood rooms; retried later for any that failed)."""
        for ref in self._configured_refs():
            if ref.startswith("#") and ref not in self._alias_ids:
                resp = await self.t.call(
                    lambda r=ref: self.t.client.room_resolve_alias(r),  # type: ignore[misc]
                    what="resolve alias",
                )
                if isinstance(resp, nio.RoomResolveAliasResponse):
                    self._alias_ids[ref] = str(resp.room_id)
                else:
                    log.warning("cannot resolve configured room %s: %s", ref, resp)

    def _invites_changed(self) -> None:
        """Answer pending invites: one pass at a time (a pass started while one runs just
        asks it to look again), so an invite is never answered twice."""
        self._invites_dirty = True
        if self._invite_pass is None or self._invite_pass.done():
            self._invite_pass = asyncio.create_task(self._handle_invites())
            self._background.add(self._invite_pass)
            self._invite_pass.add_done_callback(self._background.discard)

    async def _handle_invites(self) -> None:
        slots = asyncio.Semaphore(INVITE_CONCURRENCY)

        async def answer(room_id: str, state: list[dict[str, Any]]) -> None:
            async with slots:
                try:
                    await self._answer_invite(read_invite(room_id, state, self.t.user_id))
                    self._invites_answered.add(room_id)
                    self._invites.pop(room_id, None)
                except (SendAborted, asyncio.CancelledError):
                    raise
                except Exception:
                    log.exception("answering the invite to %s failed; will retry", room_id)
                finally:
                    self._invites_in_hand.discard(room_id)

        while self._invites_dirty and not self.t.stopping.is_set():
            self._invites_dirty = False
            todo = [
                (room_id, state)
                for room_id, state in list(self._invites.items())
                if room_id not in self._invites_in_hand
                and room_id not in self._invites_answered
                and room_id not in self._joined
            ]
            self._invites_in_hand.update(r for r, _ in todo)
            results = await asyncio.gather(
                *(answer(r, st) for r, st in todo), return_exceptions=True
            )
            for result in results:
                if isinstance(result, SendAborted):
                    return
                if isinstance(result, BaseException) and not isinstance(
                    result, asyncio.CancelledError
                ):
                    log.warning("invite pass: %s", type(result).__name__)

    async def _answer_invite(self, invite: Invite) -> None:
        room_id = invite.room_id
        directory = self._directory()
        configured = room_id in directory.neighbourhood or room_id == directory.moderation
        if not configured:
            configured = bool(
                _invite_aliases(self._invites.get(room_id, [])) & set(self._configured_refs())
            )
        inviter = invite.inviter
        is_mod = inviter is not None and (
            inviter in self.settings.matrix.moderators or await self.is_moderator_by_power(inviter)
        )
        decision = decide_invite(
            invite,
            accept_direct=self.settings.matrix.accept_direct_invites,
            configured=configured,
            inviter_is_moderator=is_mod,
        )
        svc = self._services()
        who = svc.pseudonymize(inviter) if inviter else "unknown"
        if decision == "decline":
            log.info("declining invite to %s from %s", room_id, who)
            await self.t.call(lambda: self.t.client.room_leave(room_id))
            return
        direct = invite.is_direct and inviter is not None and not configured
        if direct:
            # Recorded before joining: whatever happens next (a crash, a stale m.direct), a
            # room joined on a direct-chat invite is a direct chat in our own records.
            self.t.known_direct.add(room_id)
            await self._record_room(room_id)
        resp = await self.t.call(lambda: self.t.client.join(room_id), what="join")
        if not isinstance(resp, nio.JoinResponse):
            log.warning("joining %s failed: %s", room_id, resp)
            return
        if direct and inviter:
            await self.t.remember_direct(inviter, room_id)
        log.info("joined %s (invited by %s, direct=%s)", room_id, who, invite.is_direct)

    def _configured_refs(self) -> list[str]:
        refs = [r.id for r in self.settings.rooms]
        if self.settings.matrix.moderation_room:
            refs.append(self.settings.matrix.moderation_room)
        return refs

    # ------------------------------------------------------------------ worker

    async def _worker(self) -> None:
        """Hand inbox events to the engine: in order within a lane (one room and person),
        lanes in parallel (at most ``WORKER_CONCURRENCY`` events at once), so one slow or
        flooding sender never holds up the others."""
        svc = self._services()
        lanes: dict[tuple[str, str], list[InboxEvent]] = {}
        running: dict[tuple[str, str], asyncio.Task[None]] = {}
        dispatched: set[str] = set()
        slots = FairSlots(WORKER_CONCURRENCY)  # a newcomer goes before a busy sender's next
        dirty = truncated = False

        async def lane(key: tuple[str, str]) -> None:
            queue = lanes[key]
            ON_BEHALF.set(key[1])  # this lane's task only: its sends take the person's turn
            try:
                while queue and not self.t.stopping.is_set():
                    row = queue.pop(0)
                    try:
                        with self.t.stages.handling(row.event_id):
                            self.t.stages.mark("worker")
                            async with slots.hold(key[1]):
                                self.t.stages.mark("worker_slot")
                                await self._handle(row)
                    finally:
                        dispatched.discard(row.event_id)
            finally:
                lanes.pop(key, None)
                running.pop(key, None)
                if not running or truncated:
                    self._wake.set()  # look again: for the rest of a long backlog, or to tidy

        try:
            while True:
                self._wake.clear()
                if self.t.stopping.is_set():
                    return
                crypto = self.t.crypto
                waiting = crypto.waiting_count if crypto is not None else 0
                async with svc.db.read() as conn:
                    batch = await inbox.pending(conn, 500 + waiting, other_than_suffix=WEB_SUFFIX)
                truncated = len(batch) == 500 + waiting
                if crypto is not None:  # encryption: events waiting for their key stay put
                    batch = crypto.ready(batch, svc.clock.now())
                fresh = [row for row in batch if row.event_id not in dispatched]
                for row in fresh:
                    dispatched.add(row.event_id)
                    key = (row.room_id, row.person or row.event_id)
                    lanes.setdefault(key, []).append(row)
                    if key not in running:
                        running[key] = asyncio.create_task(lane(key))
                    dirty = True
                if not batch and not running and dirty:
                    # Drained: fold the WAL (handled events leave no -wal frames behind),
                    # once the inbox has stayed empty for a moment, off the reply path.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), CHECKPOINT_AFTER)
                    if not self._wake.is_set():
                        await svc.db.checkpoint()
                        dirty = False
                    continue
                await self._sleep_until_woken()
        finally:
            # Stopping: each lane finishes the event in hand; the rest stays in the inbox.
            if running:
                await asyncio.gather(*running.values(), return_exceptions=True)

    async def _handle(self, row: InboxEvent) -> None:
        svc = self._services()
        engine = self._engine
        assert engine is not None
        try:
            opened = replace(row, payload=svc.sealer.open(row.payload, INBOX_PURPOSE))
            item = from_payload(opened.payload)
            if self.t.crypto is not None and isinstance(item, EncryptedEvent):
                # encryption: decrypt now (late key), wait for the key, or explain
                resolved = await self.t.crypto.resolve(opened, svc.clock.now())
                if resolved is Decision.WAIT:
                    return
                if resolved is Decision.EXPLAIN:
                    await explain_undecryptable(svc, item.room_id, item.event_id, item.sender)
                item = None if isinstance(resolved, Decision) else resolved
            if isinstance(item, IncomingMessage):
                if row.person is None:  # queued before roles were resolved at ingest
                    await engine.handle(item)
                else:
                    await engine.handle(item, person=row.person, role=Role(row.role))
                return
            if isinstance(item, IncomingReaction):
                await engine.handle_reaction(item)
                return
            if isinstance(item, IncomingPollEvent):
                await engine.handle_poll([item])
            elif isinstance(item, EncryptedEvent):
                await self._explain_encrypted(item)
        except SendAborted:
            log.info("stopping: event %s stays in the inbox", row.event_id)
            return
        except Exception:
            async with svc.db.transaction() as conn:
                attempts = await inbox.record_attempt(conn, row.event_id)
            log.exception("handling event %s failed (attempt %d)", row.event_id, attempts)
            svc.metrics.incident()
            if attempts < MAX_ATTEMPTS:
                return
        async with svc.db.transaction() as conn:
            await inbox.mark_handled(conn, row.event_id, svc.clock.now())

    async def _explain_encrypted(self, event: EncryptedEvent) -> None:
        """Tell the person, in their language, how to reach the bot in a chat it can read."""
        svc = self._services()
        if not event.sender.strip():
            log.warning("encrypted event %s has no sender; nobody to explain to", event.event_id)
            return
        person = svc.pseudonymize(event.sender)
        room_key = svc.pseudonymize(event.room_id, purpose="room")
        key = f"matrix.encrypted_notice.{person}.{room_key}"
        now = svc.clock.now()
        async with svc.db.read() as conn:
            seen = await kv.get_entry(conn, key)
            stored = await people.get(conn, person)
            room = await rooms.get(conn, event.room_id)
        log.info("undecryptable event %s in room %s from %s", event.event_id, room_key, person)
        if seen is not None and now - seen.updated_at < ENCRYPTED_NOTICE_EVERY:
            return
        lang = (stored.language if stored else None) or (room.language if room else None)
        lang = lang or self.settings.language.default
        dm = await self.t.direct_room(event.sender)
        text = svc.catalog.t(lang, "matrix.encrypted.explain")
        await svc.messenger.send(Outgoing(room_id=dm, text=text, txn_key=f"{event.event_id}/enc"))
        async with svc.db.transaction() as conn:
            await kv.put(conn, key, now.isoformat(), now)
        log.info("explained encryption to %s in a readable direct chat", person)

    async def _recover_polls(self) -> None:
        """After a (re)start or a gap: read every response to the open native polls from
        ``/relations``; responses are stored by event id, so none is counted twice."""
        from bot.matrix.polls import recover

        svc, engine = self._services(), self._engine
        assert engine is not None
        async with svc.db.read() as conn:
            starts = await polls.open_starts(conn)
        if not starts:
            return
        try:
            n = await recover(self.t.get_json, starts, self.t.user_id, engine.handle_poll)
        except SendAborted:
            return  # stopping; the next start recovers again
        except Exception:
            log.exception("recovering poll responses failed; tried again at the next start")
            return
        log.info("recovered %d poll events for %d open polls", n, len(starts))

    async def _sleep_until_woken(self) -> None:
        """Until new work arrives, or (encryption) the next waiting event's time is up."""
        crypto = self.t.crypto
        deadline = crypto.next_deadline() if crypto is not None else None
        if deadline is None:
            await self._wake.wait()
            return
        delay = max(0.05, (deadline - self._services().clock.now()).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)

    # ------------------------------------------------------------------ helpers

    def _faults(self) -> FaultInjection:
        return self._engine.faults if self._engine is not None else NO_FAULTS

    def _services(self) -> Services:
        assert self._svc is not None
        return self._svc

    async def _set_state(self, state: str) -> None:
        svc = self._services()
        self._token_saved = None  # the next batch is saved, and says "connected" again
        with contextlib.suppress(Exception):
            async with svc.db.transaction() as conn:
                await kv.put(conn, STATE, state, svc.clock.now())

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _invite_source(event: Any) -> dict[str, Any]:
    """The stripped-state event as JSON (nio moves ``content`` out of ``source``)."""
    source = dict(getattr(event, "source", {}) or {})
    if "content" not in source:
        if isinstance(getattr(event, "content", None), dict):
            source["content"] = event.content
        elif isinstance(getattr(event, "canonical_alias", None), str):
            source["content"] = {"alias": event.canonical_alias}
    return source


def _invite_aliases(state: list[dict[str, Any]]) -> set[str]:
    """Aliases named in an invite's stripped state (``m.room.canonical_alias``)."""
    out: set[str] = set()
    for event in state:
        if event.get("type") == "m.room.canonical_alias":
            content = event.get("content") or {}
            alias = content.get("alias")
            if isinstance(alias, str):
                out.add(alias)
            alt = content.get("alt_aliases")
            if isinstance(alt, list):
                out.update(a for a in alt if isinstance(a, str))
    return out


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
