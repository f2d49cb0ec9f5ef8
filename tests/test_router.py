"""Router: commands in Swedish and English, roles, generated help, unknown commands,
usage errors and crashing handlers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.commands import Args, Command, Registry, Role
from bot.context import Context
from bot.errors import UsageError
from tests.harness import MODERATION_ROOM, MODERATOR, RESIDENT, Harness


async def _secret(ctx: Context, args: Args) -> None:
    ctx.reply_text("secret queue: 3 tips")


async def _boom(ctx: Context, args: Args) -> None:
    raise RuntimeError("database password is hunter2")


async def _needs_one(ctx: Context, args: Args) -> None:
    if len(args.words) != 1:
        raise UsageError()
    ctx.reply_text(f"got {args.words[0]}")


def register_test_commands(reg: Registry) -> None:
    reg.command(
        Command(
            key="secret",
            sv="hemlig",
            en="secret",
            summary="help.summary",
            usage="help.usage",
            handler=_secret,
            role=Role.MODERATOR,
            rooms=frozenset({"moderation"}),
        )
    )
    reg.command(
        Command(
            key="boom",
            sv="krasch",
            en="boom",
            summary="help.summary",
            usage="help.usage",
            handler=_boom,
        )
    )
    reg.command(
        Command(
            key="one",
            sv="ett",
            en="one",
            summary="help.summary",
            usage="about.usage",
            handler=_needs_one,
        )
    )


@pytest.fixture
async def rbot(tmp_path: Path):  # type: ignore[no-untyped-def]
    h = await Harness(tmp_path, extra=[register_test_commands]).start()
    await h.meet(RESIDENT)
    await h.meet(MODERATOR)
    yield h
    await h.stop()


async def test_help_in_swedish_lists_swedish_names(rbot: Harness) -> None:
    text = await rbot.last("!hjälp")
    assert "Det här kan du göra" in text
    assert "!hjälp" in text and "!om" in text and "!integritet" in text and "!språk" in text
    assert "!hemlig" not in text  # a resident never sees moderator commands


async def test_help_in_english_after_language_choice(rbot: Harness) -> None:
    await rbot.say("!lang en")
    text = await rbot.last("!help")
    assert "What you can do" in text
    assert "!help" in text and "!about" in text and "!privacy" in text
    assert "!secret" not in text


async def test_moderator_help_shows_moderator_section(rbot: Harness) -> None:
    text = await rbot.last("!hjälp", as_=MODERATOR, room=MODERATION_ROOM)
    assert "För moderatorer" in text and "!hemlig" in text


async def test_help_for_one_command_shows_usage_and_names(rbot: Harness) -> None:
    text = await rbot.last("!help språk")
    assert "!språk [kod]" in text
    assert "!lang" in text


async def test_resident_cannot_run_moderator_command(rbot: Harness) -> None:
    text = await rbot.last("!hemlig", room=MODERATION_ROOM)
    assert text == "Det kommandot är bara för moderatorer."
    assert all("secret queue" not in o.text for o in rbot.messenger.sent)


async def test_moderator_runs_command_only_in_moderation_room(rbot: Harness) -> None:
    assert await rbot.last("!hemlig", as_=MODERATOR, room=MODERATION_ROOM) == "secret queue: 3 tips"
    text = await rbot.last("!secret", as_=MODERATOR)
    assert "bara i moderatorrummet" in text


async def test_commands_are_case_and_accent_insensitive(rbot: Harness) -> None:
    for spelling in ("!HJÄLP", "!hjalp", "!Help"):
        assert "Det här kan du göra" in await rbot.last(spelling)


async def test_unknown_command_suggests_the_closest(rbot: Harness) -> None:
    text = await rbot.last("!hjälo")
    assert "”!hjälo” finns inte" in text and "Menade du !hjälp?" in text
    text = await rbot.last("!xyzzyqq")
    assert "finns inte" in text and "Menade du" not in text


async def test_unknown_command_never_suggests_moderator_commands_to_residents(
    rbot: Harness,
) -> None:
    text = await rbot.last("!hemlg")
    assert "!hemlig" not in text.replace("!hemlg", "")


async def test_crash_gives_incident_id_and_no_exception_text(rbot: Harness) -> None:
    text = await rbot.last("!boom")
    assert "incident" in text
    assert "hunter2" not in text and "RuntimeError" not in text and "Traceback" not in text


async def test_wrong_arguments_show_usage(rbot: Harness) -> None:
    text = await rbot.last("!one a b")
    assert text == "Så här används kommandot: !om"
    assert await rbot.last("!one a") == "got a"


async def test_bare_exclamation_mark_is_answered(rbot: Harness) -> None:
    text = await rbot.last("!")
    assert "finns inte" in text


async def test_help_in_the_moderation_room_lists_what_works_there(rbot: Harness) -> None:
    text = await rbot.last("!hjälp", as_=MODERATOR, room=MODERATION_ROOM)
    assert "!kö" in text and "!hjälp" in text
    assert "!tips" not in text and "!mina" not in text  # residents' commands: not here
    detail = await rbot.last("!hjälp status", as_=MODERATOR, room=MODERATION_ROOM)
    assert detail.splitlines() == [
        "!status – Ändra status, med en offentlig kommentar till rapportören",
        "Så här: !status KOD ny|granskad|vidarebefordrad|stängd|avfärdad [kommentar]",
    ]
    resident_detail = await rbot.last("!hjälp status")
    assert resident_detail.splitlines()[0] == "!status – Se hur det går med ett tips"
