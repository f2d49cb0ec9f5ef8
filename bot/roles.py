"""Who is a moderator: listed in the config, or (Matrix) power level in the moderation room."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Protocol


class Role(enum.IntEnum):
    RESIDENT = 0
    MODERATOR = 1


class RoleResolver(Protocol):
    async def role_of(self, sender: str) -> Role: ...


class ConfigRoles:
    """Moderators from the config list, plus an optional extra check (e.g. power levels)."""

    def __init__(
        self,
        moderators: tuple[str, ...],
        extra: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        self._moderators = frozenset(moderators)
        self._extra = extra

    async def role_of(self, sender: str) -> Role:
        if sender in self._moderators:
            return Role.MODERATOR
        if self._extra is not None and await self._extra(sender):
            return Role.MODERATOR
        return Role.RESIDENT
