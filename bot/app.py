"""Composition root: builds the services from settings and a transport's messenger, and
collects the features (`FEATURES`) and scheduled jobs (`JOBS`). Nothing imports this module
except entry points (CLI, tests' harness). To add a feature, add its ``register`` here; to
add a job, a `Job` to `JOBS`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock, SystemClock
from bot.context import Services
from bot.conversation import ConversationEngine
from bot.engine import Engine
from bot.faults import NO_FAULTS, FaultInjection
from bot.features import Registrar, build_registry
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
from config.settings import LOCALES_DIR, Secrets, Settings, resolve_path
from handlers import broadcasts, core, est, moderation, polls, retention, tips
from handlers.est.export import Request as EstRequest
from handlers.est.export import run as run_est_export
from handlers.est.schedule import post_scheduled as post_est_picture
from handlers.polls.lifecycle import run_due as run_due_polls
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
    "run_est_export",
    "run_records_request",
]

POLL_TICK_SECONDS = 10

FEATURES: list[Registrar] = [
    tips.register,
    core.register,
    moderation.register,
    polls.register,
    broadcasts.register,
    est.register,
]
"""The features, in the order ``!help`` lists them."""


async def _post_missing_cards(svc: Services) -> None:
    posted = await moderation.post_missing_cards(svc)
    if posted:
        log.info("posted %d missing moderation cards", posted)


JOBS: list[Job] = [
    # Deletes what has outlived its retention period: daily at 03:15 local time, and at start.
    Job(
        "retention",
        retention.run_retention,
        lambda tz: CronTrigger(hour=3, minute=15, timezone=tz),
        misfire_grace_time=6 * 3600,
        at_start=True,
    ),
    # Posts moderation cards that a crash between commit and send left unposted.
    Job(
        "cards",
        _post_missing_cards,
        lambda tz: IntervalTrigger(minutes=5, timezone=tz),
        misfire_grace_time=300,
        at_start=True,
    ),
    # Opens and closes the polls that are due by the ``poll`` table and sends what a crash
    # left unsent; a close missed while the bot was down happens at start.
    Job(
        "polls",
        run_due_polls,
        lambda tz: IntervalTrigger(seconds=POLL_TICK_SECONDS, timezone=tz),
        misfire_grace_time=POLL_TICK_SECONDS * 6,
        at_start=True,
    ),
]


def est_jobs(settings: Settings) -> list[Job]:
    """The EST picture at its configured slot, and every ten minutes (and at start) a check
    that the latest slot was posted (claimed in the database: exactly once per slot)."""
    est = settings.est.schedule
    if not est.enabled:
        return []
    hour, minute = (int(part) for part in est.time.split(":"))
    return [
        Job(
            "est",
            post_est_picture,
            lambda tz: CronTrigger(
                day_of_week=est.day_of_week, week=est.weeks, hour=hour, minute=minute, timezone=tz
            ),
            misfire_grace_time=est.grace_hours * 3600 or 60,
        ),
        Job(
            "est_check",
            post_est_picture,
            lambda tz: IntervalTrigger(minutes=10, timezone=tz),
            misfire_grace_time=600,
            at_start=True,
        ),
    ]


@dataclass
class App:
    svc: Services
    engine: Engine
    jobs: list[Job] = field(default_factory=lambda: list(JOBS))

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
) -> App:
    """Open the database, load catalogues and detectors, register the features."""
    path = db_path or resolve_path(settings.storage.path, base_dir)
    db = await Database.open(path)
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
        svc=svc, engine=Engine(svc, faults=faults, stages=stages), jobs=[*JOBS, *est_jobs(settings)]
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
