"""Keyed pseudonyms: a person (or a room) is stored as an HMAC of their Matrix id."""

from __future__ import annotations

import hashlib
import hmac
import re

from bot.errors import UnknownSender

_PSEUDONYM = re.compile(r"[0-9a-f]{32}")


def is_pseudonym(value: str) -> bool:
    """True if ``value`` has the shape of a pseudonym (32 lowercase hex characters)."""
    return _PSEUDONYM.fullmatch(value) is not None


class Pseudonymizer:
    """HMAC-SHA256 with a secret key, truncated to 128 bits (32 hex characters).

    Without the key the hash cannot be reversed or recomputed from a guessed Matrix id.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("pseudonym key too short")
        self._key = key

    def __call__(self, value: str, *, purpose: str = "person") -> str:
        """The pseudonym of ``value``. A person with an empty (or blank) id has none: it
        raises `UnknownSender` instead of giving everyone without an id the same pseudonym."""
        if purpose == "person" and not value.strip():
            raise UnknownSender(f"no {purpose} id to pseudonymise")
        msg = f"{purpose}\x00{value}".encode("utf-8", "surrogatepass")
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()[:32]

    def __repr__(self) -> str:
        return "Pseudonymizer(<key hidden>)"
