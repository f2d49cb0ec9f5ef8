"""The web side of the `Messenger`: a reply for a page is stored, numbered per session, and
the page's open streams are woken. `RoutingMessenger` sends each outbox row by its room:
web sessions here, everything else to the Matrix messenger, so one engine and one outbox
serve both transports in one process (a moderator's question in Matrix reaches a page)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import aiosqlite

from bot.context import Services
from bot.messages import Outgoing
from bot.messenger import DeliveryPostponed, DeliveryRefused, Messenger
from bot.render import direction, isolate
from bot.transports import is_web_room, web_room_id, web_session_of, web_user_id
from storage import people
from storage import web as rows

PURPOSE = "web-reply"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb"})
_CHOICE = re.compile(r"^\s*(\d{1,2})\.\s+(\S.*)$")


def text_direction(lang: str, text: str) -> str:
    if lang in RTL_LANGUAGES:
        return "rtl"
    return "rtl" if direction(text) == "rtl" else "ltr"


def choices(text: str) -> list[dict[str, str]]:
    """Numbered options in a prompt ("1. Klotter" lines, at least two in a row from 1) as
    buttons: each sends its number, which the flows accept like a typed answer."""
    found: list[dict[str, str]] = []
    for line in text.splitlines():
        m = _CHOICE.match(line)
        if m and int(m.group(1)) == len(found) + 1:
            found.append({"value": m.group(1), "label": m.group(2).strip()})
        elif found and line.strip():
            if len(found) >= 2:
                break
            found = []
    return found if len(found) >= 2 else []


def reply_json(out: Outgoing, lang: str) -> dict[str, Any]:
    text = out.text
    if out.poll is not None:
        numbered = "\n".join(f"{i}. {a.text}" for i, a in enumerate(out.poll.answers, 1))
        text = f"{out.poll.question}\n{numbered}\n\n{text}" if text else out.poll.question
    if out.image is not None:
        text = f"{out.image.alt}\n\n{text}" if text else out.image.alt
    return {
        "text": isolate(text),
        "lang": lang,
        "dir": text_direction(lang, text),
        "choices": choices(text),
    }


class Listener:
    """One open stream: woken for each reply stored for its session, which it is handed
    (sequence and JSON), so a stream that is up to date needs no database read."""

    __slots__ = ("event", "items")

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.items: list[tuple[int, str]] = []

    def take(self) -> list[tuple[int, str]]:
        items, self.items = self.items, []
        return items


class WebHub:
    """Wakes the open streams of a session when a reply for it is stored."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[Listener]] = {}

    def subscribe(self, session: str) -> Listener:
        listener = Listener()
        self._waiting.setdefault(session, set()).add(listener)
        return listener

    def unsubscribe(self, session: str, listener: Listener) -> None:
        waiting = self._waiting.get(session)
        if waiting is not None:
            waiting.discard(listener)
            if not waiting:
                del self._waiting[session]

    def notify(self, session: str, seq: int | None = None, data: str | None = None) -> None:
        for listener in self._waiting.get(session, ()):
            if seq is not None and data is not None:
                listener.items.append((seq, data))
            listener.event.set()

    def wake_all(self) -> None:
        for listeners in self._waiting.values():
            for listener in listeners:
                listener.event.set()

    @property
    def streams(self) -> int:
        return sum(len(w) for w in self._waiting.values())


async def language_of(svc: Services, session: str) -> str:
    async with svc.db.read() as conn:
        person = await people.get(conn, svc.pseudonymize(web_user_id(session)))
    if person is not None and person.language:
        return person.language
    return svc.settings.language.default


async def store(
    svc: Services,
    conn: aiosqlite.Connection,
    session: str,
    out: Outgoing,
    lang: str,
    now: datetime,
) -> tuple[int, str]:
    """Number and store one reply for a session (inside the caller's transaction): its
    sequence and the JSON the page is sent."""
    assert out.txn_key
    data = json.dumps(reply_json(out, lang), ensure_ascii=False)
    payload = svc.sealer.seal(data, PURPOSE)
    expires = now + timedelta(days=svc.settings.web.history_days)
    seq = await rows.store(conn, session, out.txn_key, payload, now, expires)
    return seq, data


