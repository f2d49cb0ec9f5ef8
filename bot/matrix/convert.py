"""Pure conversions between Matrix event JSON and Tryggbot's own types.

Nothing here does I/O or imports nio: the transport hands in raw event dicts (``event.source``)
and gets back our dataclasses, so every rule is unit-tested without a homeserver.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from bot.matrix.eventtime import event_time
from bot.matrix.polls import is_poll_event, parse_event
from bot.messages import IncomingMessage, IncomingPollEvent, IncomingReaction, Outgoing
from bot.render import plain, to_html
from bot.roles import Role

TEXT_MSGTYPES = frozenset({"m.text", "m.emote"})
"""Message types the bot reads; its own kind (``m.notice``) is never answered (no bot loops)."""

_MX_REPLY = re.compile(r"<mx-reply>.*?</mx-reply>", re.DOTALL)


@dataclass(frozen=True)
class EncryptedEvent:
    """An event the bot cannot read: encrypted, and it has no keys."""

    event_id: str
    room_id: str
    sender: str
    timestamp: datetime


Queued = IncomingMessage | IncomingReaction | IncomingPollEvent | EncryptedEvent
InboxKind = Literal["message", "reaction", "encrypted", "other"]


def strip_reply_fallback(body: str) -> str:
    """Remove the legacy reply fallback: the leading ``> `` quote lines and the blank line."""
    if not body.startswith(">"):
        return body
    lines = body.split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith(">"):
        i += 1
    if i < len(lines) and lines[i] == "":
        i += 1
    return "\n".join(lines[i:])


def strip_html_reply(formatted: str) -> str:
    """Remove ``<mx-reply>…</mx-reply>`` from a formatted body."""
    return _MX_REPLY.sub("", formatted)


def classify(source: Mapping[str, Any], own_user_id: str) -> InboxKind | None:
    """Which inbox kind an event is, or None if the bot ignores it.

    Ignored: the bot's own events, state events, edits and redactions, notices (other bots),
    and anything that is not text, a reaction or an encrypted event.
    """
    if source.get("sender") == own_user_id or "state_key" in source:
        return None
    if not isinstance(source.get("event_id"), str):
        return None
    etype = source.get("type")
    content = source.get("content")
    if not isinstance(content, Mapping):
        return None
    if etype == "m.room.encrypted":
        return "encrypted"
    if is_poll_event(etype):
        return "other"  # poll responses, ends and redactions (which may undo a response)
    if etype == "m.reaction":
        rel = content.get("m.relates_to")
        if isinstance(rel, Mapping) and rel.get("rel_type") == "m.annotation":
            return "reaction"
        return None
    if etype != "m.room.message":
        return None
    if content.get("msgtype") not in TEXT_MSGTYPES or not isinstance(content.get("body"), str):
        return None
    rel = content.get("m.relates_to")
    if isinstance(rel, Mapping) and rel.get("rel_type") == "m.replace":
        return None  # edits: the original was handled already
    return "message"


def keeps_sender(is_direct: bool, kind: InboxKind, role: Role) -> bool:
    """Whether the inbox payload keeps the sender's Matrix id. A resident's message in a
    direct chat does not: handling it needs only the pseudonym resolved at ingest (the inbox
    row's ``person``), so no raw id of theirs rests in the inbox. Elsewhere it is kept,
    sealed: moving a tip to a direct chat or explaining encryption needs it."""
    return not (is_direct and kind == "message" and role == Role.RESIDENT)


def payload(
    source: Mapping[str, Any], room_id: str, is_direct: bool, *, keep_sender: bool = True
) -> str:
    """The inbox payload: only the fields needed to rebuild the event, plus room facts.
    Without ``keep_sender`` the sender is left out (an empty string when read back): the
    engine then keys the sender by the pseudonym stored beside the payload, never by it."""
    keep = {k: source[k] for k in ("event_id", "sender", "type", "content", "origin_server_ts")}
    if isinstance(source.get("redacts"), str):  # a redaction (it may undo a poll response)
        keep["redacts"] = source["redacts"]
    unsigned = source.get("unsigned")
    if isinstance(unsigned, Mapping) and "redacted_because" in unsigned:
        keep["unsigned"] = {"redacted_because": {}}  # only the fact, not who redacted it
    if not keep_sender:
        keep["sender"] = ""
    return json.dumps({"room_id": room_id, "is_direct": is_direct, "event": keep})


def from_payload(text: str) -> Queued | None:
    """Rebuild our dataclass from an inbox payload (None if it is not usable)."""
    data = json.loads(text)
    event = data["event"]
    room_id = str(data["room_id"])
    content = event.get("content") or {}
    sender = str(event["sender"])
    event_id = str(event["event_id"])
    when = event_time(event)
    etype = event.get("type")
    if etype == "m.room.encrypted":
        return EncryptedEvent(event_id, room_id, sender, when)
    if is_poll_event(etype):
        return parse_event(event, room_id)
    rel = content.get("m.relates_to")
    rel = rel if isinstance(rel, Mapping) else {}
    if etype == "m.reaction":
        target, key = rel.get("event_id"), rel.get("key")
        if not isinstance(target, str) or not isinstance(key, str):
            return None
        return IncomingReaction(event_id, room_id, sender, target, key, when)
    body = content.get("body")
    if not isinstance(body, str):
        return None
    in_reply = rel.get("m.in_reply_to")
    reply_to = in_reply.get("event_id") if isinstance(in_reply, Mapping) else None
    thread_root = rel.get("event_id") if rel.get("rel_type") == "m.thread" else None
    if thread_root is not None and rel.get("is_falling_back") is True:
        reply_to = None  # the reply relation only serves clients without threads
    return IncomingMessage(
        event_id=event_id,
        room_id=room_id,
        sender=sender,
        body=strip_reply_fallback(body) if reply_to else body,
        timestamp=when,
        is_direct=bool(data.get("is_direct")),
        reply_to=reply_to if isinstance(reply_to, str) else None,
        thread_root=thread_root if isinstance(thread_root, str) else None,
    )


def message_content(out: Outgoing) -> dict[str, Any]:
    """``m.notice`` content for an Outgoing: escaped HTML, explicit mentions, reply/thread."""
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": plain(out.text),
        "format": "org.matrix.custom.html",
        "formatted_body": to_html(out.text),
        "m.mentions": {"user_ids": list(out.mentions)} if out.mentions else {},
    }
    if out.thread_root:
        content["m.relates_to"] = {
            "rel_type": "m.thread",
            "event_id": out.thread_root,
            # A reply to a specific event in the thread is a real reply; otherwise the reply
            # relation only tells clients without threads where the message belongs.
            "is_falling_back": out.reply_to is None,
            "m.in_reply_to": {"event_id": out.reply_to or out.thread_root},
        }
    elif out.reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": out.reply_to}}
    return content


def reaction_content(event_id: str, key: str) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}


def transaction_id(key: str | None, room_id: str, content: Mapping[str, Any]) -> str:
    """The transaction id of a send.

    With a key (an outbox row's fixed id, or a job's key derived from its claim) the id is
    the key alone: the same key always gives the same id whatever the content, so a resend
    after a restart (same device and access token) is deduplicated by the homeserver even if
    the text would now render differently. Without a key, a digest of room and content.
    """
    if key is not None:
        return "tb." + quote(key, safe="")[:200]
    digest = hashlib.sha256(
        (room_id + "\0" + json.dumps(content, sort_keys=True)).encode()
    ).hexdigest()[:16]
    return "tb." + digest


def backoff_delay(
    attempt: int, *, base: float = 0.5, cap: float = 30.0, rng: random.Random
) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2, …): exponential, capped, with
    jitter between half and the full step, so many clients do not retry in lockstep."""
    step = min(cap, base * 2 ** max(0, attempt - 1))
    return rng.uniform(step / 2, step)


@dataclass(frozen=True)
class Invite:
    """What an invite says: who invited the bot, and whether it is to a direct chat."""

    room_id: str
    inviter: str | None
    is_direct: bool


def read_invite(
    room_id: str, invite_state: Sequence[Mapping[str, Any]], own_user_id: str
) -> Invite:
    """Find the bot's own membership event in an invite's stripped state."""
    for event in invite_state:
        if event.get("type") == "m.room.member" and event.get("state_key") == own_user_id:
            content = event.get("content")
            content = content if isinstance(content, Mapping) else {}
            if content.get("membership") != "invite":
                continue
            sender = event.get("sender")
            return Invite(
                room_id,
                sender if isinstance(sender, str) else None,
                content.get("is_direct") is True,
            )
    return Invite(room_id, None, False)


InviteDecision = Literal["join", "decline"]


def decide_invite(
    invite: Invite,
    *,
    accept_direct: bool,
    configured: bool,
    inviter_is_moderator: bool,
) -> InviteDecision:
    """Direct chats from anyone (if allowed); group rooms only from moderators or when the
    room is in the config."""
    if configured or inviter_is_moderator:
        return "join"
    if invite.is_direct and accept_direct:
        return "join"
    return "decline"


def direct_rooms(account_data: Mapping[str, Any]) -> dict[str, set[str]]:
    """``m.direct`` content (user id -> room ids) as a dict of sets, ignoring junk."""
    out: dict[str, set[str]] = {}
    for user, rooms in account_data.items():
        if isinstance(user, str) and isinstance(rooms, list):
            out[user] = {r for r in rooms if isinstance(r, str)}
    return out
