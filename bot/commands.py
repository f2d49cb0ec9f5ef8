"""Command declarations and the registry that handler modules fill in.

A command is declared once with its Swedish and English names, aliases, catalogue keys for
its one-line summary and usage, the role it needs and where it may be used.  The router
enforces role and place; ``!help`` is generated from these declarations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.answers import fold  # one folding for command names and answers
from bot.roles import Role

__all__ = ["COMMAND_PREFIX", "Args", "Command", "Registry", "Role", "fold"]

COMMAND_PREFIX = "!"

if TYPE_CHECKING:
    from datetime import datetime

    import aiosqlite

    from bot.context import Context, Services
    from bot.conversation import Flow
    from bot.messages import IncomingPollEvent, IncomingReaction
    from bot.report import SectionProvider
    from config.settings import Settings


@dataclass(frozen=True)
class Args:
    """What followed the command name: ``words`` split on whitespace, ``rest`` verbatim."""

    words: tuple[str, ...]
    rest: str


CommandHandler = Callable[["Context", Args], Awaitable[None]]
DefaultHandler = Callable[["Context"], Awaitable[bool]]
ReactionHandler = Callable[["Services", "IncomingReaction"], Awaitable[None]]
PollHandler = Callable[["Services", Sequence["IncomingPollEvent"]], Awaitable[None]]
SchedulerHook = Callable[["Services", Any], None]
"""Called with the app's APScheduler scheduler when it is created, for a feature whose alarms
live in its own tables (one per broadcast schedule) and are rebuilt from them. Periodic jobs are
not added here: a feature declares them as `bot.scheduler.Job` values (`bot.features.Feature`)."""
StartHook = Callable[["Services"], Awaitable[None]]
"""Awaited once the transport is ready (after the first sync): catch up, resume."""
ForgetHook = Callable[["aiosqlite.Connection", str, "datetime", "Settings"], Awaitable[int]]
"""``forget(conn, person, now, settings)``: what ``!glöm`` does to a feature's tables for the
pseudonymous ``person``, inside the command's transaction; the number of the person's items
the feature held (tips: the tips whose link to the person went)."""
PurgeHook = Callable[["aiosqlite.Connection", "datetime", "Settings"], Awaitable[Mapping[str, int]]]
"""``purge(conn, now, settings)``: delete what has outlived its rule (`storage.datamap`) in a
feature's tables, inside the retention run's transaction; counts by name (the fields of
`handlers.retention.RetentionReport`)."""


@dataclass(frozen=True, kw_only=True)
class Command:
    """A command, declared with keywords only: ``Command(key=..., sv=..., en=..., ...)``."""

    key: str
    sv: str
    en: str
    summary: str
    usage: str
    handler: CommandHandler
    role: Role = Role.RESIDENT
    aliases: tuple[str, ...] = ()
    rooms: frozenset[str] | None = None  # room kinds where allowed; None: anywhere
    hidden: bool = False  # not listed in !help (still usable)

    def name_for(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en

    def all_names(self) -> tuple[str, ...]:
        return (self.sv, self.en, *self.aliases)


@dataclass
class Registry:
    """What the features contribute: commands, conversation flows, default behaviours."""

    commands: list[Command] = field(default_factory=list)
    flows: dict[str, Flow] = field(default_factory=dict)
    direct_default: list[DefaultHandler] = field(default_factory=list)
    _index: dict[str, list[Command]] = field(default_factory=dict)
    reaction_handlers: list[ReactionHandler] = field(default_factory=list)
    room_default: list[DefaultHandler] = field(default_factory=list)
    poll_handlers: list[PollHandler] = field(default_factory=list)
    # Extra sections of the EST situation picture (see bot/report.py).
    report_sections: list[SectionProvider] = field(default_factory=list)
    scheduler_hooks: list[SchedulerHook] = field(default_factory=list)
    start_hooks: list[StartHook] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)
    """Per-app state of a feature (e.g. the broadcasts runtime), by feature name."""
    forget_hooks: dict[str, ForgetHook] = field(default_factory=dict)
    """Every feature's ``forget``, by feature name, in the order of the features."""
    purge_hooks: dict[str, PurgeHook] = field(default_factory=dict)
    """Every feature's ``purge``, by feature name, in the order of the features."""

    def command(self, cmd: Command) -> None:
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

    def flow(self, flow: Flow) -> None:
        if flow.name in self.flows:
            raise ValueError(f"flow {flow.name} registered twice")
        self.flows[flow.name] = flow

    def lookup(self, name: str, room_kind: str | None = None) -> Command | None:
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

    def visible(self, role: Role) -> Iterable[Command]:
        return (c for c in self.commands if c.role <= role and not c.hidden)


def _overlap(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    return a is None or b is None or bool(a & b)
