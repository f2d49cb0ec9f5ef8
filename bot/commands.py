"""Command declarations and the registry that handler modules fill in.

A command is declared once with its Swedish and English names, aliases, catalogue keys for
its one-line summary and usage, the role it needs and where it may be used.  The router
enforces role and place; ``!help`` is generated from these declarations.

A command may be a group: its ``subcommands`` are commands too, each with its own names
(several words, like "ta bort", are fine), usage, role and arguments. A command's ``params``
are typed arguments (`Param`): the router converts the words before the handler runs and
refuses wrong ones with the argument's own message, followed by the command's usage.

The declarations themselves are in `bot.registry`, generic in the context, because
`bot.context.Services` holds the registry; this module names them with `bot.context`'s real
`Context` and `Services` (and `bot.conversation.Flow`), so mypy checks every handler's
parameters where a command, flow or hook is declared.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from bot import registry
from bot.context import Context, Services
from bot.conversation import Flow
from bot.registry import Args, ForgetHook, PurgeHook, after, fold
from bot.roles import Role

__all__ = [
    "COMMAND_PREFIX",
    "Args",
    "Command",
    "CommandHandler",
    "DefaultHandler",
    "ForgetHook",
    "Param",
    "PollHandler",
    "PurgeHook",
    "ReactionHandler",
    "Registry",
    "Role",
    "SchedulerHook",
    "StartHook",
    "after",
    "fold",
]

COMMAND_PREFIX = "!"

T = TypeVar("T")

Command = registry.Command[Context]
"""A command, declared with keywords only: ``Command(key=..., sv=..., en=..., ...)`` (see
`bot.registry.Command`)."""
Registry = registry.Registry[Context, Services, Flow[Any]]
"""What the features contribute: commands, conversation flows, default behaviours."""


class Param(registry.Param[Context, T]):
    """A typed argument whose converter takes a `Context` (see `bot.registry.Param`):
    ``Param(name=..., convert=...)``, read with ``args[PARAM]``."""


Converter = Callable[[Context, str], Awaitable[T]]
"""Turns one word (or the rest of the line) into a value, or raises `UsageError` (wrong
form: its hint and the usage) or `UserError` (well formed, but e.g. no such tip)."""
CommandHandler = Callable[[Context, Args], Awaitable[None]]
DefaultHandler = Callable[[Context], Awaitable[bool]]
ReactionHandler = Callable[[Services, Any], Awaitable[None]]
"""Called with the services and a `bot.messages.IncomingReaction`."""
PollHandler = Callable[[Services, Sequence[Any]], Awaitable[None]]
"""Called with the services and `bot.messages.IncomingPollEvent`s."""
SchedulerHook = Callable[[Services, Any], None]
"""Called with the app's APScheduler scheduler when it is created, for a feature whose alarms
live in its own tables (one per broadcast schedule) and are rebuilt from them. Periodic jobs are
not added here: a feature declares them as `bot.scheduler.Job` values (`bot.features.Feature`)."""
StartHook = Callable[[Services], Awaitable[None]]
"""Awaited once the transport is ready (after the first sync): catch up, resume."""
