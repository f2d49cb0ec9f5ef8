"""The two short tip conversations: the offer to make a tip of a plain message in a direct
chat, and a resident's answer to the moderators' question about their tip."""

from __future__ import annotations

import aiosqlite

from bot.answers import chosen_option, yes_or_no
from bot.context import Context
from bot.conversation import Flow, Reask, Step, StepResult
from bot.scrub import scrub
from handlers import moderation
from handlers.tipinfo import ANSWER_FLOW
from handlers.tips.flow import begin
from handlers.tips.state import MAX_TEXT, MIN_TEXT, OFFER_FLOW, SEND, TipState
from storage import tips

# ---- offer: a plain message in a direct chat ------------------------------------------


def _prompt_offer(ctx: Context, data: TipState) -> str:
    return ctx.t("tips.offer")


async def _parse_offer(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    answer = yes_or_no(ctx.t("tips.offer"), text)
    if answer is None and chosen_option(ctx.t("tips.offer"), text) in SEND:
        answer = True
    if answer is None:
        raise Reask("tips.invalid_offer")
    if not answer:
        ctx.reply("tips.offer_declined")
        return StepResult(cancel=True)
    return StepResult(TipState(accepted=True), done=True)


async def _finish_offer(ctx: Context, conn: aiosqlite.Connection, data: TipState) -> None:
    return None


async def _after_offer(ctx: Context, data: TipState) -> None:
    offered = data
    await begin(ctx, TipState(text=offered.get("text"), removed=offered.get("removed", [])))


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
    signals = ctx.signals(body)
    if signals.child_concern:
        ctx.reply("tips.child_concern")
        return True
    data = TipState()
    if MIN_TEXT <= len(body) <= MAX_TEXT and not signals.identifies:
        result = scrub(" ".join(body.split()))
        data = TipState(text=result.text, removed=list(result.found))
    elif len(body) < MIN_TEXT:
        return False
    if signals.identifies:
        ctx.reply("tips.identifies")
    await ctx.svc.conversations.start(ctx, OFFER_FLOW, data)
    return True


# ---- follow-up answers ------------------------------------------------------------------


def _prompt_answer(ctx: Context, data: TipState) -> str:
    return ctx.t("tips.question_prompt", code=data.get("code", ""))


async def _parse_answer(
    ctx: Context, conn: aiosqlite.Connection, data: TipState, text: str
) -> StepResult:
    body = " ".join(text.split())
    if not body:
        raise Reask("error.empty")
    if len(body) > MAX_TEXT:
        raise Reask("tips.text_too_long", max=MAX_TEXT, length=len(body))
    return StepResult(TipState(answer=scrub(body).text), done=True)


async def _finish_answer(ctx: Context, conn: aiosqlite.Connection, data: TipState) -> None:
    st = data
    tip = await tips.by_code(conn, st["code"])
    if tip is None or tip.reporter != ctx.person:
        ctx.reply("tips.not_yours")
        return
    await moderation.record_answer(ctx, conn, tip, st["answer"])
    ctx.reply("tips.answer_sent", code=tip.code)


ANSWER = Flow(ANSWER_FLOW, (Step("answer", _prompt_answer, _parse_answer),), _finish_answer)
