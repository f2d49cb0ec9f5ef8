"""The commands: ``!enkät``/``!poll`` for moderators (moderation room), ``!enkät``/
``!survey`` and ``!rösta``/``!vote`` for residents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiosqlite

from bot.answers import fold, parse_choices
from bot.arguments import OPTIONAL_TEXT, TEXT, one_of
from bot.commands import Args, Command, CommandHandler, Param, Role
from bot.context import Context
from bot.conversation import Reask
from bot.errors import UsageError, UserError
from bot.messages import Outgoing
from handlers.polls import results
from handlers.polls.flows import (
    NEW_FLOW,
    create,
    neighbourhood_rooms,
    new_targets,
    parse_duration,
    resolve_targets,
    room_label,
)
from handlers.polls.lifecycle import (
    chart_for,
    close_in,
    deliver,
    local,
    run_due,
    summary_text,
    survey_command,
    voter_hash,
)
from handlers.polls.model import Content, pick
from handlers.polls.survey import SURVEY_FLOW
from handlers.polls.templates import templates
from storage import polls
from storage.polls import NewPoll, Poll

MIN_OUTCOME, MAX_OUTCOME = 5, 1500
EXPORT_CHUNK = 12_000  # characters per message (Matrix events are at most 64 KiB of JSON)


def poll_id(word: str | None) -> int:
    text = (word or "").lstrip("#")
    if not text.isdigit() or len(text) > 9:
        raise UsageError("moderation_polls.bad_id", word=(word or "")[:20])
    return int(text)


async def load(ctx: Context, pid: int, *, hide_unpublished: bool = False) -> Poll:
    async with ctx.svc.db.read() as conn:
        poll = await polls.get(conn, pid)
    if poll is None or poll.state == "deleted" or (hide_unpublished and poll.state == "scheduled"):
        raise UserError(
            "polls.no_such" if hide_unpublished else "moderation_polls.no_such_poll", id=pid
        )
    return poll


async def _poll(ctx: Context, word: str) -> Poll:
    return await load(ctx, poll_id(word))


async def _public_poll(ctx: Context, word: str) -> Poll:
    return await load(ctx, poll_id(word), hide_unpublished=True)


POLL = Param(name="poll", convert=_poll)
"""A poll or survey by its number (moderators: also one not yet open)."""
PUBLIC_POLL = Param(name="poll", convert=_public_poll)
MAYBE_PUBLIC_POLL: Param[Poll | None] = Param(name="poll", convert=_public_poll, optional=True)
FORMAT: Param[str | None] = Param(name="format", convert=one_of("csv", "json"), optional=True)


def title(poll: Poll, lang: str) -> str:
    return pick(Content.load(poll.content).title, lang)


# ---- moderators -----------------------------------------------------------------------


async def _overview(ctx: Context, args: Args) -> None:
    await _list(ctx, args)
    ctx.reply("moderation_polls.help")


async def _new(ctx: Context, args: Args) -> None:
    async with ctx.svc.db.read() as conn:
        known = await neighbourhood_rooms(conn)
    if not known:
        raise UserError("moderation_polls.no_rooms")
    labels = [room_label(ctx, r) for r in known]
    await ctx.svc.conversations.start(ctx, NEW_FLOW, {"_rooms": labels})


async def _list(ctx: Context, args: Args) -> None:
    async with ctx.svc.db.read() as conn:
        found = await polls.listing(conn, ("scheduled", "open", "closed"))
        counts = {p.id: await _answers(conn, p) for p in found}
    if not found:
        ctx.reply("moderation_polls.list_empty")
        return
    lines = [ctx.t("moderation_polls.list_header")]
    for p in found:
        lines.append(
            ctx.t(
                "moderation_polls.list_item",
                id=p.id,
                kind=ctx.t(f"moderation_polls.kind.{p.kind}"),
                title=title(p, ctx.lang),
                state=ctx.t(f"moderation_polls.state.{p.state}"),
                opens=local(ctx.svc, p.opens_at),
                closes=local(ctx.svc, p.closes_at),
                count=counts[p.id],
            )
        )
    ctx.reply_text("\n".join(lines))


async def _answers(conn: aiosqlite.Connection, poll: Poll) -> int:
    res = results.build(poll, await results.current_counts(conn, poll))
    return res.answers


async def _template(ctx: Context, args: Args) -> None:
    rest = args.words
    known_templates = templates()
    if not rest:
        lines = [ctx.t("moderation_polls.templates_header")]
        for t in known_templates.values():
            lines.append(
                ctx.t(
                    "moderation_polls.template_item",
                    key=t.key,
                    kind=ctx.t(f"moderation_polls.kind.{t.kind}"),
                    title=pick(t.content.title, ctx.lang),
                    days=t.days,
                )
            )
        ctx.reply_text("\n".join(lines))
        return
    name = fold(rest[0])
    template = next((t for k, t in known_templates.items() if fold(k) == name), None)
    if template is None:
        raise UserError("moderation_polls.no_template", name=rest[0][:40])
    now = ctx.svc.clock.now()
    span = timedelta(days=template.days)
    where = "alla"
    for word in rest[1:]:
        found = parse_duration(word)
        if found is not None:
            span = found
        else:
            where = word if where == "alla" else f"{where},{word}"
    async with ctx.svc.db.transaction() as conn:
        known = await neighbourhood_rooms(conn)
        chosen = resolve_targets(ctx, where, known)
        if not chosen:
            raise UserError("moderation_polls.bad_where", word=where[:60])
        targets = new_targets(known, chosen, ctx.svc.settings.language.default)
        pid = await create(
            ctx,
            conn,
            NewPoll(
                kind="poll" if template.kind == "poll" else "survey",
                content=template.content.dump(),
                disclosed=template.disclosed,
                opens_at=now,
                closes_at=now + span,
                created_by=ctx.person,
                created_at=now,
                template=template.key,
            ),
            targets,
        )
    ctx.reply(
        "moderation_polls.created",
        id=pid,
        rooms=len(targets),
        opens=local(ctx.svc, now),
        closes=local(ctx.svc, now + span),
    )
    await ctx.svc.conversations.cancel(ctx)
    await run_due(ctx.svc)


async def _results(ctx: Context, args: Args) -> None:
    poll = args[POLL]
    async with ctx.svc.db.read() as conn:
        res = results.build(poll, await results.current_counts(conn, poll))
    ctx.reply_text(summary_text(ctx.svc, res, ctx.lang))
    chart = await chart_for(ctx.svc, res, ctx.lang)
    if chart is not None:
        ctx.send(Outgoing(ctx.msg.room_id, chart.text, image=chart.image))


async def _close(ctx: Context, args: Args) -> None:
    poll = args[POLL]
    pid = poll.id
    if poll.state == "scheduled":
        raise UserError("moderation_polls.not_open", id=pid)
    if poll.state == "closed":
        raise UserError("moderation_polls.already_closed", id=pid)
    async with ctx.svc.db.transaction() as conn:
        await close_in(conn, pid, ctx.svc.clock.now())
    ctx.reply("moderation_polls.closed_now", id=pid)
    await deliver(ctx.svc, pid)


async def _delete(ctx: Context, args: Args) -> None:
    pid = args[POLL].id
    async with ctx.svc.db.transaction() as conn:
        deleted = await polls.delete_scheduled(conn, pid)
    if not deleted:
        raise UserError("moderation_polls.cannot_delete", id=pid)
    ctx.reply("moderation_polls.deleted", id=pid)


async def _outcome(ctx: Context, args: Args) -> None:
    poll, pid = args[POLL], args[POLL].id
    text = " ".join((args[OPTIONAL_TEXT] or "").split())
    if poll.state != "closed":
        raise UserError("moderation_polls.outcome_not_closed", id=pid)
    if not MIN_OUTCOME <= len(text) <= MAX_OUTCOME:
        raise UserError("moderation_polls.outcome_length", min=MIN_OUTCOME, max=MAX_OUTCOME)
    async with ctx.svc.db.transaction() as conn:
        await polls.set_outcome(conn, pid, text, ctx.svc.clock.now())
        rooms = len(await polls.targets(conn, pid))
    ctx.reply("moderation_polls.outcome_saved", id=pid, rooms=rooms)
    await deliver(ctx.svc, pid)


async def _export(ctx: Context, args: Args) -> None:
    poll, pid, fmt = args[POLL], args[POLL].id, args[FORMAT] or "csv"
    async with ctx.svc.db.read() as conn:
        res = results.build(poll, await results.current_counts(conn, poll))
    body = (
        results.to_csv(res, ctx.svc.settings, ctx.lang)
        if fmt == "csv"
        else results.to_json(res, ctx.svc.settings, ctx.lang)
    )
    header = ctx.t("moderation_polls.export_header", id=pid, format=fmt)
    for part in chunks(body, EXPORT_CHUNK):
        ctx.reply_text(header + "\n" + part)


def chunks(text: str, size: int) -> list[str]:
    """Split at line ends into parts of at most ``size`` characters (a Matrix event is at
    most 64 KiB), so a large export arrives as several messages."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if current and len(current) + len(line) > size:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return parts


