"""One identity for a person in every feature (issue 20).

Every column that keys a person is enumerated from the migrated schema: it is either a
resident's key, which must come from the pseudonym the engine gives every sender, or a
moderator's column (staff act under their own name, on purpose). A new column that keys a
person and is in neither list fails the first test.

The second test drives every feature that keys a resident with five residents at once,
interleaved, each in a direct chat that arrives the way the Matrix inbox hands it over (the
sender left empty, the pseudonym beside it): then every resident key must be non-empty,
shaped like a pseudonym (or a per-poll voter hash), and different for each of the five.
"""

from __future__ import annotations

import sqlite3

from bot.messages import IncomingMessage
from bot.pseudonym import is_pseudonym
from bot.render import plain
from tests.harness import GRONDAL_ROOM, MODERATION_ROOM, MODERATOR, Harness, dm_room
from tests.tipflow import CODE_RE

# Column names that (may) say who someone is.
PERSONISH = {"person", "pseudonym", "reporter", "voter", "author", "actor", "assignee"}
PERSONISH_SUFFIXES = ("_by", "sender", "user", "user_id")

RESIDENT_KEYS = {
    ("person", "pseudonym"): "language and safety notice (storage/people.py)",
    ("conversation", "person"): "guided conversations: tips, surveys, relay answers",
    ("inbox", "person"): "the Matrix inbox: the sender's pseudonym resolved at ingest",
    ("tip", "reporter"): "tips: limits, !mina, !glöm, who may answer a follow-up",
    ("broadcast_subscriber", "person"): "broadcast subscriptions",
    ("survey_voter", "voter"): "private surveys: one answer set per person (per-poll hash)",
    ("poll_response", "voter"): "native polls and !rösta: one vote per person (per-poll hash)",
}
STAFF_COLUMNS = {
    ("tip", "assignee"): "the moderator a tip is assigned to",
    ("tip_message", "author"): "the moderator who asked (NULL for a reporter's answer)",
    ("audit", "actor"): "the moderator who acted, or the word 'reporter'",
    ("poll", "created_by"): "the moderator who created the poll (their pseudonym)",
    ("broadcast_schedule", "created_by"): "the moderator who made the schedule",
    ("broadcast_adhoc", "created_by"): "the moderator who wrote the warning",
}

RESIDENTS = [f"@granne{i}:test.local" for i in range(5)]
MOD = {"as_": MODERATOR, "room": MODERATION_ROOM}


def personish(column: str) -> bool:
    return column in PERSONISH or column.endswith(PERSONISH_SUFFIXES)


