"""Benchmark: recovering a native poll's responses from ``/relations`` after a gap, against a
single plain pass over the same events.

Run as ``.venv/bin/python bench/polls.py``. Builds 10,000 MSC3381 response events from 2,000
voters (changed votes, unvotes, unknown answer ids, redacted responses, both the unstable and
the stable form), then, in the same process:

* **plain pass** (the reference): parse every event once and tally in memory;
* **recovery**: serve the events as ``/relations`` pages (100 per page, newest first, through
  JSON as the homeserver sends them), where the bot had already stored half of them before the
  gap; every event goes through the bot's own poll handler into SQLite (stored by event id,
  so nothing is counted twice), then the tally is computed from the database as at close;
* **recovery again**: the same recovery a second time (another restart): every event is a
  duplicate.

Prints times, events per second, the ratio to the plain pass, and whether all tallies agree.
Figures only; it never passes or fails on timing.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.matrix import polls as wire  # noqa: E402
from bot.pseudonym import Pseudonymizer  # noqa: E402
from handlers.polls.lifecycle import on_poll_events, voter_hash  # noqa: E402
from handlers.polls.results import live_counts  # noqa: E402
from handlers.polls.tally import count_votes, latest_votes  # noqa: E402
from handlers.polls.templates import templates  # noqa: E402
from storage import polls  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.polls import Count, NewPoll, NewTarget, Response  # noqa: E402

VOTERS, EVENTS, PAGE = 2_000, 10_000, 100
ROOM, START = "!grondal:bench", "$start:bench"
T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)
PSEUDONYMIZE = Pseudonymizer(b"bench-pseudonym-key-0123456789")


def make_events(answer_ids: list[str], seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events = []
    for i in range(EVENTS):
        voter = i % VOTERS
        ts = int(T0.timestamp() * 1000) + i * 37 + rng.randrange(30)
        roll = rng.random()
        rel = {"rel_type": "m.reference", "event_id": START}
        content: dict[str, Any]
        if roll < 0.02:
            content = {}  # redacted: /relations returns it with its content stripped
        elif roll < 0.04:
            content = {"m.relates_to": rel, wire.RESPONSE: {"answers": []}}
        elif roll < 0.05:
            content = {"m.relates_to": rel, wire.RESPONSE: {"answers": ["no_such_answer"]}}
        elif roll < 0.25:
            content = {"m.relates_to": rel, "m.selections": [rng.choice(answer_ids)]}
        else:
            content = {"m.relates_to": rel, wire.RESPONSE: {"answers": [rng.choice(answer_ids)]}}
        event: dict[str, Any] = {
            "type": wire.STABLE_RESPONSE if "m.selections" in content else wire.RESPONSE,
            "event_id": f"$e{i}:bench",
            "sender": f"@voter{voter}:bench",
            "origin_server_ts": ts,
            "content": content,
        }
        if not content:
            event["unsigned"] = {"redacted_because": {"type": "m.room.redaction"}}
        events.append(event)
    return events


def plain_pass(events: list[dict[str, Any]], ids: frozenset[str]) -> list[Count]:
    responses = []
    for e in events:
        parsed = wire.parse_event(e, ROOM)
        if parsed is None or parsed.kind != "response":
            continue  # a redacted response is simply not there
        ms = int(parsed.timestamp.timestamp() * 1000)
        responses.append(Response(parsed.event_id, parsed.sender, ms, parsed.answers, "varnamo"))
    return count_votes("trygg", latest_votes(responses, ids, 1).values())


async def recovery(db: Database, events: list[dict[str, Any]], poll_id: int) -> list[Count]:
    pages = [
        json.dumps({"chunk": list(reversed(events))[i : i + PAGE], "next_batch": str(i + PAGE)})
        for i in range(0, len(events), PAGE)
    ]

    async def request(method: str, path: str) -> tuple[int, dict[str, Any]]:
        start = int(path.split("from=")[1]) if "from=" in path else 0
        index = start // PAGE
        if index >= len(pages):
            return 200, {"chunk": []}
        return 200, json.loads(pages[index])

    svc: Any = SimpleNamespace(db=db, pseudonymize=PSEUDONYMIZE)

    async def handle(events: Any) -> None:
        await on_poll_events(svc, events)

    await wire.recover(request, [(ROOM, START)], "@tryggbot:bench", handle)
    async with db.read() as conn:
        poll = await polls.get(conn, poll_id)
        assert poll is not None
        return await live_counts(conn, poll)


async def main() -> None:
    template = templates()["trygghet"]
    question = template.content.questions[0]
    ids = [o.id for o in question.options]
    events = make_events(ids)
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.sqlite3")
        async with db.transaction() as conn:
            poll_id = await polls.insert(
                conn,
                NewPoll(
                    "poll",
                    template.content.dump(),
                    False,
                    T0,
                    T0 + timedelta(days=1),
                    "bench",
                    T0,
                ),
                [NewTarget(ROOM, "varnamo", None, "sv")],
            )
            key = "ab" * 32
            await polls.open_poll(conn, poll_id, T0, key)
            [target] = await polls.targets(conn, poll_id)
            await polls.set_start_event(conn, target.id, START)
            # Half of the events were stored before the gap (through the normal sync path).
            for e in events[: EVENTS // 2]:
                parsed = wire.parse_event(e, ROOM)
                if parsed is not None and parsed.kind == "response":
                    await polls.add_response(
                        conn,
                        target,
                        parsed.event_id,
                        voter_hash(key, PSEUDONYMIZE(parsed.sender)),
                        int(parsed.timestamp.timestamp() * 1000),
                        parsed.answers,
                    )

        t = time.perf_counter()
        reference = plain_pass(events, frozenset(ids))
        plain_s = time.perf_counter() - t

        t = time.perf_counter()
        recovered = await recovery(db, events, poll_id)
        recovery_s = time.perf_counter() - t

        t = time.perf_counter()
        again = await recovery(db, events, poll_id)
        again_s = time.perf_counter() - t
        async with db.read() as conn:
            stored = await polls.response_count(conn, poll_id)
        await db.close()

    def key(counts: list[Count]) -> list[tuple[str, str, int]]:
        return sorted((c.place, c.option_id, c.n) for c in counts)

    agree = key(reference) == key(recovered) == key(again)
    voters = next(c.n for c in reference if c.place == "" and c.option_id == "*")
    print(f"{EVENTS:,} response events from {VOTERS:,} voters; {voters:,} counted votes")
    print(
        f"  plain pass (reference)       {plain_s * 1000:8.1f} ms  {EVENTS / plain_s:10,.0f} ev/s"
    )
    print(
        f"  recovery from /relations     {recovery_s * 1000:8.1f} ms  "
        f"{EVENTS / recovery_s:10,.0f} ev/s  ({recovery_s / plain_s:.1f}x the plain pass)"
    )
    print(
        f"  recovery again (all dupes)   {again_s * 1000:8.1f} ms  "
        f"{EVENTS / again_s:10,.0f} ev/s  ({again_s / plain_s:.1f}x the plain pass)"
    )
    print(f"  stored responses: {stored:,} (one row per event id; redacted events are not stored)")
    print(f"  tallies agree: {'yes' if agree else 'NO'}")


if __name__ == "__main__":
    asyncio.run(main())
