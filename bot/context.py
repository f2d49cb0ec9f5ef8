"""What a handler gets: the message, who sent it (as a pseudonym), their language and role,
the services, and an outbox.  Replies are queued and sent after the handler returns, so a
handler always commits before the bot talks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.commands import Registry, Role
from bot.i18n import Catalog
from bot.messages import IncomingMessage, Outgoing
from bot.messenger import Messenger
from bot.metrics import Metrics
from bot.pseudonym import Pseudonymizer
from config.settings import Settings
from storage.db import Database
from storage.rooms import RoomInfo

if TYPE_CHECKING:
    from bot.conversation import ConversationEngine
    from bot.language import LanguageDetector
    from bot.roles import RoleResolver
    from bot.signals import SignalDetector


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
    registry: Registry = field(default_factory=Registry)
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def conversations(self) -> ConversationEngine:
        """The conversation engine over the registered flows (stateless, cheap to make)."""
        from bot.conversation import ConversationEngine

        return ConversationEngine(self.registry.flows)


@dataclass
class Context:
    msg: IncomingMessage
    person: str
    lang: str
    role: Role
    room: RoomInfo | None
    svc: Services
    outbox: list[Outgoing] = field(default_factory=list)
    sent: int = 0  # replies already sent for this message: numbers their transaction ids
    possibly_urgent: bool = False  # add the 112 line to the answer (see engine.add_112_line)

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
            )
        )

    def send(self, out: Outgoing) -> None:
        """Queue a message to any room (sent after the handler returns)."""
        self.outbox.append(out)
