"""The moderators' guided conversation ``poll_new`` (moderation room): where people answer
(native poll in rooms or a private survey), the question, 2–20 options, how many may be
chosen, target rooms or localities, opening and closing time, whether results show while
open; then confirm. Also the time and room parsing that templates share."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict

import aiosqlite

from bot.answers import NO, YES, fold, numbered
from bot.answers import normalise as norm
from bot.context import Context
from bot.conversation import Flow, Reask, Step, StepResult
from bot.errors import UserError
from handlers.polls.lifecycle import local, run_due
from handlers.polls.model import MAX_OPTIONS, MIN_OPTIONS, simple_poll
from storage import polls, rooms
from storage.polls import NewPoll, NewTarget, PollKind
from storage.rooms import RoomInfo

NEW_FLOW = "poll_new"
ALL = {"alla", "all", "allt", "everywhere", "överallt"}
NOW = {"nu", "now", "direkt", "genast"}
MAX_QUESTION, MAX_OPTION = 300, 100


# ---- times ----------------------------------------------------------------------------

_DURATION = re.compile(r"^(\d{1,4})\s*(s|sek|sec|m|min|h|t|d|dagar|days?|v|w|veckor|weeks?)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "t": 3600, "d": 86400, "v": 604800, "w": 604800}


def parse_duration(text: str) -> timedelta | None:
    """``90s``, ``45m``, ``2h`` (``2t``), ``3d``, ``2v``/``2w``; None if it is not one."""
    m = _DURATION.match(norm(text))
    if not m or int(m[1]) <= 0:
        return None
    return timedelta(seconds=int(m[1]) * _SECONDS[m[2][0]])


def parse_time(ctx: Context, text: str, base: datetime) -> datetime | None:
    """``nu``/``now``, a duration after ``base`` (``45m``, ``2h``, ``7d``, ``2v``) or a local
    date and time ``2026-12-01 18:00`` (a date alone means 00:00)."""
    t = norm(text)
    if t in NOW:
        return ctx.svc.clock.now()
    span = parse_duration(t)
    if span is not None:
        return base + span
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2})[:.](\d{2}))?", t)
    if not m:
        return None
    try:
        when = datetime(
            int(m[1]),
            int(m[2]),
            int(m[3]),
            int(m[4] or 0),
            int(m[5] or 0),
            tzinfo=ctx.svc.settings.kommun.tz,
        )
    except ValueError:
        return None
    return when


# ---- targets --------------------------------------------------------------------------


async def neighbourhood_rooms(conn: aiosqlite.Connection) -> list[RoomInfo]:
    return await rooms.by_kind(conn, "neighbourhood")


def room_label(ctx: Context, room: RoomInfo) -> str:
    loc = ctx.svc.settings.locality(room.locality or "")
    name = loc.name if loc else (room.locality or room.room_id)
    return f"{name}, {room.area}" if room.area else name


def resolve_targets(ctx: Context, text: str, known: Sequence[RoomInfo]) -> list[str] | None:
    """Room ids for ``alla``, room numbers and/or locality names (comma-separated)."""
    t = norm(text)
    if t in ALL:
        return [r.room_id for r in known]
    chosen: list[str] = []
    for part in re.split(r"[,\s]+", t):
        if not part:
            continue
        if part.isdigit():
            i = int(part)
            if not 1 <= i <= len(known):
                return None
            chosen.append(known[i - 1].room_id)
            continue
        matches = [
            r
            for r in known
            if fold(part) in {fold(r.locality or ""), fold(room_label(ctx, r).split(",")[0])}
        ]
        if not matches:
            return None
        chosen.extend(r.room_id for r in matches)
    return list(dict.fromkeys(chosen)) or None


def new_targets(
    known: Sequence[RoomInfo], room_ids: Sequence[str], default: str
) -> list[NewTarget]:
    by_id = {r.room_id: r for r in known}
    return [
        NewTarget(rid, by_id[rid].locality, by_id[rid].area, by_id[rid].language or default)
        for rid in room_ids
        if rid in by_id
    ]


# ---- the moderators' flow -------------------------------------------------------------


class NewPollState(TypedDict, total=False):
    """What ``poll_new`` has gathered so far: the JSON object in ``conversation.data``, one
    key per answered step (``!poll ny`` starts it with ``_rooms``)."""

    _rooms: list[str]  # the neighbourhood rooms' labels, numbered in the targets prompt
    kind: PollKind
    question: str
    options: list[str]
    max: int  # how many options one person may choose
    targets: list[str]  # room ids
    opens: str  # ISO 8601, with the kommun's offset
    closes: str
    disclosed: bool  # results shown while the poll is open


def _p(key: str, **fixed: Any) -> Callable[[Context, object], str]:
    def prompt(ctx: Context, data: object) -> str:
        return ctx.t(key, **fixed)

    return prompt


async def _mode(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    t = norm(text)
    if t in {"1", "omröstning", "poll", "rum", "rooms"}:
        return StepResult(NewPollState(kind="poll"))
    if t in {"2", "enkät", "enkat", "survey", "privat", "private"}:
        return StepResult(NewPollState(kind="survey"))
    raise Reask("moderation_polls.new.bad_mode")


async def _question(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    q = " ".join(text.split())
    if not 3 <= len(q) <= MAX_QUESTION:
        raise Reask("moderation_polls.new.bad_question", min=3, max=MAX_QUESTION)
    return StepResult(NewPollState(question=q))


async def _options(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    sep = "\n" if "\n" in text.strip() else ";"
    options = [" ".join(o.split()) for o in text.split(sep)]
    options = [re.sub(r"^\d{1,2}[.)]\s*", "", o) for o in options if o]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS or any(len(o) > MAX_OPTION for o in options):
        raise Reask("moderation_polls.new.bad_options", min=MIN_OPTIONS, max=MAX_OPTIONS)
    return StepResult(NewPollState(options=options))


def _prompt_max(ctx: Context, data: NewPollState) -> str:
    return ctx.t("moderation_polls.new.ask_max", count=len(data.get("options", [])))


async def _max(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    t = norm(text)
    count = len(data.get("options", []))
    if t.isdigit() and 1 <= int(t) <= count:
        return StepResult(NewPollState(max=int(t)))
    raise Reask("moderation_polls.new.bad_max", count=count)


def _prompt_targets(ctx: Context, data: NewPollState) -> str:
    labels = [str(x) for x in data.get("_rooms", [])]
    return ctx.t("moderation_polls.new.ask_targets", options=numbered(labels))


async def _targets(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    known = await neighbourhood_rooms(conn)
    chosen = resolve_targets(ctx, text, known)
    if not chosen:
        raise Reask("moderation_polls.new.bad_targets")
    return StepResult(NewPollState(targets=chosen))


async def _opens(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    now = ctx.svc.clock.now()
    when = parse_time(ctx, text, now)
    if when is None:
        raise Reask("moderation_polls.new.bad_time")
    return StepResult(NewPollState(opens=max(when, now).isoformat()))


async def _closes(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    opens = datetime.fromisoformat(str(data["opens"]))
    when = parse_time(ctx, text, opens)
    if when is None:
        raise Reask("moderation_polls.new.bad_time")
    if when <= opens:
        raise Reask("moderation_polls.new.closes_before")
    return StepResult(NewPollState(closes=when.isoformat()))


async def _visibility(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    t = norm(text)
    if t in {"1", "under", "during", "direkt", "open"}:
        return StepResult(NewPollState(disclosed=True))
    if t in {"2", "efter", "after", "sedan", "later"}:
        return StepResult(NewPollState(disclosed=False))
    raise Reask("moderation_polls.new.bad_visibility")


def _prompt_confirm(ctx: Context, data: NewPollState) -> str:
    opens = datetime.fromisoformat(str(data["opens"]))
    closes = datetime.fromisoformat(str(data["closes"]))
    return ctx.t(
        "moderation_polls.new.confirm",
        kind=ctx.t(f"moderation_polls.kind.{data['kind']}"),
        question=data["question"],
        options=numbered([str(o) for o in data["options"]]),
        max=data["max"],
        rooms=len(data["targets"]),
        opens=local(ctx.svc, opens),
        closes=local(ctx.svc, closes),
        visibility=ctx.t(
            "moderation_polls.visibility." + ("disclosed" if data["disclosed"] else "undisclosed")
        ),
    )


CREATE = frozenset({"skapa", "create"})  # the confirm step's own words, beside yes and no
DROP = frozenset({"avbryt", "cancel"})


async def _confirm(
    ctx: Context, conn: aiosqlite.Connection, data: NewPollState, text: str
) -> StepResult:
    t = norm(text)
    if t in YES or t in CREATE:
        return StepResult(done=True)
    if t in NO or t in DROP:
        ctx.reply("moderation_polls.new.cancelled")
        return StepResult(cancel=True)
    raise Reask("moderation_polls.new.bad_confirm")


async def _finish_new(ctx: Context, conn: aiosqlite.Connection, data: NewPollState) -> None:
    content = simple_poll(ctx.lang, str(data["question"]), list(data["options"]), int(data["max"]))
    known = await neighbourhood_rooms(conn)
    targets = new_targets(known, list(data["targets"]), ctx.svc.settings.language.default)
    poll_id = await create(
        ctx,
        conn,
        NewPoll(
            kind=data["kind"],
            content=content.dump(),
            disclosed=bool(data["disclosed"]),
            opens_at=datetime.fromisoformat(str(data["opens"])),
            closes_at=datetime.fromisoformat(str(data["closes"])),
            created_by=ctx.person,
            created_at=ctx.svc.clock.now(),
        ),
        targets,
    )
    ctx.reply(
        "moderation_polls.created",
        id=poll_id,
        rooms=len(targets),
        opens=local(ctx.svc, datetime.fromisoformat(str(data["opens"]))),
        closes=local(ctx.svc, datetime.fromisoformat(str(data["closes"]))),
    )


async def create(
    ctx: Context, conn: aiosqlite.Connection, poll: NewPoll, targets: list[NewTarget]
) -> int:
    if not targets:
        raise UserError("moderation_polls.no_rooms")
    return await polls.insert(conn, poll, targets)


async def _after(ctx: Context, data: object) -> None:
    await run_due(ctx.svc)


NEW: Flow[NewPollState] = Flow(
    NEW_FLOW,
    (
        Step("mode", _p("moderation_polls.new.ask_mode"), _mode),
        Step("question", _p("moderation_polls.new.ask_question"), _question),
        Step(
            "options",
            _p("moderation_polls.new.ask_options", min=MIN_OPTIONS, max=MAX_OPTIONS),
            _options,
        ),
        Step("max", _prompt_max, _max),
        Step("targets", _prompt_targets, _targets),
        Step("opens", _p("moderation_polls.new.ask_opens"), _opens),
        Step("closes", _p("moderation_polls.new.ask_closes"), _closes),
        Step("visibility", _p("moderation_polls.new.ask_visibility"), _visibility),
        Step("confirm", _prompt_confirm, _confirm),
    ),
    _finish_new,
    after_commit=_after,
)
