"""The benchmarks' stage stamps (bot/stages.py): one JSON line per handled event, with the
stages in the order reached and the database round trips so far; nothing when disabled."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.stages import NO_STAGES, Stages
from storage.db import Database


async def test_each_event_gets_its_batch_stamps_and_its_own_then_one_line(tmp_path: Path) -> None:
    out = tmp_path / "stages.jsonl"
    stages = Stages(out)
    db = await Database.open(tmp_path / "t.sqlite3")
    db.count_trips(stages.count_trip)
    try:
        stages.batch("sync_http")
        stages.batch("parsed")
        stages.queued("$a")
        stages.queued("$b")
        stages.mark("inbox", "$a")

        async def handle(event_id: str) -> None:
            with stages.handling(event_id):
                stages.mark("worker")
                async with db.transaction() as conn:
                    await conn.execute("SELECT 1")
                stages.mark("send")  # far from the event: the task's event is used

        await asyncio.gather(handle("$a"), handle("$b"))
        stages.mark("late", "$a")  # written out already: ignored
    finally:
        await db.close()
    lines = [json.loads(text) for text in out.read_text().splitlines()]
    assert [entry["event"] for entry in lines] == ["$a", "$b"]
    names = [[name for name, _, _ in entry["stages"]] for entry in lines]
    assert names[0] == ["sync_http", "parsed", "inbox", "worker", "send", "done"]
    assert names[1] == ["sync_http", "parsed", "worker", "send", "done"]
    for entry in lines:
        stamps = [ns for _, ns, _ in entry["stages"]]
        assert stamps == sorted(stamps)
        trips = {name: db_trips for name, _, db_trips in entry["stages"]}
        assert trips["send"] > trips["worker"]  # BEGIN, SELECT, COMMIT were counted


def test_disabled_stages_record_nothing() -> None:
    assert not NO_STAGES.enabled
    NO_STAGES.batch("sync_http")
    NO_STAGES.queued("$a")
    with NO_STAGES.handling("$a"):
        NO_STAGES.mark("worker")
    assert NO_STAGES.db_trips == 0 and NO_STAGES.path is None
