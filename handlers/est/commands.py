"""``!lägesbild [7|14|30] [ort]`` (``!sitrep``) in the moderation room: the picture of the
last 7, 14 or 30 full days (ending yesterday) against the period before, with its charts."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import Args, Command, Role, fold
from bot.context import Context
from bot.errors import UsageError, UserError
from config.settings import Settings
from handlers.est.posts import build_posts, moderator_lang, period_ending

PERIODS = (7, 14, 30)
DEFAULT_DAYS = 14


def find_locality(settings: Settings, text: str) -> str | None:
    """A locality's key from its key or name (case and accents ignored)."""
    wanted = fold(text.strip())
    for loc in settings.localities:
        if wanted in (fold(loc.key), fold(loc.name)):
            return loc.key
    return None


def parse_args(settings: Settings, words: tuple[str, ...]) -> tuple[int, str | None]:
    days = DEFAULT_DAYS
    place: list[str] = []
    for word in words:
        if word.isdigit():
            if int(word) not in PERIODS:
                raise UsageError("est.bad_days", word=word[:10])
            days = int(word)
        else:
            place.append(word)
    if not place:
        return days, None
    text = " ".join(place)
    key = find_locality(settings, text)
    if key is None:
        raise UserError("est.unknown_place", place=text[:40])
    return days, key


async def picture_command(ctx: Context, args: Args) -> None:
    svc = ctx.svc
    days, locality = parse_args(svc.settings, args.words)
    today = svc.clock.now().astimezone(svc.settings.kommun.tz).date()
    span = period_ending(today - timedelta(days=1), days, locality)
    outs = await build_posts(
        svc,
        span,
        moderator_lang(svc, ctx.lang),
        ctx.msg.room_id,
        reply_to=ctx.msg.event_id,
        thread_root=ctx.msg.thread_root,
    )
    for out in outs:
        ctx.send(out)


COMMAND = Command(
    key="est",
    sv="lägesbild",
    en="sitrep",
    summary="est.summary",
    usage="est.usage",
    handler=picture_command,
    role=Role.MODERATOR,
    rooms=frozenset({"moderation"}),
)
