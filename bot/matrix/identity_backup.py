"""The bot's Matrix identity in a backup: what a rebuilt server needs to be the same bot.

`tryggbot backup` writes, beside the database copy, ``<backup>.identity``: the session file
(device id and access token), the cross-signing key file and nio's crypto store (the device's
Olm account and the Megolm sessions), in one tar archive encrypted with XSalsa20-Poly1305
(PyNaCl's SecretBox). Its key is derived from the pseudonym key, which the operator already
keeps secret and apart from the backups: without it the identity file is useless, and the
database is of little use either. `tryggbot restore` writes them back, so the bot comes back
as the same device with the same master key, and residents' clients see no change of
identity.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from bot.matrix.cryptostore import crypto_paths
from bot.matrix.session import session_path
from config.base import ConfigError
from config.files import PRIVATE_FILE, private_dir
from config.settings import Settings

MAGIC = b"TRYGGBOT-IDENTITY-1\n"
SUFFIX = ".identity"


@dataclass(frozen=True)
class Member:
    name: str
    """Name inside the archive."""
    path: Path
    """Where it lives under these settings."""
    sqlite: bool = False


def members(settings: Settings, base: Path) -> list[Member]:
    paths = crypto_paths(settings, base)
    return [
        Member("session.json", session_path(settings, base)),
        Member("cross-signing-keys.json", paths.key_file),
        Member("crypto/crypto.db", paths.store_file, sqlite=True),
        Member("crypto/identity.json", paths.identity_file),
    ]


def _box(pseudonym_key: bytes) -> SecretBox:
    key = hashlib.blake2b(pseudonym_key, digest_size=32, person=b"tryggbot-ident1").digest()
    return SecretBox(key)


def identity_path(backup: Path) -> Path:
    return backup.with_name(backup.name + SUFFIX)


def _sqlite_copy(path: Path) -> bytes:
    """A consistent copy of a live SQLite file (nio may be writing to it)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(copy)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        return copy.read_bytes()


def write_identity(
    settings: Settings, base: Path, pseudonym_key: bytes, backup: Path
) -> tuple[Path, list[str]] | None:
    """Write ``<backup>.identity`` (0600, atomically) with whatever of the identity exists;
    None (nothing written) when the bot never logged in."""
    archive = io.BytesIO()
    held: list[str] = []
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for m in members(settings, base):
            if not m.path.is_file():
                continue
            data = _sqlite_copy(m.path) if m.sqlite else m.path.read_bytes()
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            info.mode = PRIVATE_FILE
            tar.addfile(info, io.BytesIO(data))
            held.append(m.name)
    if not held:
        return None
    sealed = MAGIC + bytes(_box(pseudonym_key).encrypt(archive.getvalue()))
    target = identity_path(backup)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(sealed)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target, held


def read_identity(path: Path, pseudonym_key: bytes) -> dict[str, bytes]:
    """The archive's files by name; ConfigError if the key does not open it."""
    raw = path.read_bytes()
    if not raw.startswith(MAGIC):
        raise ConfigError([f"{path} is not a Tryggbot identity backup"])
    try:
        plain = _box(pseudonym_key).decrypt(raw[len(MAGIC) :])
    except CryptoError:
        raise ConfigError(
            [
                f"the pseudonym key does not open {path}: give the bot the key it had when "
                "the backup was taken"
            ]
        ) from None
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:gz") as tar:
        for info in tar.getmembers():
            fh = tar.extractfile(info)
            if info.isfile() and fh is not None:
                out[info.name] = fh.read()
    return out


def restore_identity(settings: Settings, base: Path, files: dict[str, bytes]) -> list[Path]:
    """Write the identity files where these settings keep them (0600 in 0700 folders).
    The caller has made sure none of them exists."""
    written = []
    for m in members(settings, base):
        data = files.get(m.name)
        if data is None:
            continue
        private_dir(m.path.parent)
        fd = os.open(m.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        written.append(m.path)
    return written