# ---- residents ------------------------------------------------------------------------


async def survey(ctx: Context, args: Args) -> None:
    """``!enkät``: what is open here; ``!enkät ID``: answer a survey (direct chat);
    ``!enkät resultat ID``: results when they are public (`_public_results`)."""
    poll = args[MAYBE_PUBLIC_POLL]
    if poll is None:
        await _open_list(ctx)
        return
    pid = poll.id
    if poll.state != "open":
        raise UserError("polls.not_open", id=pid)
    if poll.kind == "poll":
        raise UserError("polls.is_room_poll", id=pid)
    if not ctx.is_direct:
        raise UserError("polls.survey_in_direct", id=pid, command=survey_command(ctx.lang))
    assert poll.voter_key is not None
    async with ctx.svc.db.read() as conn:
        done = await polls.has_answered(conn, pid, voter_hash(poll.voter_key, ctx.person))
    if done:
        raise UserError("polls.survey_already")
    content = Content.load(poll.content)
    ctx.reply(
        "polls.survey_intro",
        title=pick(content.title, ctx.lang),
        count=len(content.questions),
        closes=local(ctx.svc, poll.closes_at),
    )
    await ctx.svc.conversations.start(
        ctx, SURVEY_FLOW, {"poll": pid, "content": poll.content, "i": 0, "answers": {}}
    )


