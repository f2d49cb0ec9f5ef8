"""How handlers talk back, whatever the transport."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Outgoing


class Messenger(Protocol):
    async def send(self, out: Outgoing) -> str | None:
        """Send a notice; return its event id (None if the transport has none)."""
        ...

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        """Put a reaction on an event."""
        ...

    async def direct_room(self, user_id: str) -> str:
        """The id of a direct chat with ``user_id``, created (and the user invited) if needed."""
        ...
