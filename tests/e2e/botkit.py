"""Helpers for e2e tests: run Tryggbot in-process on the session Synapse, and a `Peer` that
watches rooms through an independent nio client (no sleeps: waits on its own sync loop)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nio

from bot.cli import MatrixRuntime, open_matrix
from bot.matrix.session import Credentials
from config.base import EXAMPLE_PATH
from config.settings import Secrets, Settings, parse_settings
from devtools.homeserver import LocalSynapse, RegisteredUser
from tests.harness import with_overrides

Source = dict[str, Any]


def bot_settings(synapse: LocalSynapse, bot: RegisteredUser, **overrides: Any) -> Settings:
    """The example settings pointed at the test homeserver; dotted-key overrides."""
    with EXAMPLE_PATH.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    data["matrix"]["homeserver"] = synapse.base_url
    data["matrix"]["user_id"] = bot.user_id
    return parse_settings(with_overrides(data, overrides))


@dataclass
class RunningBot:
    runtime: MatrixRuntime
    task: asyncio.Task[None]
    user: RegisteredUser

    async def stop(self) -> None:
        self.runtime.request_stop()
        await asyncio.wait_for(self.task, 60)

    async def crash(self) -> None:
        """Stop abruptly (task cancelled mid-flight), like a killed process."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        with contextlib.suppress(Exception):
            await self.runtime.transport.close()
            await self.runtime.app.close()


async def start_bot(settings: Settings, bot: RegisteredUser, home: Path) -> RunningBot:
    """Run the bot as a task with its database and session under ``home``; wait for its
    first sync."""
    await asyncio.to_thread(home.mkdir, parents=True, exist_ok=True)
    runtime = await open_matrix(
        settings,
        Secrets(pseudonym_key=b"e2e-pseudonym-key-" + home.name.encode()),
        Credentials(password=bot.password),
        base_dir=home,
        db_path=home / "bot.sqlite3",
    )
    task = asyncio.create_task(runtime.run())
    synced = asyncio.create_task(runtime.bot.synced.wait())
    done, _ = await asyncio.wait({task, synced}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        synced.cancel()
        task.result()
    if synced not in done:
        raise AssertionError("the bot did not finish its first sync")
    return RunningBot(runtime, task, bot)


@dataclass
class Peer:
    """A person's client: sends messages and records every timeline event it syncs."""

    client: nio.AsyncClient
    events: list[tuple[str, Source]] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _task: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def start(self) -> Peer:
        first = await self.client.sync(timeout=0, full_state=True)
        assert isinstance(first, nio.SyncResponse), first
        self._task = asyncio.create_task(self._loop())
        return self

    async def _loop(self) -> None:
        while True:
            resp = await self.client.sync(timeout=1000)
            if not isinstance(resp, nio.SyncResponse):
                await asyncio.sleep(0.2)  # homeserver down (tests stop it on purpose)
                continue
            async with self._changed:
                for room_id, info in resp.rooms.join.items():
                    for event in info.timeline.events:
                        self.events.append((room_id, event.source))
                self._changed.notify_all()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def wait_for(
        self, predicate: Callable[[list[tuple[str, Source]]], bool], within: float = 30
    ) -> None:
        async def check() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.events))

        await asyncio.wait_for(check(), within)

    async def say(self, room_id: str, body: str) -> str:
        resp = await self.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": body}
        )
        assert isinstance(resp, nio.RoomSendResponse), resp
        return str(resp.event_id)

    def notices(self, room_id: str, sender: str) -> list[Source]:
        return [
            src
            for rid, src in self.events
            if rid == room_id
            and src.get("sender") == sender
            and src.get("type") == "m.room.message"
            and src.get("content", {}).get("msgtype") == "m.notice"
        ]

    def replies_to(self, event_id: str, sender: str) -> list[Source]:
        return [
            src
            for _, src in self.events
            if src.get("sender") == sender and reply_target(src) == event_id
        ]

    async def wait_replies(self, event_ids: list[str], sender: str, within: float = 60) -> None:
        await self.wait_for(
            lambda _: all(self.replies_to(e, sender) for e in event_ids), within=within
        )

    async def wait_notice(
        self, room_id: str, sender: str, contains: str, within: float = 30
    ) -> Source:
        def found(_: Any) -> bool:
            return any(contains in n["content"]["body"] for n in self.notices(room_id, sender))

        await self.wait_for(found, within)
        return next(n for n in self.notices(room_id, sender) if contains in n["content"]["body"])

    async def membership(self, room_id: str, user_id: str) -> str | None:
        resp = await self.client.room_get_state_event(room_id, "m.room.member", user_id)
        if isinstance(resp, nio.RoomGetStateEventResponse):
            return str(resp.content.get("membership"))
        return None

    async def wait_membership(
        self, room_id: str, user_id: str, membership: str, within: float = 30
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while await self.membership(room_id, user_id) != membership:
            if loop.time() > deadline:
                raise AssertionError(f"{user_id} never reached {membership} in {room_id}")
            async with self._changed:  # wake on the next sync instead of sleeping blindly
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 1.5)


def reply_target(src: Source) -> str | None:
    rel = src.get("content", {}).get("m.relates_to") or {}
    target = (rel.get("m.in_reply_to") or {}).get("event_id")
    return str(target) if target else None


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


async def peer(matrix_client: Callable[[RegisteredUser], Any], user: RegisteredUser) -> Peer:
    """A started `Peer` for ``user`` (its first sync done)."""
    return await Peer(await matrix_client(user)).start()


