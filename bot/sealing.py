"""Sealing data at rest: authenticated encryption (ChaCha20-Poly1305 from ``cryptography``)
with a key derived (HKDF-SHA256) from the pseudonym key, for rows that must hold raw text
for a short while (inbox events, outbox messages).

A sealed value is text: ``s1:`` followed by base64 of nonce and ciphertext. The ``purpose``
is bound as associated data, so an inbox payload cannot be passed off as an outbox row.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "s1:"


class Sealer:
    def __init__(self, pseudonym_key: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"tryggbot seal v1"
        ).derive(pseudonym_key)
        self._aead = ChaCha20Poly1305(key)

    def seal(self, text: str, purpose: str) -> str:
        nonce = os.urandom(12)
        data = self._aead.encrypt(nonce, text.encode("utf-8"), purpose.encode())
        return PREFIX + base64.b64encode(nonce + data).decode("ascii")

    def open(self, sealed: str, purpose: str) -> str:
        """The clear text; a value written before sealing existed is returned as it is.
        Raises ``cryptography.exceptions.InvalidTag`` if the value was tampered with."""
        if not sealed.startswith(PREFIX):
            return sealed
        raw = base64.b64decode(sealed[len(PREFIX) :])
        return self._aead.decrypt(raw[:12], raw[12:], purpose.encode()).decode("utf-8")

    def __repr__(self) -> str:
        return "Sealer(<key hidden>)"
