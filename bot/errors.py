"""Errors are types. Anything not listed here that escapes a handler is a bug: it is logged
with an incident id and the user sees only that id, never exception text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from config.base import ConfigError


class UserError(Exception):
    """A problem to explain to the user, as a catalogue key with placeholder values."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Reask(Exception):
    """A conversation's answer did not fit: show the hint (a catalogue key) and ask again."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class UsageError(Exception):
    """The command was called with wrong arguments; the router shows its usage."""

    def __init__(self, hint_key: str | None = None, **params: Any) -> None:
        super().__init__(hint_key or "usage")
        self.hint_key = hint_key
        self.params = params


class Forbidden(Exception):
    """The sender may not do this here."""

    def __init__(self, key: str = "error.forbidden") -> None:
        super().__init__(key)
        self.key = key


class UnknownSender(ValueError):
    """A message whose sender the engine cannot identify (a transport left the sender empty
    and gave no pseudonym). It is refused: never folded into one key shared by everyone."""

    def __init__(self, detail: str = "the sender is empty") -> None:
        super().__init__(detail)


class OutsideWork(Exception):
    """Handling needs a slow call first (the network: opening a direct chat), which must not
    run while the unit of work holds the database. The engine rolls the unit back, awaits
    ``work`` with no transaction open, and then handles the event again from the start."""

    def __init__(self, work: Callable[[], Awaitable[object]]) -> None:
        super().__init__("work outside the unit of work")
        self.work = work


# ---------------------------------------------------------------------------- operator


class LoginRefused(ConfigError):
    """The homeserver answered and refused the bot's login (a wrong password, a revoked
    token, a deactivated account). A restart cannot fix it."""


class CryptoStoreError(ConfigError):
    """The encryption store cannot be used as it is (lost, or another device's). The
    message says how to recover; a restart cannot fix it."""