def rows(bot: Harness, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return list(conn.execute(sql))


async def test_every_column_that_keys_a_person_is_declared(bot: Harness) -> None:
    found = set()
    for (table,) in rows(bot, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        for column in rows(bot, f"PRAGMA table_info({table})"):
            if personish(str(column[1])):
                found.add((str(table), str(column[1])))
    assert found == set(RESIDENT_KEYS) | set(STAFF_COLUMNS)


async def test_five_residents_in_direct_chats_each_have_their_own_key_in_every_feature(
    bot: Harness,
) -> None:
    await bot.meet(MODERATOR)
    assert (await bot.last("!enkät mall trygghetsenkat 1d", **MOD)).startswith("Enkät #1")
    assert (await bot.last("!enkät mall trygghet 1d", **MOD)).startswith("Enkät #2")
    for r in RESIDENTS:
        await bot.meet(r)
    expected = {bot.svc.pseudonymize(r) for r in RESIDENTS}

    # A survey, interleaved step by step: everyone's answer set is stored.
    for answer in ("!enkät 1", "1", "2", "3", "1", "1, 2"):
        for r in RESIDENTS:
            await bot.say(answer, as_=r)
    conv = rows(bot, "SELECT person FROM conversation")
    assert {p for (p,) in conv} == expected and len(conv) == 5  # all five mid-survey
    for r in RESIDENTS:
        assert (await bot.last("nej", as_=r)).startswith("Tack för dina svar!")
    assert rows(bot, "SELECT count(*) FROM survey_submission") == [(5,)]

    # The same native poll, by !rösta in the neighbourhood room.
    for n, r in enumerate(RESIDENTS):
        reply = await bot.last(f"!rösta 2 {n % 4 + 1}", as_=r, room=GRONDAL_ROOM)
        assert reply.startswith("Tack! Din röst i omröstning #2")

    # Subscriptions, and a tip each (interleaved), then a follow-up question to each reporter.
    for r in RESIDENTS:
        assert "varje bedrägerivarning" in await bot.last("!prenumerera", as_=r)
    steps = ["!tips", "2", "1", "Gröndal", "4", "3", "4"]
    for step in steps:
        for r in RESIDENTS:
            await bot.say(step, as_=r)
    for n, r in enumerate(RESIDENTS):
        await bot.say(f"Klotter på väggen vid stationen, nummer {n} i raden", as_=r)
    codes = {}
    for r in RESIDENTS:
        receipt = " ".join(plain(o.text) for o in await bot.say("1", as_=r))
        match = CODE_RE.search(receipt)
        assert match, receipt
        codes[r] = match.group(0)
    for r in RESIDENTS:
        await bot.say(f"!fråga {codes[r]} Vilken vägg?", **MOD)
    assert {p for (p,) in rows(bot, "SELECT person FROM conversation")} == expected
    for r in RESIDENTS[::-1]:
        out = await bot.texts(f"Den norra väggen, svar {r[1:9]}", as_=r)
        assert out[-1] == f"Tack, ditt svar om {codes[r]} är skickat till moderatorerna."
    answers = rows(
        bot,
        "SELECT t.code, m.body FROM tip_message m JOIN tip t ON t.id = m.tip_id"
        " WHERE m.direction = 'answer'",
    )
    assert sorted(answers) == sorted(
        (codes[r], f"Den norra väggen, svar {r[1:9]}") for r in RESIDENTS
    )

    for (table, column), feature in RESIDENT_KEYS.items():
        values = [v for (v,) in rows(bot, f"SELECT {column} FROM {table}")]
        if table == "inbox":
            continue  # emptied once handled; tests/e2e/test_many_residents_e2e.py covers it
        if table == "conversation":
            continue  # ended now; checked above while all five were mid-survey and mid-relay
        assert values, f"{table}.{column} ({feature}) was not exercised"
        assert all(isinstance(v, str) and is_pseudonym(v) for v in values), (table, column)
        if table == "person":
            assert expected <= set(values), feature
        elif column == "voter":
            assert len(values) == len(set(values)) == 5, feature
        else:
            assert set(values) == expected and len(values) == 5, feature
    assert rows(bot, "SELECT count(*) FROM relay") == [(5,)]
    assert {room for (room,) in rows(bot, "SELECT room_id FROM relay")} == {
        dm_room(r) for r in RESIDENTS
    }


async def test_a_message_whose_sender_cannot_be_identified_is_refused(bot: Harness) -> None:
    assert bot.app is not None
    before = len(bot.messenger.sent)
    msg = IncomingMessage(
        event_id="$nobody:test.local",
        room_id=dm_room("@someone:test.local"),
        sender="",
        body="!enkät",
        timestamp=bot.clock.now(),
        is_direct=True,
    )
    await bot.app.engine.handle(msg)  # no sender and no pseudonym
    await bot.app.engine.handle(msg, person="")  # an empty pseudonym is no pseudonym either
    out = bot.messenger.sent[before:]
    assert [plain(o.text) for o in out] == [
        "Jag kunde inte se vem som skickade det meddelandet, så jag gjorde ingenting med det. "
        "Skriv igen från ditt eget konto. Vid nödläge: ring 112."
    ]
    for table in ("person", "conversation"):
        assert rows(bot, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert rows(bot, "SELECT event_id FROM handled_event") == [("$nobody:test.local",)]


async def test_a_tip_asked_for_in_a_room_without_the_sender_is_refused_not_misdirected(
    bot: Harness,
) -> None:
    """Moving a tip to a direct chat needs the sender's Matrix id; a room message that
    arrives without it is refused (no direct chat is opened for an empty id)."""
    assert bot.app is not None
    await bot.meet(RESIDENTS[0])
    msg = IncomingMessage(
        event_id="$roomtip:test.local",
        room_id=GRONDAL_ROOM,
        sender="",
        body="!tips",
        timestamp=bot.clock.now(),
        is_direct=False,
    )
    before = len(bot.messenger.sent)
    await bot.app.engine.handle(msg, person=bot.svc.pseudonymize(RESIDENTS[0]))
    [out] = bot.messenger.sent[before:]
    assert plain(out.text).startswith("Jag kunde inte se vem som skickade det meddelandet")
    assert bot.messenger.opened_direct == []
    assert rows(bot, "SELECT count(*) FROM conversation") == [(0,)]
