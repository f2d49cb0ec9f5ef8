"""Reading the schema and counting rows against the data map's rules (`storage.datamap`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from config.settings import Settings
from storage.datamap import INTERNAL_PREFIX, TABLES, deadline_sql

AGE_BANDS: tuple[tuple[str, float | None], ...] = (
    ("<7 d", 7),
    ("7-30 d", 30),
    ("30-90 d", 90),
    ("90-365 d", 365),
    ("1-3 år", 3 * 365),
    (">3 år", None),
)
"""Upper bounds in days of the age bands of ``tryggbot privacy report``."""


async def schema(conn: aiosqlite.Connection) -> dict[str, tuple[str, ...]]:
    """Every table of the database (SQLite's own excepted) and its columns, in order."""
    async with conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE ? ORDER BY name",
        (INTERNAL_PREFIX + "%",),
    ) as cur:
        names = [r[0] for r in await cur.fetchall()]
    found: dict[str, tuple[str, ...]] = {}
    for name in names:
        async with conn.execute(f"PRAGMA table_info({name})") as cur:
            found[name] = tuple(r[1] for r in await cur.fetchall())
    return found


@dataclass(frozen=True)
class TableCount:
    table: str
    rows: int
    bands: tuple[int, ...]
    """Rows per `AGE_BANDS` entry, by the row's age."""
    past: int
    """Rows whose rule's deadline passed more than ``grace`` ago."""
    no_limit: int
    """Rows the rule gives no deadline (kept while something holds them)."""


async def count(
    conn: aiosqlite.Connection, settings: Settings, now: datetime, grace: timedelta
) -> list[TableCount]:
    """Per table of the data map: rows by age band, and rows past their rule."""
    stamp = now.isoformat()
    grace_days = grace.total_seconds() / 86400
    out: list[TableCount] = []
    for t in TABLES:
        age = f"(julianday(:now) - {t.rule.born})"
        bands = []
        lower: float = -1e9
        for _label, upper in AGE_BANDS:
            cond = f"{age} >= {lower}" + (f" AND {age} < {upper}" if upper is not None else "")
            bands.append(f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)")
            lower = upper if upper is not None else lower
        deadline = deadline_sql(t, settings)
        if deadline is None:
            past, open_ = "0", "count(*)"
        else:
            past = f"sum(CASE WHEN ({deadline}) < julianday(:now) - :grace THEN 1 ELSE 0 END)"
            open_ = f"sum(CASE WHEN ({deadline}) IS NULL THEN 1 ELSE 0 END)"
        sql = f"SELECT count(*), {', '.join(bands)}, {past}, {open_} FROM {t.name}"
        async with conn.execute(sql, {"now": stamp, "grace": grace_days}) as cur:
            row = await cur.fetchone()
        assert row is not None
        values = [int(v or 0) for v in row]
        out.append(TableCount(t.name, values[0], tuple(values[1:-2]), values[-2], values[-1]))
    return out
