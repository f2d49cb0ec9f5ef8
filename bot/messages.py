"""Our own message types, independent of any transport (nio never leaks past bot/matrix/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class IncomingMessage:
    """A text message that reached the bot. ``body`` has reply fallbacks already stripped."""

    event_id: str
    room_id: str
    sender: str
    body: str
    timestamp: datetime
    is_direct: bool = False
    reply_to: str | None = None
    thread_root: str | None = None


@dataclass(frozen=True)
class IncomingReaction:
    event_id: str
    room_id: str
    sender: str
    target_event_id: str
    key: str
    timestamp: datetime


@dataclass(frozen=True)
class IncomingPollEvent:
    """A native poll event (MSC3381, unstable or stable form) or a redaction that may undo
    a poll response. ``target`` is the poll's start event (for a redaction: the redacted
    event). ``answers`` of a response: the selected answer ids (empty: the vote is taken
    back); None when the response was redacted or cannot be read."""

    kind: Literal["response", "end", "redaction"]
    event_id: str
    room_id: str
    sender: str
    target: str
    timestamp: datetime
    answers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Image:
    """A PNG picture to post: its bytes, pixel size, a file name and a text alternative."""

    data: bytes
    width: int
    height: int
    filename: str
    alt: str


@dataclass(frozen=True)
class PollAnswer:
    id: str
    text: str


@dataclass(frozen=True)
class PollStart:
    """A native poll (MSC3381). ``disclosed``: results visible while the poll is open."""

    question: str
    answers: tuple[PollAnswer, ...]
    max_selections: int = 1
    disclosed: bool = True


@dataclass(frozen=True)
class Outgoing:
    """A message the bot sends. ``text`` is plain text with light markup (``**bold**``);
    transports render HTML from it. ``txn_key`` makes a retried send idempotent.

    At most one of ``image``, ``poll`` and ``poll_end`` is set; ``text`` is then the
    caption or the plain-text fallback. ``poll_end`` is the event id of the poll's start."""

    room_id: str
    text: str
    reply_to: str | None = None
    thread_root: str | None = None
    mentions: tuple[str, ...] = field(default_factory=tuple)
    txn_key: str | None = None
    image: Image | None = None
    poll: PollStart | None = None
    poll_end: str | None = None
    lang: str | None = None
    """The language ``text`` is written in, when known (the web page marks each message
    with it; Matrix ignores it)."""
