"""The retention rules' numbers: the fixed periods, and the settings filled into a rule's SQL
and its summary."""

from __future__ import annotations

from config.settings import Settings

from .model import Table

HANDLED_KEEP_DAYS = 7
"""Event ids already handled are remembered this long (a replay older than this is unlikely)."""
COMPLETION_KEEP_DAYS = 30
"""Tokens of finished conversations are remembered this long (a replayed "yes")."""
DELIVERY_KEEP_DAYS = 30
"""Finished broadcast deliveries are kept this long after their run."""
STUCK_DAYS = 1
"""An inbox or outbox row older than this is stuck (the bot is down or cannot send)."""


def rule_values(settings: Settings) -> dict[str, int]:
    """The numbers the rules' SQL and summaries refer to."""
    r = settings.retention
    return {
        "text_days": r.text_days,
        "relay_days": r.relay_days,
        "record_days": r.record_days,
        "person_days": r.person_days,
        "conversation_minutes": r.conversation_minutes,
        "completion_days": COMPLETION_KEEP_DAYS,
        "handled_days": HANDLED_KEEP_DAYS,
        "delivery_days": DELIVERY_KEEP_DAYS,
        "stuck_days": STUCK_DAYS,
        "web_days": settings.web.history_days,
    }


def summary(t: Table, settings: Settings) -> str:
    """The rule in words, with the configured numbers."""
    return t.rule.summary.format(**rule_values(settings))


def deadline_sql(t: Table, settings: Settings) -> str | None:
    if t.rule.deadline is None:
        return None
    return t.rule.deadline.format(**rule_values(settings))


def gated(t: Table, settings: Settings) -> bool:
    """True when the retention job keeps ``t``'s rows past their rule: a public record and no
    retention decision recorded."""
    return t.record and not settings.retention.decided