async def _open_list(ctx: Context) -> None:
    async with ctx.svc.db.read() as conn:
        found = await polls.listing(conn, ("open",))
        here = {p.id: await polls.targets(conn, p.id) for p in found}
    lines = []
    for p in found:
        in_room = any(t.room_id == ctx.msg.room_id for t in here[p.id])
        if p.kind == "poll" and not in_room:
            continue
        key = "polls.list_poll" if p.kind == "poll" else "polls.list_survey"
        lines.append(
            ctx.t(
                key,
                id=p.id,
                title=title(p, ctx.lang),
                closes=local(ctx.svc, p.closes_at),
                command=survey_command(ctx.lang),
                vote="rösta" if ctx.lang == "sv" else "vote",
            )
        )
    if not lines:
        ctx.reply("polls.list_empty")
        return
    ctx.reply_text("\n".join([ctx.t("polls.list_header"), *lines]))


async def _public_results(ctx: Context, args: Args) -> None:
    poll = args[PUBLIC_POLL]
    pid = poll.id
    if poll.state == "open" and not poll.disclosed:
        raise UserError("polls.results_later", id=pid, closes=local(ctx.svc, poll.closes_at))
    async with ctx.svc.db.read() as conn:
        res = results.build(poll, await results.current_counts(conn, poll))
    ctx.reply_text(summary_text(ctx.svc, res, ctx.lang))


