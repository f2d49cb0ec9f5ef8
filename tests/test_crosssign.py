"""Unit tests: cross-signing keys, signatures, recovery keys, and the crypto store check."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from bot.matrix.crosssign import (
    CrossSigningError,
    CrossSigningKeys,
    b64,
    check_signature,
    decode_recovery_key,
    encode_recovery_key,
    load_or_create_keys,
    new_recovery_key,
    sign_json,
    verify_device,
)
from bot.matrix.cryptostore import CryptoPaths, check_store
from config.base import ConfigError

USER = "@bot:example.org"


def device_query(keys: CrossSigningKeys, *, sign_device: bool = True) -> dict[str, Any]:
    from nacl.signing import SigningKey

    device_key = SigningKey(b"\x07" * 32)
    device = {
        "user_id": USER,
        "device_id": "DEV",
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {"ed25519:DEV": b64(bytes(device_key.verify_key)), "curve25519:DEV": "abc"},
    }
    device = sign_json(device, device_key, USER, "DEV")
    if sign_device:
        device = sign_json(device, keys.self_signing, USER, keys.self_signing_public)
    device["unsigned"] = {"device_display_name": "Tryggbot"}
    return {
        "device_keys": {USER: {"DEV": device}},
        "master_keys": {USER: keys.master_key_json(USER)},
        "self_signing_keys": {USER: keys.self_signing_key_json(USER)},
    }


def test_a_cross_signed_device_verifies_to_its_master_key() -> None:
    keys = CrossSigningKeys.generate()
    assert verify_device(device_query(keys), USER, "DEV") == keys.master_public


def test_an_unsigned_or_tampered_device_does_not_verify() -> None:
    keys = CrossSigningKeys.generate()
    assert verify_device(device_query(keys, sign_device=False), USER, "DEV") is None
    query = device_query(keys)
    query["device_keys"][USER]["DEV"]["algorithms"] = ["m.megolm.v1.aes-sha2"]
    assert verify_device(query, USER, "DEV") is None
    other = CrossSigningKeys.generate()
    query = device_query(keys)
    query["master_keys"][USER] = other.master_key_json(USER)  # ssk not signed by this master
    assert verify_device(query, USER, "DEV") is None


def test_signature_ignores_unsigned_and_existing_signatures() -> None:
    keys = CrossSigningKeys.generate()
    obj = sign_json({"a": 1, "unsigned": {"x": 1}}, keys.master, USER, keys.master_public)
    obj["unsigned"] = {"y": 2}
    assert check_signature(obj, USER, keys.master_public)
    obj["a"] = 2
    assert not check_signature(obj, USER, keys.master_public)


def test_recovery_key_round_trip_and_typo_detection() -> None:
    secret = bytes(range(32))
    text = encode_recovery_key(secret)
    assert decode_recovery_key(text) == secret
    assert decode_recovery_key(text.replace(" ", "")) == secret
    typo = text[:-1] + ("a" if text[-1] != "a" else "b")
    with pytest.raises(CrossSigningError):
        decode_recovery_key(typo)
    fresh = new_recovery_key()
    assert CrossSigningKeys.from_recovery_key(fresh) == CrossSigningKeys.from_recovery_key(fresh)
    assert CrossSigningKeys.from_recovery_key(fresh) != CrossSigningKeys.from_recovery_key(text)


def test_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "keys.json"
    old = os.umask(0o022)
    try:
        keys, new = load_or_create_keys(path, None)
    finally:
        os.umask(old)
    assert new
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again, new_again = load_or_create_keys(path, None)
    assert again == keys and not new_again
    assert "master" in repr(keys) and b64(keys.master_seed) not in repr(keys)


def test_recovery_key_wins_over_the_file_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    recovery = new_recovery_key()
    keys, new = load_or_create_keys(path, recovery)
    assert not new and not path.exists()
    assert keys == CrossSigningKeys.from_recovery_key(recovery)


def _store(tmp_path: Path, device: str) -> CryptoPaths:
    paths = CryptoPaths(tmp_path, tmp_path / "crypto.db", tmp_path / "keys.json")
    with sqlite3.connect(paths.store_file) as conn:
        conn.execute("CREATE TABLE accounts (user_id TEXT, device_id TEXT)")
        conn.execute("INSERT INTO accounts VALUES (?, ?)", (USER, device))
    return paths


def test_store_of_another_device_is_refused_with_recovery_steps(tmp_path: Path) -> None:
    paths = _store(tmp_path, "OLD")
    with pytest.raises(ConfigError) as refused:
        check_store(paths, USER, "NEW", server_knows_device=True)
    assert "belongs to device OLD" in str(refused.value)
    check_store(paths, USER, "OLD", server_knows_device=True)  # the matching device starts


def test_lost_store_of_a_known_device_is_refused(tmp_path: Path) -> None:
    paths = CryptoPaths(tmp_path, tmp_path / "crypto.db", tmp_path / "keys.json")
    with pytest.raises(ConfigError) as refused:
        check_store(paths, USER, "DEV", server_knows_device=True)
    assert "Restore the crypto store" in str(refused.value)
    check_store(paths, USER, "DEV", server_knows_device=False)  # a brand-new device starts