class InlineWebReplies:
    """Replies to web rooms stored in the handler's own unit of work (`bot.engine.InlineReplies`):
    no outbox row, no second transaction; the page's streams are told after the commit. A
    room with an outbox row still waiting (a moderator's question not yet delivered) keeps
    going through the outbox, so its replies stay in the order they were written."""

    def __init__(self, svc: Services, hub: WebHub) -> None:
        self.svc = svc
        self.hub = hub

    async def store(
        self, conn: aiosqlite.Connection, replies: list[Outgoing], now: datetime
    ) -> tuple[list[Outgoing], list[Callable[[], None]]]:
        svc = self.svc
        by_room: dict[str, list[Outgoing]] = {}
        for out in replies:
            if out.txn_key and web_session_of(out.room_id) is not None:
                by_room.setdefault(out.room_id, []).append(out)
        taken: set[int] = set()
        told: list[Callable[[], None]] = []
        expires = now + timedelta(days=svc.settings.web.history_days)
        for room_id, outs in by_room.items():
            session = web_session_of(room_id)
            assert session is not None
            datas: list[str] = []
            for out in outs:
                lang = out.lang or await language_of(svc, session)
                datas.append(json.dumps(reply_json(out, lang), ensure_ascii=False))
            sealed = [
                (str(out.txn_key), svc.sealer.seal(data, PURPOSE))
                for out, data in zip(outs, datas, strict=True)
            ]
            seqs = await rows.store_with_reply(conn, session, room_id, sealed, now, expires)
            if seqs is None:  # an earlier reply waits in the outbox: these go after it
                continue
            taken.update(id(out) for out in outs)
            told += [
                partial(self.hub.notify, session, seq, data)
                for seq, data in zip(seqs, datas, strict=True)
            ]
        return [out for out in replies if id(out) not in taken], told


class WebMessenger:
    """Stores replies for pages (bound to the services once the app is built)."""

    def __init__(self, hub: WebHub | None = None) -> None:
        self.hub = hub or WebHub()
        self._svc: Services | None = None

    def bind(self, svc: Services) -> None:
        self._svc = svc

    def inline(self, svc: Services) -> InlineWebReplies:
        """Its store for replies kept in the handler's unit of work (`bot.app.build_app`'s
        ``inline``): no outbox round for a page's replies."""
        return InlineWebReplies(svc, self.hub)

    async def send(self, out: Outgoing) -> str | None:
        svc = self._svc
        if svc is None:
            raise DeliveryPostponed("the web transport is not running yet")
        session = web_session_of(out.room_id)
        if session is None:
            raise DeliveryRefused(f"not a web room: {out.room_id}")
        if not out.txn_key:
            raise ValueError("a web reply needs a txn_key")
        lang = out.lang or await language_of(svc, session)
        now = svc.clock.now()
        async with svc.db.transaction() as conn:
            seq, data = await store(svc, conn, session, out, lang, now)
        self.hub.notify(session, seq, data)
        return f"$web.{session}.{seq}"

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        """Pages show no reactions."""

    async def direct_room(self, user_id: str) -> str:
        room = self.known_direct_room(user_id)
        if room is None:
            raise DeliveryRefused(f"not a web user: {user_id}")
        return room

    def known_direct_room(self, user_id: str) -> str | None:
        session = web_session_of(user_id)
        return web_room_id(session) if session else None


class RoutingMessenger:
    """Web rooms and users to the web messenger, everything else to ``other``."""

    def __init__(self, other: Messenger, web: WebMessenger) -> None:
        self.other = other
        self.web = web

    def _for(self, room_or_user: str) -> Messenger:
        return self.web if web_session_of(room_or_user) is not None else self.other

    async def send(self, out: Outgoing) -> str | None:
        return await self._for(out.room_id).send(out)

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        await self._for(room_id).react(room_id, event_id, key)

    async def direct_room(self, user_id: str) -> str:
        return await self._for(user_id).direct_room(user_id)

    def known_direct_room(self, user_id: str) -> str | None:
        return self._for(user_id).known_direct_room(user_id)


__all__ = ["InlineWebReplies", "RoutingMessenger", "WebHub", "WebMessenger", "is_web_room"]
