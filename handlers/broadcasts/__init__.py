"""Scheduled fraud warnings: a catalogue of warnings in every enabled language, schedules
fired exactly once per slot and target, ad hoc warnings, subscriptions in direct chats and
a spoof check. See docs/broadcasts.md."""

from __future__ import annotations

from bot.commands import Command, Registry
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
            key="subscribe",
            sv="prenumerera",
            en="subscribe",
            summary="broadcasts.subscribe_summary",
            usage="broadcasts.subscribe_usage",
            handler=subscriptions.subscribe_command,
            rooms=direct,
        )
    )
    reg.command(
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
    reg.command(
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
    reg.command(BroadcastCommands(rt).group())
    # A pasted or forwarded broadcast in a direct chat is confirmed before the tip offer.
    reg.direct_default.insert(0, verify.forwarded)
