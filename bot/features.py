"""A feature, declared once: everything the app needs to know about it in one `Feature` value.

Each feature package exposes one ``FEATURE``; the composition root (`bot.app.FEATURES`) lists
them and nothing else, because ``bot/`` never imports ``handlers/``. From that list come the
registry the router and the engine read (`build_registry`), the scheduled jobs (`jobs`), and
what ``!glöm`` and retention reach: every feature's ``forget`` and ``purge`` hooks
(`forget_person`, `purge_all`) over the tables it declares as its own (``tables``, names from
`storage.datamap.TABLES`), and the schema steps that create them (``migrations``, checked
against `storage.migrations.MIGRATIONS` when the app opens its database: `migrations`).
``tests/test_features.py`` checks that every table holding a person key or free text is owned
by a feature with both hooks. See docs/adding-a-feature.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.commands import (
    Command,
    DefaultHandler,
    ForgetHook,
    PollHandler,
    PurgeHook,
    ReactionHandler,
    Registry,
    SchedulerHook,
    StartHook,
)
from bot.conversation import Flow
from bot.report import SectionProvider
from bot.scheduler import Job
from config.settings import Settings
from storage.migrations import MIGRATIONS, Migration

__all__ = [
    "Feature",
    "ForgetHook",
    "PurgeHook",
    "Registrar",
    "build_registry",
    "forget_person",
    "jobs",
    "migrations",
    "purge_all",
]

Registrar = Callable[[Registry], None]
"""Adds to a registry by hand (tests' extra commands)."""


def _no_jobs(_: Settings) -> Sequence[Job]:
    return ()


@dataclass(frozen=True, kw_only=True)
class Feature:
    """One feature: what it answers, what it runs, and the data it holds."""

    name: str
    """Unique; also the key of its per-app state (``Registry.features``) and its hooks."""
    commands: Sequence[Command] = ()
    app_commands: Callable[[Any], Sequence[Command]] | None = None
    """Commands whose handlers need the feature's per-app state (``runtime``): called with
    it when the registry is built; listed after ``commands``."""
    flows: Sequence[Flow[Any]] = ()
    direct_default: Sequence[DefaultHandler] = ()
    """Tried in a direct chat when no command or conversation took the message, after the
    ``direct_first`` of every feature, in the order of the features."""
    direct_first: Sequence[DefaultHandler] = ()
    """Like ``direct_default``, but before every feature's (a check for one kind of message,
    such as a forwarded broadcast, that must come before the offer to make a tip)."""
    room_default: Sequence[DefaultHandler] = ()
    reaction_handlers: Sequence[ReactionHandler] = ()
    poll_handlers: Sequence[PollHandler] = ()
    report_sections: Sequence[SectionProvider] = ()
    """Extra sections of the EST situation picture (`bot.report`)."""
    jobs: Sequence[Job] = ()
    """Periodic jobs whose existence and triggers do not depend on settings."""
    configured_jobs: Callable[[Settings], Sequence[Job]] = _no_jobs
    """Jobs that exist, or whose triggers are computed, from settings (the EST post)."""
    start: Sequence[StartHook] = ()
    """Awaited once the transport is ready (after the first sync)."""
    alarm_clock: SchedulerHook | None = None
    """Handed the scheduler, for alarms kept in the feature's own tables (not for jobs)."""
    runtime: Callable[[], Any] | None = None
    """Builds the feature's per-app state, kept in ``Registry.features[name]``."""
    settings: str | None = None
    """The section of `config.settings.Settings` the feature reads (None: only shared ones)."""
    tables: tuple[str, ...] = ()
    """The tables whose data this feature's ``forget`` and ``purge`` answer for."""
    forget: ForgetHook | None = None
    purge: PurgeHook | None = None
    migrations: tuple[Migration, ...] = ()
    """The schema steps (`storage.migrations`) that create or change the feature's tables.
    They keep their global numbers: a new step takes the next one, and is appended to
    `storage.migrations.MIGRATIONS` too."""

    def all_jobs(self, settings: Settings) -> list[Job]:
        return [*self.jobs, *self.configured_jobs(settings)]


def build_registry(features: Iterable[Feature]) -> Registry:
    """A registry filled by each feature in turn (their order is the order of ``!help``)."""
    reg = Registry()
    seen: set[str] = set()
    listed = list(features)
    for feature in listed:
        if feature.name in seen:
            raise ValueError(f"feature {feature.name} listed twice")
        seen.add(feature.name)
        for flow in feature.flows:
            reg.flow(flow)
        state = feature.runtime() if feature.runtime is not None else None
        if state is not None:
            reg.features[feature.name] = state
        for cmd in feature.commands:
            reg.command(cmd)
        if feature.app_commands is not None:
            for cmd in feature.app_commands(state):
                reg.command(cmd)
        reg.direct_default.extend(feature.direct_default)
        reg.room_default.extend(feature.room_default)
        reg.reaction_handlers.extend(feature.reaction_handlers)
        reg.poll_handlers.extend(feature.poll_handlers)
        reg.report_sections.extend(feature.report_sections)
        reg.start_hooks.extend(feature.start)
        if feature.alarm_clock is not None:
            reg.scheduler_hooks.append(feature.alarm_clock)
        if feature.forget is not None:
            reg.forget_hooks[feature.name] = feature.forget
        if feature.purge is not None:
            reg.purge_hooks[feature.name] = feature.purge
    first = [h for f in listed for h in f.direct_first]
    reg.direct_default[:0] = first
    return reg


def jobs(features: Iterable[Feature], settings: Settings) -> list[Job]:
    """Every feature's jobs, triggers from ``settings``."""
    return [job for feature in features for job in feature.all_jobs(settings)]


def migrations(features: Iterable[Feature]) -> tuple[Migration, ...]:
    """The features' schema steps, in the order they run: exactly
    `storage.migrations.MIGRATIONS`, each claimed by one feature (else ValueError)."""
    owner: dict[int, str] = {}
    for feature in features:
        for step in feature.migrations:
            if step.version in owner:
                raise ValueError(
                    f"migration {step.version} claimed by {owner[step.version]} and {feature.name}"
                )
            if step not in MIGRATIONS:
                raise ValueError(f"{feature.name}: migration {step.version} is not in MIGRATIONS")
            owner[step.version] = feature.name
    missing = [m.version for m in MIGRATIONS if m.version not in owner]
    if missing:
        raise ValueError(f"migrations claimed by no feature: {missing}")
    return MIGRATIONS


async def forget_person(
    reg: Registry, conn: aiosqlite.Connection, person: str, now: datetime, settings: Settings
) -> dict[str, int]:
    """``!glöm``: every feature's ``forget`` in one transaction; what each held, by feature."""
    return {
        name: await hook(conn, person, now, settings) for name, hook in reg.forget_hooks.items()
    }


async def purge_all(
    reg: Registry, conn: aiosqlite.Connection, now: datetime, settings: Settings
) -> dict[str, int]:
    """Retention: every feature's ``purge`` in the order of the features; the counts summed by
    name. The order matters once: a person is deleted only when no tip, subscription or
    conversation links them, so the features whose rows link people come first."""
    counts: dict[str, int] = {}
    for hook in reg.purge_hooks.values():
        found: Mapping[str, int] = await hook(conn, now, settings)
        for key, n in found.items():
            counts[key] = counts.get(key, 0) + n
    return counts
