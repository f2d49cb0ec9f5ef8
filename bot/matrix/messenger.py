"""`bot.messenger.Messenger` over Matrix: what the outbox's rows become on the wire (notices
with HTML, replies, threads, mentions, images, native polls), sent through the transport."""

from __future__ import annotations

import logging

from bot.matrix import polls
from bot.matrix.convert import message_content, reaction_content, transaction_id
from bot.matrix.media import send_image
from bot.matrix.transport import MatrixTransport
from bot.messages import Outgoing
from bot.render import plain

log = logging.getLogger(__name__)


class MatrixMessenger:
    """`bot.messenger.Messenger` over Matrix: notices with HTML, replies, threads, mentions."""

    def __init__(self, transport: MatrixTransport) -> None:
        self._t = transport

    async def send(self, out: Outgoing) -> str | None:
        if out.image is not None:
            return await send_image(self._t, out)
        event_type = "m.room.message"
        if out.poll is not None:
            event_type, content = polls.START, polls.start_content(out.poll, plain(out.text))
        elif out.poll_end is not None:
            event_type, content = polls.END, polls.end_content(out.poll_end, plain(out.text))
        else:
            content = message_content(out)
        txn = transaction_id(out.txn_key, out.room_id, content)
        room = self._t.client.rooms.get(out.room_id)
        if room is not None and room.encrypted and self._t.crypto is None:
            log.warning("room %s is encrypted; this notice goes out unencrypted", out.room_id)
        return await self._t.send_event(out.room_id, event_type, content, txn)

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        content = reaction_content(event_id, key)
        txn = transaction_id(f"react/{event_id}/{key}", room_id, content)
        await self._t.send_event(room_id, "m.reaction", content, txn)

    async def direct_room(self, user_id: str) -> str:
        return await self._t.direct_room(user_id)

    def known_direct_room(self, user_id: str) -> str | None:
        return self._t.known_direct_room(user_id)
