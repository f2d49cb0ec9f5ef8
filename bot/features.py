"""The list of feature modules. Each has ``register(registry)``; order is help order."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import Registry


def feature_registrars() -> list[Callable[[Registry], None]]:
    from handlers import broadcasts, core, est, moderation, polls, tips

    return [
        tips.register,
        core.register,
        moderation.register,
        polls.register,
        broadcasts.register,
        est.register,
    ]


def build_registry() -> Registry:
    reg = Registry()
    for register in feature_registrars():
        register(reg)
    return reg
