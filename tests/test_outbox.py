"""Exactly once in the handling path: replies are outbox rows written with the event's state
changes; a resend reuses the stored transaction id; an event handled twice acts once; a
conversation that cannot be resumed is ended politely; rows at rest are sealed."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import outbox
from bot.faults import KILL_ENV, TEST_ENV, FaultInjection, check_environment
from bot.messages import Image, IncomingMessage, Outgoing, PollAnswer, PollStart
from bot.messenger import DeliveryPostponed
from bot.render import plain
from bot.sealing import Sealer
from storage import conversations, inbox
from storage.conversations import ConversationRow
from tests.harness import RESIDENT, TEST_KEY, FakeMessenger, Harness, dm_conversation, dm_room


@dataclass
class DownMessenger(FakeMessenger):
    """A homeserver that cannot be reached until ``down`` is cleared."""

    down: bool = True

    async def send(self, out: Outgoing) -> str | None:
        if self.down:
            raise DeliveryPostponed("homeserver down")
        return await super().send(out)


def message(bot: Harness, text: str, event_id: str) -> IncomingMessage:
    bot.clock.advance(seconds=1)
    return IncomingMessage(
        event_id=event_id,
        room_id=dm_room(RESIDENT),
        sender=RESIDENT,
        body=text,
        timestamp=bot.clock.now(),
        is_direct=True,
    )


def table(bot: Harness, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.db_path) as conn:
        return conn.execute(sql).fetchall()


def test_an_outgoing_keeps_every_field_through_the_outbox() -> None:
    out = Outgoing(
        room_id="!r:x",
        text="**Resultat**",
        reply_to="$a",
        thread_root="$t",
        mentions=("@m:x",),
        txn_key="k/1",
        image=Image(b"\x89PNG\x00\xff", 640, 480, "chart.png", "Ett diagram"),
        poll=PollStart("Fråga?", (PollAnswer("a1", "Ja"), PollAnswer("a2", "Nej")), 2, False),
        poll_end="$poll",
    )
    assert outbox.decode(outbox.encode(out)) == out


def test_a_sealed_value_opens_only_with_the_same_key_and_purpose() -> None:
    sealer = Sealer(TEST_KEY)
    sealed = sealer.seal("hemligt 19800101-1234", "inbox")
    assert "hemligt" not in sealed and "1980" not in sealed
    assert sealer.open(sealed, "inbox") == "hemligt 19800101-1234"
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        sealer.open(sealed, "outbox")
    with pytest.raises(Exception):  # noqa: B017
        Sealer(b"another-key-0123456789abcdef").open(sealed, "inbox")


async def test_replies_wait_in_the_outbox_while_the_homeserver_is_down(tmp_path: Path) -> None:
    bot = Harness(tmp_path)
    bot.messenger = DownMessenger()
    await bot.start()
    try:
        await bot.app.engine.handle(message(bot, "!om", "$e1:test.local"))  # type: ignore[union-attr]
        assert bot.messenger.sent == []
        assert table(bot, "SELECT txn_id FROM outbox ORDER BY id") == [
            ("$e1:test.local/0",),
            ("$e1:test.local/1",),
        ]
        assert table(bot, "SELECT event_id FROM handled_event") == [("$e1:test.local",)]
        bot.messenger.down = False  # type: ignore[attr-defined]
        await bot.svc.outbox.flush()
        assert [o.txn_key for o in bot.messenger.sent] == ["$e1:test.local/0", "$e1:test.local/1"]
        assert table(bot, "SELECT count(*) FROM outbox") == [(0,)]
    finally:
        await bot.stop()


async def test_after_a_restart_the_outbox_is_sent_with_the_stored_transaction_ids(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path)
    bot.messenger = DownMessenger()
    await bot.start()
    await bot.app.engine.handle(message(bot, "!om", "$e1:test.local"))  # type: ignore[union-attr]
    await bot.stop()  # like a crash after the commit, before the send
    bot.messenger = FakeMessenger()
    await bot.start()
    try:
        await bot.svc.outbox.flush()
        assert [o.txn_key for o in bot.messenger.sent] == ["$e1:test.local/0", "$e1:test.local/1"]
    finally:
        await bot.stop()


async def test_an_event_handled_twice_feeds_the_conversation_once(bot: Harness) -> None:
    await bot.meet()
    await bot.say("!tips")
    category = message(bot, "2", "$category:test.local")
    assert bot.app is not None
    await bot.app.engine.handle(category)
    before = len(bot.messenger.sent)
    await bot.app.engine.handle(category)  # replayed after a crash
    assert bot.messenger.sent[before:] == []
    row = table(bot, "SELECT step, data FROM conversation")
    assert row[0][0] == "locality" and '"locality"' not in str(row[0][1])
    assert (await bot.last("Värnamo")).startswith("Vilket område i Värnamo?")


async def test_replies_are_sent_once_in_order_per_room(bot: Harness) -> None:
    out = await bot.say("Det brinner i förrådet just nu, vad gör jag?")
    keys = [o.txn_key for o in out]
    assert keys == sorted(keys, key=lambda k: int(str(k).rsplit("/", 1)[1]))
    assert len(set(keys)) == len(keys) >= 3


async def test_a_conversation_whose_step_no_longer_exists_is_ended_politely(
    bot: Harness,
) -> None:
    await bot.meet()
    await bot.say("!tips")
    async with bot.svc.db.transaction() as conn:
        row = await dm_conversation(bot, conn)
        assert row is not None
        await conversations.save(conn, replace(row, step="removed_in_v2"), bot.clock.now())
    texts = await bot.texts("2")
    assert texts[0].startswith("Tyvärr kunde jag inte fortsätta vårt förra samtal")
    assert table(bot, "SELECT count(*) FROM conversation") == [(0,)]
    assert "Tack för att du vill berätta" in (await bot.texts("!tips"))[0]


async def test_a_conversation_of_an_unknown_flow_is_ended_politely(bot: Harness) -> None:
    await bot.meet()
    room_key = bot.svc.pseudonymize(dm_room(RESIDENT), purpose="room")
    async with bot.svc.db.transaction() as conn:
        await conversations.save(
            conn,
            ConversationRow(
                room_key,
                bot.svc.pseudonymize(RESIDENT),
                "survey_2025",
                "q1",
                (),
                {},
                "t" * 32,
                "sv",
                datetime(2030, 1, 1, tzinfo=UTC),
            ),
            bot.clock.now(),
        )
    assert (await bot.texts("ja"))[0].startswith("Tyvärr kunde jag inte fortsätta")
    assert table(bot, "SELECT count(*) FROM conversation") == [(0,)]


async def test_a_conversation_with_corrupt_data_is_ended_politely(bot: Harness) -> None:
    await bot.meet()
    await bot.say("!tips")
    with sqlite3.connect(bot.db_path) as conn:
        conn.execute("UPDATE conversation SET data = '{not json'")
    assert (await bot.texts("2"))[0].startswith("Tyvärr kunde jag inte fortsätta")
    assert (await bot.texts("2")) != []  # and the next message is handled normally


async def test_outbox_rows_at_rest_hold_no_clear_text(tmp_path: Path) -> None:
    bot = Harness(tmp_path)
    bot.messenger = DownMessenger()
    await bot.start()
    await bot.app.engine.handle(message(bot, "!om", "$e1:test.local"))  # type: ignore[union-attr]
    payloads = table(bot, "SELECT payload FROM outbox")
    await bot.stop()
    assert payloads and all("Tryggbot" not in str(p[0]) for p in payloads)


async def test_the_inbox_row_is_removed_in_the_handling_transaction(bot: Harness) -> None:
    await bot.meet()
    msg = message(bot, "!hjälp", "$queued:test.local")
    async with bot.svc.db.transaction() as conn:
        await inbox.add(conn, msg.event_id, msg.room_id, "message", "sealed", bot.clock.now())
    assert bot.app is not None
    await bot.app.engine.handle(msg)
    assert table(bot, "SELECT count(*) FROM inbox") == [(0,)]
    assert plain(bot.messenger.sent[-1].text)


def test_fault_injection_is_refused_outside_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KILL_ENV, "handled")
    monkeypatch.delenv(TEST_ENV, raising=False)
    assert check_environment() is not None
    monkeypatch.setenv(TEST_ENV, "1")
    assert check_environment() is None
    with pytest.raises(ValueError):
        FaultInjection("nowhere")
