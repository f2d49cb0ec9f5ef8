"""Citizen dialogue: native Matrix polls in neighbourhood rooms, private surveys in direct
chats, honest indicative results per place, and "you said, we did" outcomes.

Modules: `model` (what is asked), `templates` (config/content/polls.toml), `flows`
(moderators create a poll), `survey` (residents answer privately), `words` (text helpers),
`commands`, `lifecycle` (open, close, send, incoming poll events; the scheduler's job),
`tally` (MSC3381 counting rules), `results` (suppression, text, CSV/JSON), `chart` (PNG).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import aiosqlite
from apscheduler.triggers.interval import IntervalTrigger

from bot.commands import Command
from bot.features import Feature
from bot.scheduler import Job
from config.settings import Settings
from handlers.polls import commands, flows, lifecycle, recovery, survey
from storage import polls as store
from storage.migrations.polls import POLLS

POLL_TICK_SECONDS = 10


async def forget(conn: aiosqlite.Connection, person: str, now: datetime, settings: Settings) -> int:
    """Nothing: a vote is kept under the person's key only while its poll is open (so that a
    changed vote replaces the earlier one) and goes when the poll closes; results are counts.
    ``!glöm`` does not reopen or change a vote."""
    return 0


async def purge(conn: aiosqlite.Connection, now: datetime, settings: Settings) -> Mapping[str, int]:
    """Survey follow-up links by the person rule always; polls and their results (public
    records) past ``retention.record_days`` only under a retention decision."""
    r = settings.retention
    followups = await store.purge_followups(conn, now - timedelta(days=r.person_days))
    old = await store.purge(conn, now - timedelta(days=r.record_days)) if r.decided else 0
    return {"followups": followups, "polls": old}


FEATURE = Feature(
    name="polls",
    commands=(
        commands.POLL_ADMIN,
        commands.SURVEY,
        Command(
            key="vote",
            sv="rösta",
            en="vote",
            summary="polls.vote_summary",
            usage="polls.vote_usage",
            handler=commands.vote,
            rooms=frozenset({"neighbourhood", "other"}),
            params=commands.VOTE_PARAMS,
        ),
    ),
    flows=(flows.NEW, survey.SURVEY),
    poll_handlers=(lifecycle.on_poll_events,),
    runtime=recovery.NativePolls,  # open polls, for poll recovery (Registry.features["polls"])
    jobs=(
        # Opens and closes the polls that are due by the ``poll`` table and sends what a crash
        # left unsent; a close missed while the bot was down happens at start.
        Job(
            "polls",
            lifecycle.run_due,
            lambda tz: IntervalTrigger(seconds=POLL_TICK_SECONDS, timezone=tz),
            misfire_grace_time=POLL_TICK_SECONDS * 6,
            at_start=True,
        ),
    ),
    tables=(
        "poll",
        "poll_target",
        "poll_response",
        "poll_count",
        "survey_voter",
        "survey_submission",
        "survey_answer",
        "survey_followup",
    ),
    migrations=(POLLS,),
    forget=forget,
    purge=purge,
)
