"""Scheduled fraud warnings: a catalogue of warnings in every enabled language, schedules
fired exactly once per slot and target, ad hoc warnings, subscriptions in direct chats and
a spoof check. See docs/broadcasts.md."""

from __future__ import annotations

from bot.commands import Command, Registry, Role
from bot.context import Services
from handlers.broadcasts import subscriptions, verify
from handlers.broadcasts.commands import BroadcastCommands
from handlers.broadcasts.runtime import Broadcasts

FEATURE = "broadcasts"


def runtime_of(svc: Services) -> Broadcasts:
    rt = svc.registry.features[FEATURE]
    assert isinstance(rt, Broadcasts)
    return rt


def register(reg: Registry) -> None:
    rt = Broadcasts()
    reg.features[FEATURE] = rt
    reg.scheduler_hooks.append(rt.install)
    reg.start_hooks.append(rt.start)
    direct = frozenset({"direct"})
    reg.command(
        Command(
            "subscribe",
            "prenumerera",
            "subscribe",
            "broadcasts.subscribe_summary",
            "broadcasts.subscribe_usage",
            subscriptions.subscribe_command,
            rooms=direct,
        )
    )
    reg.command(
        Command(
            "unsubscribe",
            "avsluta",
            "unsubscribe",
            "broadcasts.unsubscribe_summary",
            "broadcasts.unsubscribe_usage",
            subscriptions.unsubscribe_command,
            aliases=("avprenumerera",),
            rooms=direct,
        )
    )
    reg.command(
        Command(
            "verify",
            "äkta",
            "verify",
            "broadcasts.verify_summary",
            "broadcasts.verify_usage",
            verify.verify_command,
            aliases=("akta", "kolla", "check"),
        )
    )
    reg.command(
        Command(
            "broadcast",
            "utskick",
            "broadcast",
            "moderation_broadcasts.summary",
            "moderation_broadcasts.usage",
            BroadcastCommands(rt),
            role=Role.MODERATOR,
            rooms=frozenset({"moderation"}),
        )
    )
    # A pasted or forwarded broadcast in a direct chat is confirmed before the tip offer.
    reg.direct_default.insert(0, verify.forwarded)
