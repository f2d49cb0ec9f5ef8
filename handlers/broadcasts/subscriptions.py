"""Residents subscribe in a direct chat: every warning, or a weekly digest. Stored: the
keyed hash of the person and the direct chat's room id, nothing else (the language is the
person's own setting). ``!avsluta`` and ``!glöm`` remove it, with its deliveries."""

from __future__ import annotations

from bot.commands import Args, fold
from bot.context import Context
from bot.errors import UsageError
from storage import broadcasts as store
from storage import people
from storage.broadcasts import Mode

MODES: dict[str, Mode] = {
    "alla": "every", "all": "every", "varje": "every", "every": "every", "each": "every",
    "vecka": "digest", "veckovis": "digest", "weekly": "digest", "week": "digest",
    "digest": "digest", "sammanfattning": "digest",
}  # fmt: skip


async def subscribe_command(ctx: Context, args: Args) -> None:
    mode: Mode | None = MODES.get(fold(args.words[0])) if args.words else "every"
    if mode is None:
        raise UsageError("broadcasts.subscribe_bad_mode")
    now = ctx.svc.clock.now()
    async with ctx.svc.db.transaction() as conn:
        person = await people.get(conn, ctx.person)
        if person is None or person.language is None:
            # Keep the language the person is answered in, so warnings come in it too.
            await people.set_language(conn, ctx.person, ctx.lang, explicit=False, now=now)
        await store.subscribe(conn, ctx.person, ctx.msg.room_id, mode, now)
    ctx.reply("broadcasts.subscribed_every" if mode == "every" else "broadcasts.subscribed_digest")


async def unsubscribe_command(ctx: Context, args: Args) -> None:
    async with ctx.svc.db.transaction() as conn:
        removed = await store.unsubscribe(conn, ctx.person)
    ctx.reply("broadcasts.unsubscribed" if removed else "broadcasts.not_subscribed")