async def vote(ctx: Context, args: Args) -> None:
    """``!rösta ID N[,M]``: the same as a native poll response (latest counts); ``0`` takes
    the vote back."""
    poll = args[PUBLIC_POLL]
    pid = poll.id
    if poll.kind == "survey":
        raise UserError("polls.survey_in_direct", id=pid, command=survey_command(ctx.lang))
    if poll.state != "open" or poll.voter_key is None:
        raise UserError("polls.not_open", id=pid)
    q = Content.load(poll.content).questions[0]
    choice = " ".join(args[TEXT].split())
    if choice.strip() == "0":
        numbers: list[int] = []
    else:
        try:
            numbers = parse_choices(choice, len(q.options), q.max_selections)
        except Reask as exc:
            raise UserError(exc.key, **exc.params) from None
    async with ctx.svc.db.transaction() as conn:
        target = next(
            (t for t in await polls.targets(conn, pid) if t.room_id == ctx.msg.room_id), None
        )
        if target is None:
            raise UserError("polls.vote_here_only", id=pid)
        await polls.add_response(
            conn,
            target,
            ctx.msg.event_id,
            voter_hash(poll.voter_key, ctx.person),
            int(ctx.msg.timestamp.timestamp() * 1000),
            [q.options[n - 1].id for n in numbers],
        )
    if not numbers:
        ctx.reply("polls.vote_removed", id=pid)
        return
    chosen = ", ".join(pick(q.options[n - 1].text, ctx.lang) for n in numbers)
    ctx.reply("polls.vote_recorded", id=pid, answers=chosen, closes=local(ctx.svc, poll.closes_at))


# ---- the declarations ---------------------------------------------------------------

SUMMARIES = frozenset({"new", "delete", "outcome"})  # the others' usage says it all


def _sub(
    key: str,
    names: tuple[str, ...],
    handler: CommandHandler,
    params: tuple[Param[Any], ...] | None,
) -> Command:
    """A subcommand of ``!enkät``/``!poll``: Swedish, English and other names; its texts are
    ``moderation_polls.<key>_usage`` (and ``_summary``)."""
    return Command(
        key=f"poll_admin.{key}",
        sv=names[0],
        en=names[1],
        aliases=names[2:],
        summary=f"moderation_polls.{key}_summary" if key in SUMMARIES else "",
        usage=f"moderation_polls.{key}_usage",
        handler=handler,
        params=params,
        role=Role.MODERATOR,
        extra_words=True,
    )


POLL_ADMIN = Command(
    key="poll_admin",
    sv="enkät",
    en="poll",
    summary="moderation_polls.summary",
    usage="moderation_polls.usage",
    handler=_overview,
    params=(),
    role=Role.MODERATOR,
    aliases=("omröstning",),
    rooms=frozenset({"moderation"}),
    subcommands=(
        _sub("new", ("ny", "new", "skapa", "create"), _new, ()),
        _sub("template", ("mall", "template", "mallar", "templates"), _template, None),
        _sub("list", ("lista", "list"), _list, None),
        _sub("results", ("resultat", "results", "result"), _results, (POLL,)),
        _sub("close", ("stäng", "close", "avsluta"), _close, (POLL,)),
        _sub("delete", ("ta bort", "delete", "tabort", "radera"), _delete, (POLL,)),
        _sub("outcome", ("åtgärd", "outcome", "beslut"), _outcome, (POLL, OPTIONAL_TEXT)),
        _sub("export", ("export", "export", "exportera"), _export, (POLL, FORMAT)),
    ),
)
SURVEY = Command(
    key="survey",
    sv="enkät",
    en="survey",
    summary="polls.survey_summary",
    usage="polls.survey_usage",
    handler=survey,
    params=(MAYBE_PUBLIC_POLL,),
    extra_words=True,
    aliases=("enkäter", "surveys", "polls"),
    rooms=frozenset({"direct", "neighbourhood", "other"}),
    subcommands=(
        Command(
            key="survey.results",
            sv="resultat",
            en="results",
            aliases=("result",),
            summary="",
            usage="polls.survey_results_usage",
            handler=_public_results,
            params=(PUBLIC_POLL,),
            extra_words=True,
        ),
    ),
)
VOTE_PARAMS = (PUBLIC_POLL, TEXT)
