"""Environment preflight: would the files and secrets a settings file names work on this
machine (the pseudonym key, the Matrix login credentials and saved session, the database)?

It reads and never writes, and contacts nothing. It lives in ``config`` (not in
``bot/preflight.py``, which composes the whole ``tryggbot check-config`` report from it, the
message catalogue, the scheduled jobs and the database) because it needs nothing but the
settings models and the file helpers next to it, and the two together would pass the size a
module should have. This module imports nothing from the rest of Tryggbot outside ``config``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.base import lenient
from config.files import open_to_others
from config.matrix import MatrixSettings
from config.operations import SecretSettings, StorageSettings
from config.settings import resolve_path, settings_problems


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


@dataclass(frozen=True)
class Check:
    """What `check_environment` found: problems (the bot would not start or would lose
    data) and warnings (it would start, but something should be looked at)."""

    problems: list[str]
    warnings: list[str]


def _readable_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None if it can (reads nothing)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"{path} does not exist"
    except OSError as exc:
        return f"cannot read {path} ({exc.strerror})"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a file"
    if not os.access(path, os.R_OK):
        return f"cannot read {path} (permission denied)"
    return None


def _creatable(path: Path) -> str | None:
    """Why a file at ``path`` could not be created, or None (creates nothing)."""
    parent = path.parent
    while not parent.exists():
        if parent.parent == parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create files in {parent} (permission denied)"
    return None


def check_secrets(
    secrets_settings: SecretSettings, base: Path, env: Mapping[str, str] | None = None
) -> Check:
    """Is there a usable pseudonym key? Reads, never writes."""
    environ = _env(env)
    problems: list[str] = []
    warnings: list[str] = []
    name = secrets_settings.pseudonym_key_env
    value = environ.get(name, "").strip()
    if value:
        if len(value) < 16:
            problems.append(f"${name}: the key must be at least 16 characters")
    elif secrets_settings.pseudonym_key_file:
        file = resolve_path(secrets_settings.pseudonym_key_file, base)
        why = _readable_file(file)
        if why is not None and not file.exists() and secrets_settings.generate_missing_key:
            cannot = _creatable(file)
            if cannot:
                problems.append(f"secrets.pseudonym_key_file: {cannot}")
            else:
                warnings.append(
                    f"secrets.pseudonym_key_file: {file} does not exist yet; the bot will "
                    "create it at the first start (back it up and keep it secret)"
                )
        elif why is not None:
            problems.append(f"secrets.pseudonym_key_file: {why}")
        else:
            try:
                key = file.read_text().strip()
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"secrets.pseudonym_key_file: cannot read {file} ({exc})")
            else:
                if len(key) < 16:
                    problems.append(f"secrets.pseudonym_key_file: {file} holds too short a key")
            if open_to_others(file):
                warnings.append(
                    f"secrets.pseudonym_key_file: other users may read {file}; chmod 600 {file}"
                )
    else:
        problems.append(f"secrets: no pseudonym key; set ${name} or secrets.pseudonym_key_file")
    return Check(problems, warnings)


def check_login(matrix: MatrixSettings, base: Path, env: Mapping[str, str] | None = None) -> Check:
    """Could the bot log in: a token, a password, or a readable password file? And is a
    saved session, if any, readable? Reads, never writes, never contacts the homeserver."""
    environ = _env(env)
    problems: list[str] = []
    warnings: list[str] = []
    token = environ.get(matrix.access_token_env, "").strip()
    password = environ.get(matrix.password_env, "").strip()
    if not token and not password:
        if matrix.password_file:
            file = resolve_path(matrix.password_file, base)
            why = _readable_file(file)
            if why is not None:
                problems.append(f"matrix.password_file: {why}")
            else:
                try:
                    empty = not file.read_text("utf-8").strip()
                except (OSError, UnicodeDecodeError) as exc:
                    problems.append(f"matrix.password_file: cannot read {file} ({exc})")
                else:
                    if empty:
                        problems.append(f"matrix.password_file: {file} is empty")
        else:
            problems.append(
                f"matrix: no way to log in; set ${matrix.password_env} or "
                f"${matrix.access_token_env}, or matrix.password_file"
            )
    session = resolve_path(matrix.session_file, base)
    if problems and not matrix.password_file and session.is_file():
        # A saved session logs in on its own; credentials are needed only to replace it.
        problems.clear()
        warnings.append(
            f"matrix: only the saved session in {session} can log in; set "
            f"${matrix.password_env} or ${matrix.access_token_env} for when it expires"
        )
    if session.exists():
        why = _readable_file(session)
        if why is not None:
            problems.append(f"matrix.session_file: {why}")
        elif open_to_others(session):
            warnings.append(f"matrix.session_file: other users may read {session}")
    else:
        cannot = _creatable(session)
        if cannot:
            problems.append(f"matrix.session_file: {cannot}")
    return Check(problems, warnings)


def check_storage(storage: StorageSettings, base: Path) -> Check:
    """Can the database be opened for writing (or created)? Reads, never writes."""
    problems: list[str] = []
    path = resolve_path(storage.path, base)
    if path.exists():
        if not path.is_file():
            problems.append(f"storage.path: {path} is not a file")
        elif not os.access(path, os.R_OK | os.W_OK):
            problems.append(f"storage.path: cannot read and write {path} (permission denied)")
        elif not os.access(path.parent, os.W_OK | os.X_OK):
            problems.append(
                f"storage.path: SQLite needs to create files next to {path} "
                f"(permission denied in {path.parent})"
            )
    else:
        cannot = _creatable(path)
        if cannot:
            problems.append(f"storage.path: {cannot}")
    return Check(problems, [])


def check_environment(
    data: Mapping[str, Any], base: Path, env: Mapping[str, str] | None = None
) -> Check:
    """`check-config`: every problem of a settings file (as parsed TOML) and of what it
    points to (pseudonym key, login credentials, session and database files), without
    writing anything. Sections that are themselves invalid are reported by the settings
    problems and not checked further."""
    problems = settings_problems(data)
    warnings: list[str] = []
    parts: list[Check] = []
    secret_settings = lenient(SecretSettings, data.get("secrets", {}))
    if secret_settings is not None:
        parts.append(check_secrets(secret_settings, base, env))
    matrix = lenient(MatrixSettings, data.get("matrix", {}))
    if matrix is not None:
        parts.append(check_login(matrix, base, env))
    storage = lenient(StorageSettings, data.get("storage", {}))
    if storage is not None:
        parts.append(check_storage(storage, base))
    for part in parts:
        problems.extend(part.problems)
        warnings.extend(part.warnings)
    return Check(problems, warnings)
