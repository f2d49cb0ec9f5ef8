"""The web chat, served by the bot process itself. This module imports nothing from the rest
of Tryggbot outside ``config``."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator

from config.base import Model


class WebSettings(Model):
    """The web chat (``bot/web/``): residents reach the bot from a page, with no account.
    Off unless enabled; served by the bot process itself, normally behind the kommun's
    reverse proxy (docs/deploy.md)."""

    enabled: bool = False
    # Where the bot listens; keep the loopback address behind a reverse proxy.
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=1, le=65535)
    # The address residents open (the reverse proxy's https URL). Writes must come from
    # this origin; the page and its API live under it.
    public_url: str = Field(default="http://127.0.0.1:8090", pattern=r"^https?://[^/?#]+/?$")
    # Origins allowed to show the chat in a frame (Content-Security-Policy frame-ancestors),
    # e.g. "https://www.varnamo.se". Empty: no other site may frame it.
    allowed_origins: tuple[Annotated[str, Field(pattern=r"^https?://[^/?#]+$")], ...] = ()
    # Requests larger than this are refused (a message is at most limits.max_message_chars).
    max_body_bytes: int = Field(default=16384, ge=1024, le=1_048_576)
    # Messages a page may send per minute, and all pages from one address together (the
    # address is held in memory only, for this count).
    session_per_minute: int = Field(default=20, ge=1, le=1000)
    address_per_minute: int = Field(default=120, ge=1, le=100_000)
    # New sessions (page loads) one address may open per minute.
    sessions_per_address_minute: int = Field(default=30, ge=1, le=100_000)
    # Open reply streams at once: in all, and per address.
    max_streams: int = Field(default=2000, ge=1, le=100_000)
    max_streams_per_address: int = Field(default=50, ge=1, le=100_000)
    # A stream is closed after this long (the page reconnects and resumes exactly).
    stream_seconds: int = Field(default=900, ge=10, le=86_400)
    # Seconds between keep-alive comments on an idle stream.
    heartbeat_seconds: int = Field(default=20, ge=1, le=300)
    # A client that sends its request this slowly is cut off.
    request_timeout_seconds: int = Field(default=15, ge=1, le=300)
    # How long a reply waits for the page to fetch it (a resident coming back in the same
    # browser sees what was answered meanwhile). Sealed at rest.
    history_days: int = Field(default=30, ge=1, le=365)
    # How long a stream ticket (made from the page's secret) stays valid.
    ticket_hours: int = Field(default=12, ge=1, le=168)
    # Trust X-Forwarded-For from these proxy addresses (the reverse proxy), for rate limits.
    trusted_proxies: tuple[str, ...] = ()

    @field_validator("host")
    @classmethod
    def _web_host(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address (such as 127.0.0.1)") from exc
        return value

    @property
    def origin(self) -> str:
        """The scheme, host and port of ``public_url`` (what a browser sends as Origin)."""
        return self.public_url.rstrip("/")
