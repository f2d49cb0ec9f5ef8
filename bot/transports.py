"""Which transport an id belongs to. Matrix ids are the homeserver's; the web transport makes
its own on a reserved server name (``.invalid`` can never be a real homeserver), so the
outbox can route a reply by its room and the Matrix worker leaves web events alone."""

from __future__ import annotations

WEB_SERVER = "web.tryggbot.invalid"
WEB_SUFFIX = ":" + WEB_SERVER


def is_web_room(room_id: str) -> bool:
    return room_id.endswith(WEB_SUFFIX)


def web_room_id(session: str) -> str:
    """The direct chat of a web session (``session``: its 32-hex id)."""
    return f"!{session}{WEB_SUFFIX}"


def web_user_id(session: str) -> str:
    """The sender id of a web session; the engine pseudonymises it like a Matrix id."""
    return f"@{session}{WEB_SUFFIX}"


def web_session_of(room_or_user: str) -> str | None:
    """The session id in a web room or user id, else None."""
    if not room_or_user.endswith(WEB_SUFFIX) or room_or_user[:1] not in ("!", "@"):
        return None
    return room_or_user[1 : -len(WEB_SUFFIX)] or None
