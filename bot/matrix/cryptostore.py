"""The crypto store on disk: where it is, whose it is, and the public identity file.

nio's SQLite crypto store belongs to exactly one device. `check_store` refuses to start when the
saved session and the store disagree, with the recovery steps in the message, instead of letting
the bot silently become a device whose keys neither the homeserver nor anyone else recognises.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio.store import SqliteStore

from bot.errors import CryptoStoreError
from config.matrix import EncryptionSettings
from config.operations import StorageSettings
from config.settings import Settings, resolve_path

STORE_NAME = "crypto.db"
STORE_CLASS = SqliteStore
MEGOLM = "m.megolm.v1.aes-sha2"
ENCRYPTION_STATE: dict[str, Any] = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": MEGOLM},
}
"""Initial state that makes a new room encrypted."""


@dataclass(frozen=True)
class CryptoPaths:
    store_dir: Path
    store_file: Path
    key_file: Path

    @property
    def identity_file(self) -> Path:
        """Public facts for ``tryggbot status``: device id and master key (no secrets)."""
        return self.store_dir / "identity.json"


@dataclass(frozen=True)
class Identity:
    user_id: str
    device_id: str
    master_key: str


def read_identity(paths: CryptoPaths) -> Identity | None:
    try:
        data = json.loads(paths.identity_file.read_text("utf-8"))
        return Identity(str(data["user_id"]), str(data["device_id"]), str(data["master_key"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def crypto_paths(settings: Settings, base: Path) -> CryptoPaths:
    """Where the crypto store and the cross-signing key file are (next to the database)."""
    return paths_for(settings.storage, settings.encryption, base)


def paths_for(storage: StorageSettings, enc: EncryptionSettings, base: Path) -> CryptoPaths:
    """`crypto_paths` from the two sections alone (``check-config`` on settings that have
    problems elsewhere)."""
    db = resolve_path(storage.path, base)
    store_dir = resolve_path(enc.store_dir, base) if enc.store_dir else db.parent / "crypto"
    key_file = (
        resolve_path(enc.cross_signing_key_file, base)
        if enc.cross_signing_key_file
        else db.parent / "cross-signing-keys.json"
    )
    return CryptoPaths(store_dir, store_dir / STORE_NAME, key_file)


def store_devices(store_file: Path) -> list[tuple[str, str]]:
    """(user id, device id) of the accounts in an existing nio store; [] if there is none."""
    if not store_file.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{store_file}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT user_id, device_id FROM accounts").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    return [(str(u), str(d)) for u, d in rows]


def check_store(
    paths: CryptoPaths, user_id: str, device_id: str, *, server_knows_device: bool
) -> None:
    """Refuse (ConfigError with recovery steps) when the store and the device do not match.

    - The store holds another device: the session was replaced (new login) or the store was
      copied from elsewhere.
    - No store for this device, but the homeserver already has keys for it: the store was lost;
      a new store would publish different keys under the same device id.
    """
    owners = store_devices(paths.store_file)
    mine = (user_id, device_id)
    if owners and mine not in owners:
        others = ", ".join(d for _, d in owners)
        raise CryptoStoreError(
            [
                f"encryption: the crypto store {paths.store_file} belongs to device {others}, "
                f"but the bot is logged in as device {device_id}. Either put back the session "
                "file of that device (matrix.session_file), or move the crypto store folder "
                "aside and start again: the bot then continues as the new device and signs it "
                "with its cross-signing keys; messages sent to the old device stay unreadable."
            ]
        )
    if not owners and server_knows_device:
        raise CryptoStoreError(
            [
                f"encryption: there is no crypto store for device {device_id} "
                f"({paths.store_file}), but the homeserver already has encryption keys for that "
                "device. Restore the crypto store folder from a backup, or let the bot log in as "
                "a new device: delete the session file (matrix.session_file) and start with the "
                "password (or a new access token). The cross-signing keys sign the new device."
            ]
        )


def make_private_store(paths: CryptoPaths) -> None:
    """Create the store folder 0700 and the store file 0600 before nio opens it."""
    paths.store_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(paths.store_dir, 0o700)
    fd = os.open(paths.store_file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(paths.store_file, 0o600)
