"""Commands every person has: help, about, privacy, language, cancel and back; and the
engine's own tables (people, rooms, conversations, inbox, outbox) on ``!glöm`` and in the
retention run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import aiosqlite

from bot.commands import COMMAND_PREFIX, Args, Command, Role
from bot.context import Context
from bot.errors import UsageError
from bot.features import Feature
from bot.safety_notice import safety_notice, show_safety_notice
from bot.terms import kommun_terms
from config.settings import Settings
from storage import conversations, inbox, kv, people
from storage.datamap import COMPLETION_KEEP_DAYS, HANDLED_KEEP_DAYS
from storage.migrations.core import CORE
from storage.migrations.exactly_once import EXACTLY_ONCE
from storage.migrations.matrix import MATRIX

LANGUAGE_ALIASES = {
    "svenska": "sv", "swedish": "sv", "english": "en", "engelska": "en",
    "bs": "hr", "sr": "hr", "bosanski": "hr", "hrvatski": "hr", "srpski": "hr",
    "shqip": "sq", "albanian": "sq", "arabic": "ar", "somali": "so", "soomaali": "so",
    "tigrinya": "ti", "prs": "fa", "dari": "fa", "farsi": "fa", "persian": "fa",
    "ukrainian": "uk", "ua": "uk", "suomi": "fi", "finnish": "fi", "polski": "pl", "polish": "pl",
}  # fmt: skip


def _line(ctx: Context, cmd: Command) -> str:
    return f"**{COMMAND_PREFIX}{cmd.name_for(ctx.lang)}** – {ctx.t(cmd.summary)}"


def _usable_here(ctx: Context, cmd: Command) -> bool:
    return cmd.rooms is None or ctx.room_kind in cmd.rooms


def _command_help(ctx: Context, cmd: Command, words: Sequence[str]) -> list[str]:
    """One command: its summary, usage and other names; a group's subcommands (those this
    person may use), or the one named by ``words`` (``!hjälp enkät ta bort``)."""
    if words and cmd.subcommands:
        try:
            sub, _ = cmd.route(words)
        except UsageError:
            sub = cmd
        if sub is not cmd and sub.role <= ctx.role:
            summary = f" – {ctx.t(sub.summary)}" if sub.summary else ""
            return [f"{ctx.t('help.usage_label')}: {ctx.t(sub.usage)}{summary}"]
    subs = [s for s in cmd.subcommands if s.role <= ctx.role and not s.hidden]
    # A group that does nothing on its own (or only lists) is said by its subcommands.
    usage = "" if subs and not cmd.params else f" {ctx.t(cmd.usage)}"
    lines = [_line(ctx, cmd), f"{ctx.t('help.usage_label')}:{usage}"]
    for sub in subs:
        summary = f" – {ctx.t(sub.summary)}" if sub.summary else ""
        lines.append(f"• {ctx.t(sub.usage)}{summary}")
    shown = cmd.name_for(ctx.lang)
    others = [COMMAND_PREFIX + n for n in dict.fromkeys(cmd.all_names()) if n != shown]
    if others:
        lines.append(f"{ctx.t('help.names_label')}: {', '.join(others)}")
    return lines


async def help_command(ctx: Context, args: Args) -> None:
    """Generated from the declarations: only what this person may run, and for residents'
    commands only those that work in this room; moderators always see their own section."""
    registry = ctx.svc.registry
    if args.words:
        cmd = registry.lookup(args.words[0].lstrip(COMMAND_PREFIX), ctx.room_kind)
        if cmd is None or cmd.role > ctx.role:
            raise UsageError("help.no_such_command", command=args.words[0][:40])
        ctx.reply_text("\n".join(_command_help(ctx, cmd, args.words[1:])))
        return
    resident = [
        c for c in registry.visible(ctx.role) if c.role is Role.RESIDENT and _usable_here(ctx, c)
    ]
    lines = [ctx.t("help.header"), *(_line(ctx, c) for c in resident)]
    if ctx.role >= Role.MODERATOR:
        moderator = [c for c in registry.visible(ctx.role) if c.role is Role.MODERATOR]
        if moderator:
            lines += ["", ctx.t("help.moderator_header"), *(_line(ctx, c) for c in moderator)]
    help_cmd = registry.lookup("help")
    lines += ["", ctx.t("help.footer", help=help_cmd.name_for(ctx.lang) if help_cmd else "help")]
    ctx.reply_text("\n".join(lines))


async def about_command(ctx: Context, args: Args) -> None:
    ctx.reply_text(safety_notice(ctx))


async def privacy_command(ctx: Context, args: Args) -> None:
    """What is kept and for how long (true to ``retention.decision``), and the items of GDPR
    art. 13: controller, contact, DPO, purpose, legal basis, recipients, transfers, rights."""
    ctx.reply_text(privacy_text(ctx))


def privacy_text(ctx: Context) -> str:
    s = ctx.svc.settings
    r, p = s.retention, s.privacy
    kommun = kommun_terms(s, ctx.lang)["kommun"]
    info = p.info_url or s.kommun.website
    kept = "privacy.kept" if r.decided else "privacy.kept_undecided"
    legal = p.legal_basis.get(ctx.lang) if p.legal_basis else None
    parts = [
        ctx.t("privacy.text", kommun=kommun),
        ctx.t(
            kept,
            text_days=ctx.t("units.days", count=r.text_days),
            record_days=ctx.t("units.days", count=r.record_days),
            relay_days=ctx.t("units.days", count=r.relay_days),
            kommun=kommun,
        ),
        ctx.t(
            "privacy.art13",
            controller=p.controller.get(ctx.lang) if p.controller else kommun,
            contact=p.contact or info,
            dpo=p.dpo_contact or info,
            legal_basis=legal or ctx.t("privacy.legal_basis_see", info_url=info),
            transfers=ctx.t(
                "privacy.transfers_outside" if p.outside_eea else "privacy.transfers_none",
                info_url=info,
            ),
            kommun=kommun,
            info_url=info,
        ),
    ]
    return "\n".join(parts)


def _language_list(ctx: Context) -> str:
    names = []
    for code in ctx.svc.settings.language.enabled:
        name = ctx.svc.catalog.raw(code, "language.name") or code
        names.append(f"{code} ({name})")
    return ", ".join(names)


async def language_command(ctx: Context, args: Args) -> None:
    enabled = ctx.svc.settings.language.enabled
    if not args.words:
        ctx.reply("language.current", current=ctx.lang, available=_language_list(ctx))
        return
    wanted = args.words[0].casefold()
    now = ctx.msg.timestamp
    if wanted in ("auto", "automatisk", "automatic"):
        async with ctx.svc.db.transaction() as conn:
            await people.set_language(conn, ctx.person, ctx.lang, explicit=False, now=now)
        ctx.reply("language.auto")
        await show_safety_notice(ctx, unless_seen_in_lang=True)
        return
    code = LANGUAGE_ALIASES.get(wanted, wanted)
    if code not in enabled:
        raise UsageError(
            "language.unknown", wanted=args.words[0][:20], available=_language_list(ctx)
        )
    async with ctx.svc.db.transaction() as conn:
        await people.set_language(conn, ctx.person, code, explicit=True, now=now)
    ctx.lang = code
    ctx.reply("language.set", name=ctx.svc.catalog.raw(code, "language.name") or code)
    # Shown again in the new language if last seen in another one (or never seen).
    await show_safety_notice(ctx, unless_seen_in_lang=True)


async def cancel_command(ctx: Context, args: Args) -> None:
    if await ctx.svc.conversations.cancel(ctx):
        ctx.reply("conversation.cancelled")
    else:
        ctx.reply("conversation.nothing_to_cancel")


async def back_command(ctx: Context, args: Args) -> None:
    if not await ctx.svc.conversations.back(ctx):
        ctx.reply("conversation.nothing_to_cancel")


async def forget(conn: aiosqlite.Connection, person: str, now: datetime, settings: Settings) -> int:
    """The person's unfinished conversations go (their answers so far). Their language choice
    (``person``) and reminder keys stay until the rule deletes them; events in the inbox are
    deleted once handled. The number of conversations."""
    return await conversations.delete_for_person(conn, person)


async def purge(conn: aiosqlite.Connection, now: datetime, settings: Settings) -> Mapping[str, int]:
    """The engine's own working data, by its rules whatever the retention decision: expired
    conversations, old completion tokens and handled event ids, then people whom nothing
    links any more (after the features' purges: `bot.features.purge_all`) and their
    reminder keys."""
    person_before = now - timedelta(days=settings.retention.person_days)
    return {
        "conversations": await conversations.delete_expired(conn, now),
        "completions": await conversations.purge_completions(
            conn, now - timedelta(days=COMPLETION_KEEP_DAYS)
        ),
        "handled": await inbox.purge_handled(conn, now - timedelta(days=HANDLED_KEEP_DAYS)),
        "people": await people.purge(conn, person_before),
        "reminders": await kv.purge_notices(conn, person_before),
    }


FEATURE = Feature(
    name="core",
    commands=(
        Command(
            key="help",
            sv="hjälp",
            en="help",
            summary="help.summary",
            usage="help.usage",
            handler=help_command,
            aliases=("h", "?", "hjalp", "commands", "kommandon"),
        ),
        Command(
            key="about",
            sv="om",
            en="about",
            summary="about.summary",
            usage="about.usage",
            handler=about_command,
            aliases=("info",),
        ),
        Command(
            key="privacy",
            sv="integritet",
            en="privacy",
            summary="privacy.summary",
            usage="privacy.usage",
            handler=privacy_command,
            aliases=("gdpr",),
        ),
        Command(
            key="language",
            sv="språk",
            en="lang",
            summary="language.summary",
            usage="language.usage",
            handler=language_command,
            aliases=("language", "sprak"),
        ),
        Command(
            key="cancel",
            sv="avbryt",
            en="cancel",
            summary="conversation.cancel_summary",
            usage="conversation.cancel_usage",
            handler=cancel_command,
            aliases=("stopp", "stop"),
        ),
        Command(
            key="back",
            sv="tillbaka",
            en="back",
            summary="conversation.back_summary",
            usage="conversation.back_usage",
            handler=back_command,
        ),
    ),
    settings="retention",
    # What the engine keeps for every feature: people, rooms, conversations, the inbox and
    # outbox. Core answers for them on !glöm and in the retention run.
    tables=(
        "person",
        "room",
        "conversation",
        "completion",
        "inbox",
        "handled_event",
        "kv",
        "outbox",
    ),
    migrations=(CORE, MATRIX, EXACTLY_ONCE),  # people and rooms; the inbox; the outbox
    forget=forget,
    purge=purge,
)
