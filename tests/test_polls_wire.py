"""Polls without the engine: the MSC3381 wire format both ways, the tally rules, small-group
suppression, exports, the chart and the templates."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from bot.matrix import polls as wire
from bot.matrix.convert import classify, from_payload, payload
from bot.messages import IncomingPollEvent, PollAnswer, PollStart
from handlers.polls import results
from handlers.polls.chart import OKABE_ITO, Bars, draw
from handlers.polls.model import simple_poll
from handlers.polls.tally import count_votes, latest_votes
from handlers.polls.templates import parse_templates, templates
from storage.polls import Count, Poll, Response
from tests.harness import make_settings

BOT = "@tryggbot:test.local"
IDS = frozenset({"a", "b", "c"})


def event(etype: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": etype,
        "event_id": extra.pop("event_id", "$r1"),
        "sender": extra.pop("sender", "@anna:test.local"),
        "origin_server_ts": extra.pop("ts", 1_700_000_000_000),
        "content": content,
        **extra,
    }


def ref(start: str = "$start") -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.reference", "event_id": start}}


# ---- wire format ----------------------------------------------------------------------


def test_start_content_is_the_unstable_form_with_text_fallbacks() -> None:
    poll = PollStart("Trygg?", (PollAnswer("a", "Ja"), PollAnswer("b", "Nej")), 1, False)
    content = wire.start_content(poll, "Trygg?\n1. Ja\n2. Nej")
    start = content["org.matrix.msc3381.poll.start"]
    assert start["kind"] == "org.matrix.msc3381.poll.undisclosed"
    assert start["question"]["org.matrix.msc1767.text"] == "Trygg?"
    assert start["answers"] == [
        {"id": "a", "org.matrix.msc1767.text": "Ja"},
        {"id": "b", "org.matrix.msc1767.text": "Nej"},
    ]
    assert start["max_selections"] == 1
    assert content["org.matrix.msc1767.text"] == content["body"] == "Trygg?\n1. Ja\n2. Nej"
    disclosed = wire.start_content(PollStart("Q", poll.answers, 5, True), "Q")
    assert disclosed["org.matrix.msc3381.poll.start"]["kind"].endswith(".disclosed")
    assert disclosed["org.matrix.msc3381.poll.start"]["max_selections"] == 2  # at most answers


def test_end_content_refers_to_the_start_with_the_results_as_text() -> None:
    content = wire.end_content("$start", "Resultat: Ja 3")
    assert content["m.relates_to"] == {"rel_type": "m.reference", "event_id": "$start"}
    assert "org.matrix.msc3381.poll.end" in content
    assert content["org.matrix.msc1767.text"] == "Resultat: Ja 3"


def test_responses_are_read_in_unstable_and_stable_forms() -> None:
    unstable = event(
        "org.matrix.msc3381.poll.response",
        {**ref(), "org.matrix.msc3381.poll.response": {"answers": ["a"]}},
    )
    stable = event("m.poll.response", {**ref(), "m.selections": ["b", "c"]}, event_id="$r2")
    msc_stable = event("m.poll.response", {**ref(), "m.poll.response": {"answers": []}})
    a = wire.parse_event(unstable, "!room")
    b = wire.parse_event(stable, "!room")
    c = wire.parse_event(msc_stable, "!room")
    assert a == IncomingPollEvent(
        "response",
        "$r1",
        "!room",
        "@anna:test.local",
        "$start",
        datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        ("a",),
    )
    assert b is not None and b.answers == ("b", "c") and b.target == "$start"
    assert c is not None and c.answers == ()  # an unvote, not a redaction


def test_ends_redactions_and_redacted_responses() -> None:
    for etype, key in (
        ("org.matrix.msc3381.poll.end", "org.matrix.msc3381.poll.end"),
        ("m.poll.end", "m.poll.end"),
    ):
        end = wire.parse_event(event(etype, {**ref(), key: {}}), "!room")
        assert end is not None and end.kind == "end" and end.target == "$start"
    old = wire.parse_event(event("m.room.redaction", {}, redacts="$r1"), "!room")
    new = wire.parse_event(event("m.room.redaction", {"redacts": "$r1"}), "!room")
    assert old is not None and new is not None
    assert (old.kind, old.target) == (new.kind, new.target) == ("redaction", "$r1")
    gone = wire.parse_event(
        event(
            "org.matrix.msc3381.poll.response",
            {},
            unsigned={"redacted_because": {"sender": "@anna:test.local"}},
        ),
        "!room",
    )
    assert gone is not None and (gone.kind, gone.target) == ("redaction", "$r1")
    assert wire.parse_event(event("m.room.message", {"body": "x"}), "!room") is None


def test_poll_events_go_through_the_inbox_payload() -> None:
    response = event(
        "org.matrix.msc3381.poll.response",
        {**ref(), "org.matrix.msc3381.poll.response": {"answers": ["a"]}},
    )
    assert classify(response, BOT) == "other"
    assert classify({**response, "sender": BOT}, BOT) is None
    back = from_payload(payload(response, "!room", False))
    assert isinstance(back, IncomingPollEvent) and back.answers == ("a",)
    redaction = event("m.room.redaction", {}, redacts="$r9", event_id="$x")
    assert classify(redaction, BOT) == "other"
    again = from_payload(payload(redaction, "!room", False))
    assert isinstance(again, IncomingPollEvent) and again.target == "$r9"


async def test_relations_are_read_page_by_page_oldest_first() -> None:
    pages = {
        None: {"chunk": [{"event_id": "$3"}, {"event_id": "$2"}], "next_batch": "t1"},
        "t1": {"chunk": [{"event_id": "$1"}]},
    }
    asked: list[str] = []

    async def request(method: str, path: str) -> tuple[int, dict[str, Any]]:
        asked.append(path)
        token = path.split("from=")[1] if "from=" in path else None
        return 200, pages[token]

    found = await wire.relations(request, "!room:x", "$start:x")
    assert [e["event_id"] for e in found] == ["$1", "$2", "$3"]
    assert asked[0].startswith("/_matrix/client/v1/rooms/%21room%3Ax/relations/%24start%3Ax/")
    assert "m.reference" in asked[0]


# ---- the tally rules ------------------------------------------------------------------


def r(voter: str, ms: int, answers: tuple[str, ...] | None, eid: str = "") -> Response:
    return Response(eid or f"${voter}{ms}", voter, ms, answers, "varnamo")


def test_only_the_latest_response_counts() -> None:
    votes = latest_votes([r("v1", 2, ("b",)), r("v1", 1, ("a",)), r("v2", 1, ("a",))], IDS, 1)
    assert {k: v.answers for k, v in votes.items()} == {"v1": ("b",), "v2": ("a",)}


def test_a_redacted_response_falls_back_to_the_previous_one() -> None:
    votes = latest_votes([r("v1", 1, ("a",)), r("v1", 2, None)], IDS, 1)
    assert votes["v1"].answers == ("a",)


def test_selections_are_cut_to_max_before_repeats_are_dropped() -> None:
    # MSC3381 (and Element) cut the response to max_selections first: [a, a, b, c] with at
    # most 3 is [a, a, b], which counts a and b once each; c is cut off.
    votes = latest_votes([r("v1", 1, ("a", "a", "b", "c"))], IDS, 3)
    assert votes["v1"].answers == ("a", "b")
    votes = latest_votes([r("v2", 1, ("b", "b", "c", "a"))], IDS, 2)
    assert votes["v2"].answers == ("b",)


def test_an_unknown_answer_spoils_the_vote() -> None:
    votes = latest_votes([r("v1", 1, ("a",)), r("v1", 2, ("a", "zzz"))], IDS, 3)
    assert votes == {}


def test_an_empty_selection_takes_the_vote_back() -> None:
    assert latest_votes([r("v1", 1, ("a",)), r("v1", 2, ())], IDS, 1) == {}


def test_responses_after_the_end_are_ignored() -> None:
    votes = latest_votes([r("v1", 1, ("a",)), r("v1", 5, ("b",))], IDS, 1, end_ms=3)
    assert votes["v1"].answers == ("a",)


def test_counts_per_place_and_in_all() -> None:
    votes = latest_votes([r("v1", 1, ("a",)), r("v2", 1, ("a", "b"))], IDS, 2)
    counts = {(c.place, c.option_id): c.n for c in count_votes("q", votes.values())}
    assert counts == {
        ("", "*"): 2,
        ("", "a"): 2,
        ("", "b"): 1,
        ("varnamo", "*"): 2,
        ("varnamo", "a"): 2,
        ("varnamo", "b"): 1,
    }


# ---- results --------------------------------------------------------------------------


def a_poll(**kw: Any) -> Poll:
    content = simple_poll("sv", "Trygg?", ["Ja", "Nej"], 1).dump()
    t = datetime(2026, 11, 25, tzinfo=UTC)
    base: dict[str, Any] = dict(
        id=7,
        kind="poll",
        template=None,
        content=content,
        disclosed=True,
        state="closed",
        opens_at=t,
        closes_at=t,
        opened_at=t,
        closed_at=t,
        voter_key=None,
        created_at=t,
        results_posted=True,
        outcome=None,
        outcome_at=None,
        outcome_posted=False,
    )
    base.update(kw)
    return Poll(**base)


def counts_for(groups: dict[str, tuple[int, int]]) -> list[Count]:
    """place -> (yes, no): one answer each."""
    out: list[Count] = []
    total_yes = sum(y for y, _ in groups.values())
    total_no = sum(n for _, n in groups.values())
    for place, (yes, no) in {**groups, "": (total_yes, total_no)}.items():
        out += [Count("q", place, "*", yes + no), Count("q", place, "1", yes)]
        out.append(Count("q", place, "2", no))
    return out


def test_small_places_are_hidden_and_left_out_of_the_shares() -> None:
    res = results.build(a_poll(), counts_for({"varnamo/Gröndal": (4, 2), "bor": (1, 2)}))
    q = res.questions[0]
    assert q.total == 9
    assert q.overall.answered == 6 and q.overall.counts == {"1": 4, "2": 2}
    bor = next(g for g in q.places if g.place == "bor")
    assert bor.suppressed and bor.counts == {} and bor.share("1") is None
    text = results.render(res, make_settings(), lambda k, **p: k + str(sorted(p.items())), "sv")
    assert "polls.results.indicative" in text
    assert "polls.results.place_few[('place', 'Bor')]" in text
    assert "polls.results.in_shares[('count', 6)]" in text


def test_fewer_than_five_in_all_shows_nothing() -> None:
    res = results.build(a_poll(), counts_for({"bor": (2, 2)}))
    assert res.questions[0].overall.suppressed
    rows = results.export_rows(res, make_settings(), "sv")
    assert rows and all(row["count"] is None and row["suppressed"] for row in rows)


def test_csv_and_json_exports_carry_counts_shares_and_the_note() -> None:
    settings = make_settings()
    res = results.build(a_poll(), counts_for({"varnamo/Gröndal": (4, 2), "bor": (1, 1)}))
    table = list(csv.DictReader(io.StringIO(results.to_csv(res, settings, "sv"))))
    overall_yes = next(row for row in table if row["place"] == "all" and row["option"] == "1")
    assert overall_yes["count"] == "4" and overall_yes["share"] == "0.6667"
    small = [row for row in table if row["place"] == "bor"]
    assert small and all(row["count"] == "" and row["suppressed"] == "True" for row in small)
    doc = json.loads(results.to_json(res, settings, "sv"))
    assert doc["note"].startswith("indicative, not a representative sample")
    assert doc["answers"] == 8 and doc["status"] == "final"


# ---- chart and templates --------------------------------------------------------------


def test_chart_is_a_phone_sized_png() -> None:
    image = draw(
        (Bars("Hur trygg?", (("Mycket trygg", 0.5), ("Ganska otrygg", 0.25))),),
        "Antal svar: 12",
        "poll-1.png",
        "Stapeldiagram",
    )
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.width == 1080 and 400 < image.height < 1500
    assert image.filename == "poll-1.png" and image.alt == "Stapeldiagram"
    assert len(OKABE_ITO) == 8


def test_shipped_templates_follow_the_national_surveys() -> None:
    found = templates()
    assert {"trygghet", "problem", "prioritera", "bedrageri", "trygghetsenkat"} <= set(found)
    safe = found["trygghet"].content.questions[0]
    assert [o.text["en"] for o in safe.options][:4] == [
        "Very safe",
        "Fairly safe",
        "Fairly unsafe",
        "Very unsafe",
    ]
    assert found["trygghetsenkat"].kind == "survey" and found["trygghetsenkat"].content.ask_place


def test_a_template_without_english_is_refused() -> None:
    bad = {
        "template": [
            {
                "key": "x",
                "kind": "poll",
                "days": 1,
                "title": {"sv": "X", "en": "X"},
                "question": [
                    {
                        "key": "q",
                        "text": {"sv": "Fråga"},
                        "options": [{"id": "a", "sv": "A", "en": "A"}] * 2,
                    }
                ],
            }
        ]
    }
    try:
        parse_templates(bad)
    except ValueError as exc:
        assert "sv and en" in str(exc)
    else:
        raise AssertionError("accepted a template without English")


def test_resident_poll_texts_exist_in_every_enabled_language() -> None:
    from bot.i18n import Catalog
    from config.base import EXAMPLE_PATH, LOCALES_DIR
    from config.settings import load_settings

    catalog = Catalog.load(LOCALES_DIR)
    wanted = {k for k in catalog.keys("en") if k.startswith("polls.")}
    assert len(wanted) > 40
    for lang in load_settings(EXAMPLE_PATH).language.enabled:
        missing = wanted - catalog.keys(lang)
        assert not missing, f"{lang} lacks {sorted(missing)}"


async def test_matrix_messenger_sends_poll_start_and_end_events() -> None:
    from types import SimpleNamespace

    from bot.matrix.messenger import MatrixMessenger
    from bot.messages import Outgoing

    sent: list[tuple[str, str, dict[str, Any], str]] = []

    async def send_event(room_id: str, etype: str, content: dict[str, Any], txn: str) -> str:
        sent.append((room_id, etype, content, txn))
        return f"$e{len(sent)}"

    transport: Any = SimpleNamespace(client=SimpleNamespace(rooms={}), send_event=send_event)
    messenger = MatrixMessenger(transport)
    poll = PollStart("Trygg?", (PollAnswer("a", "Ja"), PollAnswer("b", "Nej")))
    out = Outgoing("!room", "**Omröstning #1:** Trygg?", poll=poll, txn_key="poll/1/start/1")
    assert await messenger.send(out) == "$e1"
    await messenger.send(Outgoing("!room", "Slut", poll_end="$e1", txn_key="poll/1/end/1"))
    (_, start_type, start, txn1), (_, end_type, end, txn2) = sent
    assert start_type == "org.matrix.msc3381.poll.start"
    assert start["body"] == "Omröstning #1: Trygg?"  # markup removed in the fallback
    assert start["org.matrix.msc3381.poll.start"]["kind"].endswith(".disclosed")
    assert end_type == "org.matrix.msc3381.poll.end"
    assert end["m.relates_to"]["event_id"] == "$e1"
    assert txn1 == "tb.poll%2F1%2Fstart%2F1" and txn2.startswith("tb.poll%2F1%2Fend")
    again = await messenger.send(out)  # a retry: the same transaction id
    assert again == "$e3" and sent[-1][3] == txn1
