"""Helpers for the broadcast tests: a harness with two neighbourhood rooms (Swedish and
English), a homeserver-like messenger that deduplicates transaction ids and can be killed
mid-send, and shortcuts for the moderators' commands."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.messages import Outgoing
from bot.render import plain
from handlers.broadcasts import runtime_of
from handlers.broadcasts.runtime import Broadcasts
from storage import broadcasts as store
from tests.harness import GRONDAL_ROOM, MODERATION_ROOM, MODERATOR, Harness, make_settings

SV_ROOM = GRONDAL_ROOM
EN_ROOM = "!bredaryd-en:test.local"
STOCKHOLM_WINTER = "+01:00"


def rooms(extra: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"id": SV_ROOM, "locality": "varnamo", "area": "Gröndal", "language": "sv"},
        {"id": EN_ROOM, "locality": "bredaryd", "language": "en"},
    ]
    for i in range(extra):
        out.append({"id": f"!extra{i}:test.local", "locality": "bor", "language": "sv"})
    return out


class Killed(BaseException):
    """The process died (like SIGKILL): nothing after this point runs."""


@dataclass
class Homeserver:
    """Like Synapse for one device: a transaction id already used returns the first event
    id and adds nothing to the timeline. ``kill_at``: the n-th new message reaches the
    room, then the process dies before the send returns (``dead``: nothing more is sent
    until the test restarts the bot)."""

    timeline: list[Outgoing] = field(default_factory=list)
    sent: list[Outgoing] = field(default_factory=list)
    seen: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    fail_rooms: dict[str, int] = field(default_factory=dict)
    kill_at: int | None = None
    dead: bool = False
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def send(self, out: Outgoing) -> str | None:
        if self.dead:
            raise Killed()
        self.sent.append(out)
        if self.fail_rooms.get(out.room_id, 0) > 0:
            self.fail_rooms[out.room_id] -= 1
            raise RuntimeError("homeserver refused")
        key = (out.room_id, out.txn_key or "")
        if out.txn_key and key in self.seen:
            body, event_id = self.seen[key]
            assert body == out.text, "a resend with the same transaction id changed the body"
            return event_id
        event_id = f"$ev{next(self._ids)}:test.local"
        self.seen[key] = (out.text, event_id)
        self.timeline.append(out)
        if self.kill_at is not None and len(self.timeline) >= self.kill_at:
            self.kill_at = None
            self.dead = True
            raise Killed()
        return event_id

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        return None

    async def direct_room(self, user_id: str) -> str:
        from tests.harness import dm_room

        return dm_room(user_id)

    def known_direct_room(self, user_id: str) -> str | None:
        from tests.harness import dm_room

        return dm_room(user_id)

    def to(self, room_id: str) -> list[str]:
        """Broadcasts (and reports) that reached ``room_id``, not the bot's replies."""
        return [
            plain(o.text)
            for o in self.timeline
            if o.room_id == room_id and (o.txn_key or "").startswith("broadcast")
        ]


async def start(
    tmp_path: Path, *, homeserver: Homeserver | None = None, extra_rooms: int = 0, **over: Any
) -> Harness:
    settings = make_settings(**{"rooms": rooms(extra_rooms), "broadcasts.schedules": [], **over})
    bot = Harness(tmp_path, settings)
    if homeserver is not None:
        bot.messenger = homeserver  # type: ignore[assignment]
    await bot.start()
    return bot


def rt(bot: Harness) -> Broadcasts:
    return runtime_of(bot.svc)


async def mod(bot: Harness, text: str) -> list[str]:
    return await bot.texts(text, as_=MODERATOR, room=MODERATION_ROOM)


def at(bot: Harness, when: str) -> None:
    """Set the fake clock (ISO time with offset)."""
    bot.clock.current = datetime.fromisoformat(when)


async def runs(bot: Harness, schedule_id: int) -> list[store.Run]:
    async with bot.svc.db.read() as conn:
        return list(reversed(await store.last_runs(conn, schedule_id, limit=1000)))


def titles(bot: Harness) -> dict[str, str]:
    """Warning id by its Swedish and English titles."""
    out = {}
    for w in rt(bot).catalogue(bot.svc).warnings:
        for lang in ("sv", "en"):
            out[w.texts[lang].title] = w.id
    return out


def warning_ids(bot: Harness, bodies: list[str]) -> list[str]:
    by_title = titles(bot)
    found = []
    for body in bodies:
        first = body.split("\n", 1)[0].removeprefix("⚠️ ").strip()
        found.append(by_title.get(first, "?"))
    return found


def to_toml(data: dict[str, Any]) -> str:
    """A tiny TOML writer for the example data (tables, arrays of tables, scalars)."""
    import json

    lines: list[str] = []

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)

    def table(prefix: str, d: dict[str, object]) -> None:
        for k, v in d.items():
            if not isinstance(v, dict) and not (
                isinstance(v, list) and v and isinstance(v[0], dict)
            ):
                lines.append(f"{k} = {value(v)}")
        for k, v in d.items():
            name = f"{prefix}{k}"
            if isinstance(v, dict):
                lines.append(f"[{name}]")
                table(name + ".", v)
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                for item in v:
                    lines.append(f"[[{name}]]")
                    table(name + ".", item)

    table("", data)
    return "\n".join(lines) + "\n"
