"""Retention: delete what has outlived the rules of the data map (`storage.datamap`). Runs
daily (and at start), a job of its own feature; safe to run at any time and any number of
times. It deletes nothing itself: every feature's ``purge`` does, for the tables it declares.

Public records (*allmänna handlingar*: tip texts, follow-ups and notes, tip records and
their audit trail, poll results, broadcasts) may be deleted only under the kommun's retention
decision (*gallringsbeslut*). Until ``retention.decision`` names one, they are kept and the
run says how many are past their proposed period; working data that is not a record of the
kommun's business (relay links, unfinished conversations, people's language choice, handled
event ids, reminder keys) is deleted by its rule either way (docs/lawful-operation/).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.context import Services
from bot.features import Feature, purge_all
from bot.scheduler import Job
from storage import privacy
from storage.datamap import TABLES, gated

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionReport:
    texts: int
    messages: int
    relays: int
    records: int
    conversations: int
    audit: int = 0
    people: int = 0
    reminders: int = 0
    completions: int = 0
    handled: int = 0
    polls: int = 0
    followups: int = 0
    broadcast_runs: int = 0
    broadcast_deliveries: int = 0
    web_replies: int = 0
    kept: int = 0
    """Public records past their proposed period, kept for want of a retention decision."""


_COUNTED = tuple(f.name for f in fields(RetentionReport) if f.name != "kept")
"""The counts the features' ``purge`` hooks return, by name."""


async def run_retention(svc: Services) -> RetentionReport:
    """Delete every row past its rule (see `storage.datamap`): every feature's ``purge``, in
    one transaction (`bot.features.purge_all`); numbers only in the log."""
    now = svc.clock.now()
    decided = svc.settings.retention.decided
    async with svc.db.transaction() as conn:
        counts = await purge_all(svc.registry, conn, now, svc.settings)
        kept = 0
        if not decided:
            found = await privacy.count(conn, svc.settings, now, timedelta(0))
            held = {t.name for t in TABLES if gated(t, svc.settings)}
            kept = sum(c.past for c in found if c.table in held)
    report = RetentionReport(**{name: counts.get(name, 0) for name in _COUNTED}, kept=kept)
    log.info(
        "retention run: deleted %d tip texts, %d follow-up messages, %d relay links, "
        "%d records, %d audit rows, %d expired conversations, %d people, %d reminders, "
        "%d completions, %d handled ids, %d polls, %d survey follow-ups, %d broadcast runs, "
        "%d broadcast deliveries, %d web replies",
        report.texts,
        report.messages,
        report.relays,
        report.records,
        report.audit,
        report.conversations,
        report.people,
        report.reminders,
        report.completions,
        report.handled,
        report.polls,
        report.followups,
        report.broadcast_runs,
        report.broadcast_deliveries,
        report.web_replies,
    )
    if not decided:
        log.warning(
            "no retention decision (retention.decision is empty): public records are kept; "
            "%d are past their proposed period (tryggbot privacy report)",
            kept,
        )
    return report


FEATURE = Feature(
    name="retention",
    jobs=(
        # Deletes what has outlived its retention period: daily at 03:15 local time, and at start.
        Job(
            "retention",
            run_retention,
            lambda tz: CronTrigger(hour=3, minute=15, timezone=tz),
            misfire_grace_time=6 * 3600,
            at_start=True,
        ),
    ),
    settings="retention",
)
"""Retention holds no data: its job runs every feature's ``purge`` (each feature answers for
its own tables, declared in its ``Feature``)."""
