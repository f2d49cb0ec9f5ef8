"""Invites: direct chats from anyone (if allowed), group rooms only from moderators or when
the room is in the config; everything else is declined. Invites seen in a sync are answered
in passes, one pass at a time, so an invite is never answered twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import nio

from bot.context import Services
from bot.matrix.convert import Invite, decide_invite, read_invite
from bot.matrix.directory import RoomDirectory
from bot.matrix.failures import SendAborted
from bot.matrix.transport import MatrixTransport

log = logging.getLogger(__name__)

INVITE_CONCURRENCY = 8

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


class Invites:
    """The invites of one bot account: those pending, in hand and answered."""

    def __init__(
        self,
        transport: MatrixTransport,
        directory: RoomDirectory,
        svc: Services,
        joined: set[str],
        spawn: Spawn,
    ) -> None:
        self.t = transport
        self.settings = transport.settings
        self.directory = directory
        self.svc = svc
        self._joined = joined  # shared with the sync: the rooms the bot is in
        self._spawn = spawn
        self._invites: dict[str, list[dict[str, Any]]] = {}
        self._in_hand: set[str] = set()
        self._answered: set[str] = set()
        self._dirty = False
        self._pass: asyncio.Task[None] | None = None

    @property
    def pending(self) -> bool:
        return bool(self._invites)

    def take(self, resp: nio.SyncResponse) -> None:
        """What a sync says about invites: rooms left, invites received, rooms joined."""
        for room_id in resp.rooms.leave:
            self._invites.pop(room_id, None)
            self._answered.discard(room_id)  # a new invite later is a new question
        for room_id, invited in resp.rooms.invite.items():
            self._invites[room_id] = [_invite_source(e) for e in invited.invite_state]
        for room_id in resp.rooms.join:
            self._invites.pop(room_id, None)

    def changed(self) -> None:
        """Answer pending invites: one pass at a time (a pass started while one runs just
        asks it to look again), so an invite is never answered twice."""
        self._dirty = True
        if self._pass is None or self._pass.done():
            self._pass = self._spawn(self._handle_invites())

    async def _handle_invites(self) -> None:
        slots = asyncio.Semaphore(INVITE_CONCURRENCY)

        async def answer(room_id: str, state: list[dict[str, Any]]) -> None:
            async with slots:
                try:
                    await self._answer_invite(read_invite(room_id, state, self.t.user_id))
                    self._answered.add(room_id)
                    self._invites.pop(room_id, None)
                except (SendAborted, asyncio.CancelledError):
                    raise
                except Exception:
                    log.exception("answering the invite to %s failed; will retry", room_id)
                finally:
                    self._in_hand.discard(room_id)

        while self._dirty and not self.t.stopping.is_set():
            self._dirty = False
            todo = [
                (room_id, state)
                for room_id, state in list(self._invites.items())
                if room_id not in self._in_hand
                and room_id not in self._answered
                and room_id not in self._joined
            ]
            self._in_hand.update(r for r, _ in todo)
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
        directory = self.directory.directory()
        configured = room_id in directory.neighbourhood or room_id == directory.moderation
        if not configured:
            configured = bool(
                _invite_aliases(self._invites.get(room_id, []))
                & set(self.directory.configured_refs())
            )
        inviter = invite.inviter
        is_mod = inviter is not None and (
            inviter in self.settings.matrix.moderators
            or await self.directory.is_moderator_by_power(inviter)
        )
        decision = decide_invite(
            invite,
            accept_direct=self.settings.matrix.accept_direct_invites,
            configured=configured,
            inviter_is_moderator=is_mod,
        )
        who = self.svc.pseudonymize(inviter) if inviter else "unknown"
        if decision == "decline":
            log.info("declining invite to %s from %s", room_id, who)
            await self.t.call(lambda: self.t.client.room_leave(room_id))
            return
        direct = invite.is_direct and inviter is not None and not configured
        if direct:
            # Recorded before joining: whatever happens next (a crash, a stale m.direct), a
            # room joined on a direct-chat invite is a direct chat in our own records.
            self.t.known_direct.add(room_id)
            await self.directory.record(self.svc, room_id)
        resp = await self.t.call(lambda: self.t.client.join(room_id), what="join")
        if not isinstance(resp, nio.JoinResponse):
            log.warning("joining %s failed: %s", room_id, resp)
            return
        if direct and inviter:
            await self.t.remember_direct(inviter, room_id)
        log.info("joined %s (invited by %s, direct=%s)", room_id, who, invite.is_direct)


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
