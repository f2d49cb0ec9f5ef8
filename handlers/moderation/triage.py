"""Moderators' triage in the moderation room: tip cards as thread roots, the queue, states,
priorities, internal notes, assignment, and anonymous follow-up questions relayed to the
reporter's direct chat.  No moderator ever sees a reporter's Matrix id (the bot does not
keep it: the expiring ``relay`` link points to the reporter's direct chat); the reporter
never sees a moderator's."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta

import aiosqlite

from bot import outbox
from bot.arguments import MATRIX_USER, OPTIONAL_TEXT, TEXT
from bot.commands import Args, Param, Role
from bot.context import Context, Services
from bot.errors import UsageError, UserError
from bot.messages import IncomingReaction, Outgoing
from handlers.tipinfo import (
    ANSWER_FLOW,
    TIP,
    band_name,
    band_name_for,
    category_name,
    locality_name,
    place_type_name,
)
from storage import conversations, people, rooms, tips
from storage.tips import PRIORITIES, STATES, Tip

log = logging.getLogger(__name__)

MOD_ROOMS = frozenset({"moderation"})
REACTIONS = {"✅": "reviewed", "↗": "forwarded", "🗑": "dismissed"}
STATE_WORDS = {
    "ny": "new", "new": "new", "granskad": "reviewed", "reviewed": "reviewed",
    "vidarebefordrad": "forwarded", "forwarded": "forwarded", "stängd": "closed",
    "stangd": "closed", "closed": "closed", "avfärdad": "dismissed", "avfardad": "dismissed",
    "dismissed": "dismissed",
}  # fmt: skip
PRIORITY_WORDS = {
    "hög": "high", "hog": "high", "high": "high", "normal": "normal", "låg": "low",
    "lag": "low", "low": "low",
}  # fmt: skip


def _t(svc: Services, key: str, /, **params: object) -> str:
    return svc.catalog.t(svc.settings.moderation.language, key, **params)


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def card_text(svc: Services, tip: Tip, related: list[str]) -> str:
    s = svc.settings
    lang = s.moderation.language
    place = locality_name(s, tip.locality) + (f", {tip.area}" if tip.area else "")
    category = category_name(s, tip.category, lang)
    place_type = place_type_name(s, tip.place_type, lang)
    weekday = _t(svc, "days." + DAYS[tip.weekday - 1])
    band = band_name_for(svc, tip.time_band, lang)
    priority = _t(svc, "moderation.priority." + tip.priority)
    text = tip.text if tip.text is not None else _t(svc, "moderation.text_deleted")
    lines = [
        _t(svc, "moderation.card_title", code=tip.code, category=category),
        _t(svc, "moderation.card_place", place=place, place_type=place_type),
        _t(svc, "moderation.card_when", date=tip.occurred_date, weekday=weekday, band=band),
        _t(
            svc,
            "moderation.card_meta",
            language=tip.language,
            priority=priority,
            state=_t(svc, "tips.state." + tip.state),
        ),
        _t(svc, "moderation.card_text", text=text),
    ]
    if related:
        lines.append(_t(svc, "moderation.card_related", codes=", ".join(related)))
    lines.append(_t(svc, "moderation.card_help", code=tip.code))
    return "\n".join(lines)


async def _related(svc: Services, conn: aiosqlite.Connection, tip: Tip) -> list[str]:
    window = timedelta(days=svc.settings.moderation.related_window_days)
    day = date.fromisoformat(tip.occurred_date)
    return await tips.related_codes(conn, tip, day - window, day + window)


async def post_missing_cards(svc: Services) -> int:
    """Post a card for every tip that has none yet (new tips, and any whose card was lost
    to a crash between commit and send). Returns the number posted."""
    async with svc.db.read() as conn:
        room = await rooms.moderation_room(conn, svc.settings)
        if room is None:
            return 0
        pending = [(t, await _related(svc, conn, t)) for t in await tips.without_card(conn)]
    posted = 0
    for tip, related in pending:
        event_id = await svc.messenger.send(
            Outgoing(room_id=room, text=card_text(svc, tip, related), txn_key=f"card/{tip.code}")
        )
        if event_id is None:
            continue
        async with svc.db.transaction() as conn:
            await tips.set_card(conn, tip.id, room, event_id)
        posted += 1
    return posted


async def _thread_post(
    svc: Services, ctx: Context | None, conn: aiosqlite.Connection, tip: Tip, text: str
) -> Outgoing | None:
    card = await tips.card_of(conn, tip.id)
    room = card[0] if card else await rooms.moderation_room(conn, svc.settings)
    if room is None:
        return None
    out = Outgoing(room_id=room, text=text, thread_root=card[1] if card else None)
    if ctx is not None:
        ctx.send(out)
    return out


async def record_answer(ctx: Context, conn: aiosqlite.Connection, tip: Tip, text: str) -> None:
    """Store a reporter's (scrubbed) answer and post it into the tip's thread."""
    svc = ctx.svc
    now = svc.clock.now()
    await tips.add_message(
        conn,
        tip.id,
        "answer",
        text,
        None,
        now,
        now + timedelta(days=svc.settings.retention.text_days),
    )
    await tips.audit(conn, tip.id, "reporter", "answer", None, now)
    await _thread_post(
        svc, ctx, conn, tip, _t(svc, "moderation.thread_answer", code=tip.code, text=text)
    )


# ---- commands ---------------------------------------------------------------------------


async def _state(ctx: Context, word: str) -> str:
    if (state := STATE_WORDS.get(word.casefold())) is None:
        raise UsageError("moderation.bad_state", word=word[:30])
    return state


async def _priority(ctx: Context, word: str) -> str:
    if (prio := PRIORITY_WORDS.get(word.casefold())) is None or prio not in PRIORITIES:
        raise UsageError("moderation.bad_priority", word=word[:30])
    return prio


STATE = Param(name="state", convert=_state)
PRIORITY = Param(name="priority", convert=_priority)


def _queue_line(ctx: Context, tip: Tip) -> str:
    s = ctx.svc.settings
    place = locality_name(s, tip.locality) + (f"/{tip.area}" if tip.area else "")
    assignee = f" · → {tip.assignee}" if tip.assignee else ""
    return (
        f"**{tip.code}** · {ctx.t('tips.state.' + tip.state)} · "
        f"{ctx.t('moderation.priority.' + tip.priority)} · "
        f"{category_name(s, tip.category, ctx.lang)} · {place} · {tip.occurred_date} "
        f"{band_name(ctx, tip.time_band)}{assignee}"
    )


async def queue_command(ctx: Context, args: Args) -> None:
    s = ctx.svc.settings
    states: tuple[str, ...] = ("new", "reviewed", "forwarded")
    priority = category = locality = None
    for word in args.words:
        w = word.casefold()
        if w in ("alla", "all"):
            states = STATES
        elif w in STATE_WORDS:
            states = (STATE_WORDS[w],)
        elif w in PRIORITY_WORDS:
            priority = PRIORITY_WORDS[w]
        elif s.category(w) is not None:
            category = w
        elif any(loc.key == w or loc.name.casefold() == w for loc in s.localities):
            locality = next(loc.key for loc in s.localities if w in (loc.key, loc.name.casefold()))
        else:
            raise UsageError("moderation.bad_filter", word=word[:30])
    async with ctx.svc.db.read() as conn:
        found, total = await tips.queue(
            conn, states=states, priority=priority, category=category, locality=locality
        )
    if not found:
        ctx.reply("moderation.queue_empty")
        return
    lines = [ctx.t("moderation.queue_header", shown=len(found), total=total, count=total)]
    lines += [_queue_line(ctx, t) for t in found]
    ctx.reply_text("\n".join(lines))


async def show_command(ctx: Context, args: Args) -> None:
    tip = args[TIP]
    async with ctx.svc.db.read() as conn:
        related = await _related(ctx.svc, conn, tip)
        history = await tips.messages(conn, tip.id)
        log_rows = await tips.audit_log(conn, tip.id)
    lines = [card_text(ctx.svc, tip, related)]
    if tip.assignee:
        lines.append(ctx.t("moderation.assigned_to", user=tip.assignee))
    if tip.public_note:
        lines.append(ctx.t("moderation.public_note", note=tip.public_note))
    for m in history:
        key = {
            "question": "moderation.item_question",
            "answer": "moderation.item_answer",
            "note": "moderation.item_note",
        }[m.direction]
        lines.append(
            ctx.t(
                key, author=m.author or "", text=m.body, at=m.created_at.strftime("%Y-%m-%d %H:%M")
            )
        )
    lines.append(ctx.t("moderation.audit_count", count=len(log_rows)))
    ctx.reply_text("\n".join(lines))


async def _change(
    ctx: Context, tip: Tip, action: str, detail: str | None, text: str, **values: str | None
) -> None:
    now = ctx.svc.clock.now()
    async with ctx.svc.db.transaction() as conn:
        if values:
            await tips.update(conn, tip.id, now, **values)
        await tips.audit(conn, tip.id, ctx.msg.sender, action, detail, now)
        await _acknowledged(ctx, conn, tip, text)
    if action == "state":
        log.info("tip %s: state %s -> %s", tip.code, tip.state, detail)
    elif action == "priority":
        log.info("tip %s: priority %s -> %s", tip.code, tip.priority, detail)
    elif action == "assign":
        log.info("tip %s: assigned to a moderator", tip.code)


async def _acknowledged(ctx: Context, conn: aiosqlite.Connection, tip: Tip, text: str) -> None:
    """Post ``text`` into the tip's thread; if the moderator wrote outside that thread, also
    confirm where they wrote."""
    out = await _thread_post(ctx.svc, ctx, conn, tip, text)
    if out is None or ctx.msg.thread_root != out.thread_root or ctx.msg.room_id != out.room_id:
        ctx.reply("moderation.done", code=tip.code)


async def mod_status_command(ctx: Context, args: Args) -> None:
    tip, state, note = args[TIP], args[STATE], args[OPTIONAL_TEXT]
    if note is not None and len(note) > 500:
        raise UserError("moderation.note_too_long", max=500)
    values: dict[str, str | None] = {"state": state}
    if note:
        values["public_note"] = note
    text = _t(
        ctx.svc,
        "moderation.thread_state",
        code=tip.code,
        user=ctx.msg.sender,
        state=_t(ctx.svc, "tips.state." + state),
    )
    if note:
        text += "\n" + _t(ctx.svc, "moderation.public_note", note=note)
    await _change(ctx, tip, "state", state, text, **values)


async def prio_command(ctx: Context, args: Args) -> None:
    tip, prio = args[TIP], args[PRIORITY]
    text = _t(
        ctx.svc,
        "moderation.thread_priority",
        code=tip.code,
        user=ctx.msg.sender,
        priority=_t(ctx.svc, "moderation.priority." + prio),
    )
    await _change(ctx, tip, "priority", prio, text, priority=prio)


async def note_command(ctx: Context, args: Args) -> None:
    tip, body = args[TIP], args[TEXT]
    if len(body) > 2000:
        raise UserError("moderation.note_too_long", max=2000)
    now = ctx.svc.clock.now()
    async with ctx.svc.db.transaction() as conn:
        await tips.add_message(
            conn,
            tip.id,
            "note",
            body,
            ctx.msg.sender,
            now,
            now + timedelta(days=ctx.svc.settings.retention.text_days),
        )
        await tips.audit(conn, tip.id, ctx.msg.sender, "note", None, now)
        await _acknowledged(
            ctx, conn, tip, _t(ctx.svc, "moderation.thread_note", user=ctx.msg.sender, text=body)
        )
    log.info("tip %s: internal note added", tip.code)


async def assign_command(ctx: Context, args: Args) -> None:
    tip, user = args[TIP], args[MATRIX_USER]
    if await ctx.svc.roles.role_of(user) < Role.MODERATOR:
        raise UserError("moderation.not_a_moderator", user=user)
    text = _t(ctx.svc, "moderation.thread_assigned", code=tip.code, user=user, by=ctx.msg.sender)
    await _change(ctx, tip, "assign", user, text, assignee=user)


async def relay_question(ctx: Context, tip: Tip, question: str) -> None:
    """Send ``question`` to the reporter of ``tip`` as from "the moderators", and let their
    next message in that chat be the answer."""
    svc = ctx.svc
    if not question or len(question) > 1000:
        raise UserError("moderation.question_length", max=1000)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        relay = await tips.get_relay(conn, tip.id, now)
        if relay is None or tip.reporter is None:
            raise UserError("moderation.relay_expired", code=tip.code)
        person = await people.get(conn, tip.reporter)
        lang = (person.language if person and person.language else None) or tip.language
        await tips.add_message(
            conn,
            tip.id,
            "question",
            question,
            ctx.msg.sender,
            now,
            now + timedelta(days=svc.settings.retention.text_days),
        )
        await tips.audit(conn, tip.id, ctx.msg.sender, "question", None, now)
        room_key = svc.pseudonymize(relay.room_id, purpose="room")
        busy = await conversations.get(conn, room_key, tip.reporter)
        if busy is None:
            await svc.conversations.start_in(
                ctx,
                conn,
                ANSWER_FLOW,
                {"code": tip.code},
                room_key=room_key,
                person=tip.reporter,
                lang=lang,
            )
        ctx.send(
            Outgoing(
                room_id=relay.room_id,
                text=svc.catalog.t(lang, "tips.question", code=tip.code, question=question),
                lang=lang,
            )
        )
        await _acknowledged(
            ctx,
            conn,
            tip,
            _t(svc, "moderation.thread_question", user=ctx.msg.sender, text=question),
        )
    log.info("tip %s: question relayed to the reporter", tip.code)


async def ask_command(ctx: Context, args: Args) -> None:
    await relay_question(ctx, args[TIP], args[TEXT])


async def thread_reply(ctx: Context) -> bool:
    """A plain reply in a tip's thread is relayed when the kommun has chosen so."""
    if (
        not ctx.svc.settings.moderation.relay_thread_replies
        or ctx.room is None
        or ctx.room.kind != "moderation"
        or ctx.msg.thread_root is None
        or ctx.role < Role.MODERATOR
    ):
        return False
    async with ctx.svc.db.read() as conn:
        tip = await tips.tip_by_card(conn, ctx.msg.thread_root)
    if tip is None:
        return False
    await relay_question(ctx, tip, ctx.msg.body)
    return True


async def on_reaction(svc: Services, reaction: IncomingReaction) -> None:
    """✅ reviewed, ↗️ forwarded, 🗑️ dismissed on a tip card, by a moderator."""
    state = REACTIONS.get(reaction.key.replace("\ufe0f", "").strip())
    if state is None or await svc.roles.role_of(reaction.sender) < Role.MODERATOR:
        return
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        tip = await tips.tip_by_card(conn, reaction.target_event_id)
        if tip is None or tip.state == state:
            return
        await tips.update(conn, tip.id, now, state=state)
        await tips.audit(conn, tip.id, reaction.sender, "state", state, now)
        out = await _thread_post(
            svc,
            None,
            conn,
            tip,
            _t(
                svc,
                "moderation.thread_state",
                code=tip.code,
                user=reaction.sender,
                state=_t(svc, "tips.state." + state),
            ),
        )
        if out is not None:  # sent with the state change, once (see bot/outbox.py)
            await outbox.enqueue(
                conn, svc.sealer, replace(out, txn_key=f"{reaction.event_id}/0"), now=now
            )
    log.info("tip %s: state %s -> %s (reaction on the card)", tip.code, tip.state, state)
    if out is not None:
        svc.outbox.wake()
