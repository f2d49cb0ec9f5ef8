"""The residents' private survey ``survey`` (direct chat) on the conversation engine: the
place (if the survey asks), each question in turn, and whether they want the outcome
message. One answer set per person, stored with no link to them (see `storage.polls`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

import aiosqlite

from bot.answers import fold, normalise, numbered, parse_choices, yes_or_no
from bot.context import Context
from bot.conversation import Flow, Reask, Step, StepResult
from handlers.polls.lifecycle import local, voter_hash
from handlers.polls.model import Content, pick
from storage import polls
from storage.polls import NO_PLACE

SURVEY_FLOW = "survey"


class SurveyState(TypedDict, total=False):
    """What ``survey`` holds for one resident: the JSON object in ``conversation.data``. The
    command that starts it (``!enkät``) gives ``poll``, ``content``, ``i`` and ``answers``;
    the steps add the rest."""

    poll: int  # the poll's id
    content: dict[str, Any]  # the poll's content as stored (`handlers.polls.model.Content`)
    i: int  # the question being asked, from 0
    answers: dict[str, list[str]]  # question key -> the option ids chosen
    place: str  # a locality key, or NO_PLACE
    optin: bool  # wants the outcome message


def _p(key: str) -> Callable[[Context, object], str]:
    def prompt(ctx: Context, data: object) -> str:
        return ctx.t(key)

    return prompt


def _content(data: SurveyState) -> Content:
    return Content.load(data["content"])


def _prompt_place(ctx: Context, data: SurveyState) -> str:
    names = [loc.label(ctx.lang) for loc in ctx.svc.settings.localities]
    return ctx.t("polls.ask_place", options=numbered(names))


async def _place(
    ctx: Context, conn: aiosqlite.Connection, data: SurveyState, text: str
) -> StepResult:
    t = normalise(text)
    localities = ctx.svc.settings.localities
    if t == "0":
        return StepResult(SurveyState(place=NO_PLACE))
    if t.isdigit() and 1 <= int(t) <= len(localities):
        return StepResult(SurveyState(place=localities[int(t) - 1].key))
    for loc in localities:
        if fold(t) in {fold(loc.key), fold(loc.name), fold(loc.label(ctx.lang))}:
            return StepResult(SurveyState(place=loc.key))
    raise Reask("polls.bad_place", count=len(localities))


def _skip_place(data: SurveyState) -> bool:
    return not _content(data).ask_place


def _prompt_question(ctx: Context, data: SurveyState) -> str:
    content = _content(data)
    i = int(data.get("i", 0))
    q = content.questions[i]
    hint = (
        ctx.t("polls.hint_one")
        if q.max_selections == 1
        else ctx.t("polls.hint_many", max=q.max_selections)
    )
    return ctx.t(
        "polls.ask_question",
        n=i + 1,
        total=len(content.questions),
        question=pick(q.text, ctx.lang),
        options=numbered([pick(o.text, ctx.lang) for o in q.options]),
        hint=hint,
    )


async def _answer(
    ctx: Context, conn: aiosqlite.Connection, data: SurveyState, text: str
) -> StepResult:
    content = _content(data)
    i = int(data.get("i", 0))
    q = content.questions[i]
    numbers = parse_choices(text, len(q.options), q.max_selections)
    answers = dict(data.get("answers", {}))
    answers[q.key] = [q.options[n - 1].id for n in numbers]
    if i + 1 < len(content.questions):
        return StepResult(SurveyState(answers=answers, i=i + 1), goto="question")
    return StepResult(SurveyState(answers=answers, i=i + 1), goto="optin")


async def _optin(
    ctx: Context, conn: aiosqlite.Connection, data: SurveyState, text: str
) -> StepResult:
    answer = yes_or_no(ctx.t("polls.ask_optin"), text)
    if answer is None:
        raise Reask("polls.bad_optin")
    return StepResult(SurveyState(optin=answer), done=True)


async def _finish_survey(ctx: Context, conn: aiosqlite.Connection, data: SurveyState) -> None:
    poll = await polls.get(conn, int(data["poll"]))
    if poll is None or poll.state != "open" or poll.voter_key is None:
        ctx.reply("polls.survey_closed")  # nothing is stored; the conversation ends
        return
    voter = voter_hash(poll.voter_key, ctx.person)
    place = str(data.get("place") or NO_PLACE)
    answers = {str(k): [str(o) for o in v] for k, v in dict(data["answers"]).items()}
    if not await polls.add_submission(conn, poll.id, voter, place, answers):
        ctx.reply("polls.survey_already")
        return
    if data.get("optin"):
        await polls.add_followup(conn, poll.id, ctx.msg.room_id, ctx.lang)
        ctx.reply("polls.survey_thanks_optin", closes=local(ctx.svc, poll.closes_at))
    else:
        ctx.reply("polls.survey_thanks", closes=local(ctx.svc, poll.closes_at))


SURVEY: Flow[SurveyState] = Flow(
    SURVEY_FLOW,
    (
        Step("place", _prompt_place, _place, skip=_skip_place),
        Step("question", _prompt_question, _answer),
        Step("optin", _p("polls.ask_optin"), _optin),
    ),
    _finish_survey,
)
