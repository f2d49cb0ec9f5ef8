"""The way a message travels once a transport has turned it into an IncomingMessage:
hygiene, flood guard, language, the urgent answer, the safety notice, then the router
(commands first, then an active conversation, then the room's default).

Exactly once: an event is handled inside one unit of work (`Database.unit`). The handler's
state changes, its replies (outbox rows, each with a transaction id derived from the event
id) and the event's ``handled_event`` mark (which also removes it from the inbox) commit
together; an event already marked is skipped. The replies are sent after the commit, by the
outbox sender, which reuses the stored transaction id on any resend."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

import aiosqlite

from bot import outbox
from bot.commands import COMMAND_PREFIX, Role, after
from bot.context import Context, Services
from bot.errors import Forbidden, OutsideWork, UnknownSender, UsageError, UserError
from bot.faults import NO_FAULTS, FaultInjection
from bot.flood import FloodGuard, FloodVerdict
from bot.language import choose_language
from bot.messages import IncomingMessage, IncomingPollEvent, IncomingReaction, Outgoing
from bot.pseudonym import is_pseudonym
from bot.safety_notice import add_112_line, show_safety_notice
from bot.stages import NO_STAGES, Stages
from bot.suggest import closest
from bot.text import clean
from storage import inbox, people, prelude, rooms
from storage.rooms import RoomInfo

log = logging.getLogger(__name__)

# Handling may ask for slow work outside its unit of work (`OutsideWork`) this many times
# less one; the last round refuses and answers with an incident id.
OUTSIDE_WORK_ROUNDS = 3


class InlineReplies(Protocol):
    """A transport that stores its replies itself inside the handler's unit of work (the web
    chat: a page reads them from the database), so they need no outbox row and no second
    transaction. `store` returns the replies it did not take, in order, for the outbox, and
    one call per stored reply to make after the commit (tell the reader it is there)."""

    async def store(
        self, conn: aiosqlite.Connection, replies: list[Outgoing], now: datetime
    ) -> tuple[list[Outgoing], list[Callable[[], None]]]: ...


class Engine:
    def __init__(
        self,
        svc: Services,
        *,
        faults: FaultInjection = NO_FAULTS,
        stages: Stages = NO_STAGES,
        inline: InlineReplies | None = None,
    ) -> None:
        """``inline``: a transport that stores its replies in the unit of work (the web chat)."""
        self.svc = svc
        self.inline = inline
        self.faults = faults
        self.stages = stages
        limits = svc.settings.limits
        self._flood = FloodGuard(limits.flood_messages, timedelta(seconds=limits.flood_seconds))

    async def handle(
        self, msg: IncomingMessage, *, person: str | None = None, role: Role | None = None
    ) -> None:
        """Handle one message completely, exactly once per event id. Never raises for
        anything the sender did. ``person`` and ``role``, when the transport resolved them
        at ingest, spare the engine from needing the sender's raw id. Every feature keys the
        sender by this one pseudonym; a sender with neither a pseudonym nor an id is refused
        (see `_refuse_unknown_sender`), never given a key shared with others."""
        try:
            person = person or self.svc.pseudonymize(msg.sender)
        except UnknownSender:
            person = None
        if person is None or not is_pseudonym(person):
            await self._refuse_unknown_sender(msg)
            return
        started = time.perf_counter()
        for attempt in range(1, OUTSIDE_WORK_ROUNDS + 1):
            try:
                handled, ctx = await self._handle_once(msg, person, role, attempt=attempt)
            except OutsideWork as exc:  # rolled back: do the slow part, then start again
                await exc.work()
                continue
            if handled:
                self.faults.reached("handled")
                self.svc.metrics.event_handled("message", self.svc.clock.now() - msg.timestamp)
                self.svc.metrics.handled(time.perf_counter() - started)
            if ctx is not None:
                await self._after_commit(ctx)
            return

    async def _refuse_unknown_sender(self, msg: IncomingMessage) -> None:
        """A message the engine cannot attribute to a person: nothing is stored or started
        for it; the room is told so, once (the reply's transaction key is the event's)."""
        async with self.svc.db.unit() as conn:
            if await inbox.is_handled(conn, msg.event_id):
                return
            room = await rooms.get(conn, msg.room_id)
            lang = (room.language if room else None) or self.svc.settings.language.default
            text = self.svc.catalog.t(lang, "error.unknown_sender")
            out = Outgoing(room_id=msg.room_id, text=text, txn_key=f"{msg.event_id}/unknown")
            await outbox.enqueue(conn, self.svc.sealer, out, now=self.svc.clock.now())
            await inbox.mark_handled(conn, msg.event_id, self.svc.clock.now())
        log.warning("event %s refused: its sender cannot be identified", msg.event_id)
        self.svc.metrics.incident()
        try:
            await self.svc.outbox.flush([msg.room_id])
        except Exception as exc:
            log.info("the refusal of %s waits in the outbox (%s)", msg.event_id, type(exc).__name__)
            self.svc.outbox.wake()

    async def _handle_once(
        self, msg: IncomingMessage, person: str, role: Role | None, *, attempt: int
    ) -> tuple[bool, Context | None]:
        """One unit of work: (whether the event was handled now, its context)."""
        ctx: Context | None = None
        room_key = self.svc.pseudonymize(msg.room_id, purpose="room")
        async with self.svc.db.unit() as conn:
            self.stages.mark("unit")
            start = await prelude.read(
                conn, event_id=msg.event_id, person=person, room_id=msg.room_id, room_key=room_key
            )
            if start.handled:
                log.info("event %s was handled before; skipped", msg.event_id)
                await inbox.mark_handled(conn, msg.event_id, self.svc.clock.now())
                return False, None
            try:
                ctx = await self._context(msg, person, role, start)
            except Exception:
                incident = secrets.token_hex(4)
                log.exception("incident %s preparing event %s", incident, msg.event_id)
                self.svc.metrics.incident()
            if ctx is not None:
                await self._handle_in_unit(
                    ctx, talking=start.talking, outside_work=attempt < OUTSIDE_WORK_ROUNDS
                )
                await self._enqueue(ctx, conn)
            await inbox.mark_handled(conn, msg.event_id, self.svc.clock.now())
            self.stages.mark("written")
        self.stages.mark("committed")
        return True, ctx

    async def _handle_in_unit(
        self, ctx: Context, *, talking: bool, outside_work: bool = True
    ) -> None:
        """``talking``: whether the sender has a conversation going in the room, as read at
        the start of this unit of work."""
        try:
            await self._route(ctx, talking=talking)
        except OutsideWork:
            if outside_work:
                raise
            incident = secrets.token_hex(4)  # the slow part was done, and is wanted again
            log.error(
                "incident %s: event %s kept asking for outside work", incident, ctx.msg.event_id
            )
            self.svc.metrics.incident()
            del ctx.outbox[ctx.kept :]
            ctx.deferred.clear()
            ctx.reply("error.incident", incident=incident)
        except UserError as exc:
            del ctx.outbox[ctx.kept :]
            ctx.reply(exc.key, **exc.params)
        except Forbidden as exc:
            del ctx.outbox[ctx.kept :]
            ctx.reply(exc.key)
        except Exception:
            incident = secrets.token_hex(4)
            log.exception(
                "incident %s handling event %s from %s", incident, ctx.msg.event_id, ctx.person
            )
            self.svc.metrics.incident()
            del ctx.outbox[ctx.kept :]
            ctx.deferred.clear()
            ctx.reply("error.incident", incident=incident)
        if ctx.possibly_urgent:
            add_112_line(ctx)

    async def _enqueue(self, ctx: Context, conn: aiosqlite.Connection) -> None:
        """Write the replies as outbox rows (on the unit of work's connection)."""
        now = self.svc.clock.now()
        replies = [
            out if out.txn_key else replace(out, txn_key=f"{ctx.msg.event_id}/{n}")
            for n, out in enumerate(ctx.outbox)
        ]
        if self.inline is not None:  # stored now, announced after the commit
            replies, stored = await self.inline.store(conn, replies, now)
            ctx.outbox[:] = replies  # only these are flushed after the commit
            ctx.deferred[:0] = [partial(self._announce, done) for done in stored]
        for out in replies:
            await outbox.enqueue(conn, self.svc.sealer, out, now=now)

    async def _announce(self, done: Callable[[], None]) -> None:
        self.faults.reached("sent")  # as for an outbox row: delivered, not yet announced
        done()

    async def _after_commit(self, ctx: Context) -> None:
        """Send the replies (a failure leaves them in the outbox for the background sender),
        then run work the handlers deferred."""
        if ctx.outbox:
            try:
                await self.svc.outbox.flush(out.room_id for out in ctx.outbox)
            except Exception as exc:
                log.info(
                    "replies to %s wait in the outbox (%s)", ctx.msg.event_id, type(exc).__name__
                )
                self.svc.outbox.wake()
        for work in ctx.deferred:
            try:
                await work()
            except Exception:
                log.exception("work after handling event %s failed", ctx.msg.event_id)

    async def handle_reaction(self, reaction: IncomingReaction) -> None:
        """Give a reaction to the features that listen for them (e.g. moderation cards),
        once per event id."""
        async with self.svc.db.unit() as conn:
            if await inbox.is_handled(conn, reaction.event_id):
                await inbox.mark_handled(conn, reaction.event_id, self.svc.clock.now())
                return
            for handler in self.svc.registry.reaction_handlers:
                try:
                    async with self.svc.db.transaction():
                        await handler(self.svc, reaction)
                except Exception:
                    incident = secrets.token_hex(4)
                    log.exception("incident %s handling reaction %s", incident, reaction.event_id)
                    self.svc.metrics.incident()
            await inbox.mark_handled(conn, reaction.event_id, self.svc.clock.now())
        try:
            await self.svc.outbox.flush()  # what the handlers queued (bot.outbox.enqueue)
        except Exception as exc:
            log.info("messages wait in the outbox (%s)", type(exc).__name__)
            self.svc.outbox.wake()
        self.svc.metrics.event_handled("reaction")

    async def handle_poll(self, events: Sequence[IncomingPollEvent]) -> None:
        """Give native poll responses, ends or redactions (one event from the inbox, or a page
        recovered from ``/relations``) to the features that count votes. Raises if a handler
        fails, so the inbox keeps the event and tries again."""
        for handler in self.svc.registry.poll_handlers:
            await handler(self.svc, events)

    async def _context(
        self, msg: IncomingMessage, person: str, role: Role | None, start: prelude.Start
    ) -> Context:
        body = clean(msg.body)
        msg = replace(msg, body=body)
        settings = self.svc.settings
        stored, room = start.person, start.room
        if room is None and msg.is_direct:
            room = RoomInfo(room_id=msg.room_id, kind="direct")
        if role is None:
            role = await self.svc.roles.role_of(msg.sender)
        explicit = stored.language if stored and stored.language_explicit else None
        detection = None
        if body and not body.startswith(COMMAND_PREFIX) and explicit is None:
            detection = self.svc.detector.detect(body[: settings.limits.max_message_chars])
            # A single known word ("ok", "yes", "tack") tells the language of a newcomer, but
            # must not switch someone who already has a language mid-conversation.
            if (
                detection is not None
                and detection.method == "lexicon"
                and stored
                and stored.language
            ):
                detection = None
        lang = choose_language(
            detection,
            explicit=explicit,
            stored=stored.language if stored else None,
            room=room.language if room else None,
            default=settings.language.default,
        )
        if lang not in settings.language.enabled:
            lang = settings.language.default
        if (
            detection is not None
            and explicit is None
            and detection.lang == lang
            and (stored is None or stored.language != lang)
        ):
            async with self.svc.db.write() as conn:  # one statement: no savepoint needed
                await people.set_language(conn, person, lang, explicit=False, now=msg.timestamp)
        return Context(
            msg=msg,
            person=person,
            lang=lang,
            role=role,
            room=room,
            svc=self.svc,
            notice_shown_at=stored.notice_shown_at if stored else None,
        )

    async def _route(self, ctx: Context, *, talking: bool) -> None:
        msg = ctx.msg
        limits = self.svc.settings.limits
        verdict = self._flood.check(ctx.person, msg.timestamp, in_conversation=talking)
        if verdict is FloodVerdict.DROP:
            log.info("flood: dropped event %s from %s", msg.event_id, ctx.person)
            return
        if verdict is FloodVerdict.WARN:
            log.info("flood: warned %s at event %s", ctx.person, msg.event_id)
            ctx.reply("error.flood", seconds=limits.flood_seconds)
            return
        if len(msg.body) > limits.max_message_chars:
            if ctx.is_direct or msg.body.startswith(COMMAND_PREFIX):
                ctx.reply("error.too_long", limit=limits.max_message_chars)
            return
        is_command = msg.body.startswith(COMMAND_PREFIX)
        addressed = ctx.is_direct or is_command
        # A command's own name ("!help") is no cry for help; what follows it may be.
        said = msg.body.partition(" ")[2] if is_command else msg.body
        signals = ctx.signals(said) if said.strip() else None
        if signals is not None and signals.urgent:
            ctx.reply("safety.urgent")
        elif signals is not None and signals.possibly_urgent:
            ctx.possibly_urgent = ctx.room_kind != "moderation"
        if addressed and not (ctx.room is not None and ctx.room.kind == "moderation"):
            await self._safety_notice(ctx)
        ctx.kept = len(ctx.outbox)  # the urgent answer and the notice stand, whatever follows
        if not msg.body:
            if ctx.is_direct:
                ctx.reply("error.empty")
            return
        if is_command:
            await self._command(ctx)
            return
        # ``talking`` was read in this unit and nothing above starts a conversation.
        if talking and await self.svc.conversations.feed(ctx, msg.body):
            return
        if ctx.is_direct:
            for handler in self.svc.registry.direct_default:
                if await handler(ctx):
                    return
            if not (signals is not None and signals.urgent):
                greeting = self.svc.detector.is_greeting(msg.body)
                ctx.reply("help.greeting" if greeting else "help.hint")
        else:
            for handler in self.svc.registry.room_default:
                if await handler(ctx):
                    return

    async def _safety_notice(self, ctx: Context) -> None:
        if self._chooses_language(ctx):
            return  # the language command shows it, in the language chosen
        now = ctx.msg.timestamp
        shown = ctx.notice_shown_at
        repeat = timedelta(days=self.svc.settings.safety.notice_repeat_days)
        if shown is not None and now - shown < repeat:
            return
        await show_safety_notice(ctx)

    def _chooses_language(self, ctx: Context) -> bool:
        """``!språk xx``: a resident choosing a language, so the notice waits for it."""
        head, _, rest = ctx.msg.body[len(COMMAND_PREFIX) :].partition(" ")
        if not ctx.msg.body.startswith(COMMAND_PREFIX) or not rest.strip():
            return False
        cmd = self.svc.registry.lookup(head.strip(), ctx.room_kind) if head.strip() else None
        return cmd is not None and cmd.key == "language"

    async def _command(self, ctx: Context) -> None:
        head, _, rest = ctx.msg.body[len(COMMAND_PREFIX) :].partition(" ")
        name = head.strip()
        kind = ctx.room_kind
        cmd = self.svc.registry.lookup(name, kind) if name else None
        if cmd is None:
            self._unknown(ctx, name)
            return
        if cmd.role > ctx.role:
            raise Forbidden("error.moderators_only")
        if cmd.rooms is not None and kind not in cmd.rooms:
            raise UserError(f"error.where.{sorted(cmd.rooms)[0]}", command=cmd.name_for(ctx.lang))
        target = cmd
        try:
            target, used = cmd.route(rest.split())
            if target.role > ctx.role:
                raise Forbidden("error.moderators_only")
            args = await target.parse(ctx, after(rest, used))
            await target.handler(ctx, args)
        except UsageError as exc:
            del ctx.outbox[ctx.kept :]
            if exc.hint_key:
                ctx.reply(exc.hint_key, **exc.params)
            ctx.reply("error.usage", usage=ctx.t(target.usage))

    def _unknown(self, ctx: Context, name: str) -> None:
        names: list[str] = []
        for cmd in self.svc.registry.visible(ctx.role):
            names.extend(cmd.all_names())
        guess = closest(name, names)
        help_name = self._help_name(ctx)
        if guess:
            ctx.reply(
                "error.unknown_command_suggest", command=name[:40], guess=guess, help=help_name
            )
        else:
            ctx.reply("error.unknown_command", command=name[:40], help=help_name)

    def _help_name(self, ctx: Context) -> str:
        cmd = self.svc.registry.lookup("help")
        return cmd.name_for(ctx.lang) if cmd else "help"
