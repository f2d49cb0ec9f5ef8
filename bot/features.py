"""Building the registry from the features' ``register(registry)`` functions.

The list of features itself lives in the composition root (`bot.app.FEATURES`), because
``bot/`` never imports ``handlers/``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.commands import Registry

Registrar = Callable[[Registry], None]


def build_registry(registrars: Iterable[Registrar]) -> Registry:
    """A registry filled by each registrar in turn (their order is the order of ``!help``)."""
    reg = Registry()
    for register in registrars:
        register(reg)
    return reg
