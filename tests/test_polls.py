"""Citizen dialogue through the real router and a real SQLite file: creating polls (guided
and from templates), native responses and !rösta, closing on time (also across a restart),
results with suppression, permissions, private surveys and "you said, we did"."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.messages import IncomingPollEvent, Outgoing
from bot.render import plain
from bot.scheduler import run_startup_jobs
from handlers.polls.lifecycle import run_due, voter_hash
from tests.harness import (
    GRONDAL_ROOM,
    MODERATION_ROOM,
    MODERATOR,
    RESIDENT,
    RESIDENT2,
    Harness,
    dm_room,
)

MOD = {"as_": MODERATOR, "room": MODERATION_ROOM}
ROOM = {"room": GRONDAL_ROOM}


def rows(bot: Harness, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return list(conn.execute(sql))


def raw_bytes(db_path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        f = Path(str(db_path) + suffix)
        if f.exists():
            data += f.read_bytes()
    return data


def starts(bot: Harness) -> list[Outgoing]:
    return [o for o in bot.messenger.sent if o.poll is not None]


async def start_event(bot: Harness, poll_id: int = 1) -> str:
    [(event_id,)] = rows(bot, f"SELECT start_event_id FROM poll_target WHERE poll_id = {poll_id}")
    return str(event_id)


async def respond(
    bot: Harness, sender: str, answers: tuple[str, ...] | None, n: int, *, target: str = ""
) -> str:
    """A native poll response (``None``: redacted) ``n`` seconds after the clock's now."""
    start = target or await start_event(bot)
    event_id = f"$resp{sender[1:4]}{n}:test.local"
    await bot.app.engine.handle_poll(  # type: ignore[union-attr]
        [
            IncomingPollEvent(
                "response",
                event_id,
                GRONDAL_ROOM,
                sender,
                start,
                bot.clock.now() + timedelta(seconds=n),
                answers,
            )
        ]
    )
    return event_id


async def trygghet(bot: Harness, extra: str = "2d") -> None:
    await bot.meet(MODERATOR)
    reply = await bot.last(f"!enkät mall trygghet {extra}", **MOD)
    assert reply.startswith("Enkät #1 är skapad för 1 rum.")


async def close(bot: Harness, **advance: float) -> None:
    bot.clock.advance(**advance)
    await run_due(bot.svc)


# ---- creation -------------------------------------------------------------------------


async def test_template_posts_a_native_poll_in_the_neighbourhood_room(bot: Harness) -> None:
    await trygghet(bot)
    [start] = starts(bot)
    assert start.room_id == GRONDAL_ROOM
    assert start.poll is not None
    assert start.poll.question.startswith("Hur trygg skulle du känna dig")
    assert [a.id for a in start.poll.answers][:2] == ["mycket_trygg", "ganska_trygg"]
    assert start.poll.disclosed is False and start.poll.max_selections == 1
    assert "!rösta 1" in plain(start.text)
    assert start.txn_key == "poll/1/start/1"
    assert (await bot.last("!enkät lista", **MOD)).startswith("Enkäter och omröstningar")
    templates = await bot.last("!poll template", **MOD)
    assert "• trygghetsenkat – Trygghetsenkät (privat enkät, 21 dagar)" in templates
    assert "ingen mall" in await bot.last("!enkät mall finnsinte", **MOD)


async def test_export_in_chat_and_split_into_messages_that_fit_matrix(bot: Harness) -> None:
    from handlers.polls.commands import chunks

    await bot.meet(MODERATOR)
    await bot.say("!enkät mall trygghetsenkat 1d", **MOD)
    [export] = await bot.texts("!enkät export 1 csv", **MOD)
    lines = export.splitlines()
    assert lines[0] == "Export av enkät #1 (csv):"
    assert lines[1].startswith("poll_id,kind,template,status")
    assert sum(1 for line in lines if line.startswith("1,survey,trygghetsenkat,interim")) == 19
    parts = chunks("".join(f"{i},{'x' * 90}\n" for i in range(1000)), 12_000)
    assert len(parts) > 1 and all(len(p) <= 12_000 and p.endswith("\n") for p in parts)
    assert "".join(parts).count("\n") == 1000


