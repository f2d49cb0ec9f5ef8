"""tryggbot records-request: what the kommun holds for a tip or a period, for the registrar.
A request for a tip shows everything `!visa` shows, plus the audit trail; the request is
logged in that trail; nothing is sent to anyone."""

from __future__ import annotations

import asyncio
import csv
import html
import io
import re
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.cli import main
from tests.harness import MODERATION_ROOM, MODERATOR, RESIDENT2, Harness
from tests.tipflow import report_tip

MOD = {"as_": MODERATOR, "room": MODERATION_ROOM}


def page_text(path: Path) -> str:
    """The HTML as a reader sees it: tags gone, entities decoded, one space between words."""
    raw = re.sub(r"<br>", "\n", path.read_text(encoding="utf-8"))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def visa_values(visa: str) -> list[str]:
    """The values in `!visa`'s answer, taken from its lines (labels left out)."""
    patterns = [
        r"Nytt tips (\S+) · (.+)",
        r"Plats: (.+), (.+) · (.+)",
        r"Tid: (\S+) \((\w+)\), (.+)",
        r"Språk: (\w+) · Prioritet: (\w+) · Status: (.+)",
        r"Text: «(.+)»",
        r"Tilldelad: (.+)",
        r"Offentlig kommentar: (.+)",
        r"Fråga \((.+), (\S+ \S+)\): (.+)",
        r"Svar från rapportören \((\S+ \S+)\): (.+)",
        r"Intern notering \((.+), (\S+ \S+)\): (.+)",
        r"Möjligen relaterade: (.+)",
    ]
    values: list[str] = []
    for line in visa.split("\n"):
        for pattern in patterns:
            match = re.fullmatch(pattern, line.strip())
            if match:
                values += match.groups()
    return values


async def test_a_request_for_a_tip_shows_what_visa_shows_and_the_audit_trail(
    bot: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await bot.meet()
    await bot.meet(RESIDENT2)
    other = await report_tip(bot, as_=RESIDENT2)  # a related tip (same category and place)
    code = await report_tip(bot)
    await bot.say(f"!fråga {code} Hur ser det ut nu?", **MOD)
    await bot.say("Det är kvar, och mer på bron")
    await bot.say(f"!notering {code} Tekniska kontoret informerat", **MOD)
    await bot.say(f"!tilldela {code} {MODERATOR}", **MOD)
    await bot.say(f"!prio {code} hög", **MOD)
    await bot.say(f"!status {code} vidarebefordrad Skickat till gatuenheten", **MOD)
    visa = "\n".join(await bot.texts(f"!visa {code}", **MOD))
    values = visa_values(visa)
    assert len(values) >= 20 and other in values, visa  # the patterns matched every line
    audit_shown = int(re.search(r"Ändringar i loggen: (\d+)", visa).group(1))  # type: ignore[union-attr]
    await bot.stop()

    out = tmp_path / "begaran" / "vmo"
    argv = ["records-request", code, "--db", str(bot.db_path), "--out", str(out)]
    assert await asyncio.to_thread(main, [*argv, "--by", "registrator", "--ref", "KS 2027/9"]) == 0
    written = capsys.readouterr().out.split()
    assert written == [str(out) + ".html", str(out) + ".csv"]
    page = page_text(Path(written[0]))
    for value in values:
        if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", value):  # !visa's times, to the minute
            value = value.replace(" ", "T")
        assert value.casefold() in page.casefold(), f"{value!r} from !visa is not in the page"
    for action in ("created", "question", "answer", "note", "assign", "priority", "state"):
        assert action in page
    assert "records_request" in page and "registrator" in page and "KS 2027/9" in page

    rows = list(csv.DictReader(io.StringIO(read(written[1]))))
    trail = {r["nr"] for r in rows if r["kod"] == code and r["avsnitt"] == "audit"}
    assert len(trail) == audit_shown + 1  # every event !visa counts, and the request itself
    body = next(r["värde"] for r in rows if r["avsnitt"] == "text" and r["fält"] == "body")
    assert body == "Mycket klotter på väggarna vid stationen, det ser otryggt ut"
    for path in map(Path, written):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700

    with sqlite3.connect(bot.db_path) as conn:
        [(actor, detail)] = conn.execute(
            "SELECT actor, detail FROM audit WHERE action = 'records_request'"
        ).fetchall()
        assert (actor, detail) == ("registrator", "KS 2027/9")
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)


async def test_a_request_for_a_period_holds_the_tips_received_then(
    bot: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await bot.meet()
    first = await report_tip(bot)  # 2026-11-25
    bot.clock.advance(days=3)
    second = await report_tip(bot, category="1")  # 2026-11-28
    await bot.stop()
    out = tmp_path / "period"
    argv = ["records-request", "--from", "2026-11-27", "--to", "2026-11-30"]
    argv += ["--db", str(bot.db_path), "--out", str(out), "--by", "reg"]
    assert await asyncio.to_thread(main, argv) == 0
    page = page_text(out.with_name("period.html"))
    assert second in page and first not in page and "Antal tips: 1" in page
    with sqlite3.connect(bot.db_path) as conn:
        logged = conn.execute(
            "SELECT tip_id IS NULL, detail FROM audit WHERE action = 'records_request'"
        ).fetchall()
    assert sorted(logged) == [(0, None), (1, "2026-11-27..2026-11-30: 1 tips")]


def test_bad_requests_get_a_clear_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "none.sqlite3")
    out = str(tmp_path / "x")
    assert main(["records-request", "--db", db, "--out", out]) == 2
    assert "either a tip's CODE or a period" in capsys.readouterr().err
    assert main(["records-request", "VMO-2222", "--from", "2026-01-01", "--out", out]) == 2
    assert main(["records-request", "--from", "2026-13-01", "--db", db, "--out", out]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["records-request", "VMO-2222", "--db", db, "--out", out]) == 6  # EXIT_DATABASE
    assert "no database" in capsys.readouterr().err
