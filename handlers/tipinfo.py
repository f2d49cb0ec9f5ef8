"""What tips and moderation both show and parse: receipt codes and display names of
categories, places and time bands. Imports no handler, so either may use it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from bot.commands import Param
from bot.context import Context, Services
from bot.errors import UsageError, UserError
from config.settings import Settings
from storage import tips
from storage.tips import Tip

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read aloud
ANSWER_FLOW = "tip_answer"  # the one-step conversation that takes a reporter's answer


def new_code(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))


def parse_code(text: str, prefix: str) -> str | None:
    """A receipt code as typed (``vmo 7k3q``, ``VMO-7K3Q``, ``7K3Q``), normalised."""
    raw = re.sub(r"[\s\-_.]", "", text.upper())
    if raw.startswith(prefix):
        raw = raw[len(prefix) :]
    if len(raw) != 4 or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return f"{prefix}-{raw}"


async def tip_arg(ctx: Context, text: str) -> Tip:
    """A tip named by its code (as `parse_code` reads it), for a moderator's command."""
    code = parse_code(text, ctx.svc.settings.kommun.code_prefix)
    if code is None:
        raise UsageError("tips.bad_code", code=text[:20])
    async with ctx.svc.db.read() as conn:
        tip = await tips.by_code(conn, code)
    if tip is None:
        raise UserError("moderation.no_such_tip", code=code)
    return tip


TIP = Param(name="tip", convert=tip_arg)


def category_name(settings: Settings, key: str, lang: str) -> str:
    cat = settings.category(key)
    return cat.names.get(lang) if cat else key


def place_type_name(settings: Settings, key: str, lang: str) -> str:
    pt = settings.place_type(key)
    return pt.names.get(lang) if pt else key


def locality_name(settings: Settings, key: str, lang: str = "sv") -> str:
    loc = settings.locality(key)
    return loc.label(lang) if loc else key


def band_name(ctx: Context, band: str) -> str:
    return band_name_for(ctx.svc, band, ctx.lang)


def band_name_for(svc: Services, band: str, lang: str) -> str:
    return svc.catalog.t(lang, f"tips.band.{band.replace('-', '_')}")


def place_text(settings: Settings, data: Mapping[str, Any], lang: str = "sv") -> str:
    name = locality_name(settings, str(data["locality"]), lang)
    return f"{name}, {data['area']}" if data.get("area") else name
