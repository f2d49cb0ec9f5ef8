"""Every feature is one `Feature` declaration, listed in the composition root; ``!glöm`` and
retention reach every table that holds a person's data through the features' ``forget`` and
``purge`` hooks, by construction: each table of the data map is owned by exactly one feature,
and a table with a person key or free text only by one that has both hooks."""

from __future__ import annotations

import importlib
import re
import sqlite3
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

import aiosqlite
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import FEATURES, JOBS, est_jobs, jobs
from bot.commands import Args, Command
from bot.context import Context, Services
from bot.features import Feature, build_registry, forget_person, migrations
from bot.scheduler import Job
from config.settings import Settings
from handlers.retention import run_retention
from storage import web
from storage.datamap import TABLES, Category
from storage.migrations import MIGRATIONS
from tests.harness import RESIDENT, Harness, make_settings
from tests.tipflow import report_tip

ROOT = Path(__file__).resolve().parent.parent
PERSON_KEYS = {Category.PSEUDONYM, Category.MATRIX_ID}


def _owners() -> dict[str, list[str]]:
    owners: dict[str, list[str]] = {}
    for feature in FEATURES:
        for table in feature.tables:
            owners.setdefault(table, []).append(feature.name)
    return owners


def _holds_a_person(table_name: str) -> bool:
    table = next(t for t in TABLES if t.name == table_name)
    kinds = {c.category for c in table.columns.values()}
    return bool(kinds & (PERSON_KEYS | {Category.FREE_TEXT}))


# ---------------------------------------------------------------------------- declarations


def test_the_composition_root_lists_every_feature_once() -> None:
    assert all(isinstance(f, Feature) for f in FEATURES)
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
    # every package or module under handlers/ that declares a FEATURE is listed
    declared = set()
    for path in sorted((ROOT / "handlers").iterdir()):
        if path.name.startswith("_") or path.suffix not in ("", ".py"):
            continue
        module = importlib.import_module(f"handlers.{path.stem}")
        feature = getattr(module, "FEATURE", None)
        if feature is not None:
            declared.add(feature.name)
    assert declared == {"core", "tips", "moderation", "polls", "broadcasts", "est", "retention"}
    assert declared <= set(names)
    assert "web" in names  # the web transport's tables answer to !glöm and retention too
    # retention runs the purges in this order: a person goes only when no tip links them
    assert names.index("tips") < names.index("core")


def test_every_table_of_the_data_map_is_owned_by_exactly_one_feature() -> None:
    owners = _owners()
    known = {t.name for t in TABLES}
    assert set(owners) <= known, f"unknown tables: {set(owners) - known}"
    assert {t: o for t, o in owners.items() if len(o) > 1} == {}
    assert sorted(known - set(owners)) == []


def test_every_table_with_a_person_key_or_free_text_has_forget_and_purge() -> None:
    by_name = {f.name: f for f in FEATURES}
    held = sorted(t.name for t in TABLES if _holds_a_person(t.name))
    assert {"person", "conversation", "tip", "tip_text", "broadcast_subscriber"} <= set(held)
    assert {"web_session", "web_message"} <= set(held)
    uncovered = [
        table
        for table in held
        for owner in _owners()[table]
        if by_name[owner].forget is None or by_name[owner].purge is None
    ]
    assert uncovered == []


def test_every_migration_step_is_claimed_by_exactly_one_feature() -> None:
    claims: dict[int, list[str]] = {}
    for feature in FEATURES:
        for step in feature.migrations:
            assert step in MIGRATIONS, f"{feature.name}: {step.name}"
            claims.setdefault(step.version, []).append(feature.name)
    assert {v: c for v, c in claims.items() if len(c) > 1} == {}
    assert sorted(claims) == [m.version for m in MIGRATIONS]
    # the app opens its database with the features' steps: the same steps, the same order
    assert migrations(FEATURES) == MIGRATIONS


def test_the_migrations_of_the_features_must_be_exactly_the_schema() -> None:
    by_name = {f.name: f for f in FEATURES}
    without_web = [f for f in FEATURES if f.name != "web"]
    twice = [*FEATURES, Feature(name="again", migrations=by_name["tips"].migrations)]
    for features, says in ((without_web, "claimed by no feature: [8]"), (twice, "tips and again")):
        try:
            migrations(features)
        except ValueError as exc:
            assert says in str(exc)
        else:
            raise AssertionError(f"accepted: {[f.name for f in features]}")