async def group_room(owner: Peer, invite: list[str]) -> str:
    resp = await owner.client.room_create(
        preset=nio.RoomPreset.public_chat, invite=invite, name="Grannar"
    )
    assert isinstance(resp, nio.RoomCreateResponse), resp
    return str(resp.room_id)


async def direct_chat(owner: Peer, bot_id: str) -> str:
    """A direct chat with the bot, as a client makes it; returns once the bot has joined."""
    resp = await owner.client.room_create(
        is_direct=True, invite=[bot_id], preset=nio.RoomPreset.trusted_private_chat
    )
    assert isinstance(resp, nio.RoomCreateResponse), resp
    await owner.wait_membership(str(resp.room_id), bot_id, "join")
    return str(resp.room_id)


def room_settings(
    synapse: LocalSynapse, bot: RegisteredUser, room: str, **overrides: Any
) -> Settings:
    """Settings for a bot serving one Swedish neighbourhood room, with a flood limit high
    enough for scripted bursts."""
    return bot_settings(
        synapse,
        bot,
        **{
            "limits.flood_messages": 200,
            "rooms": [{"id": room, "locality": "varnamo", "language": "sv"}],
            **overrides,
        },
    )


async def answer(
    resident: Peer, room: str, bot_id: str, text: str, expect: str, within: float = 60
) -> Source:
    """Say ``text`` and wait for the bot's notice that holds ``expect``; return it."""
    seen = len(resident.notices(room, bot_id))
    await resident.say(room, text)

    def found() -> list[Source]:
        return [n for n in resident.notices(room, bot_id)[seen:] if expect in n["content"]["body"]]

    await resident.wait_for(lambda _: bool(found()), within=within)
    return found()[0]


async def ask(p: Peer, room: str, bot_id: str, text: str, expect: str, within: float = 60) -> str:
    """`answer`, returning the text of the bot's notice."""
    return str((await answer(p, room, bot_id, text, expect, within))["content"]["body"])


TIP_STEPS = (
    ("!tips", "Vad handlar det om?"),
    ("2", "Var hände det?"),
    ("Bredaryd", "Vilken sorts plats?"),
    ("4", "När hände det?"),
    ("igår", "Ungefär vilken tid?"),
    ("kväll", "Vad hände?"),
)


async def tip_summary(
    resident: Peer, room: str, bot_id: str, text: str, within: float = 60
) -> Source:
    """A Swedish tip in ``room`` up to its summary (``text`` is what happened); returns the
    summary notice, before the resident sends it. ``within``: seconds for each reply."""
    for said, expect in TIP_STEPS:
        await answer(resident, room, bot_id, said, expect, within)
    return await answer(resident, room, bot_id, text, "Exakt detta sparas", within)


async def tip_over_matrix(resident: Peer, room: str, bot_id: str, text: str) -> str:
    """A whole Swedish tip in ``room``; returns the receipt's text."""
    await tip_summary(resident, room, bot_id, text)
    return str((await answer(resident, room, bot_id, "1", "Din kod är"))["content"]["body"])


def tip_code(receipt: str) -> str:
    """The tip's code (``VMO-XXXX``) in a receipt; fails the test if there is none."""
    found = re.search(r"VMO-[2-9A-HJ-NP-Z]{4}", receipt)
    assert found, receipt
    return found.group(0)


@dataclass
class ModeratedBot:
    """A running bot with a moderation room, a moderator in it and a resident in a direct
    chat with the bot (`moderated_bot`)."""

    bot: RunningBot
    settings: Settings
    home: Path
    moderator: Peer
    mod_room: str
    resident: Peer
    dm: str

    @property
    def bot_id(self) -> str:
        return self.bot.user.user_id

    async def tell(self, text: str, expect: str) -> Source:
        """The resident says ``text`` in the direct chat; the bot's notice holding ``expect``."""
        return await answer(self.resident, self.dm, self.bot_id, text, expect)


async def moderation_room(moderator: Peer, bot_id: str, name: str) -> tuple[str, dict[str, Any]]:
    """A new private room ``name`` made by ``moderator``, the bot invited; returns its id and
    the settings overrides that make it the moderation room with ``moderator`` its one
    moderator."""
    created = await moderator.client.room_create(
        preset=nio.RoomPreset.private_chat, invite=[bot_id], name=name
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    room = str(created.room_id)
    return room, {"matrix.moderators": [moderator.user_id], "matrix.moderation_room": room}


@contextlib.asynccontextmanager
async def moderated_bot(
    synapse: LocalSynapse,
    new_user: Callable[[str], Awaitable[RegisteredUser]],
    matrix_client: Callable[[RegisteredUser], Any],
    home: Path,
    *,
    moderator: str,
    resident: str,
    room: str,
) -> AsyncIterator[ModeratedBot]:
    """The example settings with ``moderator`` (a new user) as the one moderator of a new
    private room named ``room``; the bot runs under ``home`` until the block ends, and the
    resident (a new user) has opened a direct chat with it. The ``moderated`` fixture
    (conftest) binds the first four arguments."""
    bot_user = await new_user("bot")
    mod = await peer(matrix_client, await new_user(moderator))
    person = await peer(matrix_client, await new_user(resident))
    bot_id = bot_user.user_id
    mod_room, overrides = await moderation_room(mod, bot_id, room)
    settings = bot_settings(synapse, bot_user, **overrides)
    bot = await start_bot(settings, bot_user, home)
    try:
        await mod.wait_membership(mod_room, bot_id, "join")
        dm = await direct_chat(person, bot_id)
        yield ModeratedBot(bot, settings, home, mod, mod_room, person, dm)
    finally:
        await bot.stop()
        await mod.close()
        await person.close()
