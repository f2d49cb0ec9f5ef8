"""The guided tip conversation: what, where, when, what happened, a summary to confirm or
edit, then the tip (its scrubbed text in ``tip_text``, the EST record without text or person)
and a receipt. Also `begin`, which starts it in the resident's direct chat."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

import aiosqlite

from bot.answers import SKIP, chosen_option, normalise, numbered, parse_local_date
from bot.context import Context
from bot.conversation import Flow, Reask, Step, StepResult
from bot.errors import OutsideWork, UserError
from bot.messages import Outgoing
from bot.safety_notice import format_hours
from bot.scrub import LABELS, scrub
from bot.terms import locality_term
from config.kommun import Names
from config.settings import Settings
from handlers import moderation
from handlers.tipinfo import band_name, category_name, new_code, place_text, place_type_name
from handlers.tips.state import (
    BAND_WORDS,
    BANDS,
    CANCEL,
    EDIT,
    MAX_TEXT,
    MIN_TEXT,
    NOW,
    SEND,
    TIP_FLOW,
    TODAY,
    YESTERDAY,
    TipState,
    pick,
)
from storage import tips
from storage.tips import NewTip, Relay

log = logging.getLogger(__name__)

# ---- the guided flow ------------------------------------------------------------------


class _Named(Protocol):
    key: str
    names: Names


def _named_step(
    name: str, prompt_key: str, items: Callable[[Settings], Sequence[_Named]]
) -> Step[TipState]:
    """A step that asks to choose one of ``items`` (categories, place types) by number or by
    (the start of) its name in Swedish, English or the reader's language."""

    def prompt(ctx: Context, data: TipState) -> str:
        names = [item.names.get(ctx.lang) for item in items(ctx.svc.settings)]
        return ctx.t(prompt_key, options=numbered(names))

    async def parse(
        ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
    ) -> StepResult:
        options = [
            (i.key, (i.key, i.names.sv, i.names.en, i.names.get(ctx.lang)))
            for i in items(ctx.svc.settings)
        ]
        key = pick(text, options)
        if key is None:
            raise Reask("tips.invalid_choice", count=len(options))
        return StepResult({name: key})  # category or place_type (see TipState)

    return Step(name, prompt, parse)


def _skip_locality(data: TipState) -> bool:
    return bool(data.get("locality"))  # a tip started in a neighbourhood room


def _prompt_locality(ctx: Context, data: TipState) -> str:
    names = [loc.label(ctx.lang) for loc in ctx.svc.settings.localities]
    return ctx.t("tips.ask_locality", options=numbered(names))


