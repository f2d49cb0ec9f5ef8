"""Cross-signing for the bot's own account, written against the client-server API.

matrix-nio has no cross-signing, and current clients (spec v1.18, MSC4153) share no room keys
with a device its owner has not cross-signed. So the bot keeps two Ed25519 keys of its own:

- the **master key** is the bot's identity: its fingerprint is what an operator compares
  (``tryggbot status``), and other users' clients pin it;
- the **self-signing key** is signed by the master key and signs the bot's device(s).

A user-signing key (for signing *other* users' master keys) is not created: the bot never
marks other people as verified, it only checks their own cross-signing (see `verify_device`).

Keys come from a ``0600`` file, or are derived from a recovery key given in the environment so
a rebuilt server (or a lost file) restores the same identity. Signing is canonical JSON without
``signatures`` and ``unsigned``, Ed25519, unpadded base64 (spec "Signing JSON"): the bytes come
from ``canonicaljson``, matrix.org's implementation of the spec's canonical JSON that Synapse
itself verifies with, so what we sign is byte for byte what the server checks; Ed25519 is PyNaCl
(libsodium), which takes the 32-byte seeds a recovery key derives directly.

Nothing here imports nio; HTTP goes through a small `Http` protocol the transport provides.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from canonicaljson import encode_canonical_json
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

log = logging.getLogger(__name__)

ED25519 = "ed25519"
RECOVERY_PREFIX = bytes([0x8B, 0x01])
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class CrossSigningError(Exception):
    """Cross-signing could not be set up; the message says what to do (no secrets in it)."""


# ---------------------------------------------------------------------- encoding


def b64(data: bytes) -> str:
    """Unpadded standard base64, as Matrix uses for keys and signatures."""
    return base64.b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def signable(obj: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: canonical JSON without ``signatures`` and ``unsigned``."""
    return bytes(
        encode_canonical_json({k: v for k, v in obj.items() if k not in ("signatures", "unsigned")})
    )


def sign_json(obj: Mapping[str, Any], key: SigningKey, user_id: str, key_id: str) -> dict[str, Any]:
    """A copy of ``obj`` with our signature added under ``signatures[user_id][ed25519:key_id]``."""
    out = copy.deepcopy(dict(obj))
    signature = key.sign(signable(obj)).signature
    out.setdefault("signatures", {}).setdefault(user_id, {})[f"{ED25519}:{key_id}"] = b64(signature)
    return out


def check_signature(obj: Mapping[str, Any], user_id: str, public_key: str) -> bool:
    """True if ``obj`` carries a valid signature by ``public_key`` (base64) from ``user_id``."""
    sig = ((obj.get("signatures") or {}).get(user_id) or {}).get(f"{ED25519}:{public_key}")
    if not isinstance(sig, str):
        return False
    try:
        VerifyKey(unb64(public_key)).verify(signable(obj), unb64(sig))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def fingerprint(public_key: str) -> str:
    """A master public key for reading aloud: groups of four characters."""
    return " ".join(public_key[i : i + 4] for i in range(0, len(public_key), 4))


# ---------------------------------------------------------------------- keys


@dataclass(frozen=True)
class CrossSigningKeys:
    """The bot's private master and self-signing keys (32-byte Ed25519 seeds)."""

    master_seed: bytes
    self_signing_seed: bytes

    def __repr__(self) -> str:
        return f"CrossSigningKeys(master {self.master_public})"

    @property
    def master(self) -> SigningKey:
        return SigningKey(self.master_seed)

    @property
    def self_signing(self) -> SigningKey:
        return SigningKey(self.self_signing_seed)

    @property
    def master_public(self) -> str:
        return b64(bytes(self.master.verify_key))

    @property
    def self_signing_public(self) -> str:
        return b64(bytes(self.self_signing.verify_key))

    @classmethod
    def generate(cls) -> CrossSigningKeys:
        return cls(secrets.token_bytes(32), secrets.token_bytes(32))

    @classmethod
    def from_recovery_key(cls, recovery_key: str) -> CrossSigningKeys:
        """Both seeds derived (HMAC-SHA256, distinct labels) from one recovery key."""
        secret = decode_recovery_key(recovery_key)
        return cls(
            hmac.new(secret, b"tryggbot cross-signing master", hashlib.sha256).digest(),
            hmac.new(secret, b"tryggbot cross-signing self-signing", hashlib.sha256).digest(),
        )

    def master_key_json(self, user_id: str) -> dict[str, Any]:
        pub = self.master_public
        return {"user_id": user_id, "usage": ["master"], "keys": {f"{ED25519}:{pub}": pub}}

    def self_signing_key_json(self, user_id: str) -> dict[str, Any]:
        pub = self.self_signing_public
        unsigned = {
            "user_id": user_id,
            "usage": ["self_signing"],
            "keys": {f"{ED25519}:{pub}": pub},
        }
        return sign_json(unsigned, self.master, user_id, self.master_public)


