"""The situation picture as messages for a room: the summary as a notice, then its three
charts as images, each with its description as caption."""

from __future__ import annotations

from datetime import date, timedelta

from bot.context import Services
from bot.messages import Outgoing
from bot.report import ReportContext
from handlers.est.picture import Picture, compute
from handlers.est.render import Labels, chat_text, render_charts
from storage.est import Span

MODERATOR_LANGS = ("sv", "en")


def period_ending(end: date, days: int, locality: str | None = None) -> Span:
    """The ``days`` days up to and including ``end``."""
    return Span(end - timedelta(days=days - 1), end, locality)


def moderator_lang(svc: Services, lang: str | None = None) -> str:
    """The moderation texts exist in Swedish and English only."""
    if lang in MODERATOR_LANGS:
        return lang
    return (
        svc.settings.moderation.language
        if svc.settings.moderation.language in (MODERATOR_LANGS)
        else "sv"
    )


async def picture_of(svc: Services, span: Span, lang: str) -> Picture:
    async with svc.db.read() as conn:
        rctx = ReportContext(conn, svc.settings, svc.catalog, lang)
        return await compute(rctx, span, svc.registry.report_sections)


async def build_posts(
    svc: Services,
    span: Span,
    lang: str,
    room_id: str,
    *,
    intro: str | None = None,
    reply_to: str | None = None,
    thread_root: str | None = None,
) -> list[Outgoing]:
    """The summary notice and one image message per chart (no charts when the period and
    the one before it are empty)."""
    pic = await picture_of(svc, span, lang)
    lab = Labels(svc.catalog, svc.settings, lang)
    text = chat_text(pic, lab)
    if intro:
        text = intro + "\n" + text
    outs = [Outgoing(room_id=room_id, text=text, reply_to=reply_to, thread_root=thread_root)]
    if pic.empty:
        return outs
    for image in await render_charts(pic, lab):
        outs.append(Outgoing(room_id=room_id, text=image.alt, thread_root=thread_root, image=image))
    return outs
