"""Typed state for the polls' conversations.

The conversation engine (`bot.conversation`) keeps a flow's state as the JSON object in the
``conversation.data`` column and hands it to the steps as ``Mapping[str, Any]``. Each flow of
this feature declares the keys it stores as a ``TypedDict`` (`handlers.polls.flows.NewPollState`,
`handlers.polls.survey.SurveyState`), and these adapters give its prompts, parsers and finisher
that type. A ``TypedDict`` is a plain ``dict`` at run time, so nothing about the stored JSON
changes: rows saved before the state was typed load and resume as they did.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

import aiosqlite

from bot.context import Context
from bot.conversation import StepResult

S = TypeVar("S", bound=Mapping[str, object])


def prompt(fn: Callable[[Context, S], str]) -> Callable[[Context, Mapping[str, Any]], str]:
    """A step's prompt that reads the flow's typed state."""

    def typed(ctx: Context, data: Mapping[str, Any]) -> str:
        return fn(ctx, cast(S, data))

    return typed


def parser(
    fn: Callable[[Context, aiosqlite.Connection, S, str], Awaitable[StepResult]],
) -> Callable[[Context, aiosqlite.Connection, Mapping[str, Any], str], Awaitable[StepResult]]:
    """A step's parser that reads the flow's typed state."""

    async def typed(
        ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
    ) -> StepResult:
        return await fn(ctx, conn, cast(S, data), text)

    return typed


def skip(fn: Callable[[S], bool]) -> Callable[[Mapping[str, Any]], bool]:
    """A step's skip test that reads the flow's typed state."""

    def typed(data: Mapping[str, Any]) -> bool:
        return fn(cast(S, data))

    return typed


def finisher(
    fn: Callable[[Context, aiosqlite.Connection, S], Awaitable[None]],
) -> Callable[[Context, aiosqlite.Connection, Mapping[str, Any]], Awaitable[None]]:
    """A flow's finish that reads the flow's typed state."""

    async def typed(ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any]) -> None:
        await fn(ctx, conn, cast(S, data))

    return typed
