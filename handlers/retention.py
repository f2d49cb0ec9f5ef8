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
from collections.abc import Mapping
from dataclasses import dataclass
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
    deleted: Mapping[str, int]
    """Rows deleted, by the names the features' ``purge`` hooks count them under (``texts``,
    ``relays``, ``web_replies`` …); a name no feature used this run is absent."""
    kept: int = 0
    """Public records past their proposed period, kept for want of a retention decision."""

    def count(self, name: str) -> int:
        return self.deleted.get(name, 0)


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
    report = RetentionReport(deleted=dict(sorted(counts.items())), kept=kept)
    log.info(
        "retention run: deleted %s",
        ", ".join(f"{name}={n}" for name, n in report.deleted.items()) or "nothing",
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
