"""Who a page is, without an account: the page makes a random secret and keeps it in its
own storage; the bot derives the session id from it with its keyed hash and never stores
the secret. A stream ticket (session id, expiry and a keyed MAC) lets the page read its
replies and post messages without sending the secret again; it holds no address and
survives a restart of the bot (nothing about it is kept in memory)."""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta

from bot.pseudonym import Pseudonymizer

SECRET_RE = re.compile(r"[A-Za-z0-9_-]{32,128}")
SESSION_RE = re.compile(r"[0-9a-f]{32}")


class BadTicket(Exception):
    """The ticket is malformed, forged or expired."""


class Identity:
    def __init__(self, pseudonymize: Pseudonymizer, ticket_lifetime: timedelta) -> None:
        self._hash = pseudonymize
        self._lifetime = ticket_lifetime

    def session_of(self, secret: str) -> str:
        """The session id of a page's secret (raises ValueError if it is not a secret the
        page could have made: 32–128 URL-safe characters)."""
        if not SECRET_RE.fullmatch(secret):
            raise ValueError("malformed secret")
        return self._hash(secret, purpose="web-session")

    def ticket(self, session: str, now: datetime) -> str:
        expires = int((now + self._lifetime).timestamp())
        return f"{session}.{expires}.{self._mac(session, expires)}"

    def check(self, ticket: str, now: datetime) -> str:
        """The session id a valid ticket was made for; `BadTicket` otherwise."""
        parts = ticket.split(".")
        if len(parts) != 3 or not SESSION_RE.fullmatch(parts[0]) or not parts[1].isdigit():
            raise BadTicket("malformed")
        session, expires = parts[0], int(parts[1])
        if not hmac.compare_digest(parts[2], self._mac(session, expires)):
            raise BadTicket("forged")
        if expires <= now.timestamp():
            raise BadTicket("expired")
        return session

    def _mac(self, session: str, expires: int) -> str:
        return self._hash(f"{session}.{expires}", purpose="web-ticket")
