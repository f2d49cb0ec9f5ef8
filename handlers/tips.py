"""Residents' tips: a guided conversation (what, where, when, what happened), redirects
before anything is stored, scrubbing, receipts, !mina, !status, !glöm and !svar.

Only the scrubbed text is ever kept, and only in the conversation (until it ends) and in
``tip_text`` (until ``retention.text_days``).  The EST record holds category, place, date,
weekday, time band and language: no text, no person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import aiosqlite

from bot.answers import (
    SKIP,
    YES,
    chosen_option,
    fold,
    normalise,
    numbered,
    parse_local_date,
    yes_or_no,
)
from bot.commands import Args, Command, Registry
from bot.context import Context
from bot.conversation import Flow, Reask, Step, StepResult
from bot.errors import OutsideWork, UsageError, UserError
from bot.messages import Outgoing
from bot.safety_notice import format_hours
from bot.scrub import LABELS, scrub
from bot.terms import kommun_terms, locality_term
from config.kommun import Names
from config.settings import Settings
from handlers import moderation
from handlers.tipinfo import (
    ANSWER_FLOW,
    band_name,
    category_name,
    new_code,
    parse_code,
    place_text,
    place_type_name,
)
from storage import broadcasts, conversations, tips
from storage.tips import NewTip, Relay

log = logging.getLogger(__name__)

MIN_TEXT, MAX_TEXT = 10, 2000
BANDS = ("00-06", "06-12", "12-18", "18-24", "okand")
TIP_FLOW, OFFER_FLOW = "tip", "tip_offer"

SEND = YES | {"skicka", "send"}  # "1. Skicka" at the confirm step; yes/no words: bot.answers
EDIT = {"2", "ändra", "andra", "edit", "change"}
CANCEL = {"3", "avbryt", "cancel", "stopp", "stop"}
NOW = {
    "1", "nu", "just nu", "precis nu", "now", "right now", "sada", "upravo sada", "tani",
    "الآن", "الان", "hadda", "ሕጂ", "همین الان", "зараз", "прямо зараз", "nyt",
    "juuri nyt", "teraz", "właśnie teraz",
}  # fmt: skip
TODAY = {"2", "idag", "i dag", "today"}
YESTERDAY = {"3", "igår", "i går", "yesterday"}
BAND_WORDS: Mapping[str, str] = {
    "natt": "00-06", "night": "00-06", "morgon": "06-12", "förmiddag": "06-12",
    "morning": "06-12", "eftermiddag": "12-18", "afternoon": "12-18", "dag": "12-18",
    "kväll": "18-24", "evening": "18-24", "vet inte": "okand", "don't know": "okand",
    "dont know": "okand", "okänd": "okand",
}  # fmt: skip


def _pick(text: str, options: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The key of the option chosen by number (1-based) or by (the start of) a name."""
    t = normalise(text)
    if t.isdigit():
        i = int(t)
        return options[i - 1][0] if 1 <= i <= len(options) else None
    if not t:
        return None
    ft = fold(t)
    exact = [key for key, names in options if any(fold(n) == ft for n in names)]
    if exact:
        return exact[0]
    prefix = [key for key, names in options if any(fold(n).startswith(ft) for n in names)]
    return prefix[0] if len(prefix) == 1 and len(ft) >= 3 else None


# ---- the guided flow ------------------------------------------------------------------


class _Named(Protocol):
    key: str
    names: Names


def _named_step(name: str, prompt_key: str, items: Callable[[Settings], Sequence[_Named]]) -> Step:
    """A step that asks to choose one of ``items`` (categories, place types) by number or by
    (the start of) its name in Swedish, English or the reader's language."""

    def prompt(ctx: Context, data: Mapping[str, Any]) -> str:
        names = [item.names.get(ctx.lang) for item in items(ctx.svc.settings)]
        return ctx.t(prompt_key, options=numbered(names))

    async def parse(
        ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
    ) -> StepResult:
        options = [
            (i.key, (i.key, i.names.sv, i.names.en, i.names.get(ctx.lang)))
            for i in items(ctx.svc.settings)
        ]
        key = _pick(text, options)
        if key is None:
            raise Reask("tips.invalid_choice", count=len(options))
        return StepResult({name: key})

    return Step(name, prompt, parse)


