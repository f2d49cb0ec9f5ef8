"""The web transport against the real engine and database: replies on the stream, exactly
once, resume, routing to and from the Matrix side, and its guards for the open internet."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot import outbox
from bot.messages import Outgoing
from bot.render import plain
from bot.transports import web_room_id
from bot.web.messenger import choices
from tests.harness import MODERATION_ROOM, MODERATOR
from tests.webkit import ORIGIN, WebBot, new_id, new_secret, read_events, start_web, web_settings

TIP = ["!tips", "2", "1", "Gröndal", "4", "3", "4", "Klotter på skolans vägg", "1"]


@pytest_asyncio.fixture
async def web(tmp_path: Path) -> AsyncIterator[WebBot]:
    bot = await start_web(tmp_path)
    try:
        yield bot
    finally:
        await bot.close()


def texts(events: list) -> list[str]:  # type: ignore[type-arg]
    return [plain(e.json()["text"]) for e in events]


async def test_a_message_from_the_page_gets_the_notice_and_an_answer(web: WebBot) -> None:
    ticket = await web.session()
    assert await web.send(ticket, "!om") == 202
    events = await web.replies(ticket, 2)
    assert [e.id for e in events] == ["1", "2"]
    first = events[0].json()
    assert "112" in first["text"] and first["lang"] == "sv" and first["dir"] == "ltr"


async def test_a_resent_message_is_handled_once(web: WebBot) -> None:
    ticket = await web.session()
    same = new_id()
    assert await web.send(ticket, "!om", same) == 202
    status, data, _ = await web.post("/api/send", {"ticket": ticket, "id": same, "text": "!om"})
    assert status == 202 and data["new"] is False
    assert await web.send(ticket, "!hjälp") == 202
    events = await web.replies(ticket, 3)
    assert [e.id for e in events] == ["1", "2", "3"]  # notice, about, help: nothing twice
    assert "!tips" in events[2].json()["text"]


async def test_a_reconnect_gets_exactly_what_it_missed(web: WebBot) -> None:
    ticket = await web.session()
    for text in ("!om", "!hjälp"):
        await web.send(ticket, text)
    everything = await web.replies(ticket, 3)
    resp = await web.open_stream(ticket, after=0, last_event_id=1)
    missed = await read_events(resp, 2)
    assert [e.id for e in missed] == ["2", "3"]
    assert [e.data for e in missed] == [e.data for e in everything[1:]]


async def test_the_same_secret_is_the_same_session_and_another_is_not(web: WebBot) -> None:
    secret = new_secret()
    first = await web.session(secret)
    await web.send(first, "!om")
    await web.replies(first, 2)
    again = await web.session(secret)  # the page came back in the same browser
    assert again.split(".")[0] == first.split(".")[0]
    assert len(await web.replies(again, 2)) == 2
    other = await web.session()
    status, data, _ = await web.post("/api/session", {"secret": new_secret()})
    assert status == 200 and data["last_seq"] == 0
    assert other.split(".")[0] != first.split(".")[0]


async def test_a_whole_tip_with_typed_answers_and_numbered_choices(web: WebBot) -> None:
    ticket = await web.session()
    seen = len(await web.say(ticket, "!om", 0))
    prompts: list[dict] = []  # type: ignore[type-arg]
    for answer in TIP:
        events = await web.say(ticket, answer, seen)
        seen += len(events)
        prompts.append(events[-1].json())
    assert [c["value"] for c in prompts[0]["choices"]][:3] == ["1", "2", "3"]  # category
    assert re.search(r"[A-Z]{2,4}-[0-9A-Z]{4}", prompts[-1]["text"]), prompts[-1]["text"]


async def test_a_moderator_question_reaches_the_page_and_the_answer_the_thread(
    web: WebBot,
) -> None:
    ticket = await web.session()
    seen = len(await web.say(ticket, "!om", 0))
    for answer in TIP:
        seen += len(await web.say(ticket, answer, seen))
    code = next(
        m.group(0)
        for out in web.harness.messenger.sent
        if (m := re.search(r"VMO-[0-9A-Z]{4}", out.text))
    )
    await web.harness.say(f"!fråga {code} Vilken skola?", as_=MODERATOR, room=MODERATION_ROOM)
    question = (await web.replies(ticket, 1, after=seen))[0].json()
    assert "Vilken skola?" in question["text"]
    assert await web.say(ticket, "Skolan vid torget", seen + 1)  # the receipt for the answer
    thread = [o for o in web.harness.messenger.sent if o.room_id == MODERATION_ROOM]
    assert any("Skolan vid torget" in o.text and o.thread_root for o in thread)


async def test_the_arabic_page_and_its_replies_are_right_to_left(web: WebBot) -> None:
    async with web.client.get(web.url("/?lang=ar")) as resp:
        page = await resp.text()
    assert '<html lang="ar" dir="rtl">' in page
    ticket = await web.session(lang="ar")
    await web.send(ticket, "!om")
    first = (await web.replies(ticket, 1))[0].json()
    assert first["lang"] == "ar" and first["dir"] == "rtl"


async def test_the_page_is_strict_and_says_112_without_script(web: WebBot) -> None:
    async with web.client.get(web.url("/")) as resp:
        page = await resp.text()
        headers = resp.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors https://www.example.se" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in headers
    assert "<script>" not in page  # the only script is static/chat.js
    assert not re.search(r"<[^>]+\son[a-z]+=", page)  # no inline handlers
    outside_chat = page.split('id="tb-chat"')[0]
    assert "112" in outside_chat and "114 14" in outside_chat
    assert "https://" in outside_chat  # the kommun's site


async def test_a_write_from_another_origin_is_refused(web: WebBot) -> None:
    ticket = await web.session()
    body = {"ticket": ticket, "id": new_id(), "text": "!om"}
    for origin in ("https://evil.example", None, "null"):
        status, data, _ = await web.post("/api/send", body, origin=origin)
        assert (status, data) == (403, {"error": "origin"})
    assert web.harness.svc.metrics.value("tryggbot_web_refused_total", reason="origin") == 3
    async with web.harness.svc.db.read() as conn:
        rows = await conn.execute_fetchall("SELECT count(*) AS n FROM handled_event")
    assert rows[0]["n"] == 0


async def test_an_oversized_body_is_refused(web: WebBot) -> None:
    ticket = await web.session()
    big = {"ticket": ticket, "id": new_id(), "text": "x" * 20_000}
    status, data, _ = await web.post("/api/send", big)
    assert (status, data) == (413, {"error": "too_large"})


async def test_a_flood_from_one_page_is_slowed_down(tmp_path: Path) -> None:
    bot = await start_web(tmp_path, web_settings(**{"web.session_per_minute": 3}))
    try:
        ticket = await bot.session()
        statuses = [await bot.send(ticket, f"hej {n}") for n in range(5)]
        assert statuses == [202, 202, 202, 429, 429]
        status, data, headers = await bot.post(
            "/api/send", {"ticket": ticket, "id": new_id(), "text": "x"}
        )
        assert status == 429
        assert data == {"error": "slow_down"} and int(headers["Retry-After"]) >= 1
        other = await bot.session()
        assert await bot.send(other, "hej") == 202  # another page is not held up
    finally:
        await bot.close()


async def test_a_flood_from_one_address_is_slowed_down(tmp_path: Path) -> None:
    bot = await start_web(tmp_path, web_settings(**{"web.address_per_minute": 4}))
    try:
        statuses = [await bot.send(await bot.session(), "hej") for _ in range(6)]
        assert statuses == [202, 202, 202, 202, 429, 429]
    finally:
        await bot.close()


async def test_a_forged_or_expired_ticket_and_a_bad_secret_are_refused(web: WebBot) -> None:
    ticket = await web.session()
    session, expires, mac = ticket.split(".")
    forged = [
        f"{session}.{expires}.{'0' * len(mac)}",  # wrong MAC
        f"{'a' * 32}.{expires}.{mac}",  # another session with this MAC
        f"{session}.{int(expires) + 3600}.{mac}",  # a later expiry
        "nonsense",
    ]
    for bad in forged:
        status, data, _ = await web.post("/api/send", {"ticket": bad, "id": new_id(), "text": "x"})
        assert (status, data) == (401, {"error": "session"}), bad
        resp = await web.open_stream(bad)
        assert resp.status == 401
    web.harness.clock.advance(hours=13)  # past ticket_hours: a replayed old ticket
    status, data, _ = await web.post("/api/send", {"ticket": ticket, "id": new_id(), "text": "x"})
    assert (status, data) == (401, {"error": "session"})
    for secret in ("short", "x" * 200, 42, None, "ä" * 40):
        status, data, _ = await web.post("/api/session", {"secret": secret})
        assert (status, data) == (400, {"error": "bad"}), secret


async def test_streams_are_capped_in_all_and_per_address(tmp_path: Path) -> None:
    bot = await start_web(tmp_path, web_settings(**{"web.max_streams_per_address": 3}))
    try:
        ticket = await bot.session()
        open_ = [await bot.open_stream(ticket) for _ in range(3)]
        assert [r.status for r in open_] == [200, 200, 200]
        refused = await bot.open_stream(ticket)
        assert refused.status == 503 and (await refused.json()) == {"error": "busy"}
        open_[0].close()
        await asyncio.sleep(0)  # let the server see the closed connection
        for _ in range(50):
            again = await bot.open_stream(ticket)
            if again.status == 200:
                break
            again.close()
            await asyncio.sleep(0.05)
        assert again.status == 200
    finally:
        await bot.close()


async def test_a_thousand_idle_streams_are_held_and_the_next_refused(tmp_path: Path) -> None:
    settings = web_settings(
        **{
            "web.max_streams": 1000,
            "web.max_streams_per_address": 1000,
            "web.heartbeat_seconds": 60,
        }
    )
    bot = await start_web(tmp_path, settings)
    try:
        tickets = [await bot.session() for _ in range(10)]
        opened = await asyncio.gather(*(bot.open_stream(tickets[n % 10]) for n in range(1000)))
        assert all(r.status == 200 for r in opened)
        assert bot.server.streams.total == 1000
        assert bot.harness.svc.metrics.value("tryggbot_web_streams") == 1000
        extra = await bot.open_stream(tickets[0])
        assert extra.status == 503
        await bot.send(tickets[3], "!om")  # a reply still reaches the page among them
        got = await read_events(opened[3], 1)
        assert "112" in got[0].json()["text"]
    finally:
        await bot.close()


async def test_an_error_shows_only_a_code_and_an_incident_id(
    web: WebBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import web as web_rows

    async def broken(*args: object) -> int:
        raise RuntimeError("secret internals /var/lib/tryggbot")

    monkeypatch.setattr(web_rows, "forget", broken)
    ticket = await web.session()
    status, data, _ = await web.post("/api/forget", {"ticket": ticket})
    assert status == 500 and set(data) == {"error", "incident"}
    assert data["error"] == "incident" and re.fullmatch(r"[0-9a-f]{8}", data["incident"])
    status, data, _ = await web.post("/api/session", None, raw=b"{not json")
    assert (status, data) == (400, {"error": "bad"})


async def test_a_stored_reply_is_kept_once_when_the_outbox_sends_it_again(web: WebBot) -> None:
    ticket = await web.session()
    session = ticket.split(".")[0]
    out = Outgoing(room_id=web_room_id(session), text="Hej", txn_key="$x/0", lang="sv")
    first = await web.web.send(out)
    second = await web.web.send(out)  # a crash after storing, before the outbox row went
    assert first == second
    events = await web.replies(ticket, 1)
    assert [e.id for e in events] == ["1"]


async def test_replies_to_the_page_are_stored_with_the_handling_commit(web: WebBot) -> None:
    async def no_outbox_round(out: Outgoing) -> str | None:
        raise AssertionError(f"{out.txn_key} went through the outbox")

    web.web.send = no_outbox_round  # type: ignore[method-assign]
    ticket = await web.session()
    assert await web.send(ticket, "!om") == 202
    events = await web.replies(ticket, 2)
    assert [e.id for e in events] == ["1", "2"]
    assert "112" in events[0].json()["text"]


async def test_a_reply_waiting_in_the_outbox_keeps_its_place(web: WebBot) -> None:
    ticket = await web.session()
    session = ticket.split(".")[0]
    svc = web.harness.svc
    waiting = Outgoing(room_id=web_room_id(session), text="Först", txn_key="$q/0", lang="sv")
    async with svc.db.transaction() as conn:  # queued, not yet delivered
        await outbox.enqueue(conn, svc.sealer, waiting, now=svc.clock.now())
    assert await web.send(ticket, "!om") == 202
    events = await web.replies(ticket, 3)
    assert [e.id for e in events] == ["1", "2", "3"]
    assert texts(events)[0] == "Först" and "112" in texts(events)[1]


async def test_nothing_at_rest_holds_the_secret_or_the_text_in_clear(
    web: WebBot, tmp_path: Path
) -> None:
    secret = new_secret()
    ticket = await web.session(secret)
    replies = await web.say(ticket, "!äkta Ring mig på 0701234567 om kvittot", 0)
    reply_text = plain(replies[-1].json()["text"])
    await web.harness.svc.db.checkpoint()
    files = await asyncio.to_thread(lambda: list(tmp_path.glob("tryggbot.sqlite3*")))
    assert files
    for path in files:
        data = await asyncio.to_thread(path.read_bytes)
        assert secret.encode() not in data
        assert b"127.0.0.1" not in data
        assert b"0701234567" not in data
        assert reply_text[:40].encode() not in data  # replies are sealed at rest


async def test_forget_deletes_the_stored_replies_and_the_session(web: WebBot) -> None:
    ticket = await web.session()
    await web.send(ticket, "!om")
    await web.replies(ticket, 2)
    status, _, _ = await web.post("/api/forget", {"ticket": ticket})
    assert status == 200
    async with web.harness.svc.db.read() as conn:
        rows = await conn.execute_fetchall(
            "SELECT (SELECT count(*) FROM web_message) + (SELECT count(*) FROM web_session)"
            " + (SELECT count(*) FROM room WHERE room_id = ?) AS n",
            (web_room_id(ticket.split(".")[0]),),
        )
    assert rows[0]["n"] == 0


def test_numbered_lines_become_choices() -> None:
    text = "Vad hände?\n1. Klotter\n2. Skadegörelse\n3. Övrigt\n\nSkriv siffran."
    assert [c["label"] for c in choices(text)] == ["Klotter", "Skadegörelse", "Övrigt"]
    assert choices("Ring 112.\n1. bara en") == []


async def test_writes_need_json_and_the_page_and_script_are_served(web: WebBot) -> None:
    status, data, _ = await web.post("/api/session", None, raw=b"{}", origin=ORIGIN)
    assert (status, data) == (400, {"error": "bad"})
    async with web.client.post(
        web.url("/api/session"), data="secret=x", headers={"Origin": ORIGIN}
    ) as resp:
        assert resp.status == 415
    for path in ("/static/chat.js", "/static/chat.css", "/embed.js"):
        async with web.client.get(web.url(path)) as resp:
            assert resp.status == 200, path
    async with web.client.get(web.url("/static/../../config/example.toml")) as resp:
        assert resp.status == 404


async def test_is_this_really_from_tryggbot_in_the_page(web: WebBot) -> None:
    ticket = await web.session()
    seen = len(await web.say(ticket, "!om", 0))
    fake = "Tryggbot: ditt BankID måste förnyas, logga in på https://bankid-fornya.example"
    [answer] = await web.say(ticket, f"!äkta {fake}", seen)
    assert plain(answer.json()["text"]).startswith("Nej, den här texten har Tryggbot inte")


async def test_a_private_survey_answered_from_the_page(web: WebBot) -> None:
    await web.harness.say("!om", as_=MODERATOR, room=MODERATION_ROOM)
    await web.harness.say("!enkät mall trygghetsenkat 1d", as_=MODERATOR, room=MODERATION_ROOM)
    ticket = await web.session()
    seen = len(await web.say(ticket, "!om", 0))
    said = []
    for answer in ("!enkät 1", "1", "2", "3", "1", "1, 2", "1"):
        events = await web.say(ticket, answer, seen)
        seen += len(events)
        said.append(events[-1].json())
    assert plain(said[1]["text"]).startswith("Fråga 1 av 4:")
    assert len(said[1]["choices"]) >= 4  # the scale as buttons
    assert plain(said[-1]["text"]).startswith("Tack för dina svar!")
    async with web.harness.svc.db.read() as conn:
        rows = await conn.execute_fetchall("SELECT count(*) AS n FROM survey_submission")
    assert rows[0]["n"] == 1


async def test_old_replies_sessions_and_web_rooms_are_purged(web: WebBot) -> None:
    from datetime import timedelta

    from bot.transports import WEB_SUFFIX
    from storage import web as web_rows

    ticket = await web.session()
    await web.say(ticket, "!om", 0)
    svc = web.harness.svc

    async def counts() -> tuple[int, int, int]:
        async with svc.db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT (SELECT count(*) FROM web_message) AS m,"
                " (SELECT count(*) FROM web_session) AS s,"
                " (SELECT count(*) FROM room WHERE room_id LIKE '%' || ?) AS r",
                (WEB_SUFFIX,),
            )
        return rows[0]["m"], rows[0]["s"], rows[0]["r"]

    assert await counts() == (2, 1, 1)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:  # 29 days on: nothing is due yet
        await web_rows.purge(conn, now + timedelta(days=29), now, WEB_SUFFIX)
    assert await counts() == (2, 1, 1)
    later = now + timedelta(days=31)
    async with svc.db.transaction() as conn:
        assert await web_rows.purge(conn, later, later - timedelta(days=30), WEB_SUFFIX) == 2
    assert await counts() == (0, 0, 0)


async def test_an_urgent_message_from_the_page_gets_112_first(web: WebBot) -> None:
    ticket = await web.session()
    replies = await web.say(ticket, "Det brinner i trapphuset nu!", 0)
    first = plain(replies[0].json()["text"])
    assert first.startswith("Är det fara nu, eller pågår ett brott? Ring 112 direkt.")
    assert len(replies) >= 2  # the notice and the rest follow the 112 answer


async def test_a_client_that_sends_its_body_too_slowly_is_cut_off(tmp_path: Path) -> None:
    bot = await start_web(tmp_path, web_settings(**{"web.request_timeout_seconds": 1}))
    try:
        host, port = bot.http.host, bot.http.port
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            (
                "POST /api/session HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\n"
                f"Origin: {ORIGIN}\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: 200\r\n\r\n"
                '{"secret": "'
            ).encode()
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 30)  # no more bytes are sent
        assert status.startswith(b"HTTP/1.1 408"), status
        writer.close()
    finally:
        await bot.close()
