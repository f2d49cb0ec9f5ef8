"""The spoof check: did Tryggbot really send this text?

Every body the bot broadcasts is remembered only as keyed hashes (HMAC with the pseudonym
key) of its normalised text: the whole body, the body without the footer, and each warning
of a digest. Normalising removes what copying, forwarding and quoting change: quote marks
(``> ``), surrounding quotation marks, markup, zero-width characters and all whitespace.
Any other change (a word, a digit of a phone number, a link) makes the text unknown."""

from __future__ import annotations

import re
import unicodedata

from bot.commands import Args
from bot.context import Context, Services
from bot.render import plain
from storage import broadcasts as store

_QUOTE_LINE = re.compile(r"^\s*(?:>\s?)+", re.MULTILINE)
_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xFE0F, 0x00AD], None)
_WRAPPERS = "\"'“”„‘’«»‹›`"
_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", plain(text)).translate(_INVISIBLE)
    text = _QUOTE_LINE.sub("", text)
    text = _WHITESPACE.sub("", text)
    while len(text) > 1 and text[0] in _WRAPPERS and text[-1] in _WRAPPERS:
        text = text[1:-1]
    return text


def fingerprint(svc: Services, text: str) -> str:
    return svc.pseudonymize(normalise(text), purpose="broadcast")


async def check(svc: Services, text: str) -> str | None:
    """The local date the text was first broadcast (``YYYY-MM-DD``), or None."""
    if not normalise(text):
        return None
    async with svc.db.read() as conn:
        when = await store.fingerprint(conn, fingerprint(svc, text))
    if when is None:
        return None
    return when.astimezone(svc.settings.kommun.tz).strftime("%Y-%m-%d")


async def verify_command(ctx: Context, args: Args) -> None:
    """``!äkta TEXT``; or ``!äkta`` as a reply to one of the bot's broadcasts."""
    text = args.rest
    if not normalise(text) and ctx.msg.reply_to:
        async with ctx.svc.db.read() as conn:
            delivery = await store.delivery_by_event(conn, ctx.msg.reply_to)
        if delivery is not None and delivery.room_id == ctx.msg.room_id:
            text = delivery.body
    if not normalise(text):
        ctx.reply("broadcasts.verify_empty")
        return
    when = await check(ctx.svc, text)
    if when is None:
        ctx.reply("broadcasts.verify_no")
    else:
        ctx.reply("broadcasts.verify_yes", date=when)


async def forwarded(ctx: Context) -> bool:
    """A text pasted or forwarded into a direct chat that is one of our broadcasts is
    confirmed as genuine; anything else goes on to the other features."""
    body = ctx.msg.body
    if len(body) < 40:
        return False
    when = await check(ctx.svc, body)
    if when is None:
        return False
    ctx.reply("broadcasts.verify_yes", date=when)
    return True
