"""Issue 26 end to end on a real Synapse, with the example settings (no retention decision,
no [privacy] filled in): a resident reports a tip and a moderator asks a question; !integritet
gives the art. 13 items and says the text is kept until the kommun decides; !glöm removes the
links but not the text; then `tryggbot records-request` on the bot's database holds what the
moderator's !visa showed, the audit trail with the moderator's Matrix id, and the request."""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import main
from tests.e2e.botkit import tip_code, tip_over_matrix

if TYPE_CHECKING:
    from tests.e2e.conftest import Moderated


def page_text(path: Path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text("utf-8"))).split())


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


async def test_privacy_forget_and_a_records_request_over_matrix(
    moderated: Moderated, tmp_path: Path
) -> None:
    async with moderated(moderator="registrator", resident="boende", room="Moderering") as scene:
        assert not scene.settings.retention.decided
        moderator, resident = scene.moderator, scene.resident
        mod_room, dm, bot_id = scene.mod_room, scene.dm, scene.bot_id
        receipt = await tip_over_matrix(
            resident, dm, bot_id, "Klotter över hela väntsalen vid stationen"
        )
        code = tip_code(receipt)
        await moderator.wait_notice(mod_room, bot_id, f"Nytt tips {code}")
        await moderator.say(mod_room, f"!fråga {code} Är klottret kvar i dag?")
        await resident.wait_notice(dm, bot_id, "Är klottret kvar i dag?")
        await resident.say(dm, "Ja, det är kvar")
        await moderator.wait_notice(mod_room, bot_id, "Svar från rapportören")
        await moderator.say(mod_room, f"!visa {code}")
        visa = (await moderator.wait_notice(mod_room, bot_id, "Ändringar i loggen"))["content"]
        assert "Klotter över hela väntsalen vid stationen" in visa["body"]

        privacy = (await scene.tell("!integritet", "Vem som ansvarar"))["content"]["body"]
        assert "har ännu inte beslutat hur länge" in privacy  # no decision in the example
        assert "imy.se" in privacy and "Dataskyddsombud:" in privacy
        forget = (await scene.tell("!glöm", "!glöm ja"))["content"]["body"]
        assert "Texten i dina tips finns kvar" in forget
        await scene.tell("!glöm ja", "tagit bort kopplingen")

    db = scene.home / "bot.sqlite3"
    assert rows(db, "SELECT count(*) FROM tip_text") == [(1,)]  # a public record: kept
    assert rows(db, "SELECT count(*) FROM relay") == [(0,)]
    out = tmp_path / "utdrag"
    argv = ["records-request", code, "--db", str(db), "--out", str(out), "--by", "registrator"]
    assert await asyncio.to_thread(main, argv) == 0
    page = page_text(out.with_name("utdrag.html"))
    for seen in (
        code,
        "Klotter över hela väntsalen vid stationen",
        "Är klottret kvar i dag?",
        "Ja, det är kvar",
        "Bredaryd",
        moderator.user_id,  # the moderator's Matrix id in the audit trail
        "records_request",
    ):
        assert seen in page, seen
    assert resident.user_id not in page
    assert rows(db, "SELECT count(*) FROM outbox") == [(0,)]  # nothing was sent for it