async def test_guided_creation_asks_everything_then_opens_at_the_set_time(bot: Harness) -> None:
    await bot.meet(MODERATOR)
    assert "Var ska folk svara?" in await bot.last("!enkät ny", **MOD)
    assert "Vilken fråga" in await bot.last("1", **MOD)
    assert "svarsalternativen" in await bot.last("Ska vi ha fler gatlampor?", **MOD)
    assert "Hur många" in await bot.last("Ja\nNej\nVet inte", **MOD)
    assert (await bot.texts("9", **MOD))[0] == "Skriv ett tal från 1 till 3."  # asked again
    assert "I vilka rum?" in await bot.last("1", **MOD)
    assert "När ska den öppna?" in await bot.last("alla", **MOD)
    assert "När ska den stänga?" in await bot.last("2h", **MOD)
    assert "När får de boende" in await bot.last("3d", **MOD)
    confirm = await bot.last("2", **MOD)
    assert "Fråga: Ska vi ha fler gatlampor?" in confirm and "Rum: 1" in confirm
    assert (await bot.last("1", **MOD)).startswith("Enkät #1 är skapad")
    assert starts(bot) == []  # opens in two hours
    bot.clock.advance(hours=2, seconds=1)
    await run_due(bot.svc)
    [start] = starts(bot)
    assert start.poll is not None and [a.text for a in start.poll.answers] == [
        "Ja",
        "Nej",
        "Vet inte",
    ]


async def test_delete_only_before_opening(bot: Harness) -> None:
    await bot.meet(MODERATOR)
    await bot.say("!poll new", **MOD)
    for answer in ("1", "Fråga?", "A;B", "1", "1", "1d", "1d", "1", "1"):
        await bot.say(answer, **MOD)
    assert await bot.last("!enkät ta bort 1", **MOD) == "Enkät #1 är borttagen."
    await bot.last("!enkät mall problem", **MOD)
    assert "kan inte tas bort" in await bot.last("!enkät ta bort 2", **MOD)


# ---- responses and closing ------------------------------------------------------------


async def test_native_votes_latest_counts_and_close_sends_end_and_summary(bot: Harness) -> None:
    await trygghet(bot, "2d")
    voters = [f"@v{i}:test.local" for i in range(6)]
    for i, v in enumerate(voters):
        await respond(bot, v, ("ganska_trygg",), i)
    await respond(bot, voters[0], ("mycket_otrygg",), 10)  # changes the vote
    await respond(bot, voters[1], ("okänt",), 11)  # spoils
    bot.messenger.sent.clear()
    await close(bot, days=2)
    end = [o for o in bot.messenger.sent if o.poll_end is not None]
    assert len(end) == 1 and end[0].poll_end == await start_event(bot)
    summary = next(
        plain(o.text) for o in bot.messenger.sent if o.room_id == GRONDAL_ROOM and not o.poll_end
    )
    assert "En fingervisning, inte ett representativt urval." in summary
    assert "Antal svar: 5" in summary
    assert "• Ganska trygg: 4 (80 %)" in summary
    assert "• Mycket otrygg: 1 (20 %)" in summary
    charts = [o for o in bot.messenger.sent if o.image is not None]
    assert {o.room_id for o in charts} == {GRONDAL_ROOM, MODERATION_ROOM}
    assert charts[0].image is not None and charts[0].image.data.startswith(b"\x89PNG")
    assert rows(bot, "SELECT count(*) FROM poll_response") == [(0,)]
    assert rows(bot, "SELECT voter_key, state FROM poll") == [(None, "closed")]
    assert rows(bot, "SELECT n FROM poll_count WHERE place = '' AND option_id = '*'") == [(5,)]


async def test_redacted_response_falls_back_and_late_votes_do_not_count(bot: Harness) -> None:
    await trygghet(bot, "1h")
    for i in range(5):
        await respond(bot, f"@v{i}:test.local", ("mycket_trygg",), i)
    changed = await respond(bot, "@v0:test.local", ("mycket_otrygg",), 20)
    redaction = IncomingPollEvent(
        "redaction", "$red:test.local", GRONDAL_ROOM, "@v0:test.local", changed, bot.clock.now()
    )
    await bot.app.engine.handle_poll([redaction])  # type: ignore[union-attr]
    await respond(bot, "@v1:test.local", ("mycket_otrygg",), 3600 * 2)  # after the close
    await close(bot, hours=1)
    text = plain(next(o.text for o in bot.messenger.sent if "Resultat, enkät #1" in o.text))
    assert "• Mycket trygg: 5 (100 %)" in text


