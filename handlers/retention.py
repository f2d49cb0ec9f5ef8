"""Retention: delete what has outlived the kommun's retention periods. Runs daily (and at
start), scheduled by the app; safe to run at any time and any number of times."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.context import Services
from storage import conversations, tips

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionReport:
    texts: int
    messages: int
    relays: int
    records: int
    conversations: int


async def run_retention(svc: Services) -> RetentionReport:
    """Delete tip texts, follow-up messages, relay links and EST records past their time,
    and expired conversations. Returns how many of each were deleted (numbers only)."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        purged = await tips.purge(conn, now)
        convs = await conversations.delete_expired(conn, now)
    report = RetentionReport(purged.texts, purged.messages, purged.relays, purged.records, convs)
    log.info(
        "retention run: deleted %d tip texts, %d follow-up messages, %d relay links, "
        "%d records, %d expired conversations",
        report.texts,
        report.messages,
        report.relays,
        report.records,
        report.conversations,
    )
    return report
