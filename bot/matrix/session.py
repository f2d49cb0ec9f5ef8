"""The bot's Matrix login: credentials from the environment or files, and the session file
(device id and access token) kept readable by its owner only, so a restart is the same device."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from config.base import ConfigError
from config.files import private_dir, write_private
from config.matrix import MatrixSettings
from config.settings import Settings, resolve_path


@dataclass(frozen=True)
class Credentials:
    """How the bot may log in: a password, an access token, or both (token wins)."""

    password: str | None = None
    access_token: str | None = None

    def __repr__(self) -> str:
        return "Credentials(<hidden>)"


@dataclass(frozen=True)
class Session:
    homeserver: str
    user_id: str
    device_id: str
    access_token: str

    def __repr__(self) -> str:
        return f"Session({self.user_id}, device {self.device_id})"


def load_credentials(
    settings: Settings, base: Path, env: Mapping[str, str] | None = None
) -> Credentials:
    """Password from ``password_env`` or ``password_file``; token from ``access_token_env``."""
    return credentials_for(settings.matrix, base, env)


def credentials_for(
    m: MatrixSettings, base: Path, env: Mapping[str, str] | None = None
) -> Credentials:
    """`load_credentials` from the ``[matrix]`` section alone."""
    environ = os.environ if env is None else env
    password = environ.get(m.password_env, "").strip() or None
    if password is None and m.password_file:
        file = resolve_path(m.password_file, base)
        try:
            password = file.read_text("utf-8").strip() or None
        except OSError as exc:
            raise ConfigError(
                [f"matrix.password_file: cannot read {file} ({exc.strerror})"]
            ) from None
    token = environ.get(m.access_token_env, "").strip() or None
    return Credentials(password=password, access_token=token)


def session_path(settings: Settings, base: Path) -> Path:
    return resolve_path(settings.matrix.session_file, base)


def read_session(path: Path) -> Session | None:
    """The saved session, or None if there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return Session(
            homeserver=str(data["homeserver"]),
            user_id=str(data["user_id"]),
            device_id=str(data["device_id"]),
            access_token=str(data["access_token"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_session(path: Path, session: Session) -> None:
    """Write atomically with mode 0600 (missing folders are created 0700)."""
    private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps(
        {
            "homeserver": session.homeserver,
            "user_id": session.user_id,
            "device_id": session.device_id,
            "access_token": session.access_token,
        }
    )
    write_private(tmp, text)
    os.replace(tmp, path)
