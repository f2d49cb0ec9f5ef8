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

import nio

from bot.cli import main
from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import Source, bot_settings, direct_chat, peer, start_bot

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser


def page_text(path: Path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text("utf-8"))).split())


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


async def test_privacy_forget_and_a_records_request_over_matrix(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    moderator = await peer(matrix_client, await new_user("registrator"))
    resident = await peer(matrix_client, await new_user("boende"))
    bot_id = bot_user.user_id
    created = await moderator.client.room_create(
        preset=nio.RoomPreset.private_chat, invite=[bot_id], name="Moderering"
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    mod_room = str(created.room_id)
    settings = bot_settings(
        synapse,
        bot_user,
        **{"matrix.moderators": [moderator.user_id], "matrix.moderation_room": mod_room},
    )
    assert not settings.retention.decided
    home = tmp_path / "bot"
    bot = await start_bot(settings, bot_user, home)
    try:
        await moderator.wait_membership(mod_room, bot_id, "join")
        dm = await direct_chat(resident, bot_id)

        async def step(answer: str, expect: str) -> Source:
            before = len(resident.notices(dm, bot_id))
            await resident.say(dm, answer)

            def arrived(_: object) -> bool:
                return any(
                    expect in n["content"]["body"] for n in resident.notices(dm, bot_id)[before:]
                )

            await resident.wait_for(arrived)
            return next(
                n for n in resident.notices(dm, bot_id)[before:] if expect in n["content"]["body"]
            )

        for answer, expect in (
            ("!tips", "Vad handlar det om?"),
            ("2", "Var hände det?"),
            ("Bredaryd", "Vilken sorts plats?"),
            ("4", "När hände det?"),
            ("igår", "Ungefär vilken tid?"),
            ("kväll", "Vad hände?"),
            ("Klotter över hela väntsalen vid stationen", "Exakt detta sparas"),
        ):
            await step(answer, expect)
        receipt = await step("1", "Din kod är")
        found = re.search(r"VMO-[2-9A-HJ-NP-Z]{4}", receipt["content"]["body"])
        assert found
        code = found.group(0)
        await moderator.wait_notice(mod_room, bot_id, f"Nytt tips {code}")
        await moderator.say(mod_room, f"!fråga {code} Är klottret kvar i dag?")
        await resident.wait_notice(dm, bot_id, "Är klottret kvar i dag?")
        await resident.say(dm, "Ja, det är kvar")
        await moderator.wait_notice(mod_room, bot_id, "Svar från rapportören")
        await moderator.say(mod_room, f"!visa {code}")
        visa = (await moderator.wait_notice(mod_room, bot_id, "Ändringar i loggen"))["content"]
        assert "Klotter över hela väntsalen vid stationen" in visa["body"]

        privacy = (await step("!integritet", "Vem som ansvarar"))["content"]["body"]
        assert "har ännu inte beslutat hur länge" in privacy  # no decision in the example
        assert "imy.se" in privacy and "Dataskyddsombud:" in privacy
        assert (
            "Texten i dina tips finns kvar" in (await step("!glöm", "!glöm ja"))["content"]["body"]
        )
        await step("!glöm ja", "tagit bort kopplingen")
    finally:
        await bot.stop()
        await moderator.close()
        await resident.close()

    db = home / "bot.sqlite3"
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
