"""Guided conversations as data: a flow is a list of named steps, each with a prompt and a
parser.  State lives in the ``conversation`` table keyed by (room, person) hashes and is
saved on every step, so a restart resumes where the person was.  Finishing is idempotent:
the conversation's token is recorded in ``completion`` in the same transaction as the flow's
own writes, so a replayed final answer cannot act twice.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Generic, TypeVar

import aiosqlite

from bot.context import Context
from bot.errors import Reask, UserError
from storage import conversations
from storage.conversations import ConversationRow

__all__ = ["Flow", "Reask", "Step", "StepResult"]

log = logging.getLogger(__name__)

RETURN_KEY = "_return"


@dataclass(frozen=True)
class StepResult:
    """What a parser decided: values to store, and optionally where to go next.

    ``goto`` jumps to a named step; ``return_to`` makes the engine come back to that step
    after the next one completes (used for "edit one field, then confirm again").
    """

    updates: Mapping[str, Any] = field(default_factory=dict)
    goto: str | None = None
    return_to: str | None = None
    done: bool = False
    cancel: bool = False  # end the conversation without finishing (nothing is stored)


S = TypeVar("S", bound=Mapping[str, Any])
"""A flow's state: the ``TypedDict`` of the keys it stores (a plain dict in the
``conversation`` table's JSON), so its prompts, parsers and finisher are type-checked."""

Prompt = Callable[[Context, S], str]
Parser = Callable[[Context, aiosqlite.Connection, S, str], Awaitable[StepResult]]
Finisher = Callable[[Context, aiosqlite.Connection, S], Awaitable[None]]


@dataclass(frozen=True)
class Step(Generic[S]):
    name: str
    prompt: Prompt[S]
    parse: Parser[S]
    skip: Callable[[S], bool] | None = None


@dataclass(frozen=True)
class Flow(Generic[S]):
    name: str
    steps: tuple[Step[S], ...]
    finish: Finisher[S]
    after_commit: Callable[[Context, S], Awaitable[None]] | None = None

    def step(self, name: str) -> Step[S]:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def next_after(self, name: str, data: S) -> Step[S] | None:
        names = [s.name for s in self.steps]
        for s in self.steps[names.index(name) + 1 :]:
            if s.skip is None or not s.skip(data):
                return s
        return None

    def first(self, data: S) -> Step[S]:
        for s in self.steps:
            if s.skip is None or not s.skip(data):
                return s
        raise ValueError(f"flow {self.name} has no step to start with")


