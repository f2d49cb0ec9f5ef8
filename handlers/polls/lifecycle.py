"""A poll's life, driven by the database: open at ``opens_at`` (post the native poll or
announce the survey), count responses while open, close at ``closes_at`` (count, forget
every voter, send the end event and the summary with its chart), and post the outcome.

`run_due` is the scheduler's job: it opens and closes whatever is due (a close missed while
the bot was down happens at the next start) and then sends whatever a crash left unsent.
Each state change commits first; each send uses a transaction key derived from the poll,
the room and the step, so a repeat after a crash is deduplicated by the homeserver.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.context import Services
from bot.errors import UnknownSender
from bot.messages import IncomingPollEvent, Outgoing, PollAnswer, PollStart
from bot.pseudonym import is_pseudonym
from handlers.polls import results
from handlers.polls.chart import Bars, render_chart
from handlers.polls.model import Content, pick
from handlers.polls.results import MIN_GROUP, Results
from storage import polls, rooms
from storage.polls import Poll, Target

log = logging.getLogger(__name__)


def voter_hash(key: str, person: str) -> str:
    """The keyed hash of a voter, valid for one poll only (its key is deleted at close).
    ``person`` is the voter's pseudonym, the one key of a person in every feature and
    transport; a raw transport field (which a transport may leave empty) is refused."""
    if not is_pseudonym(person):
        raise ValueError("voter_hash takes a person's pseudonym")
    return hmac.new(bytes.fromhex(key), person.encode(), hashlib.sha256).hexdigest()[:32]


def local(svc: Services, when: datetime) -> str:
    return when.astimezone(svc.settings.kommun.tz).strftime("%Y-%m-%d %H:%M")


def vote_command(lang: str) -> str:
    return "rösta" if lang == "sv" else "vote"


def survey_command(lang: str) -> str:
    return "enkät" if lang == "sv" else "survey"


# ---- the job --------------------------------------------------------------------------


async def run_due(svc: Services) -> None:
    """Open and close what is due, then send what is unsent."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        for poll_id in await polls.due_to_open(conn, now):
            await polls.open_poll(conn, poll_id, now, secrets.token_hex(32))
            log.info("poll %d opened", poll_id)
        for poll_id in await polls.due_to_close(conn, now):
            await close_in(conn, poll_id, now)
    async with svc.db.read() as conn:
        pending = await polls.unfinished(conn)
    for poll_id in pending:
        try:
            await deliver(svc, poll_id)
        except Exception:
            log.exception("sending for poll %d failed; retried at the next run", poll_id)


async def close_in(conn: aiosqlite.Connection, poll_id: int, now: datetime) -> bool:
    """Count and close, in the caller's transaction: the counts are written and every
    response, voter hash and the poll's key are deleted together."""
    poll = await polls.get(conn, poll_id)
    if poll is None or poll.state != "open":
        return False
    if poll.closes_at > now:
        await polls.set_closes_at(conn, poll_id, now)
        poll = await polls.get(conn, poll_id)
        assert poll is not None
    await polls.write_counts(conn, poll_id, await results.live_counts(conn, poll))
    closed = await polls.close_poll(conn, poll_id, now)
    log.info("poll %d closed", poll_id)
    return closed


async def deliver(svc: Services, poll_id: int) -> None:
    async with svc.db.read() as conn:
        poll = await polls.get(conn, poll_id)
        targets = await polls.targets(conn, poll_id)
    if poll is None:
        return
    if poll.state == "open":
        for target in targets:
            if target.start_event_id is None:
                await _post_start(svc, poll, target)
    if poll.state == "closed":
        async with svc.db.read() as conn:
            res = results.build(poll, await polls.counts(conn, poll_id))
        for target in targets:
            if not target.end_sent and (poll.kind == "survey" or target.start_event_id):
                await _post_end(svc, res, target)
        if not poll.results_posted:
            await _post_moderators(svc, res)
    if poll.outcome and poll.state == "closed":
        await _post_outcome(svc, poll, targets)


