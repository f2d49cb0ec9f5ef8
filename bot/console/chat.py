"""Talk to the bot in a terminal, with the same router and database as on Matrix.

Lines starting with ``/`` steer the console: ``/as NAME`` switches identity (names starting
with ``moderator`` are moderators), ``/room NAME`` switches room (``dm`` for your direct
chat, ``moderation``, or a locality such as ``Bredaryd``), ``/who``, ``/help``, ``/quit``.
Everything else is sent to the bot as a message.  Works with piped standard input: one
message per line, replies printed as they are sent.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.commands import Role, fold
from bot.messages import Image, IncomingMessage, Outgoing
from bot.render import plain
from bot.scheduler import run_startup_jobs
from storage import rooms
from storage.rooms import RoomInfo

SERVER = "console"


def user_id(name: str) -> str:
    return f"@{name}:{SERVER}"


class ConsoleRoles:
    """In the console, identities whose name starts with ``moderator`` are moderators."""

    def __init__(self, moderators: tuple[str, ...] = ()) -> None:
        self._moderators = frozenset(moderators)

    async def role_of(self, sender: str) -> Role:
        local = sender[1:].split(":", 1)[0]
        if sender in self._moderators or local.startswith("moderator"):
            return Role.MODERATOR
        return Role.RESIDENT


class ConsoleMessenger:
    """Prints what the bot sends; rooms other than the current one are labelled."""

    def __init__(
        self,
        out: TextIO,
        current_room: Callable[[], str],
        image_dir: Path = Path(".local/images"),
    ) -> None:
        self._out = out
        self._current_room = current_room
        self._ids = itertools.count(1)
        # unique across runs on one database (moderation cards are keyed by event id)
        self._session = secrets.token_hex(4)
        self.sent: list[Outgoing] = []
        self.on_direct_room: Callable[[str], str] | None = None
        self.image_dir = image_dir

    async def send(self, out: Outgoing) -> str | None:
        self.sent.append(out)
        label = "" if out.room_id == self._current_room() else f"[{room_label(out.room_id)}] "
        text = plain(out.text).replace("\n", "\n    ")
        if out.poll is not None:
            answers = "; ".join(f"[{a.text}]" for a in out.poll.answers)
            text = f"(poll) {out.poll.question}\n    {answers}\n    " + text
        if out.poll_end is not None:
            text = "(poll ended) " + text
        if out.image is not None:
            path = await asyncio.to_thread(save_image, self.image_dir, out.image)
            text = f"[image {out.image.width}×{out.image.height}: {path}] {text}"
        self._out.write(f"{label}tryggbot: {text}\n")
        self._out.flush()
        return f"$bot-{self._session}-{next(self._ids)}"

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        self._out.write(f"[{room_label(room_id)}] tryggbot reacted {key} to {event_id}\n")

    async def direct_room(self, user: str) -> str:
        return self.known_direct_room(user)

    def known_direct_room(self, user: str) -> str:
        return dm_room_id(user[1:].split(":", 1)[0])  # the console has every direct chat


def save_image(folder: Path, image: Image) -> Path:
    """Write a PNG the bot "sent" into ``folder`` (0700; the file 0600) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / Path(image.filename).name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(image.data)
    os.chmod(path, 0o600)
    return path


def dm_room_id(name: str) -> str:
    return f"!dm.{name}:{SERVER}"


def room_label(room_id: str) -> str:
    local = room_id[1:].split(":", 1)[0]
    return "direct chat with " + local[3:] if local.startswith("dm.") else local


@dataclass
class ConsoleState:
    name: str = "resident"
    room: str = "dm"

    @property
    def room_id(self) -> str:
        if self.room == "dm":
            return dm_room_id(self.name)
        return f"!{self.room}:{SERVER}"


