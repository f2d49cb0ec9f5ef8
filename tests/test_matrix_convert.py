"""Pure conversions of the Matrix transport (no homeserver)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.matrix.convert import (
    EncryptedEvent,
    Invite,
    backoff_delay,
    classify,
    decide_invite,
    from_payload,
    message_content,
    payload,
    read_invite,
    strip_reply_fallback,
    transaction_id,
)
from bot.matrix.session import Session, read_session, write_session
from bot.matrix.status import Status
from bot.messages import IncomingMessage, IncomingReaction, Outgoing
from config.base import EXAMPLE_PATH
from config.settings import load_settings, parse_settings
from devtools.demo import toml_dumps

BOT = "@tryggbot:example.org"


def _text(body: str, **content: object) -> dict[str, object]:
    return {
        "event_id": "$e1",
        "sender": "@anna:example.org",
        "type": "m.room.message",
        "origin_server_ts": 1_700_000_000_000,
        "content": {"msgtype": "m.text", "body": body, **content},
    }


def test_classify_reads_text_reactions_and_encrypted_only() -> None:
    assert classify(_text("hej"), BOT) == "message"
    assert classify({**_text("hej"), "sender": BOT}, BOT) is None
    notice = _text("x")
    notice["content"] = {"msgtype": "m.notice", "body": "x"}
    assert classify(notice, BOT) is None
    edit = _text("x", **{"m.relates_to": {"rel_type": "m.replace", "event_id": "$a"}})
    assert classify(edit, BOT) is None
    state = {**_text("x"), "state_key": ""}
    assert classify(state, BOT) is None
    enc = {**_text("x"), "type": "m.room.encrypted", "content": {"algorithm": "m.megolm"}}
    assert classify(enc, BOT) == "encrypted"
    react = {
        **_text("x"),
        "type": "m.reaction",
        "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$a", "key": "👍"}},
    }
    assert classify(react, BOT) == "reaction"


def test_payload_round_trip_message_reply_thread_reaction_encrypted() -> None:
    reply = _text(
        "> <@b:x> earlier\n> more\n\n!hjälp",
        **{"m.relates_to": {"m.in_reply_to": {"event_id": "$prev"}}},
    )
    msg = from_payload(payload(reply, "!r", True))
    assert isinstance(msg, IncomingMessage)
    assert msg.body == "!hjälp" and msg.reply_to == "$prev" and msg.is_direct
    assert msg.timestamp == datetime.fromtimestamp(1_700_000_000, tz=UTC)

    thread = _text(
        "in thread",
        **{
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": "$root",
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": "$last"},
            }
        },
    )
    msg = from_payload(payload(thread, "!r", False))
    assert isinstance(msg, IncomingMessage)
    assert msg.thread_root == "$root" and msg.reply_to is None and not msg.is_direct

    react = {
        **_text("x"),
        "type": "m.reaction",
        "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$a", "key": "✅"}},
    }
    got = from_payload(payload(react, "!r", False))
    assert isinstance(got, IncomingReaction) and got.target_event_id == "$a" and got.key == "✅"
    enc = {**_text("x"), "type": "m.room.encrypted", "content": {}}
    assert isinstance(from_payload(payload(enc, "!r", False)), EncryptedEvent)


def test_payload_keeps_only_what_is_needed() -> None:
    source = {**_text("hej"), "unsigned": {"age": 5}, "extra": 1}
    assert set(json.loads(payload(source, "!r", False))["event"]) == {
        "event_id",
        "sender",
        "type",
        "content",
        "origin_server_ts",
    }


def test_strip_reply_fallback_leaves_plain_text_alone() -> None:
    assert strip_reply_fallback("hej\n> not a quote") == "hej\n> not a quote"
    assert strip_reply_fallback("> a\n> b\n\nsvar") == "svar"


def test_message_content_notice_html_mentions_reply_thread() -> None:
    out = Outgoing(room_id="!r", text="**Viktigt** <b>&", reply_to="$e")
    content = message_content(out)
    assert content["msgtype"] == "m.notice"
    assert content["body"] == "Viktigt <b>&"
    assert content["formatted_body"] == "<b>Viktigt</b> &lt;b&gt;&amp;"
    assert content["m.mentions"] == {}
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$e"}}

    threaded = message_content(Outgoing(room_id="!r", text="x", thread_root="$root"))
    assert threaded["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": "$root"},
    }
    mention = message_content(Outgoing(room_id="!r", text="x", mentions=("@m:x",)))
    assert mention["m.mentions"] == {"user_ids": ["@m:x"]}


def test_a_keyed_transaction_id_depends_on_the_key_alone() -> None:
    a = message_content(Outgoing(room_id="!r", text="one"))
    b = message_content(Outgoing(room_id="!r", text="two (rendered differently after restart)"))
    assert transaction_id("$e/0", "!r", a) == transaction_id("$e/0", "!r", b)
    assert transaction_id("$e/0", "!r", a) != transaction_id("$e/1", "!r", a)
    assert "/" not in transaction_id("$e/0", "!r", a)


def test_an_unkeyed_transaction_id_is_a_digest_of_room_and_content() -> None:
    a = message_content(Outgoing(room_id="!r", text="one"))
    b = message_content(Outgoing(room_id="!r", text="two"))
    assert transaction_id(None, "!r", a) == transaction_id(None, "!r", a)
    assert transaction_id(None, "!r", a) != transaction_id(None, "!r", b)
    assert transaction_id(None, "!r", a) != transaction_id(None, "!other", a)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, base=0.5, cap=30, rng=rng) for n in range(1, 12)]
    assert 0.25 <= delays[0] <= 0.5
    assert all(d <= 30 for d in delays)
    assert delays[-1] >= 15
    assert len({round(d, 6) for d in delays}) == len(delays)


def test_invites() -> None:
    state = [
        {"type": "m.room.name", "state_key": "", "content": {"name": "x"}},
        {
            "type": "m.room.member",
            "state_key": BOT,
            "sender": "@anna:x",
            "content": {"membership": "invite", "is_direct": True},
        },
    ]
    invite = read_invite("!r", state, BOT)
    assert invite == Invite("!r", "@anna:x", True)
    kw = {"configured": False, "inviter_is_moderator": False}
    assert decide_invite(invite, accept_direct=True, **kw) == "join"
    assert decide_invite(invite, accept_direct=False, **kw) == "decline"
    group = Invite("!g", "@stranger:x", False)
    assert decide_invite(group, accept_direct=True, **kw) == "decline"
    assert (
        decide_invite(group, accept_direct=True, configured=False, inviter_is_moderator=True)
        == "join"
    )
    assert (
        decide_invite(group, accept_direct=True, configured=True, inviter_is_moderator=False)
        == "join"
    )


def test_session_file_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "session.json"
    session = Session("http://hs", "@b:x", "DEV", "secret-token")
    write_session(path, session)
    assert oct(path.stat().st_mode)[-3:] == "600"
    assert read_session(path) == session
    assert "secret-token" not in repr(session)
    path.write_text("{broken")
    assert read_session(path) is None


def test_generated_dev_settings_load(tmp_path: Path) -> None:
    import tomllib

    data = tomllib.loads(EXAMPLE_PATH.read_text("utf-8"))
    data["rooms"] = [{"id": "!abc", "locality": "varnamo", "area": "Gröndal", "language": "sv"}]
    data["matrix"]["moderators"] = ["@moderator:localhost"]
    text = toml_dumps(data)
    again = parse_settings(tomllib.loads(text))
    assert again == parse_settings(data)
    assert again.rooms[0].id == "!abc"
    assert load_settings(EXAMPLE_PATH).kommun == again.kommun


def test_status_connected_only_when_recent() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    fresh = Status("connected", now - timedelta(seconds=10), 2, now, now)
    assert fresh.connected and "inbox backlog: 2 events" in fresh.render()
    stale = Status("connected", now - timedelta(minutes=5), 0, None, now)
    assert not stale.connected
    assert not Status("stopped", now, 0, None, now).connected
    assert "never" in Status(None, None, 0, None, now).render()


def test_which_errors_are_retried() -> None:
    from types import SimpleNamespace

    from bot.matrix.transport import is_retryable

    def err(code: str | None, status: int | None, retry_ms: int | None = None) -> object:
        transport = SimpleNamespace(status=status) if status is not None else None
        return SimpleNamespace(
            status_code=code, transport_response=transport, retry_after_ms=retry_ms
        )

    assert is_retryable(err("M_LIMIT_EXCEEDED", 429, 1500)) == 1.5
    assert is_retryable(err(None, 429)) == 1.0
    assert is_retryable(err(None, 502)) == 0.0  # back off with jitter
    assert is_retryable(err(None, None)) == 0.0  # no answer at all
    assert is_retryable(err("M_FORBIDDEN", 403)) is None