def new_recovery_key() -> str:
    """A fresh recovery key in the spec's format (base58, prefix 0x8B01, parity byte)."""
    return encode_recovery_key(secrets.token_bytes(32))


def encode_recovery_key(secret: bytes) -> str:
    raw = RECOVERY_PREFIX + secret
    parity = 0
    for byte in raw:
        parity ^= byte
    text = _b58encode(raw + bytes([parity]))
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def decode_recovery_key(text: str) -> bytes:
    """The 32-byte secret of a recovery key; raises CrossSigningError if it is malformed."""
    try:
        raw = _b58decode("".join(text.split()))
    except ValueError:
        raise CrossSigningError(
            "the recovery key contains characters that are not base58"
        ) from None
    parity = 0
    for byte in raw:
        parity ^= byte
    if len(raw) != 35 or raw[:2] != RECOVERY_PREFIX or parity != 0:
        raise CrossSigningError("the recovery key is not valid (wrong length or a typing error)")
    return raw[2:34]


def _b58encode(data: bytes) -> str:
    num = int.from_bytes(data, "big")
    out = ""
    while num:
        num, rem = divmod(num, 58)
        out = _B58[rem] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def _b58decode(text: str) -> bytes:
    num = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError(char)
        num = num * 58 + index
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def load_or_create_keys(path: Path, recovery_key: str | None) -> tuple[CrossSigningKeys, bool]:
    """The bot's cross-signing keys, and whether they are new.

    With a recovery key the keys are derived from it (nothing is written). Otherwise they are
    read from ``path``, or generated and written there ``0600`` (folder ``0700``).
    """
    if recovery_key:
        return CrossSigningKeys.from_recovery_key(recovery_key), False
    try:
        data = json.loads(path.read_text("utf-8"))
        return CrossSigningKeys(unb64(data["master"]), unb64(data["self_signing"])), False
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CrossSigningError(
            f"the cross-signing key file {path} is unreadable ({type(exc).__name__}); restore it "
            "from a backup, or start with the recovery key in the environment"
        ) from None
    keys = CrossSigningKeys.generate()
    write_private_json(
        path, {"master": b64(keys.master_seed), "self_signing": b64(keys.self_signing_seed)}
    )
    return keys, True