def _t(svc: Services, lang: str, key: str, **params: object) -> str:
    return svc.catalog.t(lang, key, **params)


def poll_start(poll: Poll, lang: str) -> PollStart:
    q = Content.load(poll.content).questions[0]
    return PollStart(
        question=pick(q.text, lang),
        answers=tuple(PollAnswer(o.id, pick(o.text, lang)) for o in q.options),
        max_selections=q.max_selections,
        disclosed=poll.disclosed,
    )


async def _post_start(svc: Services, poll: Poll, target: Target) -> None:
    lang = target.language
    content = Content.load(poll.content)
    closes = local(svc, poll.closes_at)
    if poll.kind == "poll":
        q = content.questions[0]
        options = "\n".join(f"{i}. {pick(o.text, lang)}" for i, o in enumerate(q.options, 1))
        text = _t(
            svc,
            lang,
            "polls.start_fallback",
            id=poll.id,
            question=pick(q.text, lang),
            options=options,
            command=vote_command(lang),
            closes=closes,
        )
        out = Outgoing(
            room_id=target.room_id,
            text=text,
            poll=poll_start(poll, lang),
            txn_key=f"poll/{poll.id}/start/{target.id}",
        )
    else:
        text = _t(
            svc,
            lang,
            "polls.survey_announce",
            id=poll.id,
            title=pick(content.title, lang),
            count=len(content.questions),
            command=survey_command(lang),
            closes=closes,
        )
        out = Outgoing(target.room_id, text, txn_key=f"poll/{poll.id}/announce/{target.id}")
    event_id = await svc.messenger.send(out)
    async with svc.db.transaction() as conn:
        await polls.set_start_event(conn, target.id, event_id or f"local/{poll.id}/{target.id}")


def summary_text(svc: Services, res: Results, lang: str) -> str:
    return results.render(res, svc.settings, lambda k, **p: _t(svc, lang, k, **p), lang)


async def chart_for(svc: Services, res: Results, lang: str) -> Outgoing | None:
    """The chart as an Outgoing image (room and key filled in by the caller), or None when
    no question has enough answers to show."""
    charts = []
    for qr in res.questions:
        q = res.content.question(qr.key)
        if q is None or qr.overall.suppressed or qr.overall.answered < MIN_GROUP:
            continue
        bars = tuple((pick(o.text, lang), qr.overall.share(o.id) or 0.0) for o in q.options)
        charts.append(Bars(pick(q.text, lang), bars))
    if not charts:
        return None
    footer = _t(svc, lang, "polls.chart_footer", count=res.answers)
    alt = _t(svc, lang, "polls.chart_alt", id=res.poll.id, title=pick(res.content.title, lang))
    image = await render_chart(tuple(charts), footer, f"poll-{res.poll.id}.png", alt)
    return Outgoing(room_id="", text=alt, image=image)


async def _post_end(svc: Services, res: Results, target: Target) -> None:
    lang = target.language
    text = summary_text(svc, res, lang)
    poll = res.poll
    if poll.kind == "poll" and target.start_event_id:
        end_text = _t(svc, lang, "polls.ended", id=poll.id) + "\n" + text
        await svc.messenger.send(
            Outgoing(
                target.room_id,
                end_text,
                poll_end=target.start_event_id,
                txn_key=f"poll/{poll.id}/end/{target.id}",
            )
        )
    await svc.messenger.send(
        Outgoing(target.room_id, text, txn_key=f"poll/{poll.id}/summary/{target.id}")
    )
    chart = await chart_for(svc, res, lang)
    if chart is not None:
        await svc.messenger.send(
            Outgoing(
                target.room_id,
                chart.text,
                image=chart.image,
                txn_key=f"poll/{poll.id}/chart/{target.id}",
            )
        )
    async with svc.db.transaction() as conn:
        await polls.mark_end_sent(conn, target.id)