class ConversationEngine:
    """Starts, advances, rewinds and cancels flows for a (room, person)."""

    def __init__(self, flows: Mapping[str, Flow[Any]]) -> None:
        self._flows = flows

    def _expiry(self, ctx: Context) -> timedelta:
        return timedelta(minutes=ctx.svc.settings.retention.conversation_minutes)

    async def start(
        self,
        ctx: Context,
        flow_name: str,
        data: Mapping[str, Any] | None = None,
        *,
        room_key: str | None = None,
    ) -> str:
        """Begin ``flow_name`` for the sender (replacing any earlier conversation there) and
        return the first question. It is also queued as a reply when the conversation is in
        the sender's current room; with another ``room_key`` the caller sends it there."""
        async with ctx.svc.db.transaction() as conn:
            prompt = await self.start_in(
                ctx, conn, flow_name, data, room_key=room_key or ctx.room_key, person=ctx.person
            )
        if room_key is None or room_key == ctx.room_key:
            ctx.reply_text(prompt)
        return prompt

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
    ) -> str:
        """Save a new conversation inside the caller's transaction (also for another person,
        e.g. a reporter who is asked a follow-up question) and return its first question."""
        flow = self._flows[flow_name]
        values = dict(data or {})
        first = flow.first(values)
        now = ctx.svc.clock.now()
        row = ConversationRow(
            room_key=room_key,
            person=person,
            flow=flow.name,
            step=first.name,
            history=(),
            data=values,
            token=secrets.token_hex(16),
            language=lang or ctx.lang,
            expires_at=now + self._expiry(ctx),
        )
        await conversations.save(conn, row, now)
        return first.prompt(ctx, values)

    async def _load(
        self, ctx: Context, conn: aiosqlite.Connection
    ) -> tuple[ConversationRow, Flow[Any], Step[Any]] | bool | None:
        """The active conversation with its flow and step; None if there is none; False if
        it could not be resumed (its flow or step no longer exists after an upgrade, or its
        data is corrupt): then it is deleted and the person is told, politely, once."""
        try:
            row = await conversations.get(conn, ctx.room_key, ctx.person)
        except (ValueError, TypeError, KeyError):
            row = None
            broken = "corrupt data"
        else:
            if row is None:
                return None
            flow = self._flows.get(row.flow)
            if flow is not None and any(s.name == row.step for s in flow.steps):
                return row, flow, flow.step(row.step)
            broken = f"unknown flow or step {row.flow}/{row.step}"
        log.warning("discarding a conversation of %s: %s", ctx.person, broken)
        await conversations.delete(conn, ctx.room_key, ctx.person)
        ctx.reply("conversation.discarded")
        return False

    async def feed(self, ctx: Context, text: str) -> bool:
        """Give ``text`` to the active conversation; False if there is none."""
        after: tuple[Flow[Any], dict[str, Any]] | None = None
        async with ctx.svc.db.transaction() as conn:
            loaded = await self._load(ctx, conn)
            if loaded is None:
                return False
            if loaded is False:
                return True
            assert not isinstance(loaded, bool)
            row, flow, step = loaded
            now = ctx.svc.clock.now()
            if row.expires_at <= now:
                await conversations.delete(conn, ctx.room_key, ctx.person)
                ctx.reply("conversation.expired")
                return False
            data = dict(row.data)
            try:
                result = await step.parse(ctx, conn, data, text)
            except Reask as exc:
                ctx.reply(exc.key, **exc.params)
                ctx.reply_text(step.prompt(ctx, data))
                await conversations.save(
                    conn, replace(row, expires_at=now + self._expiry(ctx)), now
                )
                return True
            data.update(result.updates)
            if result.cancel:
                await conversations.delete(conn, ctx.room_key, ctx.person)
            elif result.done:
                if await conversations.complete(conn, row.token, flow.name, now):
                    await flow.finish(ctx, conn, data)
                    after = (flow, data)
                else:
                    ctx.reply("conversation.already_done")
                await conversations.delete(conn, ctx.room_key, ctx.person)
            else:
                nxt = self._next(flow, step, data, result)
                if nxt is None:
                    raise UserError("error.generic")
                history = (*row.history, step.name) if nxt.name != step.name else row.history
                await conversations.save(
                    conn,
                    replace(
                        row,
                        step=nxt.name,
                        history=history,
                        data=data,
                        expires_at=now + self._expiry(ctx),
                    ),
                    now,
                )
                ctx.reply_text(nxt.prompt(ctx, data))
        if after is not None and after[0].after_commit is not None:
            await after[0].after_commit(ctx, after[1])
        return True

    def _next(
        self, flow: Flow[Any], step: Step[Any], data: dict[str, Any], result: StepResult
    ) -> Step[Any] | None:
        if result.return_to:
            data[RETURN_KEY] = result.return_to
        if result.goto:
            return flow.step(result.goto)
        back_to = data.pop(RETURN_KEY, None)
        if isinstance(back_to, str):
            return flow.step(back_to)
        return flow.next_after(step.name, data)

    async def back(self, ctx: Context) -> bool:
        """Go back one step and ask it again; False if there is no conversation."""
        async with ctx.svc.db.transaction() as conn:
            loaded = await self._load(ctx, conn)
            if loaded is None:
                return False
            if loaded is False:
                return True
            assert not isinstance(loaded, bool)
            row, flow, _ = loaded
            data = dict(row.data)
            data.pop(RETURN_KEY, None)
            if not row.history:
                ctx.reply("conversation.at_start")
                ctx.reply_text(flow.step(row.step).prompt(ctx, data))
                return True
            previous = row.history[-1]
            now = ctx.svc.clock.now()
            await conversations.save(
                conn,
                replace(
                    row,
                    step=previous,
                    history=row.history[:-1],
                    data=data,
                    expires_at=now + self._expiry(ctx),
                ),
                now,
            )
            ctx.reply_text(flow.step(previous).prompt(ctx, data))
        return True

    async def cancel(self, ctx: Context) -> bool:
        """End the conversation without finishing it; False if there was none."""
        async with ctx.svc.db.transaction() as conn:
            if not await conversations.exists(conn, ctx.room_key, ctx.person):
                return False
            await conversations.delete(conn, ctx.room_key, ctx.person)
        return True
