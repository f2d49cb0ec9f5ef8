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


# ---- command groups and typed arguments ------------------------------------------------


async def test_a_group_routes_multi_word_subcommands_and_refuses_unknown_ones(
    rbot: Harness,
) -> None:
    mod = {"as_": MODERATOR, "room": MODERATION_ROOM}
    assert await rbot.texts("!enkät ta bort 7", **mod) == ["Det finns ingen enkät med nummer 7."]
    assert await rbot.texts("!poll DELETE #7", **mod) == ["Det finns ingen enkät med nummer 7."]
    # "ta" alone names no subcommand: the group's usage
    assert (await rbot.texts("!enkät ta 7", **mod))[-1].startswith(
        "Så här används kommandot: !enkät ny | mall"
    )
    assert await rbot.texts("!utskick flyga 3", **mod) == [
        'Okänt val "flyga".',
        (await rbot.texts("!utskick", **mod))[-1],
    ]


async def test_a_typed_argument_is_refused_with_its_hint_and_the_subcommands_usage(
    rbot: Harness,
) -> None:
    mod = {"as_": MODERATOR, "room": MODERATION_ROOM}
    assert await rbot.texts("!enkät stäng tre", **mod) == [
        "“tre” är inget enkätnummer. Skriv numret, till exempel 3.",
        "Så här används kommandot: !enkät stäng ID",
    ]
    assert await rbot.texts("!utskick skicka nu x", **mod) == [
        '"x" är inget schemanummer.',
        "Så här används kommandot: !utskick skicka nu ID",
    ]
    assert await rbot.texts("!utskick pausa 1 2", **mod) == [
        "Så här används kommandot: !utskick pausa ID"  # a surplus word
    ]
    assert await rbot.texts("!utskick nu", **mod) == [
        "Skriv texten efter !utskick nu.",
        "Så här används kommandot: !utskick nu TEXT – förhandsvisning, sedan !utskick bekräfta NR",
    ]
    assert await rbot.texts("!visa 12345", **mod) == [
        "”12345” är ingen tipskod. En kod ser ut som VMO-7K3Q.",
        "Så här används kommandot: !visa KOD",
    ]
    # a code of the right form is looked up: well formed, but no such tip (no usage then)
    texts = await rbot.texts("!prio VMO-2345 hög", **mod)
    assert texts == ["Det finns inget tips med koden VMO-2345."]
    assert await rbot.texts("!prio VMO-2345 brådskande", **mod) == [
        "Det finns inget tips med koden VMO-2345."  # the tip is the first argument
    ]


async def test_help_for_a_group_lists_its_subcommands(rbot: Harness) -> None:
    mod = {"as_": MODERATOR, "room": MODERATION_ROOM}
    lines = (await rbot.last("!hjälp enkät", **mod)).splitlines()
    assert lines[0].startswith("!enkät – ")
    assert lines[1] == "Så här:"
    assert "• !enkät ny – guidad" in lines
    assert "• !enkät ta bort ID – innan den öppnat" in lines
    assert "• !enkät export ID [csv|json]" in lines
    assert await rbot.last("!hjälp enkät ta bort", **mod) == (
        "Så här: !enkät ta bort ID – innan den öppnat"
    )
    await rbot.say("!lang en", as_=MODERATOR, room=MODERATION_ROOM)
    lines = (await rbot.last("!help broadcast", **mod)).splitlines()
    assert "• !broadcast send-now ID" in lines and "• !broadcast confirm NO" in lines
    # a resident's group keeps its own usage and adds its subcommand, in their language
    resident = (await rbot.last("!hjälp enkät")).splitlines()
    assert resident[1] == (
        "Så här: !enkät · !enkät NUMMER (i en direktchatt med mig) · !enkät resultat NUMMER"
    )
    assert resident[2] == "• !enkät resultat NUMMER"


async def test_words_may_run_on_where_they_always_could(rbot: Harness) -> None:
    # a resident's "!enkät 9 tack" reads the number, as before; a moderator's "!prio" does not
    assert await rbot.texts("!enkät 9 tack") == await rbot.texts("!enkät 9")
    mod = {"as_": MODERATOR, "room": MODERATION_ROOM}
    assert (await rbot.texts("!prio VMO-2345 hög nu", **mod))[-1] == (
        "Så här används kommandot: !prio KOD hög|normal|låg"
    )
