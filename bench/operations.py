"""Benchmark: what the operator's tools cost, each against a reference in the same run.

Run as ``.venv/bin/python bench/operations.py``. Prints figures only; it never passes or fails.

* ``tryggbot backup`` (SQLite online backup API, checked and switched to a rollback journal)
  of a 50 MB database, against a plain file copy (fast, but not consistent while the bot
  writes);
* counting a handled event in the metrics (counter and lag histogram), against the bot's own
  handling of a ``!hjälp`` message (engine, router, SQLite, reply) on the test harness;
* rendering ``/metrics``.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.metrics import Metrics  # noqa: E402
from storage.backup import backup_database  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.harness import Harness  # noqa: E402


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def backup_figures(folder: Path, megabytes: int = 50, runs: int = 5) -> None:
    source = folder / "db.sqlite3"

    async def create() -> None:
        db = await Database.open(source)
        await db.close()

    asyncio.run(create())
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE filler (b BLOB)")
        for _ in range(megabytes):
            conn.execute("INSERT INTO filler VALUES (randomblob(1000000))")
    size = source.stat().st_size / 1e6
    backup, copy = [], []
    for i in range(runs):
        began = time.perf_counter()
        backup_database(source, folder / f"backup-{i}.sqlite3")
        backup.append(time.perf_counter() - began)
        began = time.perf_counter()
        shutil.copyfile(source, folder / f"copy-{i}.sqlite3")
        copy.append(time.perf_counter() - began)
    b, c = _median(backup), _median(copy)
    print(f"backup of a {size:.0f} MB database (median of {runs}):")
    print(f"  tryggbot backup   {b:6.2f} s   ({size / b:.0f} MB/s)")
    print(f"  plain file copy   {c:6.2f} s   (reference; {b / c:.1f}x faster, not consistent)")


async def metrics_figures(folder: Path, messages: int = 300) -> None:
    metrics = Metrics()
    calls = 100_000
    began = time.perf_counter()
    for _ in range(calls):
        metrics.event_handled("message", timedelta(seconds=0.2))
    per_count = (time.perf_counter() - began) / calls

    bot = await Harness(folder).start()
    try:
        await bot.meet()
        durations = []
        for _ in range(messages):
            began = time.perf_counter()
            await bot.say("!hjälp")
            durations.append(time.perf_counter() - began)
    finally:
        await bot.stop()
    handle = _median(durations)
    print(f"metrics per handled event (median of {messages} !hjälp on the harness):")
    print(f"  counting it       {per_count * 1e6:8.1f} µs")
    print(
        f"  handling it       {handle * 1e6:8.1f} µs   (reference; counting is "
        f"{per_count / handle * 100:.2f} %)"
    )
    metrics.synced()
    began = time.perf_counter()
    for _ in range(1000):
        metrics.render(backlog=3)
    print(f"  rendering /metrics {(time.perf_counter() - began):7.2f} ms per scrape")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        backup_figures(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(metrics_figures(Path(tmp)))


if __name__ == "__main__":
    main()
