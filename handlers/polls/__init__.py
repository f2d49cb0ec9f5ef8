"""Citizen dialogue: native Matrix polls in neighbourhood rooms, private surveys in direct
chats, honest indicative results per place, and "you said, we did" outcomes.

Modules: `model` (what is asked), `templates` (config/content/polls.toml), `flows`
(moderators create a poll), `survey` (residents answer privately), `words` (text helpers),
`commands`, `lifecycle` (open, close, send, incoming poll events; the scheduler's job),
`tally` (MSC3381 counting rules), `results` (suppression, text, CSV/JSON), `chart` (PNG).
"""

from __future__ import annotations

from bot.commands import Command, Registry, Role
from handlers.polls import commands, flows, lifecycle, recovery, survey


def register(reg: Registry) -> None:
    reg.flow(flows.NEW)
    reg.flow(survey.SURVEY)
    reg.poll_handlers.append(lifecycle.on_poll_events)
    reg.features["polls"] = recovery.NativePolls()  # open polls, for poll recovery
    reg.command(
        Command(
            key="poll_admin",
            sv="enkät",
            en="poll",
            summary="moderation_polls.summary",
            usage="moderation_polls.usage",
            handler=commands.poll_admin,
            role=Role.MODERATOR,
            aliases=("omröstning",),
            rooms=frozenset({"moderation"}),
        )
    )
    reg.command(
        Command(
            key="survey",
            sv="enkät",
            en="survey",
            summary="polls.survey_summary",
            usage="polls.survey_usage",
            handler=commands.survey,
            aliases=("enkäter", "surveys", "polls"),
            rooms=frozenset({"direct", "neighbourhood", "other"}),
        )
    )
    reg.command(
        Command(
            key="vote",
            sv="rösta",
            en="vote",
            summary="polls.vote_summary",
            usage="polls.vote_usage",
            handler=commands.vote,
            rooms=frozenset({"neighbourhood", "other"}),
        )
    )
