"""First contact, the urgent answer, and the language every answer comes in."""

from __future__ import annotations

from tests.harness import GRONDAL_ROOM, RESIDENT, RESIDENT2, Harness


async def test_first_contact_shows_the_safety_notice_once(bot: Harness) -> None:
    texts = await bot.texts("Hej, hur fungerar det här?")
    notice = texts[0]
    assert "Värnamo kommuns trygghetskanal i samarbete med lokalpolisområde Värnamo" in notice
    assert "ring 112" in notice and "114 14" in notice and "polisen.se" in notice
    assert "mån–fre kl. 08:00–16:00" in notice
    assert "ingen polisanmälan" in notice and "allmän handling" in notice
    assert "aldrig efter ditt namn" in notice
    later = await bot.texts("Hej igen, en fråga till")
    assert all("trygghetskanal" not in t for t in later)


async def test_safety_notice_repeats_after_configured_days(bot: Harness) -> None:
    await bot.say("!om")
    bot.clock.advance(days=89)
    assert all("trygghetskanal" not in t for t in await bot.texts("!hjälp"))
    bot.clock.advance(days=2)
    assert any("trygghetskanal" in t for t in await bot.texts("!hjälp"))


async def test_urgent_message_gets_112_first(bot: Harness) -> None:
    await bot.meet()
    texts = await bot.texts("Det brinner i förrådet just nu!")
    assert texts[0].startswith("Är det fara nu, eller pågår ett brott? Ring 112 direkt.")


async def test_urgent_english_message_gets_112_in_english(bot: Harness) -> None:
    texts = await bot.texts("Someone has a knife outside the station, it's happening now")
    assert texts[0].startswith("Is someone in danger now, or is a crime happening? Call 112")


async def test_urgent_message_in_neighbourhood_room_is_answered_there(bot: Harness) -> None:
    out = await bot.say("Det brinner i en bil på parkeringen just nu", room=GRONDAL_ROOM)
    assert out and out[0].room_id == GRONDAL_ROOM
    assert "112" in out[0].text
    assert out[0].reply_to is not None


async def test_ordinary_chatter_in_neighbourhood_room_is_not_answered(bot: Harness) -> None:
    assert await bot.say("Någon som vet när biblioteket öppnar?", room=GRONDAL_ROOM) == []


async def test_english_message_is_answered_in_english(bot: Harness) -> None:
    texts = await bot.texts("Hello, I would like to know what this service is about")
    assert texts[0].startswith("Hello! I am Tryggbot")
    assert texts[-1].startswith("Would you like to send what you wrote as a tip")


async def test_short_message_keeps_the_stored_language(bot: Harness) -> None:
    await bot.say("Hello, I would like to know what this service is about")
    assert "What is it about?" in await bot.last("ok?")


async def test_short_unknown_message_falls_back_to_swedish(bot: Harness) -> None:
    texts = await bot.texts("ok?", as_=RESIDENT2)
    assert texts[0].startswith("Hej! Jag är Tryggbot")


async def test_explicit_language_wins_over_detection(bot: Harness) -> None:
    await bot.meet()
    switched = await bot.texts("!språk en")
    assert switched[0] == "Done! I will answer you in English from now on."
    text = await bot.last("Jag undrar vad den här tjänsten gör för oss i Gröndal")
    assert text.startswith("Would you like to send what you wrote as a tip")
    assert await bot.last("2") == "OK, I won't store anything. Write !help to see what I can do."
    assert (
        await bot.last("!lang auto")
        == "Done! I will now recognise your language from what you write."
    )
    text = await bot.last("Jag undrar vad den här tjänsten gör för oss i Gröndal")
    assert text.startswith("Vill du lämna det du skrev som ett tips")


async def test_unknown_language_code_lists_the_available(bot: Harness) -> None:
    await bot.meet()
    text = await bot.texts("!språk klingon")
    assert "Språket ”klingon” kan jag inte" in text[0]
    assert "pl (polski)" in text[0]


async def test_language_aliases(bot: Harness) -> None:
    await bot.meet()
    assert (await bot.last("!språk dari")).endswith("فارسی.") or "فارسی" in await bot.last(
        "!språk fa"
    )


async def test_persian_message_gets_the_notice_in_persian(bot: Harness) -> None:
    texts = await bot.texts("سلام، من می‌خواهم درباره امنیت محله‌مان صحبت کنم", as_=RESIDENT)
    assert "112" in texts[0]
    assert "Tryggbot" in texts[0]
    assert "Hej!" not in texts[0] and "Hello!" not in texts[0]


async def test_room_language_is_used_for_short_messages(bot: Harness) -> None:
    text = await bot.last("!hjälp", room=GRONDAL_ROOM, as_=RESIDENT2)
    assert "Det här kan du göra" in text


async def test_every_reply_to_one_message_has_its_own_transaction_id(bot: Harness) -> None:
    """Urgent answer, safety notice and reply are sent in separate batches: their
    transaction ids must still differ, or a homeserver would treat them as one message."""
    out = await bot.say("Det brinner i förrådet just nu, vad gör jag?")
    assert len(out) >= 3
    keys = [o.txn_key for o in out]
    assert None not in keys and len(set(keys)) == len(keys)


async def test_a_help_command_is_not_taken_for_a_cry_for_help(bot: Harness) -> None:
    urgent = bot.svc.catalog.t("sv", "safety.urgent").replace("**", "")
    for command in ("!help", "!hjälp"):
        out = await bot.texts(command, as_=RESIDENT)
        assert urgent not in out
        assert any("!" in t for t in out)  # the help text itself


async def test_an_urgent_text_after_a_command_still_gets_112(bot: Harness) -> None:
    await bot.meet()
    out = await bot.texts("!tips någon knivhugger en man här just nu", as_=RESIDENT)
    assert out[0] == bot.svc.catalog.t("sv", "safety.urgent").replace("**", "")
