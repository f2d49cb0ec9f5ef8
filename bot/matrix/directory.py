"""The room directory: which rooms are the configured neighbourhood rooms and the moderation
room (aliases resolved to ids), what kind every other room is, the ``room`` table's row for a
room, and the moderators by power level in the moderation room."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import nio

from bot.context import Services
from bot.matrix.transport import MatrixTransport
from config.matrix import RoomSettings
from storage import rooms
from storage.rooms import RoomInfo, RoomKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Directory:
    """Where the configured rooms are: ids (aliases resolved) to their settings."""

    neighbourhood: dict[str, RoomSettings]
    moderation: str | None


class RoomDirectory:
    """The configured rooms of one bot account, as far as the homeserver has told us."""

    def __init__(self, transport: MatrixTransport) -> None:
        self.t = transport
        self.settings = transport.settings
        self.alias_ids: dict[str, str] = {}

    async def is_moderator_by_power(self, user_id: str) -> bool:
        """Power level in the moderation room at least ``moderator_power_level``."""
        room_id = self.moderation_room_id()
        room = self.t.client.rooms.get(room_id) if room_id else None
        if room is None:
            return False
        level: int = room.power_levels.get_user_level(user_id)
        return level >= self.settings.matrix.moderator_power_level

    def directory(self) -> Directory:
        neighbourhood: dict[str, RoomSettings] = {}
        for room in self.settings.rooms:
            room_id = self.alias_ids.get(room.id, room.id)
            neighbourhood[room_id] = room
        return Directory(neighbourhood, self.moderation_room_id())

    def moderation_room_id(self) -> str | None:
        mod = self.settings.matrix.moderation_room
        return self.alias_ids.get(mod, mod) if mod else None

    def configured_refs(self) -> list[str]:
        """The configured rooms as written in the settings (ids or aliases)."""
        refs = [r.id for r in self.settings.rooms]
        if self.settings.matrix.moderation_room:
            refs.append(self.settings.matrix.moderation_room)
        return refs

    def kind(self, room_id: str) -> RoomKind:
        d = self.directory()
        if room_id == d.moderation:
            return "moderation"
        if room_id in d.neighbourhood:
            return "neighbourhood"
        if self.t.is_direct_room(room_id):
            return "direct"
        return "other"

    def room_info(self, room_id: str) -> RoomInfo:
        room = self.t.client.rooms.get(room_id)
        encrypted = bool(room is not None and room.encrypted)
        kind = self.kind(room_id)
        if kind == "neighbourhood":
            conf = self.directory().neighbourhood[room_id]
            return RoomInfo(room_id, kind, conf.locality, conf.area, conf.language, encrypted)
        return RoomInfo(room_id, kind, encrypted=encrypted)

    async def record(self, svc: Services, room_id: str) -> None:
        """The room's row in the ``room`` table, as the bot knows the room now."""
        async with svc.db.transaction() as conn:
            await rooms.upsert(conn, self.room_info(room_id), svc.clock.now())

    async def resolve_aliases(self) -> None:
        """Room ids for the configured aliases (before the first sync, so the first batch
        already knows its neighbourhood rooms; retried later for any that failed)."""
        for ref in self.configured_refs():
            if ref.startswith("#") and ref not in self.alias_ids:
                resp = await self.t.call(
                    lambda r=ref: self.t.client.room_resolve_alias(r),  # type: ignore[misc]
                    what="resolve alias",
                )
                if isinstance(resp, nio.RoomResolveAliasResponse):
                    self.alias_ids[ref] = str(resp.room_id)
                else:
                    log.warning("cannot resolve configured room %s: %s", ref, resp)

    async def join_configured(self, svc: Services, joined: set[str]) -> None:
        """Resolve configured aliases; join configured rooms the bot is not in yet; record
        every room the client knows."""
        wanted = [r.id for r in self.settings.rooms]
        if self.settings.matrix.moderation_room:
            wanted.append(self.settings.matrix.moderation_room)
        await self.resolve_aliases()
        for ref in wanted:
            if ref.startswith("#") and ref not in self.alias_ids:
                continue
            room_id = self.alias_ids.get(ref, ref)
            if room_id not in joined and room_id not in self.t.client.rooms:
                resp = await self.t.call(lambda r=room_id: self.t.client.join(r))  # type: ignore[misc]
                if not isinstance(resp, nio.JoinResponse):
                    log.warning("cannot join configured room %s yet: %s", ref, resp)
                    continue
                log.info("joined configured room %s", room_id)
        known = list(self.t.client.rooms)
        for start in range(0, len(known), 100):  # in slices: answers need not wait for all
            async with svc.db.transaction() as conn:
                for room_id in known[start : start + 100]:
                    await rooms.upsert(conn, self.room_info(room_id), svc.clock.now())
