"""Proof of retention: a simulated year of residents, moderators, polls, surveys and fraud
warnings with a fake clock, the retention job run daily, and `tryggbot privacy report`'s
counts showing no row past its rule in any table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.privacy import render_report
from handlers.polls.lifecycle import run_due
from handlers.retention import run_retention
from storage import privacy
from storage.datamap import TABLES
from tests.broadcastkit import Homeserver, mod, rt, start
from tests.harness import MODERATION_ROOM, MODERATOR, Harness, make_settings
from tests.tipflow import report_tip

MOD = {"as_": MODERATOR, "room": MODERATION_ROOM}
SHORT: dict[str, Any] = {
    "retention.decision": "KS 2027/123, dokumenthanteringsplan 4.2",
    "retention.record_days": 60,
    "retention.text_days": 10,
    "retention.relay_days": 5,
    "retention.person_days": 30,
    "broadcasts.schedules": [{"key": "weekly", "cron": "0 10 * * tue", "target": "all"}],
}
"""Periods short enough that a year runs through every rule several times."""


def resident(n: int) -> str:
    return f"@resident{n % 40}:test.local"


async def one_day(bot: Harness, day: int) -> None:
    who = resident(day)
    if day % 2 == 0:
        await bot.meet(who)
        code = await report_tip(bot, as_=who)
        if day % 4 == 0:
            await bot.say(f"!fråga {code} Hur ser det ut nu?", **MOD)
            await bot.say("Det är kvar, och mer på bron", as_=who)
            await bot.say(f"!notering {code} Tekniska kontoret informerat", **MOD)
            await bot.say(f"!status {code} vidarebefordrad Skickat till gatuenheten", **MOD)
    if day % 5 == 0:
        await bot.say("!tips", as_=resident(day + 7))  # starts, then walks away
    if day % 9 == 0:
        await bot.say("!prenumerera", as_=resident(day + 3))
    if day % 23 == 0:
        await bot.say("!glöm ja", as_=resident(day + 3))
    if day % 30 == 1:
        await bot.say("!enkät mall trygghet 2d", **MOD)
    if day % 45 == 2:
        await bot.say("!enkät mall trygghetsenkat 1d", **MOD)
        [(poll_id,)] = await rows(bot, "SELECT max(id) FROM poll")
        for i in range(3):
            r = resident(day + 20 + i)
            await bot.meet(r)
            await bot.say(f"!enkät {poll_id}", as_=r)
            for answer in ("1", "2", "3", "1", "1, 2", "1"):
                await bot.say(answer, as_=r)
    if day % 60 == 3:
        await mod(bot, "!utskick nu Falska bankanställda ringer. Ring banken själv.")
        [(adhoc,)] = await rows(bot, "SELECT max(id) FROM broadcast_adhoc")
        await mod(bot, f"!utskick bekräfta {adhoc}")


async def rows(bot: Harness, sql: str) -> list[tuple[object, ...]]:
    async with bot.svc.db.read() as conn:
        async with conn.execute(sql) as cur:
            return [tuple(r) for r in await cur.fetchall()]


async def test_after_a_simulated_year_no_table_holds_a_row_past_its_rule(
    tmp_path: Path,
) -> None:
    bot = await start(tmp_path, homeserver=Homeserver(), **SHORT)
    try:
        await rt(bot).start(bot.svc)
        await bot.meet(MODERATOR)
        seen: dict[str, int] = {t.name: 0 for t in TABLES}
        for day in range(365):
            await one_day(bot, day)
            async with bot.svc.db.read() as conn:
                for c in await privacy.count(conn, bot.settings, bot.clock.now(), timedelta(0)):
                    seen[c.table] = max(seen[c.table], c.rows)
            for _ in range(24):  # polls open and close, broadcasts go out, as hours pass
                bot.clock.advance(hours=1)
                await run_due(bot.svc)
                await rt(bot).sweep(bot.svc)
            await rt(bot).idle()
            await run_retention(bot.svc)
            async with bot.svc.db.read() as conn:
                counts = await privacy.count(conn, bot.settings, bot.clock.now(), timedelta(0))
            for c in counts:
                seen[c.table] = max(seen[c.table], c.rows)
                assert c.past == 0, f"day {day}: {c.table} has {c.past} rows past its rule"
        async with bot.svc.db.read() as conn:
            counts = await privacy.count(conn, bot.settings, bot.clock.now(), timedelta(0))
        report = render_report(bot.settings, counts, bot.clock.now(), timedelta(0), "text")
        assert "Inga rader över sin regel." in report
        assert "KS 2027/123" in report
        # The year filled the tables the rules are about (not a vacuous pass):
        filled = {
            "person", "conversation", "completion", "kv", "tip", "tip_text", "relay",
            "tip_card", "tip_message", "audit", "poll", "poll_target", "poll_count",
            "survey_followup", "broadcast_schedule", "broadcast_adhoc", "broadcast_run",
            "broadcast_delivery", "broadcast_subscriber",
        }  # fmt: skip
        empty = sorted(name for name in filled if seen[name] == 0)
        assert empty == []
        # ... and the rules deleted: nothing older than the longest period is left.
        [(oldest_tip,)] = await rows(bot, "SELECT min(created_at) FROM tip")
        assert str(oldest_tip) >= (bot.clock.now() - timedelta(days=61)).isoformat()
    finally:
        await bot.stop()


def test_privacy_report_reads_the_database_and_marks_kept_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    async def make() -> Path:
        bot = await start(tmp_path)
        bot.clock.current = datetime.now(UTC)  # the command counts against the real time
        try:
            await bot.meet()
            await report_tip(bot)
        finally:
            await bot.stop()
        return bot.db_path

    db = asyncio.run(make())
    assert main(["privacy", "report", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "inget angivet" in out  # the example settings record no decision
    assert "tip_text" in out and "Inga rader över sin regel." in out
    tip_line = next(line for line in out.splitlines() if line.startswith("tip "))
    assert tip_line.split()[1:3] == ["1", "1"]  # one row, in the youngest age band


def test_without_a_decision_records_past_their_period_show_as_kept_not_as_breaches() -> None:
    settings = make_settings(**{"retention.decision": ""})
    now = datetime(2027, 6, 1, tzinfo=UTC)
    counts = [
        privacy.TableCount(t.name, 0, (0,) * 6, 0, 0)
        if t.name not in ("tip_text", "relay")
        else privacy.TableCount(t.name, 2, (0, 0, 2, 0, 0, 0), 2, 0)
        for t in TABLES
    ]
    report = render_report(settings, counts, now, timedelta(days=1), "text")
    assert "inget angivet" in report
    tip_text = next(line for line in report.splitlines() if line.startswith("tip_text "))
    assert tip_text.endswith("2 (behålls: inget gallringsbeslut)")
    # relay links are working data, deleted with or without a decision: a real breach
    assert report.rstrip().endswith("Över sin regel: relay (2)")
