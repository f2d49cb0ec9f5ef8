"""nio's record of a room, loaded on demand.

After a restart the bot's first sync is incremental: it brings only the rooms with something
new, so the first answer does not wait for the full state of every room the bot is in (a
thousand direct chats make that sync take seconds). A room nio has not seen yet in this
process is loaded when something needs it (sending there with encryption on, checking who is
in a direct chat, power levels in the moderation room) from its current state, once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nio

log = logging.getLogger(__name__)

Call = Callable[..., Awaitable[Any]]


class RoomLoader:
    """Loads rooms into a nio client's ``rooms`` from ``GET /rooms/{id}/state``."""

    def __init__(self, client: nio.AsyncClient, call: Call) -> None:
        self._client = client
        self._call = call
        self._locks: dict[str, asyncio.Lock] = {}
        self._full: set[str] = set()  # rooms whose whole state this loader has applied

    async def ensure(self, room_id: str, *, full: bool = False) -> nio.MatrixRoom | None:
        """nio's room, loaded now if this process has not seen it; None if the bot cannot
        read the room's state (not a member). ``full``: also when nio knows the room only
        from incremental syncs, which carry what changed, not who is in it."""
        room = self._client.rooms.get(room_id)
        if room is not None and (not full or room_id in self._full):
            return room
        # One lock per room, kept (at most one per room the bot is in): dropping it when it
        # looks free would let a third caller load the room beside a waiter woken a moment ago.
        async with self._locks.setdefault(room_id, asyncio.Lock()):
            room = self._client.rooms.get(room_id)
            if room is not None and (not full or room_id in self._full):
                return room
            resp = await self._call(lambda: self._client.room_get_state(room_id), what="room state")
            if not isinstance(resp, nio.RoomGetStateResponse):
                log.info("cannot load room %s: %s", room_id, getattr(resp, "message", resp))
                return self._client.rooms.get(room_id)
            self._full.add(room_id)
            return self._apply(room_id, resp.events)

    def _apply(self, room_id: str, events: list[dict[str, Any]]) -> nio.MatrixRoom:
        """The room's current state into nio's room (made if missing; a sync may have
        brought it meanwhile, and then the state only fills in what it lacks)."""
        client = self._client
        assert client.user_id is not None
        room = client.rooms.get(room_id) or nio.MatrixRoom(
            room_id, client.user_id, room_id in client.encrypted_rooms
        )
        for source in events:
            event = nio.Event.parse_event(source)
            if not isinstance(event, nio.Event):
                continue
            if isinstance(event, nio.RoomMemberEvent):
                room.handle_membership(event)
            else:
                room.handle_event(event)
        if room.encrypted and room_id not in client.encrypted_rooms:
            client.encrypted_rooms.add(room_id)
            if client.store is not None:
                client.store.save_encrypted_rooms([room_id])
        client.rooms[room_id] = room
        if room.encrypted and client.olm is not None:
            # as nio does for a room from a sync: its members' devices get the room key
            client.olm.update_tracked_users(room)
        return room
