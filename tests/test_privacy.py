"""Privacy by construction: after a full tip, follow-up question and answer, the raw SQLite
file (and its WAL) holds no Matrix id of the resident and none of the planted personal
data; logs carry no message text or resident ids."""

from __future__ import annotations

import logging

import pytest

from handlers.retention import run_retention
from tests.harness import MODERATION_ROOM, MODERATOR, RESIDENT, Harness, raw_bytes
from tests.tipflow import report_tip

PLANTED = {
    "personnummer": "19811218-9876",
    "phone": "070-123 45 67",
    "email": "anna.svensson@example.se",
    "matrix": "@granne:example.org",
    "url": "https://bit.ly/abc123",
}


def forms(value: str) -> list[bytes]:
    compact = value.replace(" ", "").replace("-", "")
    return [value.encode(), compact.encode(), value.encode("utf-16-le")]


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_database_file_holds_no_resident_id_or_planted_data(
    bot: Harness, captured: pytest.LogCaptureFixture
) -> None:
    await bot.meet()
    await bot.say("!tips")
    for answer in ("2", "1", "Gröndal", "4", "3", "4"):
        await bot.say(answer)
    # names a person (a personnummer): redirected, and nothing of it may stay
    await bot.say(f"Klotter, och mitt personnummer är {PLANTED['personnummer']}")
    await bot.say(
        f"Klotter vid stationen, ring {PLANTED['phone']} eller mejla {PLANTED['email']}, "
        f"skriv till {PLANTED['matrix']}, bilder på {PLANTED['url']}"
    )
    receipt = next(t for t in await bot.texts("1") if "Din kod är" in t)
    code = receipt.split("Din kod är ")[1][:8]
    await bot.say(f"!fråga {code} Hur ser det ut nu?", as_=MODERATOR, room=MODERATION_ROOM)
    await bot.say(f"Fortfarande klotter, ring {PLANTED['phone']}, pnr {PLANTED['personnummer']}")
    await bot.say("Hej! Här är mitt nummer 0701234567, har ni fått mitt tips?")  # an offer
    await bot.say("nej")
    await run_retention(bot.svc)
    await bot.stop()  # closes the connection: the WAL is checkpointed into the file

    data = raw_bytes(bot.db_path)
    for needle in [RESIDENT, "resident:test.local"]:
        assert needle.encode() not in data, f"{needle} found in the database file"
    for kind, value in PLANTED.items():
        for form in forms(value):
            assert form not in data, f"planted {kind} found in the database file"
    assert b"[telefonnummer]" in data  # the scrubbed text is there, as shown to the resident

    for record in captured.records:
        message = record.getMessage()
        assert RESIDENT not in message
        assert "Klotter vid stationen" not in message and "Fortfarande" not in message
        for value in PLANTED.values():
            assert value not in message


async def test_deleted_text_does_not_linger_in_the_file(bot: Harness) -> None:
    """secure_delete: erased text is overwritten, not left in free pages."""
    await bot.meet()
    marker = "Hemligtext" + "Q" * 40
    await report_tip(bot, text=f"Klotter vid stationen {marker}")
    assert await bot.last("!glöm ja")
    await bot.stop()
    assert marker.encode() not in raw_bytes(bot.db_path)