def write_private_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write atomically, ``0600`` in a ``0700`` folder, whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(dict(data), fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# ---------------------------------------------------------------------- verification


def key_of(cross_signing_key: Mapping[str, Any] | None, usage: str, user_id: str) -> str | None:
    """The single public key of a cross-signing key object, if it is for ``usage``/``user_id``."""
    if not isinstance(cross_signing_key, Mapping):
        return None
    if cross_signing_key.get("user_id") != user_id or usage not in (
        cross_signing_key.get("usage") or []
    ):
        return None
    keys = cross_signing_key.get("keys") or {}
    values = [v for k, v in keys.items() if k.startswith(f"{ED25519}:") and isinstance(v, str)]
    return values[0] if len(values) == 1 else None


def verify_device(query: Mapping[str, Any], user_id: str, device_id: str) -> str | None:
    """Check, from a ``/keys/query`` response, that ``device_id`` of ``user_id`` is cross-signed:
    the device keys signed by the user's self-signing key, which is signed by the master key.

    Returns the master public key on success, None otherwise. The device's own signature is
    checked too (the object must be the one the device uploaded).
    """
    master = key_of((query.get("master_keys") or {}).get(user_id), "master", user_id)
    ssk_obj = (query.get("self_signing_keys") or {}).get(user_id)
    ssk = key_of(ssk_obj, "self_signing", user_id)
    device = ((query.get("device_keys") or {}).get(user_id) or {}).get(device_id)
    if master is None or ssk is None or not isinstance(device, Mapping):
        return None
    if device.get("user_id") != user_id or device.get("device_id") != device_id:
        return None
    device_key = (device.get("keys") or {}).get(f"{ED25519}:{device_id}")
    if not isinstance(device_key, str):
        return None
    assert ssk_obj is not None
    if not check_signature(ssk_obj, user_id, master):
        return None
    if not check_signature(device, user_id, ssk):
        return None
    if not _device_self_signed(device, user_id, device_id, device_key):
        return None
    return master


def _device_self_signed(device: Mapping[str, Any], user_id: str, device_id: str, key: str) -> bool:
    sig = ((device.get("signatures") or {}).get(user_id) or {}).get(f"{ED25519}:{device_id}")
    if not isinstance(sig, str):
        return False
    try:
        VerifyKey(unb64(key)).verify(signable(device), unb64(sig))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


# ---------------------------------------------------------------------- bootstrap


class Http(Protocol):
    """A JSON request to the homeserver: returns (HTTP status, parsed body)."""

    def __call__(
        self, method: str, path: str, body: Mapping[str, Any] | None
    ) -> Awaitable[tuple[int, dict[str, Any]]]: ...


@dataclass(frozen=True)
class BootstrapResult:
    master_public: str
    uploaded_keys: bool
    signed_device: bool


async def query_keys(http: Http, user_ids: list[str]) -> dict[str, Any]:
    status, body = await http(
        "POST", "/_matrix/client/v3/keys/query", {"device_keys": {u: [] for u in user_ids}}
    )
    if status != 200:
        raise CrossSigningError(f"/keys/query failed: HTTP {status} {body.get('errcode', '')}")
    return body


async def bootstrap(
    http: Http,
    keys: CrossSigningKeys,
    user_id: str,
    device_id: str,
    password: Callable[[], str | None],
) -> BootstrapResult:
    """Make the homeserver's cross-signing state for ``user_id`` match ``keys`` and make sure
    ``device_id`` is signed by the self-signing key. Idempotent: a later start with the same
    keys and device uploads nothing.

    Uploading keys when the account has none needs no auth; replacing existing ones needs the
    account password (user-interactive auth, ``m.login.password``).
    """
    query = await query_keys(http, [user_id])
    server_master = key_of((query.get("master_keys") or {}).get(user_id), "master", user_id)
    server_ssk = key_of(
        (query.get("self_signing_keys") or {}).get(user_id), "self_signing", user_id
    )
    uploaded = False
    if server_master != keys.master_public or server_ssk != keys.self_signing_public:
        await _upload_keys(http, keys, user_id, password, replacing=server_master is not None)
        uploaded = True
        query = await query_keys(http, [user_id])
    device = ((query.get("device_keys") or {}).get(user_id) or {}).get(device_id)
    if not isinstance(device, Mapping):
        raise CrossSigningError(
            f"the homeserver has no keys for the bot's device {device_id}; "
            "the crypto store must upload them first"
        )
    if verify_device(query, user_id, device_id) == keys.master_public:
        return BootstrapResult(keys.master_public, uploaded, signed_device=False)
    clean = {k: v for k, v in device.items() if k not in ("signatures", "unsigned")}
    signed = sign_json(clean, keys.self_signing, user_id, keys.self_signing_public)
    status, body = await http(
        "POST", "/_matrix/client/v3/keys/signatures/upload", {user_id: {device_id: signed}}
    )
    if status != 200:
        raise CrossSigningError(f"/keys/signatures/upload failed: HTTP {status}")
    failures = body.get("failures") or {}
    if failures:
        detail = json.dumps(failures, sort_keys=True)[:300]
        raise CrossSigningError(f"the homeserver rejected the device signature: {detail}")
    log.info("signed device %s with the self-signing key", device_id)
    return BootstrapResult(keys.master_public, uploaded, signed_device=True)


async def _upload_keys(
    http: Http,
    keys: CrossSigningKeys,
    user_id: str,
    password: Callable[[], str | None],
    *,
    replacing: bool,
) -> None:
    path = "/_matrix/client/v3/keys/device_signing/upload"
    body: dict[str, Any] = {
        "master_key": keys.master_key_json(user_id),
        "self_signing_key": keys.self_signing_key_json(user_id),
    }
    status, answer = await http("POST", path, body)
    if status == 401 and "flows" in answer:
        secret = password()
        if not secret:
            raise CrossSigningError(
                "the account already has other cross-signing keys, and replacing them needs the "
                "account password. Either give the bot its password (matrix.password_env or "
                "matrix.password_file) for one start, or restore the original keys: put the "
                "cross-signing key file back, or set the recovery key in the environment"
            )
        stages = {s for flow in answer.get("flows", []) for s in flow.get("stages", [])}
        if "m.login.password" not in stages:
            raise CrossSigningError(
                "the homeserver does not offer password authentication for replacing "
                "cross-signing keys; reset them in a client (e.g. Element) for the bot account"
            )
        body["auth"] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user_id},
            "password": secret,
            "session": answer.get("session"),
        }
        status, answer = await http("POST", path, body)
    if status != 200:
        raise CrossSigningError(
            f"uploading cross-signing keys failed: HTTP {status} {answer.get('errcode', '')}"
        )
    log.info(
        "%s cross-signing keys; master key %s",
        "replaced" if replacing else "uploaded",
        keys.master_public,
    )