async def test_the_same_response_twice_is_counted_once(bot: Harness) -> None:
    await trygghet(bot, "1h")
    for i in range(5):
        await respond(bot, f"@v{i}:test.local", ("ganska_trygg",), i)
        await respond(bot, f"@v{i}:test.local", ("ganska_trygg",), i)  # replay, same event id
    assert rows(bot, "SELECT count(*) FROM poll_response") == [(5,)]


async def test_vote_command_counts_like_a_native_response(bot: Harness) -> None:
    await trygghet(bot, "1h")
    for i in range(4):
        await respond(bot, f"@v{i}:test.local", ("ganska_trygg",), i)
    await respond(bot, RESIDENT, ("mycket_trygg",), -30)
    await bot.meet(RESIDENT)
    reply = await bot.last("!rösta 1 4", **ROOM)
    assert reply.startswith("Tack! Din röst i omröstning #1: Mycket otrygg.")
    assert "1-6" not in await bot.last("!rösta 1 9", **ROOM)
    await close(bot, hours=1)
    text = plain(next(o.text for o in bot.messenger.sent if "Resultat, enkät #1" in o.text))
    assert "• Mycket otrygg: 1 (20 %)" in text and "• Mycket trygg: 0 (0 %)" in text


async def test_small_groups_are_suppressed_in_the_summary(bot: Harness) -> None:
    await trygghet(bot, "1h")
    for i in range(3):
        await respond(bot, f"@v{i}:test.local", ("ganska_trygg",), i)
    await close(bot, hours=1)
    text = plain(next(o.text for o in bot.messenger.sent if "Resultat, enkät #1" in o.text))
    assert "färre än 5" in text and "Ganska trygg" not in text
    assert not [o for o in bot.messenger.sent if o.image is not None]


async def test_restart_between_vote_and_close_keeps_the_tally(bot: Harness) -> None:
    await trygghet(bot, "1h")
    for i in range(5):
        await respond(bot, f"@v{i}:test.local", ("ganska_otrygg",), i)
    await bot.restart()
    await respond(bot, "@v9:test.local", ("mycket_otrygg",), 5)
    bot.clock.advance(hours=3)  # the close was missed while "down": it happens at start
    await bot.restart()
    assert bot.app is not None
    await run_startup_jobs(bot.svc, bot.app.jobs)
    text = plain(next(o.text for o in bot.messenger.sent if "Resultat, enkät #1" in o.text))
    assert "Antal svar: 6" in text and "• Ganska otrygg: 5 (83 %)" in text
    assert [o.poll_end for o in bot.messenger.sent if o.poll_end]


async def test_moderator_close_early_and_results_on_request(bot: Harness) -> None:
    await trygghet(bot, "7d")
    for i in range(5):
        await respond(bot, f"@v{i}:test.local", ("mycket_trygg",), i)
    live = await bot.texts("!enkät resultat 1", **MOD)
    assert live[0].startswith("Preliminärt resultat, enkät #1")
    assert (
        await bot.last("!enkät stäng 1", **MOD)
        == "Enkät #1 är stängd. Resultatet skickas till rummen och hit."
    )
    assert rows(bot, "SELECT state FROM poll") == [("closed",)]
    assert [o for o in bot.messenger.sent if o.poll_end]


# ---- permissions ----------------------------------------------------------------------


async def test_residents_cannot_create_close_or_see_undisclosed_results_early(
    bot: Harness,
) -> None:
    await trygghet(bot, "1d")
    await bot.meet(RESIDENT)
    forbidden = await bot.last("!enkät ny", as_=RESIDENT, room=MODERATION_ROOM)
    assert "moderator" in forbidden.casefold()
    assert (
        "moderator"
        in (await bot.last("!enkät stäng 1", as_=RESIDENT, room=MODERATION_ROOM)).casefold()
    )
    assert "moderator" in (await bot.last("!poll new", as_=RESIDENT)).casefold()
    early = await bot.last("!enkät resultat 1", as_=RESIDENT)
    assert early.startswith("Resultatet av #1 visas när den stänger")
    assert rows(bot, "SELECT state FROM poll") == [("open",)]


