"""Moderators' broadcast commands, in the moderation room:

``!utskick schema CRON mål [ämne]`` / ``!broadcast schedule CRON target [topic]``,
``lista``/``list``, ``förhandsvisa``/``preview ID [språk]``, ``pausa``/``pause ID``,
``återuppta``/``resume ID``, ``skicka nu``/``send-now ID``, ``ta bort``/``delete ID``,
``katalog``/``catalogue``, and the ad hoc warning ``nu``/``now TEXT`` (a preview) followed
by ``bekräfta``/``confirm N``."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from bot.arguments import LANGUAGE, NUMBER, text
from bot.commands import Args, Command, CommandHandler, Param, Role, fold
from bot.context import Context
from bot.errors import UsageError, UserError
from config.broadcasts import CronError, cron_trigger, host_allowed, links_in
from handlers.broadcasts import plan
from handlers.broadcasts.render import ADHOC_PREFIX, render
from handlers.broadcasts.runtime import Broadcasts
from storage import broadcasts as store
from storage.broadcasts import Schedule

MAX_ADHOC = 1500
MIN_INTERVAL = timedelta(minutes=10)  # residents are not to be flooded by a typo

TARGET_WORDS = {
    "rum": "rooms", "rooms": "rooms", "prenumeranter": "subscribers",
    "subscribers": "subscribers", "alla": "all", "all": "all", "sammanfattning": "digest",
    "veckosammanfattning": "digest", "digest": "digest",
}  # fmt: skip


def _local(ctx: Context, when: datetime | None) -> str:
    if when is None:
        return "–"
    return when.astimezone(ctx.svc.settings.kommun.tz).strftime("%Y-%m-%d %H:%M")


def target_name(ctx: Context, spec: str) -> str:
    if spec.startswith(plan.LOCALITY):
        key = spec.removeprefix(plan.LOCALITY)
        loc = ctx.svc.settings.locality(key)
        return ctx.t("moderation_broadcasts.target.locality", place=loc.name if loc else key)
    return ctx.t(f"moderation_broadcasts.target.{spec}")


def _target(ctx: Context, word: str) -> str | None:
    w = fold(word)
    if w in TARGET_WORDS:
        return TARGET_WORDS[w]
    for loc in ctx.svc.settings.localities:
        if w in (loc.key, fold(loc.name)):
            return plan.LOCALITY + loc.key
    return None


async def _schedule_arg(ctx: Context, word: str) -> Schedule:
    try:
        schedule_id = int(word.lstrip("#"))
    except ValueError:
        raise UsageError("moderation_broadcasts.bad_id", word=word[:20]) from None
    async with ctx.svc.db.read() as conn:
        found = await store.schedule(conn, schedule_id)
    if found is None:
        raise UserError("moderation_broadcasts.no_such_schedule", id=schedule_id)
    return found


SCHEDULE = Param(name="schedule", convert=_schedule_arg)
"""A schedule by its number (``3`` or ``#3``)."""
ADHOC_TEXT = Param(name="text", convert=text, rest=True, missing="moderation_broadcasts.now_hint")


def _line(ctx: Context, sched: Schedule, last: store.Run | None) -> str:
    now = ctx.svc.clock.now()
    topic = f" · {sched.topic}" if sched.topic else ""
    nxt = plan.next_fire(ctx.svc, sched, now) if sched.state == "active" else None
    last_text = (
        f"{last.slot[:16].replace('T', ' ')} ({ctx.t('moderation_broadcasts.run.' + last.state)})"
        if last
        else "–"
    )
    source = f" · {sched.config_key}" if sched.config_key else ""
    return (
        ctx.t(
            "moderation_broadcasts.list_line",
            id=sched.id,
            cron=sched.cron,
            target=target_name(ctx, sched.target) + topic,
            state=ctx.t("moderation_broadcasts.state." + sched.state),
            next=_local(ctx, nxt),
            last=last_text,
        )
        + source
    )


class BroadcastCommands:
    """The subcommands of ``!utskick``/``!broadcast``, over the feature's runtime."""

    def __init__(self, rt: Broadcasts) -> None:
        self.rt = rt

    def group(self) -> Command:
        """The command group, each subcommand with its names, arguments and usage text
        (``moderation_broadcasts.<key>_usage``)."""

        def sub(
            key: str,
            names: tuple[str, ...],
            handler: CommandHandler,
            params: tuple[Param[Any], ...] | None = (SCHEDULE,),
        ) -> Command:
            return Command(
                key=f"broadcast.{key}",
                sv=names[0],
                en=names[1],
                aliases=names[2:],
                summary="",
                usage=f"moderation_broadcasts.{key}_usage",
                handler=handler,
                params=params,
                role=Role.MODERATOR,
            )

        return Command(
            key="broadcast",
            sv="utskick",
            en="broadcast",
            summary="moderation_broadcasts.summary",
            usage="moderation_broadcasts.usage",
            role=Role.MODERATOR,
            rooms=frozenset({"moderation"}),
            unknown_sub="moderation_broadcasts.unknown_sub",
            subcommands=(
                sub("schedule", ("schema", "schedule"), self.schedule, None),
                sub("list", ("lista", "list"), self.list, None),
                sub("preview", ("förhandsvisa", "preview"), self.preview, (SCHEDULE, LANGUAGE)),
                sub("pause", ("pausa", "pause"), self.pause),
                sub("resume", ("återuppta", "resume"), self.resume),
                sub("send_now", ("skicka nu", "send-now", "sendnow", "send now"), self.send_now),
                sub("delete", ("ta bort", "delete", "radera"), self.delete),
                sub("catalogue", ("katalog", "catalogue", "catalog"), self.catalogue, None),
                sub("now", ("nu", "now"), self.now, (ADHOC_TEXT,)),
                sub("confirm", ("bekräfta", "confirm"), self.confirm, (NUMBER,)),
            ),
        )

    # ---- schedules -----------------------------------------------------------------------

    async def schedule(self, ctx: Context, args: Args) -> None:
        words = args.words
        idx = next((i for i, w in enumerate(words) if _target(ctx, w) is not None), None)
        if idx is None or idx not in (5, 6):
            raise UsageError("moderation_broadcasts.schedule_hint")
        cron = " ".join(words[:idx])
        target = _target(ctx, words[idx])
        assert target is not None
        topic = words[idx + 1].casefold() if len(words) > idx + 1 else None
        if len(words) > idx + 2:
            raise UsageError("moderation_broadcasts.schedule_hint")
        catalogue = self.rt.catalogue(ctx.svc)
        if topic is not None and topic not in catalogue.topics:
            raise UserError(
                "moderation_broadcasts.unknown_topic", topic=topic[:30],
                topics=", ".join(catalogue.topics),
            )  # fmt: skip
        try:
            trigger = cron_trigger(cron, ctx.svc.settings.kommun.tz)
        except CronError:
            raise UsageError("moderation_broadcasts.bad_cron", cron=cron[:60]) from None
        now = ctx.svc.clock.now()
        fires = plan.next_fires(trigger, now, 3)
        gaps = [b - a for a, b in itertools.pairwise(fires)]
        if gaps and min(gaps) < MIN_INTERVAL:
            raise UserError(
                "moderation_broadcasts.too_often", minutes=int(MIN_INTERVAL.total_seconds() // 60)
            )
        async with ctx.svc.db.transaction() as conn:
            schedule_id = await store.add_schedule(
                conn, cron=cron, target=target, topic=topic, created_by=ctx.msg.sender, now=now
            )
        await self.rt.rebuild(ctx.svc)
        ctx.reply(
            "moderation_broadcasts.created",
            id=schedule_id,
            cron=cron,
            target=target_name(ctx, target) + (f" · {topic}" if topic else ""),
            next=_local(ctx, trigger.get_next_fire_time(None, now)),
        )

    async def list(self, ctx: Context, args: Args) -> None:
        async with ctx.svc.db.read() as conn:
            found = await store.schedules(conn)
            lasts = {s.id: await store.last_runs(conn, s.id) for s in found}
            subs = await store.count_subscribers(conn)
        lines = [
            ctx.t(
                "moderation_broadcasts.list_header",
                every=subs.get("every", 0),
                digest=subs.get("digest", 0),
            )
        ]
        if not found:
            lines.append(ctx.t("moderation_broadcasts.list_empty"))
        for sched in found:
            last = lasts[sched.id][0] if lasts[sched.id] else None
            lines.append(_line(ctx, sched, last))
        ctx.reply_text("\n".join(lines))

    async def preview(self, ctx: Context, args: Args) -> None:
        sched, lang = args[SCHEDULE], args[LANGUAGE]
        svc = ctx.svc
        catalogue = self.rt.catalogue(svc)
        now = svc.clock.now()
        async with svc.db.read() as conn:
            found = await plan.targets(svc, conn, sched.target)
            first = found[0] if found else None
            shown = await store.shown(conn, first.key) if first else {}
        eligible = catalogue.with_topic(sched.topic) or catalogue.warnings
        warning = plan.pick(eligible, shown)
        lang = lang or (first.lang if first else svc.settings.moderation.language)
        items = ("digest", warning.id) if sched.target == "digest" else (warning.id,)
        body = render(svc, catalogue, items, lang).body
        ctx.reply(
            "moderation_broadcasts.preview",
            id=sched.id,
            next=_local(ctx, plan.next_fire(svc, sched, now)),
            target=target_name(ctx, sched.target),
            count=len(found),
            warning=warning.id,
            lang=lang,
        )
        ctx.reply_text(body)

    async def _set_state(
        self, ctx: Context, args: Args, state: store.ScheduleState, key: str
    ) -> None:
        sched = args[SCHEDULE]
        async with ctx.svc.db.transaction() as conn:
            await store.set_schedule_state(conn, sched.id, state, ctx.svc.clock.now())
        await self.rt.rebuild(ctx.svc)
        ctx.reply(key, id=sched.id)

    async def pause(self, ctx: Context, args: Args) -> None:
        await self._set_state(ctx, args, "paused", "moderation_broadcasts.paused")

    async def resume(self, ctx: Context, args: Args) -> None:
        await self._set_state(ctx, args, "active", "moderation_broadcasts.resumed")

    async def delete(self, ctx: Context, args: Args) -> None:
        await self._set_state(ctx, args, "deleted", "moderation_broadcasts.deleted")

    async def send_now(self, ctx: Context, args: Args) -> None:
        sched = args[SCHEDULE]
        run_id = await plan.start_manual(
            ctx.svc, self.rt.catalogue(ctx.svc), sched, ctx.msg.event_id
        )
        if run_id is None:
            raise UserError("moderation_broadcasts.already_started")
        async with ctx.svc.db.read() as conn:
            count = len(await store.deliveries(conn, run_id))
        self.rt.spawn(self.rt.send(ctx.svc, run_id))
        ctx.reply("moderation_broadcasts.sending", run=run_id, count=count)

    async def catalogue(self, ctx: Context, args: Args) -> None:
        catalogue = self.rt.catalogue(ctx.svc)
        lang = ctx.lang
        lines = [ctx.t("moderation_broadcasts.catalogue_header", count=len(catalogue.warnings))]
        for w in catalogue.warnings:
            _, text = w.text_for(lang)
            lines.append(f"**{w.id}** · {w.topic} · {text.title} · {', '.join(sorted(w.texts))}")
        if catalogue.needs_review:
            lines.append(
                ctx.t(
                    "moderation_broadcasts.needs_review",
                    languages=", ".join(sorted(catalogue.needs_review)),
                )
            )
        ctx.reply_text("\n".join(lines))

    # ---- ad hoc --------------------------------------------------------------------------

    async def now(self, ctx: Context, args: Args) -> None:
        svc, text = ctx.svc, args[ADHOC_TEXT]
        if len(text) > MAX_ADHOC:
            raise UserError("moderation_broadcasts.too_long", max=MAX_ADHOC, length=len(text))
        allowed = svc.settings.broadcasts.allowed_domains
        bad = [w for w, host in links_in(text) if not host_allowed(host, allowed)]
        if bad:
            raise UserError(
                "moderation_broadcasts.bad_link", link=bad[0][:80], allowed=", ".join(allowed)
            )
        now = svc.clock.now()
        expires = now + timedelta(minutes=svc.settings.broadcasts.confirm_minutes)
        async with svc.db.transaction() as conn:
            adhoc_id = await store.add_adhoc(conn, text, ctx.msg.sender, now, expires)
            count = len(await plan.targets(svc, conn, "all"))
        body = render(
            svc, self.rt.catalogue(svc), (f"{ADHOC_PREFIX}{adhoc_id}",), ctx.lang, {adhoc_id: text}
        ).body
        ctx.reply("moderation_broadcasts.now_preview", id=adhoc_id, count=count)
        ctx.reply_text(body)
        ctx.reply(
            "moderation_broadcasts.now_confirm",
            id=adhoc_id,
            minutes=svc.settings.broadcasts.confirm_minutes,
        )

    async def confirm(self, ctx: Context, args: Args) -> None:
        adhoc_id = args[NUMBER]
        svc = ctx.svc
        async with svc.db.read() as conn:
            draft = await store.adhoc(conn, adhoc_id)
        if draft is None:
            raise UserError("moderation_broadcasts.no_such_draft", id=adhoc_id)
        if draft.state != "draft":
            raise UserError("moderation_broadcasts.already_started")
        if svc.clock.now() > draft.expires_at:
            raise UserError("moderation_broadcasts.draft_expired", id=adhoc_id)
        run_id = await plan.start_adhoc(svc, self.rt.catalogue(svc), adhoc_id)
        if run_id is None:
            raise UserError("moderation_broadcasts.already_started")
        async with svc.db.read() as conn:
            count = len(await store.deliveries(conn, run_id))
        self.rt.spawn(self.rt.send(svc, run_id))
        ctx.reply("moderation_broadcasts.sending", run=run_id, count=count)
