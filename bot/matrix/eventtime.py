"""When a Matrix event happened, from its JSON (shared by the event conversion and the polls
wire format, which import each other's nothing)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def event_time(source: Mapping[str, Any]) -> datetime:
    """The event's ``origin_server_ts`` as an aware UTC datetime (epoch if missing)."""
    ts = source.get("origin_server_ts")
    millis = ts if isinstance(ts, int) and ts >= 0 else 0
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
