"""Residents' tips: a guided conversation (what, where, when, what happened), redirects
before anything is stored, scrubbing, receipts, !mina, !status, !glöm and !svar.

Only the scrubbed text is ever kept, and only in the conversation (until it ends) and in
``tip_text`` (until ``retention.text_days``).  The EST record holds category, place, date,
weekday, time band and language: no text, no person.

Modules: `state` (the conversations' typed data and the words they understand), `flow` (the
guided tip), `offer` (the offer in a direct chat, the answer to a moderator's question),
`commands`; this module declares the feature and what it does to its tables on ``!glöm`` and
in the retention run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import aiosqlite

from bot.commands import Command
from bot.features import Feature
from config.settings import Settings
from handlers.tips.commands import (
    NAME,
    answer_command,
    forget_command,
    mine_command,
    status_command,
    tip_command,
)
from handlers.tips.flow import TIP, band_of, begin, parse_date, summary
from handlers.tips.offer import ANSWER, OFFER, offer_tip
from handlers.tips.state import BANDS, MAX_TEXT, MIN_TEXT, OFFER_FLOW, TIP_FLOW, TipState
from storage import tips
from storage.migrations.tips import TIPS

__all__ = [
    "ANSWER",
    "BANDS",
    "FEATURE",
    "MAX_TEXT",
    "MIN_TEXT",
    "OFFER",
    "OFFER_FLOW",
    "TIP",
    "TIP_FLOW",
    "TipState",
    "band_of",
    "begin",
    "forget",
    "offer_tip",
    "parse_date",
    "purge",
    "summary",
]


async def forget(conn: aiosqlite.Connection, person: str, now: datetime, settings: Settings) -> int:
    """The person's tips lose their link to them and their relay links; with a retention
    decision also their texts and the person's answers. The number of tips."""
    return await tips.forget_reporter(conn, person, now, erase_text=settings.retention.decided)


async def purge(conn: aiosqlite.Connection, now: datetime, settings: Settings) -> Mapping[str, int]:
    """Relay links past their time always; texts, answers, tips and audit rows past theirs
    only under a retention decision (they are public records)."""
    r = settings.retention
    done = await tips.purge(
        conn, now, records=r.decided, audit_before=now - timedelta(days=r.record_days)
    )
    return {
        "texts": done.texts,
        "messages": done.messages,
        "relays": done.relays,
        "records": done.records,
        "audit": done.audit,
    }


RESIDENT_ROOMS = frozenset({"direct", "neighbourhood", "other"})

FEATURE = Feature(
    name=NAME,
    commands=(
        Command(
            key="tip",
            sv="tips",
            en="tip",
            summary="tips.summary",
            usage="tips.usage",
            handler=tip_command,
            aliases=("tipsa", "rapportera", "report"),
            rooms=RESIDENT_ROOMS,
        ),
        Command(
            key="mine",
            sv="mina",
            en="mine",
            summary="tips.mine_summary",
            usage="tips.mine_usage",
            handler=mine_command,
            rooms=RESIDENT_ROOMS,
        ),
        Command(
            key="status",
            sv="status",
            en="status",
            summary="tips.status_summary",
            usage="tips.status_usage",
            handler=status_command,
            rooms=RESIDENT_ROOMS,
        ),
        Command(
            key="answer",
            sv="svar",
            en="answer",
            summary="tips.answer_summary",
            usage="tips.answer_usage",
            handler=answer_command,
            aliases=("svara", "reply"),
            rooms=frozenset({"direct"}),
        ),
        Command(
            key="forget",
            sv="glöm",
            en="forget",
            summary="tips.forget_summary",
            usage="tips.forget_usage",
            handler=forget_command,
            aliases=("glom", "radera", "delete"),
            rooms=RESIDENT_ROOMS,
        ),
    ),
    flows=(TIP, OFFER, ANSWER),
    direct_default=(offer_tip,),
    settings="retention",
    tables=("tip", "tip_text", "relay", "tip_card", "tip_message", "audit"),
    migrations=(TIPS,),
    forget=forget,
    purge=purge,
)