class ConsoleChat:
    def __init__(self, app: App, out: TextIO, state: ConsoleState | None = None) -> None:
        self.app = app
        self.out = out
        self.state = state or ConsoleState()
        self._events = itertools.count(1)
        # Event ids are unique across runs: the engine handles each event id once, and a
        # second console session on the same database must not look like a replay.
        self._session = secrets.token_hex(4)
        default = app.svc.settings.language.default
        self.operator_lang = default if default in ("sv", "en") else "sv"
        """The banner's language: the bot's default (what its first answer is in), so the
        console does not mix an English banner with Swedish answers."""

    async def ensure_room(self) -> None:
        st = self.state
        now = self.app.svc.clock.now()
        if st.room == "dm":
            info = RoomInfo(room_id=st.room_id, kind="direct")
        elif st.room == "moderation":
            info = RoomInfo(room_id=st.room_id, kind="moderation")
        else:
            loc = self.app.svc.settings.locality(st.room)
            assert loc is not None
            info = RoomInfo(
                room_id=st.room_id,
                kind="neighbourhood",
                locality=loc.key,
                language=self.app.svc.settings.language.default,
            )
        async with self.app.svc.db.transaction() as conn:
            if await rooms.get(conn, info.room_id) is None:
                await rooms.upsert(conn, info, now)

    async def _ensure_moderation_room(self) -> None:
        info = RoomInfo(room_id=f"!moderation:{SERVER}", kind="moderation")
        async with self.app.svc.db.transaction() as conn:
            if await rooms.get(conn, info.room_id) is None:
                await rooms.upsert(conn, info, self.app.svc.clock.now())

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def control(self, line: str) -> bool:
        """Handle a ``/`` line; False means quit."""
        cmd, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if cmd in ("quit", "exit", "q"):
            return False
        if cmd == "as" and arg:
            self.state.name = "".join(ch for ch in arg if ch.isalnum() or ch in "._-")[:40] or "x"
            await self.ensure_room()
            self._say(f"(you are now {user_id(self.state.name)})")
        elif cmd == "room" and arg:
            target = self._find_room(arg)
            if target is None:
                places = ", ".join(loc.key for loc in self.app.svc.settings.localities)
                self._say(f"(no such room; try dm, moderation or one of: {places})")
            else:
                self.state.room = target
                await self.ensure_room()
                self._say(f"(you are now in {room_label(self.state.room_id)})")
        elif cmd == "who":
            self._say(f"(you are {user_id(self.state.name)} in {room_label(self.state.room_id)})")
        else:
            self._say("(console: /as NAME, /room dm|moderation|PLACE, /who, /quit)")
        return True

    def _find_room(self, arg: str) -> str | None:
        wanted = fold(arg)
        if wanted in ("dm", "direct", "direktchatt"):
            return "dm"
        if wanted in ("moderation", "moderering", "mod"):
            return "moderation"
        for loc in self.app.svc.settings.localities:
            if wanted in (loc.key, fold(loc.name)):
                return loc.key
        return None

    async def message(self, text: str) -> None:
        st = self.state
        msg = IncomingMessage(
            event_id=f"$console-{self._session}-{next(self._events)}",
            room_id=st.room_id,
            sender=user_id(st.name),
            body=text,
            timestamp=self.app.svc.clock.now(),
            is_direct=st.room == "dm",
        )
        await self.app.engine.handle(msg)

    async def prepare(self) -> None:
        """Register the moderation room and the first direct chat."""
        await self._ensure_moderation_room()
        await self.ensure_room()

    async def run(self, inp: TextIO) -> None:
        interactive = inp.isatty()
        if interactive:
            self._say(self.app.svc.catalog.t(self.operator_lang, "operator.console_banner"))
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.out.write(f"{st_prompt(self.state)}> ")
                self.out.flush()
            line = await loop.run_in_executor(None, inp.readline)
            if not line:
                break
            line = line.rstrip("\n")
            if line.startswith("/") and not line.startswith("//"):
                if not await self.control(line):
                    break
                continue
            if not interactive:
                self._say(f"{st_prompt(self.state)}> {line}")
            await self.message(line)


def st_prompt(state: ConsoleState) -> str:
    return f"{state.name}@{room_label(state.room_id)}"


async def run_console(
    build: Callable[[ConsoleMessenger], Awaitable[App]],
    inp: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> None:
    """Build the app around a console messenger and chat until end of input or /quit."""
    state = ConsoleState()
    messenger = ConsoleMessenger(out, lambda: state.room_id)
    app = await build(messenger)
    try:
        chat = ConsoleChat(app, out, state)
        await chat.prepare()
        await run_startup_jobs(app.svc, app.jobs)
        await chat.run(inp)
    finally:
        await app.close()
