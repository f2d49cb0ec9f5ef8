"""The situation picture (lägesbild) as data: counts by category, by place, by weekday and
time band and by state, the change against the previous period of the same length, hot
spots (marked recurring when they were hot spots in the previous period too) and the extra
sections other features provide. Every count has already passed small-count suppression
(`handlers.est.suppress`); renderers show what is here and nothing else.

Computed from grouped counts only (`storage.est`): no record, code or text is ever read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.report import ReportContext, ReportPeriod, SectionProvider
from handlers.est.suppress import Cell, Table, change, protect
from storage import est
from storage.est import Key, Span

log = logging.getLogger(__name__)

BANDS = ("00-06", "06-12", "12-18", "18-24", "okand")
WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)
STATES = ("new", "reviewed", "forwarded", "closed")
HOTSPOT_DIMS: tuple[est.Dim, ...] = ("locality", "area", "place_type", "time_band")


@dataclass(frozen=True)
class Row:
    """One group in both periods."""

    key: str
    current: Cell
    previous: Cell

    @property
    def change(self) -> int | None:
        return change(self.current, self.previous)


@dataclass(frozen=True)
class Hotspot:
    locality: str
    area: str | None
    place_type: str
    time_band: str
    count: int
    previous: int | None  # the previous period's count when it was a hot spot then too

    @property
    def recurring(self) -> bool:
        return self.previous is not None


@dataclass(frozen=True)
class SectionTable:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]
    note: str = ""
    minimum: int = 3


@dataclass(frozen=True)
class Picture:
    span: Span
    previous_span: Span
    total: Row
    categories: tuple[Row, ...]
    place_level: Literal["locality", "area"]
    places: tuple[Row, ...]
    heat: dict[tuple[int, str], Cell]
    states: tuple[tuple[str, Cell], ...]
    hotspots: tuple[Hotspot, ...]  # the biggest, at most ``est.hotspot_max``
    hotspots_more: int  # hot spots not listed
    hotspot_min: int
    minimum: int
    sections: tuple[SectionTable, ...] = ()

    @property
    def empty(self) -> bool:
        return self.total.current.value == 0 and self.total.previous.value == 0


NO_AREA = ""  # the key of tips without an area when a picture is split by area


def _one(counts: dict[Key, int]) -> dict[str, int]:
    return {("" if k[0] is None else str(k[0])): v for k, v in counts.items()}


def _hot(counts: dict[Key, int]) -> dict[tuple[str, str | None, str, str], int]:
    return {(str(k[0]), None if k[1] is None else str(k[1]), str(k[2]), str(k[3])): v
            for k, v in counts.items()}  # fmt: skip


def _place_of(level: str, key: tuple[str, str | None, str, str]) -> str:
    return key[0] if level == "locality" else (key[1] or NO_AREA)


HotKey = tuple[str, str | None, str, str]


def _remainder_force(
    places: dict[str, int], hot: dict[HotKey, int], level: str, minimum: int
) -> set[str]:
    """Places whose count minus their listed hot spots would be a small group."""
    listed: dict[str, int] = {}
    for key, n in hot.items():
        listed[_place_of(level, key)] = listed.get(_place_of(level, key), 0) + n
    return {p for p, n in listed.items() if 0 < places.get(p, 0) - n < minimum}


def _ordered(keys: Sequence[str], present: set[str]) -> list[str]:
    """Known keys in configuration order, then any others (sorted); never by count, since
    the position of a hidden group must not tell its size."""
    out = [k for k in keys if k in present]
    return out + sorted(present - set(out))


async def compute(
    rctx: ReportContext,
    span: Span,
    providers: Sequence[SectionProvider] = (),
) -> Picture:
    """The picture of ``span`` against the period of the same length before it."""
    conn, settings = rctx.conn, rctx.settings
    minimum, hot_min = settings.est.suppress_below, settings.est.hotspot_min
    prev = span.previous()
    level: Literal["locality", "area"] = "area" if span.locality else "locality"

    found = await est.counts(
        conn,
        [
            est.Count(span, ("category",)),
            est.Count(prev, ("category",)),
            est.Count(span, (level,)),
            est.Count(prev, (level,)),
            est.Count(span, ("weekday", "time_band")),
            est.Count(span, ("state",)),
            est.Count(span, HOTSPOT_DIMS, hot_min),
            est.Count(prev, HOTSPOT_DIMS, hot_min),
        ],
    )
    cat_now, cat_prev, place_now, place_prev = (_one(f) for f in found[:4])
    heat_raw, state_now = found[4], _one(found[5])
    hot_now, hot_prev = _hot(found[6]), _hot(found[7])

    # The biggest hot spots are listed (with their previous count when recurring); only
    # what is listed can be subtracted from a place's count, so only that is guarded.
    ranked = sorted(hot_now.items(), key=lambda kv: (-kv[1], str(kv[0])))
    listed = dict(ranked[: settings.est.hotspot_max])
    listed_prev = {k: hot_prev[k] for k in listed if k in hot_prev}

    cats = protect(cat_now, minimum)
    cats_prev = protect(cat_prev, minimum)
    places = protect(place_now, minimum, force=_remainder_force(place_now, listed, level, minimum))
    places_prev = protect(
        place_prev, minimum, force=_remainder_force(place_prev, listed_prev, level, minimum)
    )
    heat_counts = {(wd, band): heat_raw.get((wd, band), 0) for wd in WEEKDAYS for band in BANDS}
    heat = protect(heat_counts, minimum)
    states = protect({s: state_now.get(s, 0) for s in STATES}, minimum)

    now_tables: list[Table[Any]] = [cats, places, states]
    prev_tables: list[Table[Any]] = [cats_prev, places_prev]
    total_now = sum(cat_now.values())
    total_prev = sum(cat_prev.values())
    total = Row(
        "total",
        _total_cell(total_now, minimum, [*now_tables, heat]),
        _total_cell(total_prev, minimum, prev_tables),
    )

    cat_keys = _ordered([c.key for c in settings.categories], set(cat_now) | set(cat_prev))
    if level == "locality":
        order = [loc.key for loc in settings.localities]
    else:
        loc = settings.locality(span.locality or "")
        order = [*(loc.areas if loc else ()), NO_AREA]
    place_keys = _ordered(order, set(place_now) | set(place_prev))
    hotspots = tuple(
        Hotspot(*key, count=n, previous=listed_prev.get(key)) for key, n in listed.items()
    )
    sections = await _sections(rctx, span, providers)
    return Picture(
        span=span,
        previous_span=prev,
        total=total,
        categories=tuple(Row(k, _cell(cats, k), _cell(cats_prev, k)) for k in cat_keys),
        place_level=level,
        places=tuple(Row(k, _cell(places, k), _cell(places_prev, k)) for k in place_keys),
        heat=heat.cells,
        states=tuple((s, states.cells[s]) for s in STATES),
        hotspots=hotspots,
        hotspots_more=len(ranked) - len(listed),
        hotspot_min=hot_min,
        minimum=minimum,
        sections=sections,
    )


def _cell(table: Table[str], key: str) -> Cell:
    return table.cells.get(key, Cell(0))


def _total_cell(total: int, minimum: int, tables: Sequence[Table[Any]]) -> Cell:
    """The period's total, hidden when it is small or when a table had to hide its total
    (then the grand total, which every table shares, would reveal what that table hid)."""
    if 0 < total < minimum:
        return Cell(None, small=True)
    if any(t.total.hidden for t in tables):
        return Cell(None)
    return Cell(total)


async def _sections(
    rctx: ReportContext, span: Span, providers: Sequence[SectionProvider]
) -> tuple[SectionTable, ...]:
    period = ReportPeriod(span.start, span.end, span.locality)
    out: list[SectionTable] = []
    for provider in providers:
        try:
            section = await provider(rctx, period)
        except Exception:
            log.exception("a situation-picture section provider failed; section left out")
            continue
        if section is None:
            continue
        columns: list[dict[int, Cell]] = []
        for col in range(len(section.columns)):
            counts = {i: row.counts[col] for i, row in enumerate(section.rows)}
            columns.append(protect(counts, section.minimum).cells)
        rows = tuple(
            (row.label, tuple(columns[c][i] for c in range(len(section.columns))))
            for i, row in enumerate(section.rows)
        )
        out.append(
            SectionTable(section.title, section.columns, rows, section.note, section.minimum)
        )
    return tuple(out)
