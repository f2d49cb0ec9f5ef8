"""The list of feature modules. Each has ``register(registry)``; order is help order."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import Registry


def feature_registrars() -> list[Callable[[Registry], None]]:
    from handlers import broadcasts, core, moderation, tips

    return [tips.register, core.register, moderation.register, broadcasts.register]


def build_registry() -> Registry:
    reg = Registry()
    for register in feature_registrars():
        register(reg)
    return reg
