"""Files that hold people's data or secrets (database, pseudonym key, session, backups) are
created ``0600`` in ``0700`` folders, whatever the umask. This module imports nothing from
the rest of Tryggbot, so settings, storage and the bot can all use it."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> list[Path]:
    """Create ``path`` and any missing parents, each ``0700``; return the folders created.

    Folders that already exist are left as they are (they may belong to the operator, such
    as ``/var/lib``); `open_to_others` tells whether one should be tightened.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    created: list[Path] = []
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue
        os.chmod(folder, PRIVATE_DIR)
        created.append(folder)
    return created


def write_private(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write ``text`` to ``path`` with mode 0600 (also when the file existed with another
    mode). ``exclusive``: fail with FileExistsError if the file exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (os.O_EXCL if exclusive else 0)
    fd = os.open(path, flags, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), PRIVATE_FILE)
        fh.write(text)


def make_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if missing; tighten it to 0600 if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def open_to_others(path: Path) -> bool:
    """True if group or other users have any access to ``path``."""
    try:
        return bool(path.stat().st_mode & 0o077)
    except OSError:
        return False