async def _parse_locality(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    options = [
        (loc.key, (loc.key, loc.name, loc.label(ctx.lang))) for loc in ctx.svc.settings.localities
    ]
    key = pick(text, options)
    if key is None:
        raise Reask("tips.invalid_choice", count=len(options))
    loc = ctx.svc.settings.locality(key)
    has_areas = loc is not None and bool(loc.areas)
    return StepResult(TipState(locality=key, area=None), goto="area" if has_areas else None)


def _prompt_area(ctx: Context, data: TipState) -> str:
    loc = ctx.svc.settings.locality(str(data.get("locality")))
    areas = loc.areas if loc else ()
    place = locality_term(loc, ctx.lang)
    return ctx.t("tips.ask_area", place=place, options=numbered(areas))


async def _parse_area(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    loc = ctx.svc.settings.locality(str(data.get("locality")))
    areas = loc.areas if loc else ()
    if normalise(text) in SKIP or normalise(text) == normalise(ctx.t("tips.band.okand")):
        return StepResult(TipState(area=None))
    key = pick(text, [(a, (a,)) for a in areas])
    if key is None:
        raise Reask("tips.invalid_area", count=len(areas))
    return StepResult(TipState(area=key))


def _local_now(ctx: Context) -> datetime:
    return ctx.svc.clock.now().astimezone(ctx.svc.settings.kommun.tz)


def band_of(hour: int) -> str:
    return BANDS[min(hour // 6, 3)]


def parse_date(text: str, today: date) -> date | None:
    """``2026-11-20``, ``20/11``, ``20.11.``, ``20-11-2026`` or ``20.11.26``, in any digits;
    None if it is not a date. Without a year, the most recent such day."""
    return parse_local_date(text, today)


def _prompt_when(ctx: Context, data: TipState) -> str:
    return ctx.t("tips.ask_when")


async def _parse_when(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    now = _local_now(ctx)
    today = now.date()
    t = chosen_option(ctx.t("tips.ask_when"), text)  # "1", or the word shown: "Maanta"
    if t in NOW:
        # Happening now: the 112 line at once, before the next question.
        ctx.reply("urgent.line")
        return StepResult(TipState(date=today.isoformat(), band=band_of(now.hour)))
    if t in TODAY:
        return StepResult(TipState(date=today.isoformat(), band=None), goto="time_band")
    if t in YESTERDAY:
        day = today - timedelta(days=1)
        return StepResult(TipState(date=day.isoformat(), band=None), goto="time_band")
    found = parse_date(text, today)
    if found is None:
        raise Reask("tips.invalid_when")
    if found > today:
        raise Reask("tips.future_date")
    if found < today - timedelta(days=365):
        raise Reask("tips.too_old")
    return StepResult(TipState(date=found.isoformat(), band=None), goto="time_band")


def _prompt_band(ctx: Context, data: TipState) -> str:
    return ctx.t("tips.ask_band", options=numbered([band_name(ctx, b) for b in BANDS]))


async def _parse_band(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    t = normalise(text)
    if t.isdigit() and 1 <= int(t) <= len(BANDS):
        return StepResult(TipState(band=BANDS[int(t) - 1]))
    compact = t.replace("–", "-").replace(" ", "")
    if compact in BANDS:
        return StepResult(TipState(band=compact))
    if t in BAND_WORDS:
        return StepResult(TipState(band=BAND_WORDS[t]))
    # The band's name in the reader's language ("habeen", "вечір"), with or without hours.
    local = [(b, (band_name(ctx, b), band_name(ctx, b).split(" (")[0])) for b in BANDS]
    picked = pick(text, local)
    if picked is not None:
        return StepResult(TipState(band=picked))
    raise Reask("tips.invalid_choice", count=len(BANDS))


def _skip_band(data: TipState) -> bool:
    return bool(data.get("band"))


def _prompt_text(ctx: Context, data: TipState) -> str:
    return ctx.t("tips.ask_text", min=MIN_TEXT, max=MAX_TEXT)


async def _parse_text(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    signals = ctx.signals(text)
    if signals.child_concern:
        ctx.reply("tips.child_concern")
        return StepResult(cancel=True)
    if signals.identifies:
        raise Reask("tips.identifies")
    body = " ".join(text.split())
    if len(body) < MIN_TEXT:
        raise Reask("tips.text_too_short", min=MIN_TEXT)
    if len(body) > MAX_TEXT:
        raise Reask("tips.text_too_long", max=MAX_TEXT, length=len(body))
    result = scrub(body)
    return StepResult(TipState(text=result.text, removed=list(result.found)))


def _skip_text(data: TipState) -> bool:
    return bool(data.get("text"))


def summary(ctx: Context, data: TipState) -> str:
    s = ctx.svc.settings
    st = data
    when = str(st["date"])
    lines = [
        ctx.t("tips.summary_header"),
        f"{ctx.t('tips.field.category')}: {category_name(s, str(st['category']), ctx.lang)}",
        f"{ctx.t('tips.field.place')}: {place_text(s, st, ctx.lang)} · "
        f"{place_type_name(s, str(st['place_type']), ctx.lang)}",
        f"{ctx.t('tips.field.when')}: {when}, {band_name(ctx, str(st['band']))}",
        f"{ctx.t('tips.field.text')}: «{st['text']}»",
    ]
    removed = [ctx.t(f"tips.kind.{k}") if k in LABELS else k for k in st.get("removed", [])]
    if removed:
        lines.append(ctx.t("tips.removed", labels=", ".join(removed)))
    return "\n".join(lines)


def _prompt_confirm(ctx: Context, data: TipState) -> str:
    return summary(ctx, data) + "\n\n" + ctx.t("tips.ask_confirm")


async def _parse_confirm(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    t = chosen_option(ctx.t("tips.ask_confirm"), text)
    if t in SEND:
        since = ctx.svc.clock.now() - timedelta(hours=1)
        limit = ctx.svc.settings.limits.tips_per_hour
        if await tips.count_since(conn, ctx.person, since) >= limit:
            ctx.reply("tips.limit", limit=limit)
            return StepResult(cancel=True)
        return StepResult(done=True)
    if t in EDIT:
        return StepResult(goto="edit")
    if t in CANCEL:
        ctx.reply("conversation.cancelled")
        return StepResult(cancel=True)
    raise Reask("tips.invalid_confirm")


EDIT_FIELDS = ("category", "locality", "place_type", "when", "text")


def _prompt_edit(ctx: Context, data: TipState) -> str:
    labels = [ctx.t(f"tips.field.{f}") for f in ("category", "place", "place_type", "when", "text")]
    return ctx.t("tips.ask_edit", options=numbered(labels))


async def _parse_edit(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    labels = [
        (f, (ctx.t(f"tips.field.{label}"),))
        for f, label in zip(
            EDIT_FIELDS, ("category", "place", "place_type", "when", "text"), strict=True
        )
    ]
    field = pick(text, labels)
    if field is None:
        raise Reask("tips.invalid_choice", count=len(EDIT_FIELDS))
    updates = TipState(text=None, removed=[]) if field == "text" else TipState()
    return StepResult(updates, goto=field, return_to="confirm")


async def _finish_tip(ctx: Context, conn: aiosqlite.Connection, data: TipState) -> None:
    s = ctx.svc.settings
    st = data
    now = ctx.svc.clock.now()
    code = new_code(s.kommun.code_prefix)
    while await tips.code_exists(conn, code):
        code = new_code(s.kommun.code_prefix)
    tip_id = await tips.insert(
        conn,
        NewTip(
            code=code,
            category=st["category"],
            locality=st["locality"],
            area=st.get("area"),
            place_type=st["place_type"],
            occurred=date.fromisoformat(st["date"]),
            time_band=str(st["band"]),
            language=ctx.lang,
            reporter=ctx.person,
            text=str(st["text"]),
            created_at=now,
            text_delete_after=now + timedelta(days=s.retention.text_days),
            expires_at=now + timedelta(days=s.retention.record_days),
        ),
    )
    await tips.set_relay(
        conn,
        Relay(tip_id, ctx.msg.room_id, now + timedelta(days=s.retention.relay_days)),
    )
    await tips.audit(conn, tip_id, "reporter", "created", None, now)
    ctx.reply("tips.receipt", code=code, hours=format_hours(ctx))
    log.info(
        "tip %s created (category %s, locality %s, language %s)",
        code,
        st["category"],
        st["locality"],
        ctx.lang,
    )


async def _after_tip(ctx: Context, data: TipState) -> None:
    svc = ctx.svc
    svc.metrics.tip_created()
    ctx.after_commit(lambda: moderation.post_missing_cards(svc))


TIP = Flow(
    TIP_FLOW,
    (
        _named_step("category", "tips.ask_category", lambda s: s.categories),
        Step("locality", _prompt_locality, _parse_locality, skip=_skip_locality),
        Step("area", _prompt_area, _parse_area, skip=lambda d: True),
        _named_step("place_type", "tips.ask_place_type", lambda s: s.place_types),
        Step("when", _prompt_when, _parse_when),
        Step("time_band", _prompt_band, _parse_band, skip=_skip_band),
        Step("text", _prompt_text, _parse_text, skip=_skip_text),
        Step("confirm", _prompt_confirm, _parse_confirm),
        Step("edit", _prompt_edit, _parse_edit, skip=lambda d: True),
    ),
    _finish_tip,
    after_commit=_after_tip,
)


async def begin(ctx: Context, data: TipState | None = None) -> None:
    """Start a tip for the sender, in their direct chat (moving there from a room)."""
    since = ctx.svc.clock.now() - timedelta(hours=1)
    limit = ctx.svc.settings.limits.tips_per_hour
    async with ctx.svc.db.read() as conn:
        recent = await tips.count_since(conn, ctx.person, since)
    if recent >= limit:
        raise UserError("tips.limit", limit=limit)
    values = TipState()
    if data:
        values.update(data)
    if ctx.is_direct:
        ctx.reply("tips.intro")
        await ctx.svc.conversations.start(ctx, TIP_FLOW, values)
        return
    room = ctx.room
    if room is not None and room.kind == "neighbourhood" and room.locality:
        values.update(TipState(locality=room.locality, area=room.area))
    if not ctx.msg.sender:  # a transport that leaves it out has no direct chat to offer
        raise UserError("error.unknown_sender")
    dm = ctx.svc.messenger.known_direct_room(ctx.msg.sender)
    if dm is None:  # open one first, without holding the database, then start again
        messenger, sender = ctx.svc.messenger, ctx.msg.sender
        raise OutsideWork(lambda: messenger.direct_room(sender))
    dm_key = ctx.svc.pseudonymize(dm, purpose="room")
    prompt = await ctx.svc.conversations.start(ctx, TIP_FLOW, values, room_key=dm_key)
    ctx.send(Outgoing(room_id=dm, text=ctx.t("tips.intro"), lang=ctx.lang))
    ctx.send(Outgoing(room_id=dm, text=prompt, lang=ctx.lang))
    ctx.reply("tips.moved_to_direct")
