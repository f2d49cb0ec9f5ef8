"""How a request to the homeserver can end besides a value: the exceptions the transport
raises and the rule for which error responses are worth a retry. Imported by the transport
and by everything that calls it (encryption, media, the bot), so none of them needs the
transport module for its errors."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.messenger import DeliveryPostponed, DeliveryRefused

NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)


class SendFailed(DeliveryRefused):
    """The homeserver refused a request for good (not a rate limit, not a server fault)."""


class SendAborted(DeliveryPostponed):
    """The bot is stopping and the request could not be completed in the grace period."""


def is_retryable(resp: Any) -> float | None:
    """For a nio error response: seconds to wait before retrying, or None if it is final."""
    code = getattr(resp, "status_code", None)
    transport = getattr(resp, "transport_response", None)
    status = getattr(transport, "status", None)
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        retry_ms = getattr(resp, "retry_after_ms", None)
        return max(0.05, (retry_ms or 1000) / 1000)
    if status is None or (isinstance(status, int) and status >= 500):
        return 0.0  # no HTTP answer or a server fault: back off
    return None


def status_text(resp: Any) -> str:
    """An error response in a few words (its code and HTTP status, never its content)."""
    code = getattr(resp, "status_code", None)
    status = getattr(getattr(resp, "transport_response", None), "status", None)
    return f"{code or 'error'} (HTTP {status})" if status else str(code or type(resp).__name__)
