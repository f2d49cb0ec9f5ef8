"""Native Matrix polls (MSC3381): the wire format, both ways, and recovery from ``/relations``.

Sending uses the unstable ``org.matrix.msc3381.poll.*`` types that Element Web and Element X
send and render (stable ``m.poll.*`` is in no released room version), with
``org.matrix.msc1767.text`` fallbacks and a plain ``body`` for clients without polls.
Reading accepts responses and ends in the unstable and the stable forms.  Everything except
`recover` is pure and does no I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from bot.matrix.eventtime import event_time
from bot.messages import IncomingPollEvent, PollStart

log = logging.getLogger(__name__)

START = "org.matrix.msc3381.poll.start"
RESPONSE = "org.matrix.msc3381.poll.response"
END = "org.matrix.msc3381.poll.end"
TEXT = "org.matrix.msc1767.text"
KIND_DISCLOSED = "org.matrix.msc3381.poll.disclosed"
KIND_UNDISCLOSED = "org.matrix.msc3381.poll.undisclosed"
STABLE_START, STABLE_RESPONSE, STABLE_END = "m.poll.start", "m.poll.response", "m.poll.end"
RESPONSE_TYPES = frozenset({RESPONSE, STABLE_RESPONSE})
END_TYPES = frozenset({END, STABLE_END})
REDACTION = "m.room.redaction"
MAX_ANSWERS = 20


def start_content(poll: PollStart, fallback: str) -> dict[str, Any]:
    """``org.matrix.msc3381.poll.start`` content; ``fallback`` is what clients without poll
    support show (the question, numbered answers and how to vote by command)."""
    if not 2 <= len(poll.answers) <= MAX_ANSWERS:
        raise ValueError("a poll needs 2 to 20 answers")
    return {
        START: {
            "question": {TEXT: poll.question, "body": poll.question, "msgtype": "m.text"},
            "kind": KIND_DISCLOSED if poll.disclosed else KIND_UNDISCLOSED,
            "max_selections": max(1, min(poll.max_selections, len(poll.answers))),
            "answers": [{"id": a.id, TEXT: a.text} for a in poll.answers],
        },
        TEXT: fallback,
        "body": fallback,
    }


def end_content(start_event_id: str, text: str) -> dict[str, Any]:
    """``org.matrix.msc3381.poll.end`` content referring to the start, with the results as
    the text fallback."""
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id},
        END: {},
        TEXT: text,
        "body": text,
    }


def is_poll_event(etype: object) -> bool:
    """Event types the inbox takes for the poll feature (responses, ends, redactions)."""
    return etype in RESPONSE_TYPES or etype in END_TYPES or etype == REDACTION


def _reference(content: Mapping[str, Any]) -> str | None:
    rel = content.get("m.relates_to")
    if isinstance(rel, Mapping) and rel.get("rel_type") == "m.reference":
        target = rel.get("event_id")
        return target if isinstance(target, str) else None
    return None


def _selections(content: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The answer ids of a response in any known form; None if there are none to read (a
    redacted response has an empty content)."""
    candidates: list[object] = []
    unstable = content.get(RESPONSE)
    if isinstance(unstable, Mapping):
        candidates.append(unstable.get("answers"))
    candidates.append(content.get("m.selections"))
    stable = content.get(STABLE_RESPONSE)
    if isinstance(stable, Mapping):
        candidates.append(stable.get("answers"))
    for found in candidates:
        if isinstance(found, list):
            # A non-string id can never match an answer: keep it so the vote is spoiled.
            return tuple(a if isinstance(a, str) else "\0invalid" for a in found)
    return None


def parse_event(event: Mapping[str, Any], room_id: str) -> IncomingPollEvent | None:
    """Our `IncomingPollEvent` for a poll response, a poll end or a redaction (raw event
    JSON, as in a sync or ``/relations`` answer); None for anything else."""
    etype = event.get("type")
    event_id, sender = event.get("event_id"), event.get("sender")
    content = event.get("content")
    if not isinstance(event_id, str) or not isinstance(sender, str):
        return None
    if not isinstance(content, Mapping):
        content = {}
    when = event_time(event)
    if etype == REDACTION:
        redacts = content.get("redacts", event.get("redacts"))
        if not isinstance(redacts, str):
            return None
        return IncomingPollEvent("redaction", event_id, room_id, sender, redacts, when)
    unsigned = event.get("unsigned")
    redacted = isinstance(unsigned, Mapping) and "redacted_because" in unsigned
    target = _reference(content)
    if etype in RESPONSE_TYPES:
        if target is None:
            if redacted or not content:
                # A redacted response has lost its relation: it undoes itself, by event id.
                return IncomingPollEvent("redaction", event_id, room_id, sender, event_id, when)
            return None
        answers = None if redacted else _selections(content)
        return IncomingPollEvent("response", event_id, room_id, sender, target, when, answers)
    if etype in END_TYPES and target is not None:
        return IncomingPollEvent("end", event_id, room_id, sender, target, when)
    return None


Request = Callable[[str, str], Awaitable[tuple[int, Mapping[str, Any]]]]


async def relations(
    request: Request, room_id: str, event_id: str, *, page: int = 100
) -> list[dict[str, Any]]:
    """Every event that refers to ``event_id`` (``m.reference``), all pages, oldest first.

    ``request(method, path)`` performs one client-server API call and returns the HTTP status
    and the JSON body (the transport supplies it, with its retries)."""
    base = (
        f"/_matrix/client/v1/rooms/{quote(room_id, safe='')}/relations/"
        f"{quote(event_id, safe='')}/m.reference?limit={page}"
    )
    found: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(10_000):
        path = base + (f"&from={quote(token, safe='')}" if token else "")
        status, body = await request("GET", path)
        if status != 200:
            raise RuntimeError(f"relations of a poll: HTTP {status}")
        chunk = body.get("chunk")
        if isinstance(chunk, list):
            found.extend(e for e in chunk if isinstance(e, dict))
        nxt = body.get("next_batch")
        if not isinstance(nxt, str) or not nxt or not chunk:
            break
        token = nxt
    found.reverse()  # the server answers newest first
    return found


async def recover(
    request: Request,
    starts: list[tuple[str, str]],
    own_user_id: str,
    handle: Callable[[Sequence[IncomingPollEvent]], Awaitable[None]],
    *,
    batch: int = 500,
) -> int:
    """Fetch every response to the given open polls and hand them to ``handle`` in batches
    (it stores by event id, so nothing is counted twice). Returns how many were read."""
    total = 0
    for room_id, start in starts:
        try:
            events = await relations(request, room_id, start)
        except Exception:
            log.warning("could not read the responses of poll %s in %s", start, room_id)
            continue
        parsed = [
            p
            for p in (parse_event(e, room_id) for e in events if e.get("sender") != own_user_id)
            if p is not None
        ]
        for i in range(0, len(parsed), batch):
            await handle(parsed[i : i + batch])
        total += len(parsed)
    return total