CREATES = re.compile(r"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
ALTERS = re.compile(r"\bALTER\s+TABLE\s+(\w+)", re.IGNORECASE)


def test_a_features_migrations_create_the_tables_it_owns() -> None:
    """The tables a feature's steps create (and alter) are the ones it declares as its own;
    every table the schema creates is some feature's."""
    created: list[str] = []
    for feature in FEATURES:
        sql = [s for step in feature.migrations for s in step.statements]
        made = [t for s in sql for t in CREATES.findall(s)]
        altered = {t for s in sql for t in ALTERS.findall(s)}
        assert set(made) == set(feature.tables), feature.name
        assert altered <= set(feature.tables), feature.name
        created += made
    assert len(created) == len(set(created))
    everything = {t for m in MIGRATIONS for s in m.statements for t in CREATES.findall(s)}
    assert {"person", "inbox", "tip", "poll", "broadcast_run", "web_session"} <= everything
    assert set(created) == everything


def test_a_feature_names_an_existing_settings_section() -> None:
    sections = set(Settings.model_fields)
    assert {f.name: f.settings for f in FEATURES if f.settings not in sections | {None}} == {}


def test_jobs_come_from_the_features() -> None:
    settings = make_settings(**{"est.schedule.enabled": True})
    ids = [job.id for job in jobs(settings)]
    assert len(ids) == len(set(ids))
    assert set(ids) == {"cards", "polls", "broadcasts.sweep", "est", "est_check", "retention"}
    assert sorted([j.id for j in JOBS] + [j.id for j in est_jobs(settings)]) == sorted(ids)
    assert "est" not in [job.id for job in jobs(make_settings())]


# ---------------------------------------------------------------------------- plugging in

NOTES: dict[str, list[str]] = {}


async def _note(ctx: Context, args: Args) -> None:
    NOTES.setdefault(ctx.person, []).append(args.rest)
    ctx.reply_text("ok")


async def _forget_notes(
    conn: aiosqlite.Connection, person: str, now: datetime, settings: Settings
) -> int:
    return len(NOTES.pop(person, []))


async def _purge_notes(
    conn: aiosqlite.Connection, now: datetime, settings: Settings
) -> Mapping[str, int]:
    return {"reminders": 0}


async def _tick(svc: Services) -> None:
    return None


TOY = Feature(
    name="notes",
    commands=(
        Command(
            key="note_toy",
            sv="anteckna",
            en="jot",
            summary="help.summary",
            usage="help.usage",
            handler=_note,
        ),
    ),
    jobs=(Job("notes", _tick, lambda tz: IntervalTrigger(hours=1, timezone=tz), 60),),
    forget=_forget_notes,
    purge=_purge_notes,
)


async def test_a_feature_plugs_in_with_its_commands_jobs_and_hooks(tmp_path: Path) -> None:
    reg = build_registry([*FEATURES, TOY])
    assert reg.lookup("anteckna") is not None and reg.lookup("jot") is not None
    assert list(reg.forget_hooks)[-1] == "notes" and "notes" in reg.purge_hooks
    assert [j.id for j in TOY.all_jobs(make_settings())] == ["notes"]
    NOTES["p"] = ["a", "b"]
    async with aiosqlite.connect(tmp_path / "x.sqlite3") as conn:
        assert await _forget_notes(conn, "p", datetime.now(), make_settings()) == 2
    assert "p" not in NOTES


def test_a_feature_cannot_be_listed_twice() -> None:
    try:
        build_registry([TOY, TOY])
    except ValueError as exc:
        assert "notes" in str(exc)
    else:
        raise AssertionError("a feature listed twice was accepted")


# ---------------------------------------------------------------------------- behaviour


def _count(bot: Harness, sql: str) -> int:
    conn = sqlite3.connect(bot.db_path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


async def test_forget_reaches_every_feature_in_one_command(tmp_path: Path) -> None:
    """A resident with a tip, a subscription and a tip conversation under way: ``!glöm ja``
    unlinks the tip (tips), ends the subscription (broadcasts) and drops the unfinished
    conversation (core), and the reply counts the tips, as before."""
    bot = await Harness(tmp_path).start()
    try:
        await bot.meet(RESIDENT)
        await report_tip(bot)
        await bot.say("!prenumerera")
        await bot.say("!tips")
        assert _count(bot, "SELECT count(*) FROM conversation") == 1
        assert _count(bot, "SELECT count(*) FROM broadcast_subscriber") == 1
        assert _count(bot, "SELECT count(reporter) FROM tip") == 1
        said = await bot.last("!glöm ja")
        assert said.startswith("Klart. Jag har raderat texten och kopplingen till dig för 1 tips")
        assert _count(bot, "SELECT count(*) FROM conversation") == 0
        assert _count(bot, "SELECT count(*) FROM broadcast_subscriber") == 0
        assert _count(bot, "SELECT count(reporter) FROM tip") == 0
        assert _count(bot, "SELECT count(*) FROM tip_text") == 0
        async with bot.svc.db.transaction() as conn:
            held = await forget_person(
                bot.svc.registry, conn, bot.svc.pseudonymize(RESIDENT), bot.clock.now(),
                bot.svc.settings,
            )  # fmt: skip
        assert set(held) == {f.name for f in FEATURES if f.forget is not None}
        assert sum(held.values()) == 0  # nothing left to forget
    finally:
        await bot.stop()


async def test_retention_reaches_every_feature_and_the_web_tables(tmp_path: Path) -> None:
    bot = await Harness(tmp_path).start()
    try:
        await bot.meet(RESIDENT)
        await report_tip(bot)
        await bot.say("!tips")  # left unfinished: expires
        now = bot.clock.now()
        async with bot.svc.db.transaction() as conn:
            await web.store(conn, "s" * 32, "txn-1", "sealed", now, now + timedelta(days=1))
        bot.clock.advance(days=31)
        report = await run_retention(bot.svc)
        assert report.count("relays") == 1  # tips
        assert report.count("conversations") == 1  # core
        assert report.count("web_replies") == 1  # the web chat
        assert _count(bot, "SELECT count(*) FROM web_message") == 0
        assert _count(bot, "SELECT count(*) FROM web_session") == 0
        assert _count(bot, "SELECT count(*) FROM relay") == 0
    finally:
        await bot.stop()


async def test_the_retention_report_carries_every_count_the_features_purge_returns(
    tmp_path: Path,
) -> None:
    """A new feature's purge needs no field in a central report: whatever names its hook
    counts under reach the report (and the log line) as they are."""
    bot = await Harness(tmp_path).start()
    try:
        names: set[str] = set()
        async with bot.svc.db.transaction() as conn:
            for feature in FEATURES:
                if feature.purge is not None:
                    found = await feature.purge(conn, bot.clock.now(), bot.svc.settings)
                    assert all(n >= 0 for n in found.values()), feature.name
                    names |= set(found)
        report = await run_retention(bot.svc)
        assert names and set(report.deleted) == names
    finally:
        await bot.stop()


# ---------------------------------------------------------------------------- no reaching in

FEATURE_STORAGE = {"tips", "broadcasts", "polls", "est", "web"}
"""The storage modules that belong to one feature (the rest are the engine's)."""
# Moderation works on the tips' tables (tip cards, states, notes); the records request
# (`tryggbot records`) reads them; the shared tip-code argument (`handlers.tipinfo.TIP`)
# looks the tip up.
ALLOWED_STORAGE = {("moderation", "tips"), ("records", "tips"), ("tipinfo", "tips")}


def test_no_feature_reaches_into_another_features_storage() -> None:
    """``!glöm`` and retention go through the features' hooks, never another's storage."""
    from tests.test_architecture import HANDLERS, _unit, all_imports

    found: set[tuple[str, str]] = set()
    for path in HANDLERS.rglob("*.py"):
        own = _unit(path)
        for module in all_imports(path):
            parts = module.split(".")
            if parts[0] == "storage" and len(parts) > 1 and parts[1] in FEATURE_STORAGE:
                if parts[1] != own:
                    found.add((own, parts[1]))
    assert found == ALLOWED_STORAGE
