"""Citizen dialogue: native Matrix polls in neighbourhood rooms, private surveys in direct
chats, honest indicative results per place, and "you said, we did" outcomes.

Modules: `model` (what is asked), `templates` (config/content/polls.toml), `flows`
(moderators create a poll), `survey` (residents answer privately), `words` (text helpers),
`commands`, `lifecycle` (open, close, send, incoming poll events; the scheduler's job),
`tally` (MSC3381 counting rules), `results` (suppression, text, CSV/JSON), `chart` (PNG).
"""

from __future__ import annotations

from bot.commands import Command, Registry
from handlers.polls import commands, flows, lifecycle, recovery, survey


def register(reg: Registry) -> None:
    reg.flow(flows.NEW)
    reg.flow(survey.SURVEY)
    reg.poll_handlers.append(lifecycle.on_poll_events)
    reg.features["polls"] = recovery.NativePolls()  # open polls, for poll recovery
    reg.command(commands.POLL_ADMIN)
    reg.command(commands.SURVEY)
    reg.command(
        Command(
            key="vote",
            sv="rösta",
            en="vote",
            summary="polls.vote_summary",
            usage="polls.vote_usage",
            handler=commands.vote,
            rooms=frozenset({"neighbourhood", "other"}),
            params=commands.VOTE_PARAMS,
        )
    )
