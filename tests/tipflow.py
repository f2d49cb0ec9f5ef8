"""Shared steps for tip tests: report a tip the way a resident would."""

from __future__ import annotations

import re

from bot.render import plain
from tests.harness import RESIDENT, Harness

CODE_RE = re.compile(r"VMO-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}")


async def report_tip(
    bot: Harness,
    *,
    as_: str = RESIDENT,
    category: str = "2",
    locality: str = "1",
    area: str | None = "Gröndal",
    place_type: str = "4",
    when: str = "3",
    band: str | None = "4",
    text: str = "Mycket klotter på väggarna vid stationen, det ser otryggt ut",
) -> str:
    """Go through the whole guided flow in a direct chat; return the receipt code."""
    await bot.say("!tips", as_=as_)
    await bot.say(category, as_=as_)
    await bot.say(locality, as_=as_)
    if area is not None:
        await bot.say(area, as_=as_)
    await bot.say(place_type, as_=as_)
    await bot.say(when, as_=as_)
    if band is not None:
        await bot.say(band, as_=as_)
    await bot.say(text, as_=as_)
    out = await bot.say("1", as_=as_)
    receipt = next(plain(o.text) for o in out if "Din kod är" in o.text or "Your code" in o.text)
    match = CODE_RE.search(receipt)
    assert match, receipt
    return match.group(0)
