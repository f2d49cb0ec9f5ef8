"""What the machine the bot runs on provides: the pseudonym key, the database file, and the
optional health and metrics listener. This module imports nothing from the rest of Tryggbot
outside ``config``."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

from config.base import Model


class SecretSettings(Model):
    pseudonym_key_env: str = "TRYGGBOT_PSEUDONYM_KEY"
    pseudonym_key_file: str | None = None
    generate_missing_key: bool = False


class StorageSettings(Model):
    path: str = ".local/tryggbot.sqlite3"


class MonitoringSettings(Model):
    """The optional health and metrics listener (``/healthz``, ``/metrics``)."""

    # Unset: no listener. Set a port to serve /healthz and /metrics on host:port.
    port: int | None = Field(default=None, ge=1, le=65535)
    # Loopback by default: the endpoints are for the machine's own monitoring agent.
    host: str = "127.0.0.1"

    @field_validator("host")
    @classmethod
    def _ip_address(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address (such as 127.0.0.1)") from exc
        return value
