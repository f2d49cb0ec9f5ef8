"""How handlers talk back, whatever the transport."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Outgoing


class DeliveryRefused(Exception):
    """The other side refused a message for good (retrying cannot help)."""


class DeliveryPostponed(Exception):
    """The message could not be delivered now (e.g. the bot is stopping); try again later."""


class Messenger(Protocol):
    async def send(self, out: Outgoing) -> str | None:
        """Send a notice; return its event id (None if the transport has none).

        ``out.txn_key``, when set, is used as the transaction id as it is, so sending the
        same key again (after a crash) is deduplicated. Raises `DeliveryRefused` if the
        message is refused for good, `DeliveryPostponed` if it must wait."""
        ...

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        """Put a reaction on an event."""
        ...

    async def direct_room(self, user_id: str) -> str:
        """The id of a direct chat with ``user_id``, created (and the user invited) if needed."""
        ...

    def known_direct_room(self, user_id: str) -> str | None:
        """A direct chat with ``user_id`` the bot already has, found without the network."""
        ...
