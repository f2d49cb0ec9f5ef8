"""Test harness: the real engine, router, conversation engine and a real SQLite file, with
hand-written fakes at the edges (messenger, clock). Tests read like transcripts:

    replies = await bot.say("!hjälp", as_=RESIDENT)
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.app import App, build_app
from bot.commands import Registry
from bot.context import Services
from bot.engine import InlineReplies
from bot.matrix.convert import keeps_sender
from bot.messages import Image, IncomingMessage, Outgoing
from bot.render import plain
from bot.roles import ConfigRoles
from config.base import EXAMPLE_PATH
from config.settings import Secrets, Settings, parse_settings
from storage import conversations
from storage.conversations import ConversationRow
from storage.rooms import RoomInfo

RESIDENT = "@resident:test.local"
RESIDENT2 = "@resident2:test.local"
MODERATOR = "@moderator:test.local"
MODERATION_ROOM = "!moderation:test.local"
GRONDAL_ROOM = "!grondal:test.local"
TEST_KEY = b"test-pseudonym-key-0123456789abcdef"


def example_data() -> dict[str, Any]:
    with EXAMPLE_PATH.open("rb") as fh:
        return tomllib.load(fh)


def make_settings(**overrides: Any) -> Settings:
    """The example settings with dotted-key overrides, e.g. ``{"limits.flood_messages": 3}``."""
    data = example_data()
    data["matrix"]["moderators"] = [MODERATOR]
    data["matrix"]["moderation_room"] = MODERATION_ROOM
    data["limits"]["flood_messages"] = 1000  # transcripts type fast; flood tests lower it
    # Tests run as a kommun that has decided its retention (the example has not); tests of
    # the undecided case set "retention.decision" back to "".
    data["retention"]["decision"] = "KS 2026/1, dokumenthanteringsplan (test)"
    data["rooms"] = [
        {"id": GRONDAL_ROOM, "locality": "varnamo", "area": "Gröndal", "language": "sv"}
    ]
    return parse_settings(with_overrides(data, overrides))


def with_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set dotted keys (``"limits.flood_messages"``) in parsed TOML data; returns ``data``."""
    for dotted, value in overrides.items():
        node = data
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return data


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


@dataclass
class Reaction:
    room_id: str
    event_id: str
    key: str


@dataclass
class FakeMessenger:
    """Records what the bot sends; returns predictable event ids."""

    sent: list[Outgoing] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)  # the images among ``sent``, in order
    opened_direct: list[str] = field(default_factory=list)  # users whose direct chat was opened
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def send(self, out: Outgoing) -> str | None:
        self.sent.append(out)
        if out.image is not None:
            self.images.append(out.image)
        return f"$out{next(self._ids)}:test.local"

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        self.reactions.append(Reaction(room_id, event_id, key))

    async def direct_room(self, user_id: str) -> str:
        """Opens the chat (a real transport asks the homeserver: never inside a unit of work)."""
        self.opened_direct.append(user_id)
        return dm_room(user_id)

    def known_direct_room(self, user_id: str) -> str | None:
        return dm_room(user_id) if user_id in self.opened_direct else None


def raw_bytes(db_path: Path) -> bytes:
    """Every byte of the SQLite database at ``db_path`` and of its -wal, -shm and -journal
    files (those that exist)."""
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        f = Path(str(db_path) + suffix)
        if f.exists():
            data += f.read_bytes()
    return data


def dm_room(user_id: str) -> str:
    """The direct chat with ``user_id``: an opaque id, as real Matrix room ids are."""
    return "!dm" + hashlib.sha256(user_id.encode()).hexdigest()[:12] + ":test.local"


class Harness:
    def __init__(
        self,
        tmp_path: Path,
        settings: Settings | None = None,
        extra: list[Callable[[Registry], None]] | None = None,
    ) -> None:
        self.db_path = tmp_path / "tryggbot.sqlite3"
        self.settings = settings or make_settings()
        self.clock = FakeClock()
        self.messenger = FakeMessenger()
        self.extra = extra or []
        self._events = itertools.count(1)
        self.app: App | None = None
        self.inline: Callable[[Services], InlineReplies] | None = None
        """A transport's store for replies kept in the unit of work (the web chat's)."""

    async def start(self) -> Harness:
        self.app = await build_app(
            self.settings,
            Secrets(pseudonym_key=TEST_KEY),
            self.messenger,
            base_dir=self.db_path.parent,
            clock=self.clock,
            roles=ConfigRoles(self.settings.matrix.moderators),
            db_path=self.db_path,
            inline=self.inline,
        )
        for register in self.extra:
            register(self.app.svc.registry)
        await self._rooms()
        return self

    async def _rooms(self) -> None:
        from storage import rooms

        assert self.app is not None
        async with self.app.svc.db.transaction() as conn:
            await rooms.upsert(conn, RoomInfo(MODERATION_ROOM, "moderation"), self.clock.now())

    async def restart(self) -> None:
        """Close everything and build a new app on the same database file."""
        await self.stop()
        self.messenger.sent.clear()
        await self.start()

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.close()
            self.app = None

    @property
    def svc(self) -> Any:
        assert self.app is not None
        return self.app.svc

    async def say(
        self,
        text: str,
        *,
        as_: str = RESIDENT,
        room: str | None = None,
        thread_root: str | None = None,
        reply_to: str | None = None,
    ) -> list[Outgoing]:
        """Send ``text`` as ``as_`` (default: in their direct chat) and return what the bot sent."""
        assert self.app is not None
        room_id = room or dm_room(as_)
        before = len(self.messenger.sent)
        self.clock.advance(seconds=1)
        # As the Matrix inbox hands it over: the pseudonym and role resolved at ingest, and
        # in a resident's direct chat no sender at all (see `keeps_sender`), so every test
        # proves its feature keys people by the pseudonym, never by the raw sender.
        svc = self.app.svc
        role = await svc.roles.role_of(as_)
        msg = IncomingMessage(
            event_id=f"$in{next(self._events)}:test.local",
            room_id=room_id,
            sender=as_ if keeps_sender(room is None, "message", role) else "",
            body=text,
            timestamp=self.clock.now(),
            is_direct=room is None,
            thread_root=thread_root,
            reply_to=reply_to,
        )
        await self.app.engine.handle(msg, person=svc.pseudonymize(as_), role=role)
        return self.messenger.sent[before:]

    async def texts(self, text: str, **kwargs: Any) -> list[str]:
        return [plain(o.text) for o in await self.say(text, **kwargs)]

    async def last(self, text: str, **kwargs: Any) -> str:
        out = await self.texts(text, **kwargs)
        assert out, f"the bot did not answer {text!r}"
        return out[-1]

    async def meet(self, as_: str = RESIDENT) -> None:
        """First contact: let the safety notice pass so tests see only what follows."""
        await self.say("!om", as_=as_)


async def dm_conversation(
    bot: Harness, conn: aiosqlite.Connection, user: str = RESIDENT
) -> ConversationRow | None:
    """The conversation ``user`` has going in their direct chat with ``bot``, as stored."""
    return await conversations.get(
        conn,
        bot.svc.pseudonymize(dm_room(user), purpose="room"),
        bot.svc.pseudonymize(user),
    )
