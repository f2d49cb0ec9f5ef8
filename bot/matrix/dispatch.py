"""Dispatch: one inbox event to the engine. The payload is opened, an encrypted event is
decrypted (or waits for its key, or is explained), and our dataclass goes to the engine;
then the event is marked handled. A failure is retried up to ``MAX_ATTEMPTS`` times; while
stopping, the event stays in the inbox for the next start."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.commands import Role
from bot.context import Services
from bot.engine import Engine
from bot.matrix.convert import EncryptedEvent, from_payload
from bot.matrix.crypto import Decision
from bot.matrix.failures import SendAborted
from bot.matrix.notices import explain_encrypted, explain_undecryptable
from bot.matrix.sync import INBOX_PURPOSE
from bot.matrix.transport import MatrixTransport
from bot.messages import IncomingMessage, IncomingPollEvent, IncomingReaction
from storage import inbox
from storage.inbox import InboxEvent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class Dispatcher:
    def __init__(self, transport: MatrixTransport, engine: Engine, svc: Services) -> None:
        self.t = transport
        self.engine = engine
        self.svc = svc

    async def handle(self, row: InboxEvent) -> None:
        svc, engine = self.svc, self.engine
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
                await explain_encrypted(svc, self.t, item)
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
