"""Scheduled fraud warnings: a catalogue of warnings in every enabled language, schedules
fired exactly once per slot and target, ad hoc warnings, subscriptions in direct chats and
a spoof check. See docs/broadcasts.md."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import aiosqlite
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.commands import Command
from bot.context import Services
from bot.features import Feature
from bot.scheduler import Job
from config.settings import Settings
from handlers.broadcasts import subscriptions, verify
from handlers.broadcasts.commands import BroadcastCommands
from handlers.broadcasts.runtime import SWEEP_JOB, SWEEP_MINUTES, Broadcasts
from storage import broadcasts as store
from storage.datamap import DELIVERY_KEEP_DAYS
from storage.migrations.broadcasts import BROADCASTS

NAME = "broadcasts"


def runtime_of(svc: Services) -> Broadcasts:
    rt = svc.registry.features[NAME]
    assert isinstance(rt, Broadcasts)
    return rt


def _commands() -> list[Command]:
    out: list[Command] = []
    direct = frozenset({"direct"})
    out.append(
        Command(
            key="subscribe",
            sv="prenumerera",
            en="subscribe",
            summary="broadcasts.subscribe_summary",
            usage="broadcasts.subscribe_usage",
            handler=subscriptions.subscribe_command,
            rooms=direct,
        )
    )
    out.append(
        Command(
            key="unsubscribe",
            sv="avsluta",
            en="unsubscribe",
            summary="broadcasts.unsubscribe_summary",
            usage="broadcasts.unsubscribe_usage",
            handler=subscriptions.unsubscribe_command,
            aliases=("avprenumerera",),
            rooms=direct,
        )
    )
    out.append(
        Command(
            key="verify",
            sv="äkta",
            en="verify",
            summary="broadcasts.verify_summary",
            usage="broadcasts.verify_usage",
            handler=verify.verify_command,
            aliases=("akta", "kolla", "check"),
        )
    )
    return out


async def _start(svc: Services) -> None:
    await runtime_of(svc).start(svc)


async def _sweep(svc: Services) -> None:
    await runtime_of(svc).sweep_once(svc)


def _alarm_clock(svc: Services, scheduler: BaseScheduler) -> None:
    runtime_of(svc).install(svc, scheduler)


async def forget(conn: aiosqlite.Connection, person: str, now: datetime, settings: Settings) -> int:
    """The person's subscription goes, with its rotation and every delivery to it."""
    return int(await store.unsubscribe(conn, person))


async def purge(conn: aiosqlite.Connection, now: datetime, settings: Settings) -> Mapping[str, int]:
    """Deliveries past ``DELIVERY_KEEP_DAYS`` and finished runs, ad hoc warnings and deleted
    schedules past ``retention.record_days``: public records, so only under a retention
    decision (the sweep also deletes old deliveries, every few minutes)."""
    r = settings.retention
    if not r.decided:
        return {}
    deliveries = await store.purge_deliveries(conn, now - timedelta(days=DELIVERY_KEEP_DAYS))
    old = await store.purge_old(conn, now, now - timedelta(days=r.record_days))
    return {"broadcast_deliveries": deliveries, "broadcast_runs": old.runs}


FEATURE = Feature(
    name=NAME,
    commands=_commands(),
    app_commands=lambda rt: (BroadcastCommands(rt).group(),),  # !utskick, with this app's runtime
    # A pasted or forwarded broadcast in a direct chat is confirmed before the tip offer.
    direct_first=(verify.forwarded,),
    runtime=Broadcasts,
    start=(_start,),
    jobs=(
        # Catches up what an alarm missed and resumes unfinished runs (the alarms themselves,
        # one per schedule, are rebuilt from the table: ``alarm_clock``).
        Job(
            SWEEP_JOB,
            _sweep,
            lambda tz: IntervalTrigger(minutes=SWEEP_MINUTES, timezone=tz),
            misfire_grace_time=SWEEP_MINUTES * 60,
        ),
    ),
    alarm_clock=_alarm_clock,
    settings="broadcasts",
    tables=(
        "broadcast_schedule",
        "broadcast_adhoc",
        "broadcast_run",
        "broadcast_delivery",
        "broadcast_subscriber",
        "broadcast_shown",
        "broadcast_fingerprint",
    ),
    migrations=(BROADCASTS,),
    forget=forget,
    purge=purge,
)