async def _post_moderators(svc: Services, res: Results) -> None:
    async with svc.db.read() as conn:
        room = await rooms.moderation_room(conn, svc.settings)
    if room is not None:
        lang = svc.settings.moderation.language
        text = summary_text(svc, res, lang)
        text += "\n" + _t(svc, lang, "moderation_polls.after_close", id=res.poll.id)
        poll_id = res.poll.id
        await svc.messenger.send(Outgoing(room, text, txn_key=f"poll/{poll_id}/results/mod"))
        chart = await chart_for(svc, res, lang)
        if chart is not None:
            await svc.messenger.send(
                Outgoing(room, chart.text, image=chart.image, txn_key=f"poll/{poll_id}/chart/mod")
            )
    async with svc.db.transaction() as conn:
        await polls.mark_results_posted(conn, res.poll.id)


async def _post_outcome(svc: Services, poll: Poll, targets: list[Target]) -> None:
    assert poll.outcome is not None and poll.outcome_at is not None
    stamp = int(poll.outcome_at.timestamp())
    title = Content.load(poll.content).title
    for target in targets:
        if target.outcome_sent:
            continue
        lang = target.language
        text = _t(
            svc, lang, "polls.outcome", id=poll.id, title=pick(title, lang), text=poll.outcome
        )
        await svc.messenger.send(
            Outgoing(target.room_id, text, txn_key=f"poll/{poll.id}/outcome/{target.id}/{stamp}")
        )
        async with svc.db.transaction() as conn:
            await polls.mark_outcome_sent(conn, target.id)
    if poll.outcome_posted:
        return
    async with svc.db.transaction() as conn:
        followups = await polls.take_followups(conn, poll.id)  # claimed: deleted first
        await polls.mark_outcome_posted(conn, poll.id)
    for room_id, lang in followups:
        text = _t(
            svc, lang, "polls.outcome", id=poll.id, title=pick(title, lang), text=poll.outcome
        )
        key = hashlib.sha256(room_id.encode()).hexdigest()[:16]
        try:
            await svc.messenger.send(
                Outgoing(room_id, text, txn_key=f"poll/{poll.id}/outcome/dm/{key}")
            )
        except Exception:
            log.warning("the outcome of poll %d did not reach a direct chat", poll.id)


# ---- incoming poll events -------------------------------------------------------------


async def on_poll_events(svc: Services, events: Sequence[IncomingPollEvent]) -> None:
    """Store native poll responses (by event id: never twice) and undo redacted ones, in one
    transaction for the whole batch (one inbox event, or a page of ``/relations``). A
    redaction is applied after the batch's responses, so their order does not matter."""
    async with svc.db.transaction() as conn:
        known: dict[str, tuple[Target, Poll] | None] = {}
        adds: list[tuple[Target, str, str, int, Sequence[str] | None]] = []
        redacted: list[str] = []
        for event in events:
            if event.kind == "redaction":
                redacted.append(event.target)
                continue
            if event.target not in known:
                target = await polls.target_by_start(conn, event.target)
                poll = await polls.get(conn, target.poll_id) if target else None
                known[event.target] = (target, poll) if target and poll else None
            found = known[event.target]
            if found is None:
                continue
            target, poll = found
            if poll.state != "open" or poll.voter_key is None or poll.kind != "poll":
                log.info("event %s for poll %d ignored: not open", event.event_id, poll.id)
                continue
            if event.kind == "end":
                log.info("end of poll %d by someone else than the bot ignored", poll.id)
                continue
            try:
                person = svc.pseudonymize(event.sender)
            except UnknownSender:
                log.warning("poll response %s refused: no sender", event.event_id)
                continue
            sent_ms = int(event.timestamp.timestamp() * 1000)
            voter = voter_hash(poll.voter_key, person)
            adds.append((target, event.event_id, voter, sent_ms, event.answers))
            if event.answers is None:
                redacted.append(event.event_id)
        await polls.add_responses(conn, adds)
        undone = await polls.redact_responses(conn, redacted)
    if undone:
        log.info("%d poll responses redacted", undone)
