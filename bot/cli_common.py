"""What every ``tryggbot`` subcommand shares: the exit codes, how a refusal becomes a header
and an exit code, the settings file and its folder, and the operator's console."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from config.base import EXAMPLE_PATH, LOCALES_DIR, ConfigError
from config.settings import Settings, load_settings, settings_base
from storage.db import StorageError

# Exit codes (docs/deploy.md; the systemd unit does not restart on 2, 4, 5 and 6).
EXIT_OK = 0
EXIT_BUG = 1
"""An unexpected error (a bug: the log has the details)."""
EXIT_CONFIG = 2
"""The settings, the secrets or the files they name are not usable."""
EXIT_NOT_CONNECTED = 3
"""``status``: the bot has not synced recently."""
EXIT_LOGIN_REFUSED = 4
"""The homeserver refused the login (a wrong password, a revoked token)."""
EXIT_CRYPTO_STORE = 5
"""The encryption store is lost or belongs to another device."""
EXIT_DATABASE = 6
"""The database cannot be used (written by a newer Tryggbot, unreadable, damaged)."""
EXIT_UNREACHABLE = 7
"""``check-config --login``: the homeserver did not answer."""


def failure(exc: ConfigError | StorageError) -> tuple[str, int]:
    """The header an operator reads above the problems, and the exit code."""
    from bot.errors import CryptoStoreError, LoginRefused

    if isinstance(exc, LoginRefused):
        return "The homeserver refused the bot's login:", EXIT_LOGIN_REFUSED
    if isinstance(exc, CryptoStoreError):
        return "The encryption store cannot be used as it is:", EXIT_CRYPTO_STORE
    if isinstance(exc, StorageError):
        return "The database cannot be used:", EXIT_DATABASE
    return "The configuration has problems:", EXIT_CONFIG


def version() -> str:
    try:
        return metadata.version("tryggbot")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def config_file(path: str | None) -> tuple[Path, Path]:
    """The settings file and the folder its relative paths are resolved against."""
    if path:
        return Path(path), settings_base(path)
    return EXAMPLE_PATH, Path.cwd()


def load(path: str | None) -> tuple[Settings, Path]:
    file, base = config_file(path)
    return load_settings(file), base


class Console:
    """Translated lines for the person at the console (operator text, Swedish or English).

    The language is the locale's (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) when it is Swedish
    or English, otherwise ``moderation.language`` of the settings, otherwise Swedish.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        from bot.i18n import Catalog

        self.catalog = Catalog.load(LOCALES_DIR)
        self.lang = operator_language(settings)

    def text(self, key: str, **params: Any) -> str:
        return self.catalog.t(self.lang, key, **params)

    def say(self, key: str, **params: Any) -> None:
        print(self.text(key, **params), flush=True)

    def backoff_reporter(self, homeserver: str) -> Callable[[str, str, float, int], None]:
        """A `MatrixTransport.on_backoff` that prints one line per backoff step."""

        def report(what: str, reason: str, delay: float, attempt: int) -> None:
            key = "operator.server_error" if reason == "server_error" else "operator.unreachable"
            seconds = f"{delay:.1f}" if self.lang == "en" else f"{delay:.1f}".replace(".", ",")
            self.say(key, homeserver=homeserver, seconds=seconds, attempt=attempt)

        return report


def operator_language(settings: Settings | None = None) -> str:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value[:2].lower()
            if code in ("sv", "en"):
                return code
            break
    if settings is not None and settings.moderation.language in ("sv", "en"):
        return settings.moderation.language
    return "sv"
