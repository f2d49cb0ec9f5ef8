"""Command declarations and the registry, generic in the context a handler receives.

This module sits below `bot.context` (whose `Services` holds the registry), so it cannot name
`bot.context.Context`: its classes take the context (``C``), the services (``S``) and the
conversation flow (``F``) as type parameters. Features do not import it: `bot.commands`
names the same declarations with the real types filled in (``Command``, ``Param[T]``,
``Registry``, the handler types), so a handler with the wrong first parameter is refused by
mypy where it is declared. See `bot.commands` for what a command is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any, Generic, Protocol, TypeVar, cast

import aiosqlite

from bot.answers import fold  # one folding for command names and answers
from bot.errors import UsageError
from bot.report import SectionProvider
from bot.roles import Role
from config.settings import Settings

__all__ = ["Args", "Command", "Param", "Registry", "after", "fold"]

T = TypeVar("T")
C = TypeVar("C")
"""The context a handler receives (`bot.context.Context`)."""
S = TypeVar("S")
"""The services (`bot.context.Services`)."""


class Named(Protocol):
    """What the registry reads of a conversation flow (`bot.conversation.Flow`)."""

    @property
    def name(self) -> str: ...


F = TypeVar("F", bound=Named)
"""A conversation flow (`bot.conversation.Flow`)."""

Converter = Callable[[C, str], Awaitable[T]]
"""Turns one word (or the rest of the line) into a value, or raises `UsageError` (wrong
form: its hint and the usage) or `UserError` (well formed, but e.g. no such tip)."""


@dataclass(frozen=True, kw_only=True)
class Param(Generic[C, T]):
    """A typed argument: ``name`` is its key in `Args`; ``rest`` takes the rest of the line
    verbatim; a missing ``optional`` one is ``None`` (declare it as ``Param[X | None]``); a
    missing required one is refused with ``missing`` (a catalogue key, if any) and the
    usage. Optional ones come last."""

    name: str
    convert: Converter[C, T]
    optional: bool = False
    rest: bool = False
    missing: str | None = None


@dataclass(frozen=True)
class Args:
    """What followed the command name: ``words`` split on whitespace, ``rest`` verbatim, and
    the converted ``params`` (read with ``args[PARAM]``)."""

    words: tuple[str, ...]
    rest: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, param: Param[Any, T]) -> T:
        return cast(T, self.values.get(param.name))


CommandHandler = Callable[[C, Args], Awaitable[None]]
DefaultHandler = Callable[[C], Awaitable[bool]]
ReactionHandler = Callable[[S, Any], Awaitable[None]]
"""Called with the services and a `bot.messages.IncomingReaction`."""
PollHandler = Callable[[S, Sequence[Any]], Awaitable[None]]
"""Called with the services and `bot.messages.IncomingPollEvent`s."""
SchedulerHook = Callable[[S, Any], None]
"""Called with the app's APScheduler scheduler when it is created, for a feature whose alarms
live in its own tables (one per broadcast schedule) and are rebuilt from them. Periodic jobs are
not added here: a feature declares them as `bot.scheduler.Job` values (`bot.features.Feature`)."""
StartHook = Callable[[S], Awaitable[None]]
"""Awaited once the transport is ready (after the first sync): catch up, resume."""
ForgetHook = Callable[[aiosqlite.Connection, str, datetime, Settings], Awaitable[int]]
"""``forget(conn, person, now, settings)``: what ``!glöm`` does to a feature's tables for the
pseudonymous ``person``, inside the command's transaction; the number of the person's items
the feature held (tips: the tips whose link to the person went)."""
PurgeHook = Callable[[aiosqlite.Connection, datetime, Settings], Awaitable[Mapping[str, int]]]
"""``purge(conn, now, settings)``: delete what has outlived its rule (`storage.datamap`) in a
feature's tables, inside the retention run's transaction; counts by name (they reach
`handlers.retention.RetentionReport.deleted` and the run's log line as they are)."""


async def _no_handler(ctx: Any, args: Args) -> None:
    raise UsageError()


@dataclass(frozen=True, kw_only=True)
class Command(Generic[C]):
    """A command, declared with keywords only: ``Command(key=..., sv=..., en=..., ...)``.

    ``params``: ``None`` hands the handler the words as they are; a tuple of `Param` makes
    the router convert them and refuse missing or surplus words (``extra_words`` ignores
    surplus ones where they were always allowed to run on). ``subcommands``: the first
    words name one of them, else ``handler`` runs (with ``params``) if given, else the
    router refuses the word with ``unknown_sub`` (a catalogue key) and the usage. A
    subcommand's ``summary`` may be empty; its ``rooms`` are its group's."""

    key: str
    sv: str
    en: str
    summary: str
    usage: str
    handler: CommandHandler[C] = _no_handler
    role: Role = Role.RESIDENT
    aliases: tuple[str, ...] = ()
    rooms: frozenset[str] | None = None  # room kinds where allowed; None: anywhere
    hidden: bool = False  # not listed in !help (still usable)
    params: tuple[Param[C, Any], ...] | None = None
    subcommands: tuple[Command[C], ...] = ()
    unknown_sub: str | None = None
    extra_words: bool = False  # words after the last argument: ignored, not refused

    def __post_init__(self) -> None:
        if self.handler is _no_handler and not self.subcommands:
            raise ValueError(f"{self.key}: a command needs a handler or subcommands")
        params = self.params or ()
        if any(a.optional and not b.optional for a, b in pairwise(params)):
            raise ValueError(f"{self.key}: an optional argument before a required one")
        if any(p.rest for p in params[:-1]):
            raise ValueError(f"{self.key}: only the last argument may take the rest of the line")

    def name_for(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en

    def all_names(self) -> tuple[str, ...]:
        return (self.sv, self.en, *self.aliases)

    def route(self, words: Sequence[str]) -> tuple[Command[C], int]:
        """The (sub)command the words name, and how many words its names took (longest
        name first: "skicka nu" before "skicka"). Raises `UsageError` for a group without a
        handler of its own whose first word names no subcommand."""
        folded = [fold(w) for w in words]
        best: tuple[Command[C], int] | None = None
        for sub in self.subcommands:
            for name in sub.all_names():
                parts = fold(name).split()
                if folded[: len(parts)] == parts and (best is None or len(parts) > best[1]):
                    best = (sub, len(parts))
        if best is not None:
            inner, used = best[0].route(words[best[1] :])
            return inner, best[1] + used
        if self.subcommands and self.handler is _no_handler:
            if words and self.unknown_sub:
                raise UsageError(self.unknown_sub, word=words[0][:20])
            raise UsageError()
        return self, 0

    async def parse(self, ctx: C, rest: str) -> Args:
        """The words after the (sub)command's name, with its ``params`` converted."""
        words = tuple(rest.split())
        if self.params is None:
            return Args(words=words, rest=rest.strip())
        need = sum(1 for p in self.params if not p.optional)
        if len(words) < need:
            missing = self.params[len(words)] if len(words) < len(self.params) else None
            raise UsageError(missing.missing if missing else None)
        surplus = len(words) > len(self.params) and not any(p.rest for p in self.params)
        if surplus and not self.extra_words:
            raise UsageError()
        values: dict[str, Any] = {}
        for n, param in enumerate(self.params):
            text = after(rest, n) if param.rest else (words[n] if n < len(words) else "")
            values[param.name] = await param.convert(ctx, text) if text else None
        return Args(words=words, rest=rest.strip(), values=values)


def after(text: str, n: int) -> str:
    """``text`` without its first ``n`` words (the rest of the line, inner spacing kept)."""
    parts = text.strip().split(None, n)
    return parts[n].strip() if len(parts) > n else ""


@dataclass
class Registry(Generic[C, S, F]):
    """What the features contribute: commands, conversation flows, default behaviours."""

    commands: list[Command[C]] = field(default_factory=list)
    flows: dict[str, F] = field(default_factory=dict)
    """The conversation flows by name (the conversation engine reads them)."""
    direct_default: list[DefaultHandler[C]] = field(default_factory=list)
    _index: dict[str, list[Command[C]]] = field(default_factory=dict)
    reaction_handlers: list[ReactionHandler[S]] = field(default_factory=list)
    room_default: list[DefaultHandler[C]] = field(default_factory=list)
    poll_handlers: list[PollHandler[S]] = field(default_factory=list)
    # Extra sections of the EST situation picture (see bot/report.py).
    report_sections: list[SectionProvider] = field(default_factory=list)
    scheduler_hooks: list[SchedulerHook[S]] = field(default_factory=list)
    start_hooks: list[StartHook[S]] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)
    """Per-app state of a feature (e.g. the broadcasts runtime), by feature name."""
    forget_hooks: dict[str, ForgetHook] = field(default_factory=dict)
    """Every feature's ``forget``, by feature name, in the order of the features."""
    purge_hooks: dict[str, PurgeHook] = field(default_factory=dict)
    """Every feature's ``purge``, by feature name, in the order of the features."""

    def command(self, cmd: Command[C]) -> None:
        """Declare a command. Two commands may share a name only if the rooms where they
        apply do not overlap (e.g. ``!status`` for residents and for moderators)."""
        for name in cmd.all_names():
            for form in {name.casefold(), fold(name)}:
                same = self._index.setdefault(form, [])
                for other in same:
                    if other.key != cmd.key and _overlap(other.rooms, cmd.rooms):
                        raise ValueError(f"command name {name!r} used by {other.key} and {cmd.key}")
                if cmd not in same:
                    same.append(cmd)
        self.commands.append(cmd)

    def flow(self, flow: F) -> None:
        """Declare a conversation flow."""
        if flow.name in self.flows:
            raise ValueError(f"flow {flow.name} registered twice")
        self.flows[flow.name] = flow

    def lookup(self, name: str, room_kind: str | None = None) -> Command[C] | None:
        """The command called ``name`` that applies in a room of ``room_kind`` (the first
        declared if none is specific to it)."""
        found = self._index.get(name.casefold()) or self._index.get(fold(name)) or []
        for cmd in found:
            if room_kind is not None and cmd.rooms is not None and room_kind in cmd.rooms:
                return cmd
        for cmd in found:
            if cmd.rooms is None:
                return cmd
        return found[0] if found else None

    def visible(self, role: Role) -> Iterable[Command[C]]:
        return (c for c in self.commands if c.role <= role and not c.hidden)


def _overlap(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    return a is None or b is None or bool(a & b)
