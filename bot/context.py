"""What a handler gets: the message, who sent it (as a pseudonym), their language and role,
the services, and an outbox.  Replies are queued; the engine writes them to the outbox table
in the same transaction as the handler's state changes and sends them after the commit, so
the bot never talks about something it did not store, and never says it twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import aiosqlite

from bot.clock import Clock
from bot.i18n import Catalog
from bot.messages import IncomingMessage, Outgoing
from bot.messenger import Messenger
from bot.metrics import Metrics
from bot.pseudonym import Pseudonymizer, is_pseudonym
from bot.registry import Registry
from bot.roles import Role, RoleResolver
from bot.sealing import Sealer
from config.settings import Settings
from storage.db import Database
from storage.rooms import RoomInfo

if TYPE_CHECKING:
    from bot.language import LanguageDetector
    from bot.outbox import OutboxSender
    from bot.signals import SignalDetector, Signals


class Conversations(Protocol):
    """What handlers may ask of the conversation engine (`bot.conversation.ConversationEngine`,
    which imports this module, so it is described here rather than named)."""

    async def start(
        self,
        ctx: Context,
        flow_name: str,
        data: Mapping[str, Any] | None = None,
        *,
        room_key: str | None = None,
    ) -> str: ...

    async def start_in(
        self,
        ctx: Context,
        conn: aiosqlite.Connection,
        flow_name: str,
        data: Mapping[str, Any] | None,
        *,
        room_key: str,
        person: str,
        lang: str | None = None,
    ) -> str: ...

    async def feed(self, ctx: Context, text: str) -> bool: ...

    async def back(self, ctx: Context) -> bool: ...

    async def cancel(self, ctx: Context) -> bool: ...


@dataclass
class Services:
    """Everything long-lived a handler may use. Built once by the composition root."""

    settings: Settings
    db: Database
    catalog: Catalog
    detector: LanguageDetector
    signals: SignalDetector
    pseudonymize: Pseudonymizer
    messenger: Messenger
    clock: Clock
    roles: RoleResolver
    sealer: Sealer
    conversations: Conversations
    """Starts, advances and cancels the registered flows (built once, over ``registry``)."""
    outbox: OutboxSender
    """Delivers outbox rows; call ``wake()`` after enqueuing from a job (see bot/outbox.py)."""
    registry: Registry[Context, Services, Any] = field(default_factory=Registry)
    """What the features declared (`bot.commands.Registry`; its flows are `bot.conversation.Flow`,
    named here only as ``Any`` because that module imports this one)."""
    metrics: Metrics = field(default_factory=Metrics)


@dataclass
class Context:
    msg: IncomingMessage
    person: str
    lang: str
    role: Role
    room: RoomInfo | None
    svc: Services
    outbox: list[Outgoing] = field(default_factory=list)
    deferred: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    kept: int = 0  # replies queued before the router ran; an error does not withdraw them
    possibly_urgent: bool = False  # add the 112 line to the answer (see safety_notice.add_112_line)
    notice_shown_at: datetime | None = None
    """When the safety notice was last shown to this person, as read with their language at
    the start of the unit of work (the engine reads the person's row once)."""
    _signals: dict[str, Signals] = field(default_factory=dict, repr=False)

    def signals(self, text: str) -> Signals:
        """The safety signals of ``text`` (`bot.signals`), read once per text while this
        message is handled: the engine's safety check and a handler's look at the same
        words cost one detection."""
        found = self._signals.get(text)
        if found is None:
            found = self._signals[text] = self.svc.signals.detect(text)
        return found

    def __post_init__(self) -> None:
        # ``person`` is the one key of the sender in every feature (conversations, tips,
        # subscriptions, poll and survey voters): never empty, never a raw id.
        if not is_pseudonym(self.person):
            raise ValueError("a Context needs the sender's pseudonym")

    @property
    def is_direct(self) -> bool:
        return self.msg.is_direct or (self.room is not None and self.room.kind == "direct")

    @property
    def room_kind(self) -> str:
        """``direct``, ``moderation``, ``neighbourhood`` or ``other``."""
        if self.room is not None:
            return self.room.kind
        return "direct" if self.msg.is_direct else "other"

    @property
    def room_key(self) -> str:
        return self.svc.pseudonymize(self.msg.room_id, purpose="room")

    def t(self, key: str, /, **params: Any) -> str:
        return self.svc.catalog.t(self.lang, key, **params)

    def reply(self, key: str, /, **params: Any) -> None:
        """Queue a catalogue string as an answer in the sender's room."""
        self.reply_text(self.t(key, **params))

    def reply_text(self, text: str) -> None:
        self.outbox.append(
            Outgoing(
                room_id=self.msg.room_id,
                text=text,
                reply_to=None if self.is_direct else self.msg.event_id,
                thread_root=self.msg.thread_root,
                lang=self.lang,
            )
        )

    def send(self, out: Outgoing) -> None:
        """Queue a message to any room (stored with the handler's changes, sent after)."""
        self.outbox.append(out)

    def after_commit(self, work: Callable[[], Awaitable[object]]) -> None:
        """Run ``work`` once the event's transaction has committed (e.g. network calls whose
        result must be stored, like posting a card). It may be lost to a crash: use it only
        for work that a job catches up on."""
        self.deferred.append(work)
