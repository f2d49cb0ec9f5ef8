"""Residents' tips: every step, edits, cancel, timeout, restart, redirects, receipts,
limits, duplicates, retention and !glöm — checked in what the resident sees and in what
the database holds."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from bot.render import plain
from handlers.retention import run_retention
from handlers.tips import parse_date
from tests.harness import (
    GRONDAL_ROOM,
    MODERATION_ROOM,
    RESIDENT,
    RESIDENT2,
    FakeMessenger,
    Harness,
    dm_room,
    make_settings,
)
from tests.tipflow import CODE_RE, report_tip


def rows(bot: Harness, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return list(conn.execute(sql))


@pytest.fixture
async def tbot(bot: Harness) -> Harness:
    await bot.meet(RESIDENT)
    return bot


async def test_each_step_asks_the_next_question(tbot: Harness) -> None:
    texts = await tbot.texts("!tips")
    assert texts[0].startswith("Tack för att du vill berätta!")
    assert texts[1].startswith("Vad handlar det om?") and "2. Klotter" in texts[1]
    assert (await tbot.last("klotter")).startswith("Var hände det?")
    assert (await tbot.last("Värnamo")).startswith("Vilket område i Värnamo?")
    assert (await tbot.last("2")).startswith("Vilken sorts plats?")
    assert (await tbot.last("Park")).startswith("När hände det?")
    assert (await tbot.last("igår")).startswith("Ungefär vilken tid?")
    assert (await tbot.last("kväll")).startswith("Vad hände?")
    summary = await tbot.last("Lampan i parken är trasig och det är helt mörkt på kvällen")
    assert summary.splitlines()[:5] == [
        "Så här ser ditt tips ut. Exakt detta sparas:",
        "Vad: Klotter",
        "Plats: Värnamo, Gröndal · Park",
        "När: 2026-11-24, kväll (18–24)",
        "Beskrivning: «Lampan i parken är trasig och det är helt mörkt på kvällen»",
    ]
    receipt = (await tbot.texts("1"))[0]  # the card for moderators follows
    assert receipt.startswith("Tack! Ditt tips är skickat. Din kod är VMO-")
    assert "ingen polisanmälan" in receipt


async def test_stored_record_is_est_grade_and_anonymous(tbot: Harness) -> None:
    code = await report_tip(tbot)
    [record] = rows(
        tbot,
        "SELECT code, category, locality, area, place_type, occurred_date, weekday, time_band,"
        " iso_week, language, state, priority, reporter FROM tip",
    )
    assert record[:12] == (
        code,
        "klotter",
        "varnamo",
        "Gröndal",
        "station",
        "2026-11-24",
        2,
        "18-24",
        "2026-W48",
        "sv",
        "new",
        "normal",
    )
    reporter = record[12]
    assert isinstance(reporter, str) and len(reporter) == 32 and "resident" not in reporter
    [(text,)] = rows(tbot, "SELECT body FROM tip_text")
    assert text == "Mycket klotter på väggarna vid stationen, det ser otryggt ut"
    # follow-up questions reach the reporter through their direct chat, not their Matrix id
    assert rows(tbot, "SELECT room_id FROM relay") == [(dm_room(RESIDENT),)]


async def test_receipt_code_is_easy_to_read_aloud(tbot: Harness) -> None:
    codes = {await report_tip(tbot, as_=f"@r{i}:test.local") for i in range(8)}
    assert len(codes) == 8
    for code in codes:
        assert CODE_RE.fullmatch(code)
        assert not set(code[4:]) & set("0O1I")


async def test_now_sets_date_and_band_from_the_clock(tbot: Harness) -> None:
    await report_tip(tbot, when="nu", band=None)
    # the fake clock is 09:30 UTC + a few seconds = 10:30 in Stockholm
    assert rows(tbot, "SELECT occurred_date, time_band FROM tip") == [("2026-11-25", "06-12")]


async def test_locality_without_areas_skips_the_area_question(tbot: Harness) -> None:
    await tbot.say("!tips")
    await tbot.say("1")
    assert (await tbot.last("Bredaryd")).startswith("Vilken sorts plats?")


async def test_wrong_answers_reask_with_a_hint(tbot: Harness) -> None:
    await tbot.say("!tips")
    texts = await tbot.texts("99")
    assert texts[0] == "Det svaret förstod jag inte. Svara med en siffra från 1 till 13."
    assert texts[1].startswith("Vad handlar det om?")
    await tbot.say("1")
    texts = await tbot.texts("Stockholm")
    assert texts[0] == "Det svaret förstod jag inte. Svara med en siffra från 1 till 18."
    await tbot.say("bredaryd")
    await tbot.say("1")
    texts = await tbot.texts("förra sommaren")
    assert texts[0].startswith("Det förstod jag inte. Svara 1, 2 eller 3")
    assert (await tbot.texts("2030-01-01"))[0].startswith("Det datumet har inte hänt än")
    assert (await tbot.texts("2020-01-01"))[0].startswith("Det är mer än ett år sedan")
    await tbot.say("20/11")
    await tbot.say("5")
    assert (await tbot.texts("kort"))[0] == (
        "Skriv lite mer, minst 10 tecken, så att vi förstår vad som hänt."
    )
    too_long = (await tbot.texts("x y " * 600))[0]
    assert too_long.startswith("Texten är för lång (2399 tecken)")
    summary = await tbot.last("Glas från krossade flaskor överallt")
    assert "När: 2026-11-20, vet inte" in summary
    assert (await tbot.texts("kanske"))[0] == (
        "Svara 1 för att skicka, 2 för att ändra eller 3 för att avbryta."
    )


async def test_edit_from_the_summary(tbot: Harness) -> None:
    await tbot.say("!tips")
    for answer in ("2", "1", "2", "4", "3", "4", "Klotter på hela väggen vid perrongen"):
        await tbot.say(answer)
    assert (await tbot.last("2")).startswith("Vad vill du ändra?")
    assert (await tbot.last("2")).startswith("Var hände det?")  # 2 = place
    summary = await tbot.last("Bor")  # a locality without areas: the area is cleared
    assert "Plats: Bor · Resecentrum/station" in summary
    await tbot.say("ändra")
    assert (await tbot.last("Beskrivning")).startswith("Vad hände?")
    summary = await tbot.last("Nytt klotter på perrongen i Bor")
    assert "Beskrivning: «Nytt klotter på perrongen i Bor»" in summary
    await tbot.say("2")
    await tbot.say("4")  # when
    assert (await tbot.last("2")).startswith("Ungefär vilken tid?")  # today -> band asked
    summary = await tbot.last("1")
    assert "När: 2026-11-25, natt (00–06)" in summary
    await tbot.say("1")
    assert rows(tbot, "SELECT locality, area, occurred_date, time_band FROM tip") == [
        ("bor", None, "2026-11-25", "00-06")
    ]


async def test_back_changes_the_previous_answer(tbot: Harness) -> None:
    await tbot.say("!tips")
    await tbot.say("2")
    assert (await tbot.last("!tillbaka")).startswith("Vad handlar det om?")
    await tbot.say("1")
    await tbot.say("bredaryd")
    await tbot.say("1")
    await tbot.say("1")
    summary = await tbot.last("Trasiga bänkar i parken vid skolan")
    assert "Vad: Skadegörelse" in summary


@pytest.mark.parametrize("how", ["!avbryt", "!cancel", "3"])
async def test_cancel_stores_nothing(tbot: Harness, how: str) -> None:
    await tbot.say("!tips")
    for answer in ("2", "bredaryd", "1", "1", "Klotter på hela väggen vid perrongen"):
        await tbot.say(answer)
    texts = await tbot.texts(how)
    assert "Avbrutet. Inget har sparats." in texts
    assert rows(tbot, "SELECT count(*) FROM tip") == [(0,)]
    assert rows(tbot, "SELECT count(*) FROM conversation") == [(0,)]


async def test_timeout_forgets_the_unfinished_tip(tbot: Harness) -> None:
    await tbot.say("!tips")
    await tbot.say("2")
    tbot.clock.advance(minutes=61)
    texts = await tbot.texts("bredaryd")
    assert texts[0].startswith("Vårt förra samtal hade gått ut")
    await run_retention(tbot.svc)
    assert rows(tbot, "SELECT count(*) FROM conversation") == [(0,)]


async def test_restart_mid_flow_resumes(tbot: Harness) -> None:
    await tbot.say("!tips")
    await tbot.say("2")
    await tbot.say("bredaryd")
    await tbot.restart()
    assert (await tbot.last("1")).startswith("När hände det?")


async def test_replayed_final_answer_creates_one_tip(tbot: Harness) -> None:
    await report_tip(tbot)
    texts = await tbot.texts("1")
    assert not any("Din kod är" in t for t in texts)
    assert rows(tbot, "SELECT count(*) FROM tip") == [(1,)]


async def test_scrubbing_is_shown_before_confirming(tbot: Harness) -> None:
    await tbot.say("!tips")
    for answer in ("12", "bredaryd", "6", "2", "3"):
        await tbot.say(answer)
    summary = await tbot.last(
        "Någon ringde från 070-123 45 67 och bad om koder, mejla svar@bedrag.se eller "
        "gå till https://bank-sakerhet.example.com"
    )
    assert (
        "«Någon ringde från [telefonnummer] och bad om koder, mejla [e-post] eller gå till "
        "[länk]»" in summary
    )
    assert "Jag tog bort personuppgifter ur texten: [telefonnummer], [e-post], [länk]." in summary
    await tbot.say("1")
    [(body,)] = rows(tbot, "SELECT body FROM tip_text")
    assert "070" not in body and "@" not in body and "https" not in body


async def test_text_about_a_person_is_redirected_and_not_stored(tbot: Harness) -> None:
    await tbot.say("!tips")
    for answer in ("6", "bredaryd", "1", "2", "4"):
        await tbot.say(answer)
    texts = await tbot.texts("Killen med röd jacka som heter Johan säljer droger i parken")
    assert "inte om personer eller fordon" in texts[0]
    assert "114 14" in texts[0] and "polisen.se" in texts[0]
    assert texts[1].startswith("Vad hände?")
    summary = await tbot.last("Det verkar pågå langning i parken på kvällarna")
    assert "langning i parken" in summary
    assert rows(tbot, "SELECT count(*) FROM tip") == [(0,)]
    with sqlite3.connect(tbot.db_path) as conn:
        data = " ".join(r[0] for r in conn.execute("SELECT data FROM conversation"))
    assert "Johan" not in data


async def test_vehicle_is_redirected(tbot: Harness) -> None:
    await tbot.say("!tips")
    for answer in ("8", "bredaryd", "5", "2", "4"):
        await tbot.say(answer)
    texts = await tbot.texts("En svart Volvo med regnummer ABC 123 kör fort på cykelbanan")
    assert "inte om personer eller fordon" in texts[0]


async def test_worry_about_a_child_points_to_social_services(tbot: Harness) -> None:
    await tbot.say("!tips")
    for answer in ("13", "bredaryd", "6", "2", "4"):
        await tbot.say(answer)
    texts = await tbot.texts("Jag är orolig för ett barn i huset bredvid, barnet blir slaget")
    assert any("socialtjänsten" in t and "112" in t for t in texts)
    assert any("inte sparat något" in t for t in texts)
    assert rows(tbot, "SELECT count(*) FROM tip") == [(0,)]
    assert rows(tbot, "SELECT count(*) FROM conversation") == [(0,)]


async def test_urgent_text_gets_112_before_anything_else(tbot: Harness) -> None:
    await tbot.say("!tips")
    for answer in ("7", "bredaryd", "6", "1"):
        await tbot.say(answer)
    texts = await tbot.texts("Det brinner i soprummet just nu")
    assert texts[0].startswith("Är det fara nu, eller pågår ett brott? Ring 112 direkt.")


async def test_plain_direct_message_is_offered_as_a_tip(tbot: Harness) -> None:
    texts = await tbot.texts("Det är väldigt mörkt på gångvägen vid Idavall på kvällarna")
    assert texts[-1].startswith("Vill du lämna det du skrev som ett tips")
    texts = await tbot.texts("ja")
    assert texts[-1].startswith("Vad handlar det om?")
    for answer in ("11", "1", "Idavall", "5", "2"):
        await tbot.say(answer)
    summary = await tbot.last("4")  # the text was already given: straight to the summary
    assert "Beskrivning: «Det är väldigt mörkt på gångvägen vid Idavall på kvällarna»" in summary


async def test_declined_offer_stores_nothing(tbot: Harness) -> None:
    await tbot.say("Det är väldigt mörkt på gångvägen vid Idavall på kvällarna")
    assert (await tbot.last("nej")).startswith("Okej, jag sparar inget.")
    assert rows(tbot, "SELECT count(*) FROM conversation") == [(0,)]


async def test_tip_started_in_a_neighbourhood_room_moves_to_direct_chat(bot: Harness) -> None:
    out = await bot.say("!tips", room=GRONDAL_ROOM, as_=RESIDENT2)
    in_room = [plain(o.text) for o in out if o.room_id == GRONDAL_ROOM]
    in_dm = [plain(o.text) for o in out if o.room_id == dm_room(RESIDENT2)]
    assert any("direktmeddelande" in t for t in in_room)
    assert not any("Vad handlar det om" in t for t in in_room)
    assert in_dm[0].startswith("Tack för att du vill berätta!")
    assert in_dm[1].startswith("Vad handlar det om?")
    await bot.say("2", as_=RESIDENT2)  # the answer comes in the direct chat
    assert (await bot.last("1", as_=RESIDENT2)).startswith("När hände det?")  # place from room
    await bot.say("3", as_=RESIDENT2)
    await bot.say("4", as_=RESIDENT2)
    summary = await bot.last("Klotter på lekplatsen igen", as_=RESIDENT2)
    assert "Plats: Värnamo, Gröndal · Park" in summary


async def test_the_direct_chat_is_opened_without_holding_the_database(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    free: list[bool] = []

    class Checking(FakeMessenger):
        async def direct_room(self, user_id: str) -> str:
            assert h.app is not None

            async def write() -> None:  # another task: waits if a unit of work holds the db
                async with h.app.svc.db.transaction() as conn:  # type: ignore[union-attr]
                    await conn.execute("SELECT 1")

            try:
                await asyncio.wait_for(write(), 2)
                free.append(True)
            except TimeoutError:
                free.append(False)
            return await super().direct_room(user_id)

    h.messenger = Checking()
    await h.start()
    try:
        out = await h.say("!tips", room=GRONDAL_ROOM, as_=RESIDENT2)
        assert free == [True]  # opened once, with the database free for others
        assert h.messenger.opened_direct == [RESIDENT2]
        in_dm = [plain(o.text) for o in out if o.room_id == dm_room(RESIDENT2)]
        assert in_dm[0].startswith("Tack för att du vill berätta!")
        in_room = [plain(o.text) for o in out if o.room_id == GRONDAL_ROOM]
        assert len(in_room) == 2  # first contact: the notice, then "moved", each once
        assert in_room[0].startswith("Hej! Jag är Tryggbot") and "direktmeddelande" in in_room[1]
    finally:
        await h.stop()


async def test_mine_and_status(tbot: Harness) -> None:
    code = await report_tip(tbot)
    mine = await tbot.last("!mina")
    assert mine.splitlines() == [
        "Dina tips:",
        f"{code} · Klotter · Värnamo, Gröndal · 2026-11-24 · ny, inte läst än",
    ]
    assert await tbot.last(f"!status {code.lower()}") == f"Tips {code}: ny, inte läst än."
    assert await tbot.last(f"!status {code}", as_=RESIDENT2) == (
        "Jag hittar inget tips från dig med den koden."
    )
    texts = await tbot.texts("!status banan")
    assert texts[0] == "”banan” är ingen tipskod. En kod ser ut som VMO-7K3Q."


async def test_tips_per_hour_limit(tmp_path: Path) -> None:
    h = await Harness(tmp_path, make_settings(**{"limits.tips_per_hour": 2})).start()
    try:
        await h.meet()
        await report_tip(h)
        await report_tip(h)
        texts = await h.texts("!tips")
        assert texts == [
            "Du har redan skickat 2 tips den senaste timmen. Vänta en stund och försök igen. "
            "Vid nödläge: ring 112."
        ]
        h.clock.advance(minutes=61)
        assert (await h.texts("!tips"))[-1].startswith("Vad handlar det om?")
    finally:
        await h.stop()


async def test_retention_deletes_text_and_relay_then_record(tmp_path: Path) -> None:
    tbot = await Harness(tmp_path, make_settings()).start()  # with a retention decision
    try:
        await tbot.meet(RESIDENT)
        await report_tip(tbot)
        tbot.clock.advance(days=31)
        report = await run_retention(tbot.svc)
        assert (report.count("relays"), report.count("texts")) == (1, 0)
        tbot.clock.advance(days=15)
        report = await run_retention(tbot.svc)
        assert report.count("texts") == 1
        assert rows(tbot, "SELECT count(*) FROM tip_text") == [(0,)]
        assert rows(tbot, "SELECT count(*) FROM tip") == [(1,)]
        tbot.clock.advance(days=1095)
        await run_retention(tbot.svc)
        assert rows(tbot, "SELECT count(*) FROM tip") == [(0,)]
    finally:
        await tbot.stop()


async def test_without_a_retention_decision_records_are_kept_and_relay_links_go(
    tmp_path: Path,
) -> None:
    tbot = await Harness(tmp_path, make_settings(**{"retention.decision": ""})).start()
    try:
        await _kept_without_decision(tbot)
    finally:
        await tbot.stop()


async def _kept_without_decision(tbot: Harness) -> None:
    await tbot.meet(RESIDENT)
    await report_tip(tbot)
    tbot.clock.advance(days=31)
    report = await run_retention(tbot.svc)
    assert report.count("relays") == 1
    tbot.clock.advance(days=1200)
    report = await run_retention(tbot.svc)
    assert (report.count("texts"), report.count("records")) == (0, 0)
    assert report.kept == 4  # the text, the record, its card and its "created" audit row
    assert rows(tbot, "SELECT count(*) FROM tip_text") == [(1,)]
    assert rows(tbot, "SELECT count(*) FROM tip") == [(1,)]
    assert rows(tbot, "SELECT count(*) FROM relay") == [(0,)]


async def test_forget_erases_text_and_links_but_keeps_anonymous_record(tbot: Harness) -> None:
    await report_tip(tbot)
    await report_tip(tbot, category="1")
    assert (await tbot.last("!glöm")).startswith("Med !glöm ja raderar jag")
    assert rows(tbot, "SELECT count(*) FROM tip_text") == [(2,)]
    assert await tbot.last("!glöm ja") == (
        "Klart. Jag har raderat texten och kopplingen till dig för 2 tips. "
        "Tipsen utan text finns kvar i statistiken."
    )
    assert rows(tbot, "SELECT count(*) FROM tip_text") == [(0,)]
    assert rows(tbot, "SELECT count(*) FROM relay") == [(0,)]
    assert rows(tbot, "SELECT count(*), count(reporter) FROM tip") == [(2, 0)]
    assert await tbot.last("!mina") == "Du har inga tips sparade hos mig."


async def test_commands_for_residents_are_not_run_in_the_moderation_room(tbot: Harness) -> None:
    text = await tbot.last("!tips", room=MODERATION_ROOM)
    assert text == "Kommandot !tips fungerar bara i en direktchatt med mig."


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("20/11", date(2026, 11, 20)),
        ("20.11", date(2026, 11, 20)),
        ("24/12", date(2025, 12, 24)),  # not yet this year: last year's
        ("20/11/2026", date(2026, 11, 20)),
        ("20.11.26", date(2026, 11, 20)),
        ("31/02", None),
        ("igår kväll", None),
        ("2026-13-01", None),
    ],
)
def test_parse_date(typed: str, expected: date | None) -> None:
    assert parse_date(typed, date(2026, 11, 25)) == expected
