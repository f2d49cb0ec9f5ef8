"""The residents' tip commands: ``!tips``, ``!mina``, ``!status``, ``!glöm`` and ``!svar``."""

from __future__ import annotations

import aiosqlite

from bot.answers import YES, normalise
from bot.commands import Args
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.features import forget_person
from bot.scrub import scrub
from bot.terms import kommun_terms
from handlers import moderation
from handlers.tipinfo import category_name, parse_code, place_text
from handlers.tips.flow import begin
from handlers.tips.state import MAX_TEXT
from storage import tips

NAME = "tips"
"""The feature's name (`handlers.tips.FEATURE`): the key of its ``forget`` count."""


async def tip_command(ctx: Context, args: Args) -> None:
    await begin(ctx)


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
    """Erase the resident's texts and links, and what every other feature holds of them
    (each feature's ``forget``: conversations, subscriptions). Without a retention decision
    the texts are public records that may not be deleted yet: only the links go, and the bot
    says so."""
    decided = ctx.svc.settings.retention.decided
    kommun = kommun_terms(ctx.svc.settings, ctx.lang)["kommun"]
    if not args.words or not ({normalise(args.rest), normalise(args.words[0])} & YES):
        ctx.reply("tips.forget_confirm" if decided else "tips.forget_confirm_kept", kommun=kommun)
        return
    svc = ctx.svc
    async with svc.db.transaction() as conn:  # every feature's forget, one transaction
        held = await forget_person(svc.registry, conn, ctx.person, svc.clock.now(), svc.settings)
    count = held.get(NAME, 0)
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
