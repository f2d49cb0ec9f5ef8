"""``tryggbot est``: the meeting report (Markdown, HTML, PNG charts) and the record export
(CSV, JSON) for the safety coordinator, from the database opened read-only (safe while the
bot runs). Columns of the export are documented in ``docs/est-export.md``.

Exports are streamed: records are read and written in batches, so memory stays flat
whatever the size of the history. Files are created readable by their owner only.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, Literal

import aiosqlite

from bot.i18n import Catalog
from bot.report import ReportContext, SectionProvider
from config.base import LOCALES_DIR
from config.settings import Settings
from handlers.est.picture import compute
from handlers.est.render import Labels, draw_charts, html_report, markdown
from storage import est
from storage.est import Span

Format = Literal["md", "html", "csv", "json", "png"]
FORMATS: tuple[Format, ...] = ("md", "html", "csv", "json", "png")

COLUMNS = est.EXPORT_COLUMNS


@dataclass(frozen=True)
class Request:
    start: date | None
    end: date | None
    locality: str | None
    fmt: Format
    out: Path
    lang: str = "sv"


def place_codes(settings: Settings) -> list[est.PlaceCodes]:
    """Names, codes and a coordinate for every configured locality and area: an area's own
    coordinate when configured, else its locality's."""
    by_key = {(p.locality, p.area): p for p in settings.est.places}
    out: list[est.PlaceCodes] = []
    for loc in settings.localities:
        own = by_key.get((loc.key, None))
        for area in (None, *loc.areas):
            spot = by_key.get((loc.key, area)) if area else None
            src = spot if spot is not None and spot.lat is not None else own
            out.append(
                est.PlaceCodes(
                    locality=loc.key,
                    area=area,
                    name=loc.name,
                    code=own.code or "" if own else "",
                    area_code=spot.code or "" if spot else "",
                    lat=src.lat if src else None,
                    lon=src.lon if src else None,
                )
            )
    return out


def _open_private(path: Path) -> BinaryIO:
    """Create (or truncate) ``path`` readable by its owner only; a folder created for it is
    0700."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)
    return os.fdopen(fd, "wb")


async def write_csv(conn: aiosqlite.Connection, settings: Settings, span: Span, out: Path) -> int:
    """Write the CSV export (UTF-8, header line); return the number of records."""
    fh = await asyncio.to_thread(_open_private, out)
    count = 0
    try:
        fh.write((",".join(COLUMNS) + "\n").encode())
        places = place_codes(settings)
        kommun = settings.est.kommun_code or ""
        async for piece in est.export_chunks(conn, span, places, kommun, "csv"):
            fh.write(piece)
            count += piece.count(b"\n")
    finally:
        fh.close()
    return count


async def write_json(conn: aiosqlite.Connection, settings: Settings, span: Span, out: Path) -> int:
    """Write the JSON export (an array of objects); return the number of records."""
    fh = await asyncio.to_thread(_open_private, out)
    count = 0
    try:
        fh.write(b"[")
        places = place_codes(settings)
        kommun = settings.est.kommun_code or ""
        async for piece in est.export_chunks(conn, span, places, kommun, "json"):
            fh.write((b"," if count else b"") + b"\n" + piece)
            count += piece.count(b"\n") + 1
        fh.write(b"\n]\n")
    finally:
        fh.close()
    return count


async def _span(conn: aiosqlite.Connection, req: Request) -> Span | None:
    if req.start is not None and req.end is not None:
        return Span(req.start, req.end, req.locality)
    known = await est.date_range(conn)
    if known is None:
        return None
    return Span(req.start or known[0], req.end or known[1], req.locality)


def _write_text(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    with _open_private(path) as fh:
        fh.write(data)


async def run(
    settings: Settings,
    db_path: Path,
    req: Request,
    providers: Sequence[SectionProvider] = (),
) -> tuple[list[Path], int | None]:
    """Write the report or export; return the files written and, for exports, the number
    of records."""
    conn = await est.open_readonly(db_path)
    try:
        span = await _span(conn, req)
        if span is None:
            span = Span(date.today(), date.today(), req.locality)
        if req.fmt == "csv":
            return [req.out], await write_csv(conn, settings, span, req.out)
        if req.fmt == "json":
            return [req.out], await write_json(conn, settings, span, req.out)
        catalog = await asyncio.to_thread(Catalog.load, LOCALES_DIR)
        rctx = ReportContext(conn, settings, catalog, req.lang)
        pic = await compute(rctx, span, providers)
    finally:
        await conn.close()
    lab = Labels(catalog, settings, req.lang)
    if req.fmt == "md":
        await asyncio.to_thread(_write_text, req.out, markdown(pic, lab))
        return [req.out], None
    images = await asyncio.to_thread(draw_charts, pic, lab)
    if req.fmt == "html":
        await asyncio.to_thread(_write_text, req.out, html_report(pic, lab, images))
        return [req.out], None
    paths = []
    stem = req.out.with_suffix("")
    for image, suffix in zip(images, ("heatmap", "categories", "hotspots"), strict=True):
        path = stem.with_name(f"{stem.name}-{suffix}.png")
        await asyncio.to_thread(_write_bytes, path, image.data)
        paths.append(path)
    return paths, None
