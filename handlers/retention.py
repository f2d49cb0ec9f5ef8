"""Retention: delete what has outlived the rules of the data map (`storage.datamap`). Runs
daily (and at start), scheduled by the app; safe to run at any time and any number of times.

Public records (*allmänna handlingar*: tip texts, follow-ups and notes, tip records and
their audit trail, poll results, broadcasts) may be deleted only under the kommun's retention
decision (*gallringsbeslut*). Until ``retention.decision`` names one, they are kept and the
run says how many are past their proposed period; working data that is not a record of the
kommun's business (relay links, unfinished conversations, people's language choice, handled
event ids, reminder keys) is deleted by its rule either way (docs/lawful-operation/).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.context import Services
from storage import broadcasts, conversations, inbox, kv, people, polls, privacy, tips
from storage.datamap import (
    COMPLETION_KEEP_DAYS,
    DELIVERY_KEEP_DAYS,
    HANDLED_KEEP_DAYS,
    TABLES,
    gated,
)

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
    kept: int = 0
    """Public records past their proposed period, kept for want of a retention decision."""


async def run_retention(svc: Services) -> RetentionReport:
    """Delete every row past its rule (see `storage.datamap`); numbers only in the log."""
    now = svc.clock.now()
    r = svc.settings.retention
    decided = r.decided
    record_before = now - timedelta(days=r.record_days)
    async with svc.db.transaction() as conn:
        purged = await tips.purge(conn, now, records=decided, audit_before=record_before)
        convs = await conversations.delete_expired(conn, now)
        done = await conversations.purge_completions(
            conn, now - timedelta(days=COMPLETION_KEEP_DAYS)
        )
        handled = await inbox.purge_handled(conn, now - timedelta(days=HANDLED_KEEP_DAYS))
        person_before = now - timedelta(days=r.person_days)
        gone = await people.purge(conn, person_before)
        reminders = await kv.purge_notices(conn, person_before)
        followups = await polls.purge_followups(conn, person_before)
        old_polls = runs = deliveries = 0
        if decided:
            old_polls = await polls.purge(conn, record_before)
            deliveries = await broadcasts.purge_deliveries(
                conn, now - timedelta(days=DELIVERY_KEEP_DAYS)
            )
            runs = (await broadcasts.purge_old(conn, now, record_before)).runs
        kept = 0
        if not decided:
            counts = await privacy.count(conn, svc.settings, now, timedelta(0))
            held = {t.name for t in TABLES if gated(t, svc.settings)}
            kept = sum(c.past for c in counts if c.table in held)
    report = RetentionReport(
        purged.texts,
        purged.messages,
        purged.relays,
        purged.records,
        convs,
        audit=purged.audit,
        people=gone,
        reminders=reminders,
        completions=done,
        handled=handled,
        polls=old_polls,
        followups=followups,
        broadcast_runs=runs,
        broadcast_deliveries=deliveries,
        kept=kept,
    )
    log.info(
        "retention run: deleted %d tip texts, %d follow-up messages, %d relay links, "
        "%d records, %d audit rows, %d expired conversations, %d people, %d reminders, "
        "%d completions, %d handled ids, %d polls, %d survey follow-ups, %d broadcast runs, "
        "%d broadcast deliveries",
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
    )
    if not decided:
        log.warning(
            "no retention decision (retention.decision is empty): public records are kept; "
            "%d are past their proposed period (tryggbot privacy report)",
            kept,
        )
    return report
