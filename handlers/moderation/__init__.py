"""Moderators' triage in the moderation room (`triage`: tip cards as thread roots, the
queue, states, priorities, notes, assignments and questions to the resident), declared as
one feature. Moderation holds no table of its own: it works on the tips' (`handlers.tips`).
"""

from __future__ import annotations

import logging

from apscheduler.triggers.interval import IntervalTrigger

from bot.arguments import MATRIX_USER, OPTIONAL_TEXT, TEXT
from bot.commands import Command, Role
from bot.context import Services
from bot.features import Feature
from bot.scheduler import Job
from handlers.moderation.triage import (
    MOD_ROOMS,
    PRIORITY,
    STATE,
    ask_command,
    assign_command,
    mod_status_command,
    note_command,
    on_reaction,
    post_missing_cards,
    prio_command,
    queue_command,
    record_answer,
    show_command,
    thread_reply,
)
from handlers.tipinfo import TIP

__all__ = ["FEATURE", "post_missing_cards", "record_answer"]

log = logging.getLogger(__name__)


def _commands() -> list[Command]:
    out: list[Command] = []
    mod = Role.MODERATOR
    for key, sv, en, aliases, handler, params in (
        ("queue", "kö", "queue", ("ko", "lista"), queue_command, None),
        ("show", "visa", "show", (), show_command, (TIP,)),
        ("mod_status", "status", "status", (), mod_status_command, (TIP, STATE, OPTIONAL_TEXT)),
        ("prio", "prio", "priority", ("prioritet",), prio_command, (TIP, PRIORITY)),
        ("note", "notering", "note", ("anteckning",), note_command, (TIP, TEXT)),
        ("assign", "tilldela", "assign", (), assign_command, (TIP, MATRIX_USER)),
        ("ask", "fråga", "ask", ("fraga",), ask_command, (TIP, TEXT)),
    ):
        out.append(
            Command(
                key=key,
                sv=sv,
                en=en,
                summary=f"moderation.{key}_summary",
                usage=f"moderation.{key}_usage",
                handler=handler,
                role=mod,
                aliases=aliases,
                rooms=MOD_ROOMS,
                params=params,
            )
        )
    return out


async def _post_cards(svc: Services) -> None:
    posted = await post_missing_cards(svc)
    if posted:
        log.info("posted %d missing moderation cards", posted)


FEATURE = Feature(
    name="moderation",
    commands=_commands(),
    room_default=(thread_reply,),
    reaction_handlers=(on_reaction,),
    jobs=(
        # Posts moderation cards that a crash between commit and send left unposted.
        Job(
            "cards",
            _post_cards,
            lambda tz: IntervalTrigger(minutes=5, timezone=tz),
            misfire_grace_time=300,
            at_start=True,
        ),
    ),
    settings="moderation",
)