def _prompt_locality(ctx: Context, data: Mapping[str, Any]) -> str:
    names = [loc.label(ctx.lang) for loc in ctx.svc.settings.localities]
    return ctx.t("tips.ask_locality", options=numbered(names))


async def _parse_locality(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    options = [
        (loc.key, (loc.key, loc.name, loc.label(ctx.lang))) for loc in ctx.svc.settings.localities
    ]
    key = _pick(text, options)
    if key is None:
        raise Reask("tips.invalid_choice", count=len(options))
    loc = ctx.svc.settings.locality(key)
    has_areas = loc is not None and bool(loc.areas)
    return StepResult({"locality": key, "area": None}, goto="area" if has_areas else None)


def _prompt_area(ctx: Context, data: Mapping[str, Any]) -> str:
    loc = ctx.svc.settings.locality(str(data.get("locality")))
    areas = loc.areas if loc else ()
    place = locality_term(loc, ctx.lang)
    return ctx.t("tips.ask_area", place=place, options=numbered(areas))


async def _parse_area(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    loc = ctx.svc.settings.locality(str(data.get("locality")))
    areas = loc.areas if loc else ()
    if normalise(text) in SKIP or normalise(text) == normalise(ctx.t("tips.band.okand")):
        return StepResult({"area": None})
    key = _pick(text, [(a, (a,)) for a in areas])
    if key is None:
        raise Reask("tips.invalid_area", count=len(areas))
    return StepResult({"area": key})


def _local_now(ctx: Context) -> datetime:
    return ctx.svc.clock.now().astimezone(ctx.svc.settings.kommun.tz)


def band_of(hour: int) -> str:
    return BANDS[min(hour // 6, 3)]


def parse_date(text: str, today: date) -> date | None:
    """``2026-11-20``, ``20/11``, ``20.11.``, ``20-11-2026`` or ``20.11.26``, in any digits;
    None if it is not a date. Without a year, the most recent such day."""
    return parse_local_date(text, today)


def _prompt_when(ctx: Context, data: Mapping[str, Any]) -> str:
    return ctx.t("tips.ask_when")


async def _parse_when(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    now = _local_now(ctx)
    today = now.date()
    t = chosen_option(ctx.t("tips.ask_when"), text)  # "1", or the word shown: "Maanta"
    if t in NOW:
        # Happening now: the 112 line at once, before the next question.
        ctx.reply("urgent.line")
        return StepResult({"date": today.isoformat(), "band": band_of(now.hour)})
    if t in TODAY:
        return StepResult({"date": today.isoformat(), "band": None}, goto="time_band")
    if t in YESTERDAY:
        day = today - timedelta(days=1)
        return StepResult({"date": day.isoformat(), "band": None}, goto="time_band")
    found = parse_date(text, today)
    if found is None:
        raise Reask("tips.invalid_when")
    if found > today:
        raise Reask("tips.future_date")
    if found < today - timedelta(days=365):
        raise Reask("tips.too_old")
    return StepResult({"date": found.isoformat(), "band": None}, goto="time_band")


def _prompt_band(ctx: Context, data: Mapping[str, Any]) -> str:
    return ctx.t("tips.ask_band", options=numbered([band_name(ctx, b) for b in BANDS]))


async def _parse_band(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    t = normalise(text)
    if t.isdigit() and 1 <= int(t) <= len(BANDS):
        return StepResult({"band": BANDS[int(t) - 1]})
    compact = t.replace("–", "-").replace(" ", "")
    if compact in BANDS:
        return StepResult({"band": compact})
    if t in BAND_WORDS:
        return StepResult({"band": BAND_WORDS[t]})
    # The band's name in the reader's language ("habeen", "вечір"), with or without hours.
    local = [(b, (band_name(ctx, b), band_name(ctx, b).split(" (")[0])) for b in BANDS]
    picked = _pick(text, local)
    if picked is not None:
        return StepResult({"band": picked})
    raise Reask("tips.invalid_choice", count=len(BANDS))


def _skip_band(data: Mapping[str, Any]) -> bool:
    return bool(data.get("band"))


def _prompt_text(ctx: Context, data: Mapping[str, Any]) -> str:
    return ctx.t("tips.ask_text", min=MIN_TEXT, max=MAX_TEXT)


async def _parse_text(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    signals = ctx.svc.signals.detect(text)
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
    return StepResult({"text": result.text, "removed": list(result.found)})


def _skip_text(data: Mapping[str, Any]) -> bool:
    return bool(data.get("text"))


def summary(ctx: Context, data: Mapping[str, Any]) -> str:
    s = ctx.svc.settings
    when = str(data["date"])
    lines = [
        ctx.t("tips.summary_header"),
        f"{ctx.t('tips.field.category')}: {category_name(s, str(data['category']), ctx.lang)}",
        f"{ctx.t('tips.field.place')}: {place_text(s, data, ctx.lang)} · "
        f"{place_type_name(s, str(data['place_type']), ctx.lang)}",
        f"{ctx.t('tips.field.when')}: {when}, {band_name(ctx, str(data['band']))}",
        f"{ctx.t('tips.field.text')}: «{data['text']}»",
    ]
    removed = [ctx.t(f"tips.kind.{k}") if k in LABELS else k for k in data.get("removed", [])]
    if removed:
        lines.append(ctx.t("tips.removed", labels=", ".join(removed)))
    return "\n".join(lines)


def _prompt_confirm(ctx: Context, data: Mapping[str, Any]) -> str:
    return summary(ctx, data) + "\n\n" + ctx.t("tips.ask_confirm")


async def _parse_confirm(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
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


def _prompt_edit(ctx: Context, data: Mapping[str, Any]) -> str:
    labels = [ctx.t(f"tips.field.{f}") for f in ("category", "place", "place_type", "when", "text")]
    return ctx.t("tips.ask_edit", options=numbered(labels))


async def _parse_edit(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    labels = [
        (f, (ctx.t(f"tips.field.{label}"),))
        for f, label in zip(
            EDIT_FIELDS, ("category", "place", "place_type", "when", "text"), strict=True
        )
    ]
    field = _pick(text, labels)
    if field is None:
        raise Reask("tips.invalid_choice", count=len(EDIT_FIELDS))
    updates: dict[str, Any] = {"text": None, "removed": []} if field == "text" else {}
    return StepResult(updates, goto=field, return_to="confirm")


async def _finish_tip(ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any]) -> None:
    s = ctx.svc.settings
    now = ctx.svc.clock.now()
    code = new_code(s.kommun.code_prefix)
    while await tips.code_exists(conn, code):
        code = new_code(s.kommun.code_prefix)
    tip_id = await tips.insert(
        conn,
        NewTip(
            code=code,
            category=str(data["category"]),
            locality=str(data["locality"]),
            area=data.get("area"),
            place_type=str(data["place_type"]),
            occurred=date.fromisoformat(str(data["date"])),
            time_band=str(data["band"]),
            language=ctx.lang,
            reporter=ctx.person,
            text=str(data["text"]),
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
        data["category"],
        data["locality"],
        ctx.lang,
    )


async def _after_tip(ctx: Context, data: Mapping[str, Any]) -> None:
    svc = ctx.svc
    svc.metrics.tip_created()
    ctx.after_commit(lambda: moderation.post_missing_cards(svc))


TIP = Flow(
    TIP_FLOW,
    (
        _named_step("category", "tips.ask_category", lambda s: s.categories),
        Step("locality", _prompt_locality, _parse_locality, skip=lambda d: bool(d.get("locality"))),
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


# ---- offer: a plain message in a direct chat ------------------------------------------


def _prompt_offer(ctx: Context, data: Mapping[str, Any]) -> str:
    return ctx.t("tips.offer")


async def _parse_offer(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    answer = yes_or_no(ctx.t("tips.offer"), text)
    if answer is None and chosen_option(ctx.t("tips.offer"), text) in SEND:
        answer = True
    if answer is None:
        raise Reask("tips.invalid_offer")
    if not answer:
        ctx.reply("tips.offer_declined")
        return StepResult(cancel=True)
    return StepResult({"accepted": True}, done=True)


async def _finish_offer(ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any]) -> None:
    return None


async def _after_offer(ctx: Context, data: Mapping[str, Any]) -> None:
    await _begin(ctx, {"text": data.get("text"), "removed": data.get("removed", [])})


OFFER = Flow(
    OFFER_FLOW,
    (Step("offer", _prompt_offer, _parse_offer),),
    _finish_offer,
    after_commit=_after_offer,
)


async def offer_tip(ctx: Context) -> bool:
    """A plain message in a direct chat with no conversation going: offer to make a tip of
    it (keeping only its scrubbed text, and only if it could be one)."""
    body = ctx.msg.body
    signals = ctx.svc.signals.detect(body)
    if signals.child_concern:
        ctx.reply("tips.child_concern")
        return True
    data: dict[str, Any] = {}
    if MIN_TEXT <= len(body) <= MAX_TEXT and not signals.identifies:
        result = scrub(" ".join(body.split()))
        data = {"text": result.text, "removed": list(result.found)}
    elif len(body) < MIN_TEXT:
        return False
    if signals.identifies:
        ctx.reply("tips.identifies")
    await ctx.svc.conversations.start(ctx, OFFER_FLOW, data)
    return True


# ---- follow-up answers ------------------------------------------------------------------


def _prompt_answer(ctx: Context, data: Mapping[str, Any]) -> str:
    return ctx.t("tips.question_prompt", code=data.get("code", ""))


async def _parse_answer(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    body = " ".join(text.split())
    if not body:
        raise Reask("error.empty")
    if len(body) > MAX_TEXT:
        raise Reask("tips.text_too_long", max=MAX_TEXT, length=len(body))
    return StepResult({"answer": scrub(body).text}, done=True)


async def _finish_answer(ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any]) -> None:
    tip = await tips.by_code(conn, str(data["code"]))
    if tip is None or tip.reporter != ctx.person:
        ctx.reply("tips.not_yours")
        return
    await moderation.record_answer(ctx, conn, tip, str(data["answer"]))
    ctx.reply("tips.answer_sent", code=tip.code)


ANSWER = Flow(ANSWER_FLOW, (Step("answer", _prompt_answer, _parse_answer),), _finish_answer)


# ---- commands ---------------------------------------------------------------------------


async def _begin(ctx: Context, data: Mapping[str, Any] | None = None) -> None:
    """Start a tip for the sender, in their direct chat (moving there from a room)."""
    since = ctx.svc.clock.now() - timedelta(hours=1)
    limit = ctx.svc.settings.limits.tips_per_hour
    async with ctx.svc.db.read() as conn:
        recent = await tips.count_since(conn, ctx.person, since)
    if recent >= limit:
        raise UserError("tips.limit", limit=limit)
    values = dict(data or {})
    if ctx.is_direct:
        ctx.reply("tips.intro")
        await ctx.svc.conversations.start(ctx, TIP_FLOW, values)
        return
    room = ctx.room
    if room is not None and room.kind == "neighbourhood" and room.locality:
        values.update(locality=room.locality, area=room.area)
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


async def tip_command(ctx: Context, args: Args) -> None:
    await _begin(ctx)


async def mine_command(ctx: Context, args: Args) -> None:
    async with ctx.svc.db.read() as conn:
        found = await tips.by_reporter(conn, ctx.person)
    if not found:
        ctx.reply("tips.mine_none")
        return
    s = ctx.svc.settings
    lines = [ctx.t("tips.mine_header")]
    for tip in found:
        lines.append(
            f"**{tip.code}** · {category_name(s, tip.category, ctx.lang)} · "
            f"{place_text(s, {'locality': tip.locality, 'area': tip.area}, ctx.lang)} · "
            f"{tip.occurred_date} · {ctx.t('tips.state.' + tip.state)}"
        )
    ctx.reply_text("\n".join(lines))


async def _own_tip(ctx: Context, conn: aiosqlite.Connection, text: str) -> tips.Tip:
    code = parse_code(text, ctx.svc.settings.kommun.code_prefix)
    if code is None:
        raise UsageError("tips.bad_code", code=text[:20])
    tip = await tips.by_code(conn, code)
    if tip is None or tip.reporter != ctx.person:
        raise UserError("tips.not_yours")
    return tip


async def status_command(ctx: Context, args: Args) -> None:
    if len(args.words) != 1:
        raise UsageError()
    async with ctx.svc.db.read() as conn:
        tip = await _own_tip(ctx, conn, args.words[0])
    text = ctx.t("tips.status", code=tip.code, state=ctx.t("tips.state." + tip.state))
    if tip.public_note:
        text += "\n" + ctx.t("tips.public_note", note=tip.public_note)
    ctx.reply_text(text)


async def forget_command(ctx: Context, args: Args) -> None:
    """Erase the resident's texts and links. Without a retention decision the texts are
    public records that may not be deleted yet: only the links go, and the bot says so."""
    decided = ctx.svc.settings.retention.decided
    kommun = kommun_terms(ctx.svc.settings, ctx.lang)["kommun"]
    if not args.words or not ({normalise(args.rest), normalise(args.words[0])} & YES):
        ctx.reply("tips.forget_confirm" if decided else "tips.forget_confirm_kept", kommun=kommun)
        return
    now = ctx.svc.clock.now()
    async with ctx.svc.db.transaction() as conn:
        count = await tips.forget_reporter(conn, ctx.person, now, erase_text=decided)
        await conversations.delete_for_person(conn, ctx.person)
        await broadcasts.unsubscribe(conn, ctx.person)
    if not count:
        ctx.reply("tips.forgotten_none")
    elif decided:
        ctx.reply("tips.forgotten", count=count)
    else:
        ctx.reply("tips.forgotten_kept", kommun=kommun)


async def answer_command(ctx: Context, args: Args) -> None:
    if len(args.words) < 2:
        raise UsageError()
    code_text = args.words[0]
    body = args.rest[len(code_text) :].strip()
    async with ctx.svc.db.transaction() as conn:
        tip = await _own_tip(ctx, conn, code_text)
        if len(body) > MAX_TEXT:
            raise UserError("tips.text_too_long", max=MAX_TEXT, length=len(body))
        await moderation.record_answer(ctx, conn, tip, scrub(" ".join(body.split())).text)
    ctx.reply("tips.answer_sent", code=tip.code)


def register(reg: Registry) -> None:
    resident_rooms = frozenset({"direct", "neighbourhood", "other"})
    reg.flow(TIP)
    reg.flow(OFFER)
    reg.flow(ANSWER)
    reg.command(
        Command(
            key="tip",
            sv="tips",
            en="tip",
            summary="tips.summary",
            usage="tips.usage",
            handler=tip_command,
            aliases=("tipsa", "rapportera", "report"),
            rooms=resident_rooms,
        )
    )
    reg.command(
        Command(
            key="mine",
            sv="mina",
            en="mine",
            summary="tips.mine_summary",
            usage="tips.mine_usage",
            handler=mine_command,
            rooms=resident_rooms,
        )
    )
    reg.command(
        Command(
            key="status",
            sv="status",
            en="status",
            summary="tips.status_summary",
            usage="tips.status_usage",
            handler=status_command,
            rooms=resident_rooms,
        )
    )
    reg.command(
        Command(
            key="answer",
            sv="svar",
            en="answer",
            summary="tips.answer_summary",
            usage="tips.answer_usage",
            handler=answer_command,
            aliases=("svara", "reply"),
            rooms=frozenset({"direct"}),
        )
    )
    reg.command(
        Command(
            key="forget",
            sv="glöm",
            en="forget",
            summary="tips.forget_summary",
            usage="tips.forget_usage",
            handler=forget_command,
            aliases=("glom", "radera", "delete"),
            rooms=resident_rooms,
        )
    )
    reg.direct_default.append(offer_tip)
