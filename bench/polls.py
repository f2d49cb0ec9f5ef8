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

Then, over a throwaway Synapse with Tryggbot as its own process (``--residents``, default 200,
each with their own client and sync loop; ``--phases relations,synapse`` picks the parts):

* **survey path**: a private survey (template ``bedrageri``: place, two questions, opt-in)
  answered by every resident at once, each in their own direct chat with the bot (five
  messages each); it checks that the bot stored one answer set per resident and that the
  results, once closed, count all of them;
* **poll path**: a native poll in a neighbourhood room all of them have joined, one native
  response each; it checks that the bot stored one vote per resident and that the results
  count all of them.

For each path: the wall time from the first message to the last stored submission, that time
per submission, and (survey) each resident's own time from ``!enkät`` to the thank-you.
Figures only; it never passes or fails on timing (it does stop if a count is wrong).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
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

import nio  # noqa: E402

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


# ---- the survey path and the poll path over Synapse ----------------------------------


def bot_config(
    home: Path, server: Any, user: Any, moderator: str, mod_room: str, room: str
) -> Path:
    from procs import tryggbot_config

    path = tryggbot_config(home, server, user, flood_messages=200)
    text = path.read_text("utf-8")
    text = text.replace(
        "\nmoderators = []\n",
        f'\nmoderators = ["{moderator}"]\nmoderation_room = "{mod_room}"\n',
        1,
    )
    text += f'\n[[rooms]]\nid = "{room}"\nlocality = "bor"\nlanguage = "sv"\n'
    path.write_text(text, "utf-8")
    return path


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def until_count(db: Path, sql: str, n: int, within: float = 900) -> float:
    """Wait until ``sql`` counts ``n`` in the bot's database; the perf_counter time then."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (found := await asyncio.to_thread(count, db, sql)) < n:
        if loop.time() > deadline:
            raise AssertionError(f"only {found} of {n} after {within} s: {sql}")
        await asyncio.sleep(0.05)
    return time.perf_counter()


async def over_synapse(server: Any, base: Path, n: int) -> None:
    from procs import Resident, client_for, register, start_tryggbot

    bot_user = await register(server, "tryggbot")
    bot_id = bot_user.user_id
    mod = await Resident(client_for(server, await register(server, "kommun"))).start()
    people: list[Resident] = []
    created = await mod.client.room_create(preset=nio.RoomPreset.private_chat, name="Moderering")
    assert isinstance(created, nio.RoomCreateResponse), created
    mod_room = str(created.room_id)
    public = await mod.client.room_create(preset=nio.RoomPreset.public_chat, name="Bor")
    assert isinstance(public, nio.RoomCreateResponse), public
    room = str(public.room_id)
    home = base / "tryggbot"
    bot = await start_tryggbot(
        home, bot_config(home, server, bot_user, mod.user_id, mod_room, room), bot_user
    )
    db = home / ".local" / "tryggbot.sqlite3"
    try:
        for r in (mod_room, room):
            await mod.client.room_invite(r, bot_id)  # refused if it joined the room already
            await mod.wait_joined(r, bot_id)
        t = time.perf_counter()
        people = list(
            await asyncio.gather(
                *[
                    Resident(client_for(server, await register(server, "r"))).start()
                    for _ in range(n)
                ]
            )
        )
        dms = [await p.direct_chat(bot_id) for p in people]
        await asyncio.gather(
            *(p.wait_joined(dm, bot_id) for p, dm in zip(people, dms, strict=True))
        )
        for p in people:
            joined = await p.client.join(room)
            assert isinstance(joined, nio.JoinResponse), joined
        print(
            f"\n{n} residents over Synapse {server.base_url}: set up in "
            f"{time.perf_counter() - t:.0f} s (accounts, direct chats, room joins)"
        )
        await mod.say_until(mod_room, "!enkät mall bedrageri 1d", "Enkät #1 är skapad")
        await mod.say_until(mod_room, "!enkät mall trygghet 1d", "Enkät #2 är skapad")

        # The survey path: everyone at once, each in their own direct chat.
        own: list[float] = []

        async def answer(i: int, p: Resident, dm: str) -> None:
            await asyncio.sleep(i * 0.01)  # staggered starts, then as fast as the bot answers
            t0 = time.perf_counter()
            await p.say_until(dm, "!enkät 1", "Vilken ort gäller dina svar?")
            await p.say_until(dm, "Bor", "Fråga 1 av 2")
            await p.say_until(dm, str(i % 5 + 1), "Fråga 2 av 2")
            await p.say_until(dm, str(i % 3 + 1), "Vill du få ett meddelande")
            await p.say_until(dm, "nej", "Tack för dina svar!")
            own.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(
            *(answer(i, p, dm) for i, (p, dm) in enumerate(zip(people, dms, strict=True)))
        )
        survey_s = await until_count(db, "SELECT count(*) FROM survey_submission", n) - t0
        stored = count(db, "SELECT count(*) FROM survey_submission")
        voters = count(db, "SELECT count(DISTINCT voter) FROM survey_voter")
        assert stored == voters == n, (stored, voters)
        await mod.say_until(mod_room, "!enkät stäng 1", "Enkät #1 är stängd")
        results = await mod.say_until(mod_room, "!enkät resultat 1", "Antal svar")
        assert f"Antal svar: {n}" in results or n < 5, results  # fewer than 5 are hidden

        # The poll path: one native response each in the neighbourhood room.
        start = next((e for e in await poll_starts(mod.client, room, bot_id)), None)
        assert start is not None, "no poll start event in the room"
        ids = [o.id for o in templates()["trygghet"].content.questions[0].options]

        async def vote(i: int, p: Resident) -> None:
            await asyncio.sleep(i * 0.01)
            content = {
                "m.relates_to": {"rel_type": "m.reference", "event_id": start},
                wire.RESPONSE: {"answers": [ids[i % 4]]},
            }
            resp = await p.client.room_send(room, wire.RESPONSE, content)
            assert isinstance(resp, nio.RoomSendResponse), resp

        t0 = time.perf_counter()
        await asyncio.gather(*(vote(i, p) for i, p in enumerate(people)))
        poll_s = await until_count(db, "SELECT count(DISTINCT voter) FROM poll_response", n) - t0
        await mod.say_until(mod_room, "!enkät stäng 2", "Enkät #2 är stängd")
        results2 = await mod.say_until(mod_room, "!enkät resultat 2", "Antal svar")
        assert f"Antal svar: {n}" in results2 or n < 5, results2

        ms = sorted(x * 1000 for x in own)
        print(
            f"  survey path: {stored} answer sets stored ({voters} voters); results: "
            f"Antal svar: {n}"
        )
        print(
            f"    all {n} at once, 5 messages each: {survey_s:6.1f} s in all, "
            f"{survey_s / n * 1000:7.1f} ms per submission"
        )
        print(
            f"    each resident's own time, !enkät to thank-you: p50 {statistics.median(ms):.0f} ms"
            f", p95 {ms[round(0.95 * (len(ms) - 1))]:.0f} ms, max {ms[-1]:.0f} ms"
        )
        print(f"  poll path:   {n} votes stored; results: Antal svar: {n}")
        print(
            f"    all {n} at once, 1 response each:  {poll_s:6.1f} s in all, "
            f"{poll_s / n * 1000:7.1f} ms per submission"
        )
        print(f"  survey / poll, per submission: {survey_s / poll_s:.1f}x")
    finally:
        for p in (*people, mod):
            await p.close()
        await bot.stop()


async def poll_starts(client: nio.AsyncClient, room: str, bot_id: str) -> list[str]:
    resp = await client.room_messages(room, start="", limit=200)
    assert isinstance(resp, nio.RoomMessagesResponse), resp
    return [
        str(e.source["event_id"])
        for e in resp.chunk
        if e.source.get("type") == wire.START and e.source.get("sender") == bot_id
    ]


async def run(args: argparse.Namespace) -> None:
    if "relations" in args.phases:
        await main()
    if "synapse" in args.phases:
        from procs import with_synapse

        await with_synapse("tryggbot-polls-", lambda s, b: over_synapse(s, b, args.residents))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--phases", default="relations,synapse")
    asyncio.run(run(parser.parse_args()))
