"""What every route of the web chat shares: the refusal a page shows (`ApiError`), the JSON
error body, the Content-Security-Policy, and parsing of small numbers from the query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """A refusal the page shows as a clear message (``web.error.<code>``)."""

    def __init__(self, status: int, code: str, retry_after: float | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.retry_after = retry_after


def csp(ancestors: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
        " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none';"
        f" form-action 'self'; frame-ancestors {ancestors}"
    )


def error_response(
    status: int, code: str, *, retry_after: float | None = None, incident: str | None = None
) -> web.Response:
    body: dict[str, Any] = {"error": code}
    if incident is not None:
        body["incident"] = incident
    response = web.json_response(body, status=status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
    return response


def small_int(value: str | None) -> int:
    if value is None or not value.isdigit() or len(value) > 12:
        return 0
    return int(value)
