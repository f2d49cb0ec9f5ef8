"""Benchmark: the EST situation picture and export on 1,000,000 realistic records.

Run as ``.venv/bin/python bench/est.py [--records N] [--db PATH]``. Fills a fresh database
(the real schema, migrations included) with N records over two years: localities weighted
by population, Värnamo's areas, categories, place types and time bands with realistic
weights, more tips in the evening, at weekends and in summer, a few persistent hot spots,
older tips mostly closed. Then, in the same run and on the same file, it times:

* reference: one plain ``SELECT category, locality, weekday, time_band, count(*) ... GROUP
  BY`` over the whole table;
* the full 14-day picture as ``!lägesbild`` computes it (all tables of both periods, hot
  spots, suppression) and its chat text (charts are timed separately: they are drawn off
  the event loop and do not depend on the number of records);
* the whole-history CSV export as ``tryggbot est --format csv`` writes it;
* the export's peak Python memory (tracemalloc) for a tenth of the history and for all of
  it: streamed, the two are about the same.

Prints figures only (median of several runs); it never passes or fails on timing.
Goals from the issue: picture < 100 ms, 1,000,000-row export < 2 s, flat memory.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.i18n import Catalog  # noqa: E402
from bot.report import ReportContext  # noqa: E402
from config.base import EXAMPLE_PATH, LOCALES_DIR  # noqa: E402
from config.settings import Settings, load_settings  # noqa: E402
from handlers.est.export import write_csv  # noqa: E402
from handlers.est.picture import Picture, compute  # noqa: E402
from handlers.est.render import Labels, chat_text, draw_charts  # noqa: E402
from storage import est  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.est import Span  # noqa: E402

END = date(2026, 11, 30)
FAR = "2099-01-01T00:00:00+00:00"
REFERENCE = (
    "SELECT category, locality, weekday, time_band, count(*) FROM tip"
    " GROUP BY category, locality, weekday, time_band"
)
DAYS = 730
POPULATION = {
    "varnamo": 19822, "rydaholm": 1629, "bredaryd": 1537, "forsheda": 1460, "bor": 1304,
    "horda": 363, "lanna": 354, "karda": 333, "hanger": 282, "ekenhaga": 220, "aminne": 219,
    "tanno": 150, "horle": 150, "hjalshammar": 120, "dannas": 120, "gallaryd": 120, "os": 100,
    "landsbygd": 3000,
}  # fmt: skip
CATEGORIES = {
    "skadegorelse": 16, "klotter": 14, "nedskrapning": 14, "ordningsstorning": 10,
    "grupper": 8, "narkotika": 5, "brand": 2, "trafik": 12, "inbrott_stold": 7,
    "vald_hot": 2, "otrygg_plats": 6, "bedrageri": 3, "ovrigt": 1,
}  # fmt: skip
PLACE_TYPES = {
    "park": 14, "skolgard": 10, "centrum": 16, "station": 9, "gangvag": 14, "bostad": 20,
    "idrott": 6, "handel": 8, "annat": 3,
}  # fmt: skip
BANDS = {"00-06": 12, "06-12": 13, "12-18": 27, "18-24": 40, "okand": 8}
WEEKDAY_WEIGHT = {1: 0.9, 2: 0.9, 3: 0.95, 4: 1.0, 5: 1.3, 6: 1.4, 7: 1.1}
HOT = (  # persistent hot spots: (locality, area, place type, band), share of all records
    ("varnamo", "Centrum", "centrum", "18-24", 0.010),
    ("varnamo", "Gröndal", "park", "18-24", 0.006),
    ("varnamo", "Centrum", "station", "00-06", 0.005),
    ("bredaryd", None, "skolgard", "18-24", 0.004),
)


def generate(settings: Settings, n: int, seed: int = 1) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    days = [END - timedelta(days=i) for i in range(DAYS)]
    day_w = [WEEKDAY_WEIGHT[d.isoweekday()] * (1.3 if d.month in (6, 7, 8) else 1.0) for d in days]
    picked_days = rng.choices(days, day_w, k=n)
    locs = rng.choices(list(POPULATION), list(POPULATION.values()), k=n)
    cats = rng.choices(list(CATEGORIES), list(CATEGORIES.values()), k=n)
    ptypes = rng.choices(list(PLACE_TYPES), list(PLACE_TYPES.values()), k=n)
    bands = rng.choices(list(BANDS), list(BANDS.values()), k=n)
    areas_of = {loc.key: loc.areas for loc in settings.localities}
    langs = rng.choices(["sv", "en", "ar", "hr", "so", "uk"], [80, 8, 4, 4, 2, 2], k=n)
    hot_cut = [sum(h[4] for h in HOT[: i + 1]) for i in range(len(HOT))]
    rows: list[tuple[object, ...]] = []
    for i in range(n):
        day = picked_days[i]
        loc, ptype, band = locs[i], ptypes[i], bands[i]
        areas = areas_of.get(loc, ())
        area = rng.choice(areas) if areas and rng.random() < 0.8 else None
        r = rng.random()
        for cut, hot in zip(hot_cut, HOT, strict=True):
            if r < cut:
                loc, area, ptype, band = hot[0], hot[1], hot[2], hot[3]
                break
        age = (END - day).days
        state = (
            "closed"
            if age > 30 and rng.random() < 0.85
            else rng.choice(("new", "reviewed", "forwarded", "closed", "dismissed"))
        )
        iso = day.isocalendar()
        stamp = f"{day.isoformat()}T12:00:00+00:00"
        week = f"{iso.year}-W{iso.week:02d}"
        rows.append(
            (f"B{i:08d}", cats[i], loc, area, ptype, day.isoformat(), day.isoweekday(), band,
             week, langs[i], state, stamp, stamp, FAR)
        )  # fmt: skip
    return rows


def fill(path: Path, settings: Settings, n: int) -> None:
    async def schema() -> None:
        db = await Database.open(path)
        await db.close()

    asyncio.run(schema())
    rows = generate(settings, n)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO tip (code, category, locality, area, place_type, occurred_date,"
            " weekday, time_band, iso_week, language, state, created_at, updated_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("ANALYZE")
    # Fold the write-ahead log into the file, as a long-running bot's checkpoints would.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def timed(fn: Callable[[], Awaitable[object]], runs: int) -> tuple[float, float, object]:
    """Median wall time, median CPU time of the whole process (all threads: SQLite runs in
    aiosqlite's thread) and the last result. CPU time shows the work done even when other
    processes share the cores; wall time is what a user waits."""
    result: object = None
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = await fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), result


async def measure(path: Path, settings: Settings, runs: int) -> None:
    catalog = Catalog.load(LOCALES_DIR)
    conn = await est.open_readonly(path)
    span14 = Span(END - timedelta(days=13), END)
    whole = Span(END - timedelta(days=DAYS), END)
    tenth = Span(END - timedelta(days=DAYS // 10), END)
    out = Path(tempfile.mkdtemp(prefix="tryggbot-bench-")) / "export.csv"
    try:

        async def reference() -> object:
            async with conn.execute(REFERENCE) as cur:
                return len(await cur.fetchall())

        async def reference_scan() -> object:
            async with conn.execute(REFERENCE.replace("FROM tip", "FROM tip NOT INDEXED")) as cur:
                return len(await cur.fetchall())

        async def picture() -> object:
            pic = await compute(ReportContext(conn, settings, catalog, "sv"), span14)
            return chat_text(pic, Labels(catalog, settings, "sv")), pic

        async def export_all() -> object:
            return await write_csv(conn, settings, whole, out)

        async def export_tenth() -> object:
            return await write_csv(conn, settings, tenth, out)

        ref = await timed(reference, runs)
        scan = await timed(reference_scan, runs)
        pic_t = await timed(picture, runs * 4)
        csv_t = await timed(export_all, max(2, runs // 2))
        groups, count = ref[2], csv_t[2]
        pic: Picture = pic_t[2][1]  # type: ignore[index]
        size_mb = out.stat().st_size / 1e6
        t0 = time.perf_counter()
        draw_charts(pic, Labels(catalog, settings, "sv"))
        charts_s = time.perf_counter() - t0
        peaks = []
        for fn in (export_tenth, export_all):
            tracemalloc.start()
            rows = await fn()
            peaks.append((rows, tracemalloc.get_traced_memory()[1] / 1e6, out.stat().st_size / 1e6))
            tracemalloc.stop()
        async with conn.execute("EXPLAIN QUERY PLAN " + REFERENCE) as cur:
            plan = "; ".join(str(r[-1]) for r in await cur.fetchall())
    finally:
        await conn.close()
        out.unlink(missing_ok=True)
        out.parent.rmdir()

    def line(label: str, t: tuple[float, float, object], goal: str = "") -> None:
        ratio = f"{t[0] / scan[0]:6.2f} x scan" if t is not scan else " " * 13
        print(f"{label:<58} {t[0] * 1000:9.1f} ms wall {t[1] * 1000:9.1f} ms CPU  {ratio} {goal}")

    line(f"reference: plain GROUP BY of 4 columns ({groups} groups)", ref)
    print(f"  (SQLite's plan for it: {plan})")
    line("reference: the same GROUP BY as a full table scan", scan)
    line(
        f"14-day picture ({pic.span.start} – {pic.span.end}, {pic.total.current.value} tips)",
        pic_t,
        "(goal < 100 ms)",
    )
    line(f"CSV export, whole history ({count} rows, {size_mb:.0f} MB)", csv_t, "(goal < 2 s)")
    print(f"{'three charts of the picture (matplotlib, not timed against data)':<58} "
          f"{charts_s * 1000:9.1f} ms wall")  # fmt: skip
    for rows, peak, written in peaks:
        print(
            f"export peak Python memory, {rows:>8} rows: {peak:6.1f} MB"
            f" while writing {written:6.1f} MB (streamed: bounded by one chunk)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--db", help="database path: filled (and kept) if missing, reused if it exists"
    )
    args = parser.parse_args()
    settings = load_settings(EXAMPLE_PATH)
    with tempfile.TemporaryDirectory(prefix="tryggbot-bench-") as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "est.sqlite3"
        if path.exists():
            print(f"reusing {path}")
        else:
            t0 = time.perf_counter()
            fill(path, settings, args.records)
            elapsed = time.perf_counter() - t0
            print(f"filled {args.records} records over {DAYS} days in {elapsed:.1f} s")
        asyncio.run(measure(path, settings, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
