"""Read-only queries for the EST situation picture and export, and the claims of scheduled
posts. Nothing here selects a tip's code, text, reporter or assignee: only category, place,
date, weekday, time band, language and state ever leave this module.

Dismissed tips (judged irrelevant by a moderator) are left out of every count and export.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import aiosqlite

from storage.db import StorageError

Dim = Literal["category", "locality", "area", "place_type", "weekday", "time_band", "state"]
DIMS: tuple[Dim, ...] = (
    "category",
    "locality",
    "area",
    "place_type",
    "weekday",
    "time_band",
    "state",
)
Key = tuple[str | int | None, ...]

EXPORT_COLUMNS = (
    "date",
    "iso_week",
    "weekday",
    "time_band",
    "category",
    "place_type",
    "language",
    "state",
    "locality",
    "locality_name",
    "locality_code",
    "area",
    "area_code",
    "lat",
    "lon",
    "kommun_code",
)


@dataclass(frozen=True)
class Span:
    """Local dates ``start`` … ``end``, both included; optionally one locality."""

    start: date
    end: date
    locality: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Span:
        """The period of the same length just before this one."""
        return Span(
            self.start - timedelta(days=self.days), self.start - timedelta(days=1), self.locality
        )


def _where(span: Span) -> tuple[str, list[object]]:
    clause = "occurred_date BETWEEN ? AND ? AND state != 'dismissed'"
    params: list[object] = [span.start.isoformat(), span.end.isoformat()]
    if span.locality is not None:
        clause += " AND locality = ?"
        params.append(span.locality)
    return clause, params


@dataclass(frozen=True)
class Count:
    """One grouped count to make: tips in ``span`` per combination of ``dims`` (only
    groups with at least ``at_least``). With no dims: the total, under the key ``()``."""

    span: Span
    dims: tuple[Dim, ...]
    at_least: int = 1


def _select(request: Count, tag: int, width: int) -> tuple[str, list[object]]:
    bad = [d for d in request.dims if d not in DIMS]
    if bad:
        raise ValueError(f"unknown dimensions {bad}")
    clause, params = _where(request.span)
    cols = [*request.dims, *(["NULL"] * (width - len(request.dims)))]
    # The covering index: without it SQLite may pick tip_related and read every row.
    sql = f"SELECT {tag}, {', '.join([*cols, 'count(*)'])} FROM tip INDEXED BY tip_est"
    sql += f" WHERE {clause}"
    if request.dims:
        sql += f" GROUP BY {', '.join(request.dims)}"
        if request.at_least > 1:
            sql += " HAVING count(*) >= ?"
            params.append(request.at_least)
    return sql, params


async def counts(conn: aiosqlite.Connection, requests: list[Count]) -> list[dict[Key, int]]:
    """Make all ``requests`` in one statement (one trip to SQLite's thread); one dict of
    counts per request, in order."""
    width = max((len(r.dims) for r in requests), default=0)
    parts, params = [], []
    for tag, request in enumerate(requests):
        sql, more = _select(request, tag, width)
        parts.append(sql)
        params.extend(more)
    out: list[dict[Key, int]] = [{} for _ in requests]
    if not requests:
        return out
    async with conn.execute(" UNION ALL ".join(parts), params) as cur:
        rows = await cur.fetchall()
    for row in rows:
        values = tuple(row)
        request = requests[int(values[0])]
        out[int(values[0])][values[1 : 1 + len(request.dims)]] = int(values[-1])
    return out


@dataclass(frozen=True)
class PlaceCodes:
    """What the export adds to every record of one locality (``area`` None) or area."""

    locality: str
    area: str | None
    name: str
    code: str
    area_code: str
    lat: float | None
    lon: float | None


def _csv_field(value: str) -> str:
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


_BAND = "CASE t.time_band WHEN 'okand' THEN 'unknown' ELSE t.time_band END"
_QUOTED_AREA = (
    "CASE WHEN t.area IS NULL THEN '' ELSE '\"' || replace(t.area, '\"', '\"\"') || '\"' END"
)


def _csv_place(places: list[PlaceCodes], kommun: str, params: dict[str, object]) -> str:
    """A CASE expression giving the place columns of a record (``locality_name`` …
    ``kommun_code``) as CSV text; a nested CASE on locality, then area, costs far less than
    a join per record."""
    by_loc: dict[str, list[PlaceCodes]] = {}
    for pl in places:
        by_loc.setdefault(pl.locality, []).append(pl)
    whens = []
    for i, (loc, items) in enumerate(by_loc.items()):
        base = next((pl for pl in items if pl.area is None), items[0])
        params[f"l{i}"] = loc
        params[f"lp{i}"] = f"{_csv_field(base.name)},{_csv_field(base.code)},"
        params[f"ls{i}"] = f",,{_coord(base)},{kommun}"
        other = f":lp{i} || {_QUOTED_AREA} || :ls{i}"
        areas = []
        for j, pl in enumerate(x for x in items if x.area is not None):
            params[f"a{i}_{j}"] = pl.area
            fields = (pl.name, pl.code, pl.area or "", pl.area_code)
            params[f"v{i}_{j}"] = ",".join(map(_csv_field, fields)) + f",{_coord(pl)},{kommun}"
            areas.append(f"WHEN :a{i}_{j} THEN :v{i}_{j}")
        inner = f"CASE t.area {' '.join(areas)} ELSE {other} END" if areas else other
        whens.append(f"WHEN :l{i} THEN {inner}")
    params["unknown_suffix"] = f",,,,{kommun}"
    unknown = f"t.locality || ',,' || {_QUOTED_AREA} || :unknown_suffix"
    if not whens:
        return unknown
    return f"CASE t.locality {' '.join(whens)} ELSE {unknown} END"


def _coord(pl: PlaceCodes) -> str:
    return ("" if pl.lat is None else repr(pl.lat)) + "," + ("" if pl.lon is None else repr(pl.lon))


_JSON_OBJECT = (
    "json_object('date', t.occurred_date, 'iso_week', t.iso_week, 'weekday', t.weekday,"
    " 'time_band', " + _BAND + ", 'category', t.category, 'place_type', t.place_type,"
    " 'language', t.language, 'state', t.state, 'locality', t.locality,"
    " 'locality_name', coalesce(t.place_name, t.locality),"
    " 'locality_code', coalesce(t.place_code, ''), 'area', coalesce(t.area, ''),"
    " 'area_code', coalesce(t.place_area_code, ''), 'lat', t.place_lat, 'lon', t.place_lon,"
    " 'kommun_code', :kommun)"
)


async def export_chunks(
    conn: aiosqlite.Connection,
    span: Span,
    places: list[PlaceCodes],
    kommun_code: str,
    fmt: Literal["csv", "json"],
    chunk: int = 20_000,
) -> AsyncIterator[bytes]:
    """The records of ``span`` as UTF-8 CSV lines (`EXPORT_COLUMNS` order, each ending in a
    newline) or JSON objects (separated by ``,\\n``), in pieces of at most ``chunk``
    records, in the order they were made.

    SQLite builds each piece (one ``group_concat`` over a range of row ids), so no Python
    object is made per record: memory stays flat and a million records take about a
    second. ``places`` adds names, codes and coordinates (joined on locality and area)."""
    params: dict[str, object] = {"kommun": kommun_code}
    if fmt == "csv":
        # One printf per record: about half the work of chaining ``||``.
        item = (
            "printf('%s,%s,%d,%s,%s,%s,%s,%s,%s,%s' || char(10), t.occurred_date, t.iso_week,"
            f" t.weekday, {_BAND}, t.category, t.place_type, t.language, t.state, t.locality,"
            f" {_csv_place(places, kommun_code, params)})"
        )
        sep, source = "''", "tip AS t"
    else:
        values = []
        for i, pl in enumerate(places):
            params.update({f"k{i}": pl.locality + "\x1f" + (pl.area or ""), f"n{i}": pl.name,
                           f"c{i}": pl.code, f"a{i}": pl.area_code, f"la{i}": pl.lat,
                           f"lo{i}": pl.lon})  # fmt: skip
            values.append(f"(:k{i}, :n{i}, :c{i}, :a{i}, :la{i}, :lo{i})")
        if not values:
            values.append("(NULL, NULL, NULL, NULL, NULL, NULL)")
        item, sep = _JSON_OBJECT, "',' || char(10)"
        source = (
            f"(WITH place (key, name, code, area_code, lat, lon) AS (VALUES {', '.join(values)})"
            " SELECT t.id, t.occurred_date, t.iso_week, t.weekday, t.time_band, t.category,"
            " t.place_type, t.language, t.state, t.locality, t.area,"
            " coalesce(p.name, q.name) AS place_name, coalesce(p.code, q.code) AS place_code,"
            " p.area_code AS place_area_code, coalesce(p.lat, q.lat) AS place_lat,"
            " coalesce(p.lon, q.lon) AS place_lon FROM tip AS t"
            " LEFT JOIN place AS p ON p.key = t.locality || char(31) || coalesce(t.area, '')"
            " LEFT JOIN place AS q ON q.key = t.locality || char(31)) AS t"
        )
    where = "t.id BETWEEN :lo AND :hi AND t.occurred_date BETWEEN :start AND :end"
    where += " AND t.state != 'dismissed'"
    params.update(start=span.start.isoformat(), end=span.end.isoformat())
    if span.locality is not None:
        where += " AND t.locality = :locality"
        params["locality"] = span.locality
    sql = (
        f"SELECT group_concat(item, {sep}) FROM (SELECT {item} AS item FROM {source}"
        f" WHERE {where} ORDER BY t.id)"
    )
    async with conn.execute("SELECT min(id), max(id) FROM tip") as cur:
        bounds = await cur.fetchone()
    if bounds is None or bounds[0] is None:
        return
    # The pieces stay UTF-8 bytes from SQLite to the file: no decoding and encoding back.
    text_factory = conn.text_factory
    conn.text_factory = bytes
    try:
        for low in range(int(bounds[0]), int(bounds[1]) + 1, chunk):
            params.update(lo=low, hi=low + chunk - 1)
            async with conn.execute(sql, params) as cur:
                row = await cur.fetchone()
            if row is not None and row[0]:
                yield bytes(row[0])
    finally:
        conn.text_factory = text_factory


async def date_range(conn: aiosqlite.Connection) -> tuple[date, date] | None:
    """The first and last local date of any (not dismissed) record."""
    async with conn.execute(
        "SELECT min(occurred_date), max(occurred_date) FROM tip WHERE state != 'dismissed'"
    ) as cur:
        row = await cur.fetchone()
    if row is None or row[0] is None:
        return None
    return date.fromisoformat(row[0]), date.fromisoformat(row[1])


async def open_readonly(path: Path) -> aiosqlite.Connection:
    """Open a Tryggbot database for reading only (``mode=ro``, ``query_only``): safe while
    the bot runs and writes (WAL), never migrates, never changes the file."""
    import asyncio

    if not await asyncio.to_thread(path.is_file):
        raise StorageError(f"no database at {path}")
    resolved = await asyncio.to_thread(path.resolve)
    uri = f"file:{quote(str(resolved))}?mode=ro"
    conn = await aiosqlite.connect(uri, uri=True)
    try:
        await conn.execute("PRAGMA query_only = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        async with conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'tip_est'"
        ) as cur:
            if await cur.fetchone() is None:
                raise StorageError(
                    f"{path} is not a Tryggbot database of this version; start the bot once "
                    "so it upgrades the database, then try again"
                )
    except BaseException:
        await conn.close()
        raise
    return conn


# ---- claims of scheduled posts ---------------------------------------------------------


async def claim_posting(
    conn: aiosqlite.Connection,
    slot: str,
    room_id: str,
    span: Span,
    now: datetime,
    *,
    stale_after: timedelta,
) -> bool:
    """Claim the post of ``slot`` in ``room_id``. True if this caller should send it: the
    slot was unclaimed, or claimed longer than ``stale_after`` ago and never marked sent
    (the sender crashed; resending reuses the same transaction ids). Call in a transaction."""
    cur = await conn.execute(
        "INSERT INTO est_posting (slot, room_id, period_start, period_end, claimed_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (slot, room_id) DO NOTHING",
        (slot, room_id, span.start.isoformat(), span.end.isoformat(), now.isoformat()),
    )
    if cur.rowcount == 1:
        return True
    retaken = await conn.execute(
        "UPDATE est_posting SET claimed_at = ? WHERE slot = ? AND room_id = ?"
        " AND state = 'claimed' AND claimed_at <= ?",
        (now.isoformat(), slot, room_id, (now - stale_after).isoformat()),
    )
    return retaken.rowcount == 1


async def mark_posted(conn: aiosqlite.Connection, slot: str, room_id: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE est_posting SET state = 'sent', sent_at = ? WHERE slot = ? AND room_id = ?",
        (now.isoformat(), slot, room_id),
    )


async def postings(conn: aiosqlite.Connection) -> list[tuple[str, str, str]]:
    """(slot, room id, state) of every scheduled post, oldest first."""
    async with conn.execute("SELECT slot, room_id, state FROM est_posting ORDER BY id") as cur:
        return [(r[0], r[1], r[2]) for r in await cur.fetchall()]
