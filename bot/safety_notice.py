"""The safety notice (shown on first contact, by ``!om`` and after a change of language), the
reading hours it and the tip receipt state, and the 112 line the engine adds to a possibly
urgent message. The engine and handlers both use them, so they live here, not in the engine."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Context
from bot.terms import kommun_terms, reading_hours
from storage import kv, people

NOTICE_LANG_KEY = "notice_lang/"  # + pseudonym: the language the safety notice was last shown in


def add_112_line(ctx: Context) -> None:
    """Possibly urgent: one more line about 112 in the same message as the normal answer (the
    first reply queued for the sender's room), or on its own if there is no answer."""
    line = ctx.t("urgent.line")
    for i, out in enumerate(ctx.outbox):
        if out.room_id != ctx.msg.room_id or out.poll is not None or out.image is not None:
            continue
        if line not in out.text:
            ctx.outbox[i] = replace(out, text=f"{out.text}\n\n{line}")
        return
    ctx.reply_text(line)


def format_hours(ctx: Context) -> str:
    """The kommun's reading hours in the person's language (``mån–fre kl. 08:00–16:00``)."""
    return reading_hours(ctx.svc.catalog, ctx.svc.settings, ctx.lang)


async def show_safety_notice(ctx: Context, *, unless_seen_in_lang: bool = False) -> None:
    """Queue the safety notice in ``ctx.lang`` and remember when and in which language it was
    shown. With ``unless_seen_in_lang``, nothing happens if it was last shown in that language
    (used after a language switch)."""
    key = NOTICE_LANG_KEY + ctx.person
    now = ctx.msg.timestamp
    async with ctx.svc.db.transaction() as conn:
        if unless_seen_in_lang:
            stored = await people.get(conn, ctx.person)
            seen = stored is not None and stored.notice_shown_at is not None
            if seen and await kv.get(conn, key) == ctx.lang:
                return
        await people.mark_notice_shown(conn, ctx.person, now)
        await kv.put(conn, key, ctx.lang, now)
    ctx.reply_text(safety_notice(ctx))


def safety_notice(ctx: Context) -> str:
    k = ctx.svc.settings.kommun
    return ctx.t(
        "safety.notice",
        **kommun_terms(ctx.svc.settings, ctx.lang),
        hours=format_hours(ctx),
        website=k.website,
    )
