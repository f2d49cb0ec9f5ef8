"""Composition root: builds the services from settings and a transport's messenger.
Nothing imports this module except entry points (CLI, tests' harness)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.context import Services
from bot.conversation import ConversationEngine
from bot.engine import Engine
from bot.faults import NO_FAULTS, FaultInjection
from bot.features import build_registry
from bot.i18n import Catalog
from bot.language import LanguageDetector
from bot.messenger import Messenger
from bot.outbox import OutboxSender
from bot.pseudonym import Pseudonymizer
from bot.roles import ConfigRoles, RoleResolver
from bot.sealing import Sealer
from bot.signals import SignalDetector
from config.settings import LOCALES_DIR, Secrets, Settings, resolve_path
from storage import rooms
from storage.db import Database
from storage.rooms import RoomInfo

log = logging.getLogger(__name__)


@dataclass
class App:
    svc: Services
    engine: Engine

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
    faults: FaultInjection = NO_FAULTS,
) -> App:
    """Open the database, load catalogues and detectors, register the features."""
    path = db_path or resolve_path(settings.storage.path, base_dir)
    db = await Database.open(path)
    try:
        await db.checkpoint()  # nothing deleted before a crash lingers in -wal frames
        registry = build_registry()
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
            sealer=sealer,
            conversations=ConversationEngine(registry.flows),
            outbox=OutboxSender(db, messenger, sealer, faults=faults),
            registry=registry,
        )
        await register_configured_rooms(svc)
    except BaseException:
        await db.close()
        raise
    return App(svc=svc, engine=Engine(svc, faults=faults))


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