async def test_disclosed_results_are_public_while_open(bot: Harness) -> None:
    await bot.meet(MODERATOR)
    await bot.say("!enkät mall problem 1d", **MOD)
    await bot.meet(RESIDENT)
    text = await bot.last("!enkät resultat 1", as_=RESIDENT)
    assert text.startswith("Preliminärt resultat, enkät #1")
    assert "färre än 5" in text


# ---- private surveys ------------------------------------------------------------------


async def answer_survey(bot: Harness, who: str, place: str, optin: str) -> list[str]:
    await bot.meet(who)
    said = [await bot.last("!enkät 1", as_=who)]
    for answer in (place, "2", "3", "1", "1, 2", optin):
        said.append(await bot.last(answer, as_=who))
    return said


async def test_private_survey_one_answer_set_no_link_and_outcome(bot: Harness) -> None:
    await bot.meet(MODERATOR)
    await bot.say("!enkät mall trygghetsenkat 1d", **MOD)
    announce = [o for o in bot.messenger.sent if o.room_id == GRONDAL_ROOM]
    assert "!enkät 1" in plain(announce[0].text) and announce[0].poll is None
    said = await answer_survey(bot, RESIDENT, "1", "1")
    assert said[1].startswith("Fråga 1 av 4:")
    assert said[-1].startswith("Tack för dina svar!") and "meddelande här" in said[-1]
    assert await bot.last("!enkät 1", as_=RESIDENT) == (
        "Du har redan svarat på den här enkäten. Tack!"
    )
    for i in range(5):
        await answer_survey(bot, f"@r{i}:test.local", "Bredaryd", "2")
    [(key,)] = rows(bot, "SELECT voter_key FROM poll")
    hashed = voter_hash(str(key), bot.svc.pseudonymize(RESIDENT))
    assert rows(bot, f"SELECT count(*) FROM survey_voter WHERE voter = '{hashed}'") == [(1,)]
    await close(bot, days=1)
    text = plain(next(o.text for o in bot.messenger.sent if "Resultat, enkät #1" in o.text))
    assert "Antal svar: 6" in text and "Bredaryd: 5 svar" in text and "färre än 5" in text
    for table in ("survey_voter", "survey_submission", "survey_answer", "poll_response"):
        assert rows(bot, f"SELECT count(*) FROM {table}") == [(0,)]
    with sqlite3.connect(bot.db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = raw_bytes(bot.db_path)
    assert RESIDENT.encode() not in data and hashed.encode() not in data
    assert str(key).encode() not in data
    bot.messenger.sent.clear()
    reply = await bot.last(
        "!enkät åtgärd 1 Vi röjer buskagen vid Gröndalsskolan i december.", **MOD
    )
    assert reply.startswith("Åtgärden för enkät #1 är sparad")
    outcome = [o for o in bot.messenger.sent if "Ni sa, vi gjorde" in o.text]
    assert {o.room_id for o in outcome} == {GRONDAL_ROOM, dm_room(RESIDENT)}
    assert "Vi röjer buskagen" in plain(outcome[0].text)
    assert rows(bot, "SELECT count(*) FROM survey_followup") == [(0,)]
    kept = await bot.texts("!enkät resultat 1", **MOD)
    assert "Ni sa, vi gjorde: Vi röjer buskagen" in kept[0]


async def test_outcome_only_after_close_and_for_native_polls_too(bot: Harness) -> None:
    await trygghet(bot, "1h")
    assert "först när enkät #1 har stängt" in await bot.last(
        "!enkät åtgärd 1 Mer belysning.", **MOD
    )
    await close(bot, hours=1)
    bot.messenger.sent.clear()
    await bot.say("!enkät åtgärd 1 Kommunen sätter upp fyra nya lampor i parken.", **MOD)
    [posted] = [o for o in bot.messenger.sent if o.room_id == GRONDAL_ROOM]
    assert plain(posted.text).startswith("Ni sa, vi gjorde – enkät #1:")
    assert rows(bot, "SELECT outcome_posted FROM poll") == [(1,)]


async def test_survey_is_answered_only_in_a_direct_chat(bot: Harness) -> None:
    await bot.meet(MODERATOR)
    await bot.say("!enkät mall bedrageri 1d", **MOD)
    await bot.meet(RESIDENT2)
    assert "direktchatt" in await bot.last("!enkät 1", as_=RESIDENT2, **ROOM)
    listing = await bot.last("!enkät", as_=RESIDENT2)
    assert "#1 Bedrägeriförsök det senaste året" in listing
    assert "besvaras privat" in await bot.last("!rösta 1 1", as_=RESIDENT2, **ROOM)


async def test_recovery_from_relations_counts_nothing_twice(bot: Harness) -> None:
    from typing import Any

    from bot.matrix.polls import recover

    await trygghet(bot, "1h")
    start = await start_event(bot)
    seen = await respond(bot, "@v0:test.local", ("mycket_trygg",), 1)  # before the gap
    ms = int(bot.clock.now().timestamp() * 1000)

    def response(event_id: str, sender: str, answer: str, offset: int) -> dict[str, Any]:
        return {
            "type": "org.matrix.msc3381.poll.response",
            "event_id": event_id,
            "sender": sender,
            "origin_server_ts": ms + offset,
            "content": {
                "m.relates_to": {"rel_type": "m.reference", "event_id": start},
                "org.matrix.msc3381.poll.response": {"answers": [answer]},
            },
        }

    chunk = [response(seen, "@v0:test.local", "mycket_trygg", 1000)]
    chunk += [
        response(f"$gap{i}", f"@v{i}:test.local", "ganska_trygg", 2000 + i) for i in range(1, 6)
    ]
    chunk.append({**response("$bot", "@tryggbot:localhost", "ganska_trygg", 9000)})

    async def request(method: str, path: str) -> tuple[int, dict[str, Any]]:
        return 200, {"chunk": list(reversed(chunk))}  # newest first, one page

    for _ in range(2):  # a second recovery (another restart) changes nothing
        read = await recover(
            request, [(GRONDAL_ROOM, start)], "@tryggbot:localhost", bot.app.engine.handle_poll
        )  # type: ignore[union-attr]
        assert read == 6
    assert rows(bot, "SELECT count(*) FROM poll_response") == [(6,)]
    await close(bot, hours=1)
    text = plain(next(o.text for o in bot.messenger.sent if "Resultat, enkät #1" in o.text))
    assert "Antal svar: 6" in text and "• Ganska trygg: 5 (83 %)" in text


async def test_conversation_state_is_stored_as_before_and_old_rows_resume(bot: Harness) -> None:
    """The typed state of ``poll_new`` and ``survey`` (TypedDicts) writes the same JSON into
    ``conversation.data`` as before, and a row written by an older bot resumes."""
    await bot.meet(MODERATOR)
    await bot.say("!enkät ny", **MOD)
    for text in ("1", "Ska vi ha fler gatlampor?", "Ja\nNej\nVet inte", "2", "alla"):
        await bot.say(text, **MOD)
    [(stored,)] = rows(bot, "SELECT data FROM conversation")
    data = json.loads(str(stored))
    assert list(data) == ["_rooms", "kind", "question", "options", "max", "targets"]
    assert data["kind"] == "poll" and data["options"] == ["Ja", "Nej", "Vet inte"]
    assert data["max"] == 2 and data["targets"] == [GRONDAL_ROOM]
    old = json.dumps({**data, "question": "Ska vi ha bänkar?"}, ensure_ascii=False)
    with sqlite3.connect(bot.db_path) as conn:  # as a bot of an earlier version left it
        conn.execute("UPDATE conversation SET data = ?", (old,))
    await bot.say("2h", **MOD)
    await bot.say("3d", **MOD)
    confirm = await bot.last("2", **MOD)
    assert "Fråga: Ska vi ha bänkar?" in confirm
    assert (await bot.last("1", **MOD)).startswith("Enkät #1 är skapad")

    await bot.say("!enkät mall trygghetsenkat 1d", **MOD)
    await bot.meet(RESIDENT)
    await bot.say("!enkät 2", as_=RESIDENT)
    await bot.say("1", as_=RESIDENT)
    await bot.say("2", as_=RESIDENT)
    [(stored,)] = rows(bot, "SELECT data FROM conversation")
    data = json.loads(str(stored))
    assert list(data) == ["poll", "content", "i", "answers", "place"]
    assert data["poll"] == 2 and data["i"] == 1 and len(data["answers"]) == 1
    for answer in ("3", "1", "1, 2"):
        await bot.say(answer, as_=RESIDENT)
    assert (await bot.last("1", as_=RESIDENT)).startswith("Tack för dina svar!")
