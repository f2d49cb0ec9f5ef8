"""What the bot says when it cannot read a message: in a room it cannot decrypt at all (no
encryption configured), and in an encrypted room whose key never came."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.context import Services
from bot.matrix.convert import EncryptedEvent
from bot.matrix.transport import MatrixTransport
from bot.messages import Outgoing
from storage import kv, people, rooms

log = logging.getLogger(__name__)

ENCRYPTED_NOTICE_EVERY = timedelta(hours=24)


async def explain_encrypted(svc: Services, t: MatrixTransport, event: EncryptedEvent) -> None:
    """Tell the person, in their language, how to reach the bot in a chat it can read: in a
    new unencrypted direct chat, at most once a day per person and room."""
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
    lang = lang or t.settings.language.default
    dm = await t.direct_room(event.sender)
    text = svc.catalog.t(lang, "matrix.encrypted.explain")
    await svc.messenger.send(Outgoing(room_id=dm, text=text, txn_key=f"{event.event_id}/enc"))
    async with svc.db.transaction() as conn:
        await kv.put(conn, key, now.isoformat(), now)
    log.info("explained encryption to %s in a readable direct chat", person)


async def explain_undecryptable(svc: Services, room_id: str, event_id: str, sender: str) -> None:
    """Once per room: say, in the room's language, that a message could not be read and what
    the sender can do. The room is encrypted, so the explanation is too."""
    room_key = svc.pseudonymize(room_id, purpose="room")
    key = f"matrix.undecryptable_notice.{room_key}"
    now = svc.clock.now()
    async with svc.db.read() as conn:
        seen = await kv.get(conn, key)
        room = await rooms.get(conn, room_id)
        person = await people.get(conn, svc.pseudonymize(sender)) if sender.strip() else None
    log.info("event %s in room %s stayed undecryptable", event_id, room_key)
    if seen is not None:
        return
    lang = (room.language if room else None) or (person.language if person else None)
    lang = lang or svc.settings.language.default
    text = svc.catalog.t(lang, "encryption.undecryptable")
    await svc.messenger.send(
        Outgoing(room_id=room_id, text=text, txn_key=f"undecryptable/{room_key}")
    )
    async with svc.db.transaction() as conn:
        await kv.put(conn, key, now.isoformat(), now)
