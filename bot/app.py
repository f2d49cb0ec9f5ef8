"""Composition root: builds the services from settings and a transport's messenger, and
lists the features (`FEATURES`): nothing else. Their commands, flows, handlers, jobs, start
hooks, their ``forget``/``purge`` hooks and their schema steps come from each one's
`bot.features.Feature`.
Nothing imports this module except entry points (CLI, tests' harness). To add a feature, add
its ``FEATURE`` here (docs/adding-a-feature.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot import features
from bot.clock import Clock, SystemClock
from bot.context import Services
from bot.conversation import ConversationEngine
from bot.engine import Engine, InlineReplies
from bot.faults import NO_FAULTS, FaultInjection
from bot.features import Feature, build_registry
from bot.i18n import Catalog
from bot.language import LanguageDetector
from bot.messenger import Messenger
from bot.metrics import Metrics
from bot.outbox import OutboxSender
from bot.pseudonym import Pseudonymizer
from bot.roles import ConfigRoles, RoleResolver
from bot.scheduler import Job
from bot.sealing import Sealer
from bot.signals import SignalDetector
from bot.stages import NO_STAGES, Stages
from bot.web import feature as web
from config.base import LOCALES_DIR
from config.settings import Secrets, Settings, resolve_path
from handlers import broadcasts, core, est, moderation, polls, retention, tips
from handlers.est.export import Request as EstRequest
from handlers.est.export import run as run_est_export
from handlers.records import Request as RecordsRequest
from handlers.records import run as run_records_request
from storage import rooms
from storage.db import Database
from storage.rooms import RoomInfo

log = logging.getLogger(__name__)

__all__ = [
    "FEATURES",
    "JOBS",
    "App",
    "EstRequest",
    "RecordsRequest",
    "build_app",
    "est_jobs",
    "jobs",
    "run_est_export",
    "run_records_request",
]

FEATURES: list[Feature] = [
    tips.FEATURE,
    core.FEATURE,
    moderation.FEATURE,
    polls.FEATURE,
    broadcasts.FEATURE,
    est.FEATURE,
    retention.FEATURE,
    web.FEATURE,
]
"""The features, in the order ``!help`` lists them (and retention runs their ``purge``:
tips before core, which deletes a person only when no tip links them)."""


def jobs(settings: Settings) -> list[Job]:
    """Every feature's scheduled jobs, triggers from ``settings``."""
    return features.jobs(FEATURES, settings)


# Older names (bot/preflight.py, tests): the jobs that do not depend on settings, and those
# that do (the EST post). Both come from the features.
JOBS: list[Job] = [job for feature in FEATURES for job in feature.jobs]


def est_jobs(settings: Settings) -> list[Job]:
    return [job for feature in FEATURES for job in feature.configured_jobs(settings)]


@dataclass
class App:
    svc: Services
    engine: Engine
    jobs: list[Job] = field(default_factory=lambda: list(JOBS))
    """Every feature's jobs (`jobs`)."""

    async def close(self) -> None:
        await self.svc.db.close()


async def build_app(
    settings: Settings,
    secrets: Secrets,
    messenger: Messenger,
    *,
    base_dir: Path,
    clock: Clock | None = None,
    roles: RoleResolver | None = None,
    db_path: Path | None = None,
    metrics: Metrics | None = None,
    faults: FaultInjection = NO_FAULTS,
    stages: Stages = NO_STAGES,
    inline: Callable[[Services], InlineReplies] | None = None,
) -> App:
    """Open the database, load catalogues and detectors, register the features. ``inline``
    builds, from the services, a transport's store for replies kept in the unit of work."""
    path = db_path or resolve_path(settings.storage.path, base_dir)
    # the schema is the features' steps (each claimed once, together exactly MIGRATIONS)
    db = await Database.open(path, features.migrations(FEATURES))
    if stages.enabled:
        db.count_trips(stages.count_trip)
    try:
        await db.checkpoint()  # nothing deleted before a crash lingers in -wal frames
        registry = build_registry(FEATURES)
        sealer = Sealer(secrets.pseudonym_key)
        svc = Services(
            settings=settings,
            db=db,
            catalog=Catalog.load(LOCALES_DIR),
            detector=LanguageDetector(
                settings.language.enabled,
                min_chars=settings.language.min_chars,
                min_probability=settings.language.min_probability,
            ),
            signals=SignalDetector(),
            pseudonymize=Pseudonymizer(secrets.pseudonym_key),
            messenger=messenger,
            clock=clock or SystemClock(),
            roles=roles or ConfigRoles(settings.matrix.moderators),
            metrics=metrics or Metrics(),
            sealer=sealer,
            conversations=ConversationEngine(registry.flows),
            outbox=OutboxSender(db, messenger, sealer, faults=faults),
            registry=registry,
        )
        await register_configured_rooms(svc)
    except BaseException:
        await db.close()
        raise
    return App(
        svc=svc,
        engine=Engine(
            svc, faults=faults, stages=stages, inline=inline(svc) if inline is not None else None
        ),
        jobs=jobs(settings),
    )


async def register_configured_rooms(svc: Services) -> None:
    """Rooms whose place and language come from the config (ids only; aliases are
    resolved by the Matrix transport once it has joined)."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        for room in svc.settings.rooms:
            if room.id.startswith("!"):
                await rooms.upsert(
                    conn,
                    RoomInfo(
                        room_id=room.id,
                        kind="neighbourhood",
                        locality=room.locality,
                        area=room.area,
                        language=room.language,
                    ),
                    now,
                )
        mod = svc.settings.matrix.moderation_room
        if mod and mod.startswith("!"):
            await rooms.upsert(conn, RoomInfo(room_id=mod, kind="moderation"), now)
