"""The conversation engine with a small flow: re-ask, back, cancel, expiry, resume after a
restart, idempotent completion."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.commands import Args, Command, Registry
from bot.context import Context
from bot.conversation import ConversationEngine, Flow, Reask, Step, StepResult
from tests.harness import Harness, dm_conversation


async def _parse_colour(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    if text.casefold() not in ("red", "blue"):
        raise Reask("help.no_such_command", command=text)
    return StepResult({"colour": text.casefold()})


async def _parse_count(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    if not text.isdigit():
        raise Reask("help.no_such_command", command=text)
    return StepResult({"count": int(text)})


async def _parse_confirm(
    ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any], text: str
) -> StepResult:
    if text == "edit colour":
        return StepResult(goto="colour", return_to="confirm")
    if text != "ja":
        raise Reask("help.no_such_command", command=text)
    return StepResult(done=True)


async def _finish(ctx: Context, conn: aiosqlite.Connection, data: Mapping[str, Any]) -> None:
    await conn.execute("CREATE TABLE IF NOT EXISTS orders (colour TEXT, count INTEGER)")
    await conn.execute("INSERT INTO orders VALUES (?, ?)", (data["colour"], data["count"]))
    ctx.reply_text(f"ordered {data['count']} {data['colour']}")


FLOW = Flow(
    "order",
    (
        Step("colour", lambda ctx, d: "Which colour?", _parse_colour),
        Step("count", lambda ctx, d: "How many?", _parse_count),
        Step("confirm", lambda ctx, d: f"{d['count']} {d['colour']}, ok?", _parse_confirm),
    ),
    _finish,
)


async def _start(ctx: Context, args: Args) -> None:
    await ConversationEngine(ctx.svc.registry.flows).start(ctx, "order")


def register(reg: Registry) -> None:
    reg.flow(FLOW)
    reg.command(
        Command(
            key="order",
            sv="beställ",
            en="order",
            summary="help.summary",
            usage="help.usage",
            handler=_start,
        )
    )


@pytest.fixture
async def cbot(tmp_path: Path):  # type: ignore[no-untyped-def]
    h = await Harness(tmp_path, extra=[register]).start()
    await h.meet()
    yield h
    await h.stop()


async def orders(h: Harness) -> list[tuple[str, int]]:
    async with h.svc.db.read() as conn:
        async with conn.execute("SELECT name FROM sqlite_master WHERE name='orders'") as cur:
            if await cur.fetchone() is None:
                return []
        async with conn.execute("SELECT colour, count FROM orders") as cur:
            return [(r[0], r[1]) for r in await cur.fetchall()]


async def test_happy_path_and_reask(cbot: Harness) -> None:
    assert await cbot.last("!order") == "Which colour?"
    out = await cbot.texts("green")
    assert out == ["Det finns inget kommando som heter ”green”.", "Which colour?"]
    assert await cbot.last("red") == "How many?"
    assert await cbot.last("3") == "3 red, ok?"
    assert await cbot.last("ja") == "ordered 3 red"
    assert await orders(cbot) == [("red", 3)]
    # the conversation is over: "ja" again is not an answer to anything
    assert "ordered" not in await cbot.last("ja")
    assert await orders(cbot) == [("red", 3)]


async def test_edit_returns_to_confirmation(cbot: Harness) -> None:
    for line in ("!order", "red", "3"):
        await cbot.say(line)
    assert await cbot.last("edit colour") == "Which colour?"
    assert await cbot.last("blue") == "3 blue, ok?"


async def test_back_goes_one_step(cbot: Harness) -> None:
    await cbot.say("!order")
    await cbot.say("red")
    assert await cbot.last("!tillbaka") == "Which colour?"
    assert await cbot.last("blue") == "How many?"
    texts = await cbot.texts("!back")
    assert texts == ["Which colour?"]
    texts = await cbot.texts("!back")
    assert texts == ["Vi är redan vid första frågan.", "Which colour?"]


async def test_cancel_saves_nothing(cbot: Harness) -> None:
    await cbot.say("!order")
    await cbot.say("red")
    assert await cbot.last("!avbryt") == "Avbrutet. Inget har sparats."
    assert await cbot.last("!cancel") == "Vi håller inte på med något just nu."
    assert await orders(cbot) == []


async def test_restart_mid_conversation_resumes(cbot: Harness) -> None:
    await cbot.say("!order")
    await cbot.say("blue")
    await cbot.restart()
    assert await cbot.last("7") == "7 blue, ok?"
    assert await cbot.last("ja") == "ordered 7 blue"


async def test_expired_conversation_is_dropped_and_said(cbot: Harness) -> None:
    await cbot.say("!order")
    cbot.clock.advance(minutes=61)
    texts = await cbot.texts("red")
    assert texts[0].startswith("Vårt förra samtal hade gått ut")


async def test_completion_is_idempotent(cbot: Harness) -> None:
    """Finishing the same conversation token twice acts once."""
    from storage import conversations

    await cbot.say("!order")
    await cbot.say("red")
    await cbot.say("2")
    async with cbot.svc.db.read() as conn:
        row = await dm_conversation(cbot, conn)
    assert row is not None
    await cbot.say("ja")
    async with cbot.svc.db.transaction() as conn:
        await conversations.save(conn, row, cbot.clock.now())  # the same conversation again
    assert (
        await cbot.last("ja")
        == "Det här är redan klart och skickat; inget har skickats två gånger."
    )
    assert await orders(cbot) == [("red", 2)]
