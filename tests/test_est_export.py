"""``tryggbot est``: exports (CSV, JSON) and reports (Markdown, HTML, PNG) from the database
opened read-only; the HTML report rendered in headless Chromium; images through the console
and Matrix transports."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import shutil
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image as PILImage

from bot.cli import main
from bot.console.chat import ConsoleMessenger
from bot.matrix.media import image_content, image_txn
from bot.messages import Image, Outgoing
from handlers.est.export import COLUMNS
from tests.estdata import CODE_PREFIX, SECRET_TEXT, add_tips
from tests.harness import MODERATION_ROOM, Harness

FORBIDDEN = (SECRET_TEXT, "Kalle", CODE_PREFIX, "r" * 32)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
async def db(bot: Harness) -> Path:
    await add_tips(bot.svc.db)
    await bot.stop()
    return bot.db_path


async def est(db: Path, out: Path, fmt: str, *extra: str) -> int:
    """Run ``tryggbot est`` as from a shell (in a thread: it runs its own event loop)."""
    args = ["est", "--db", str(db), "--format", fmt, "--out", str(out), *extra]
    return await asyncio.to_thread(main, args)


async def test_csv_export_has_a_header_and_one_row_per_record(db: Path, tmp_path: Path) -> None:
    before = digest(db)
    out = tmp_path / "export" / "est.csv"
    assert await est(db, out, "csv", "--from", "2026-11-11", "--to", "2026-11-24") == 0
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 1 + 20  # the dismissed tip is not exported
    centrum = dict(zip(COLUMNS, rows[1], strict=True))
    assert centrum == {
        "date": "2026-11-20",
        "iso_week": "2026-W47",
        "weekday": "5",
        "time_band": "18-24",
        "category": "skadegorelse",
        "locality": "varnamo",
        "locality_name": "Värnamo",
        "locality_code": "",
        "area": "Centrum",
        "area_code": "",
        "place_type": "centrum",
        "language": "sv",
        "state": "reviewed",
        "lat": "57.186",
        "lon": "14.04",
        "kommun_code": "0683",
    }
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    assert digest(db) == before  # read-only: the database file is unchanged
    text = out.read_text(encoding="utf-8")
    assert not any(secret in text for secret in FORBIDDEN)


async def test_json_export_of_the_whole_history_for_one_place(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "est.json"
    assert await est(db, out, "json", "--place", "Bredaryd") == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [r["date"] for r in records] == ["2026-11-15"] * 3 + ["2026-11-01"] * 6
    assert records[0]["lat"] == 57.17 and records[0]["area"] == ""
    assert set(records[0]) == set(COLUMNS)
    assert not any(secret in out.read_text(encoding="utf-8") for secret in FORBIDDEN)


async def test_markdown_report_has_the_suppressed_tables(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    assert await est(db, out, "md", "--from", "2026-11-11", "--to", "2026-11-24") == 0
    text = out.read_text(encoding="utf-8")
    assert "| Misstänkt narkotikahantering | <3 | 0 | – |" in text
    assert "| Totalt | 20 | 15 | +5 |" in text
    assert not any(secret in text for secret in FORBIDDEN)


async def test_png_format_writes_three_charts(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "chart.png"
    assert (
        await est(db, out, "png", "--from", "2026-11-11", "--to", "2026-11-24", "--lang", "en") == 0
    )
    for name in ("chart-heatmap.png", "chart-categories.png", "chart-hotspots.png"):
        with PILImage.open(tmp_path / name) as png:
            assert png.format == "PNG" and png.width == 1080


async def test_unknown_place_and_missing_database_are_explained(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await est(db, tmp_path / "x.csv", "csv", "--place", "Atlantis") == 2
    assert await est(tmp_path / "none.sqlite3", tmp_path / "x.csv", "csv") == 6  # EXIT_DATABASE
    err = capsys.readouterr().err
    assert "unknown locality 'Atlantis'" in err and "no database at" in err


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


async def test_html_report_renders_tables_and_charts_in_chromium(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert await est(db, out, "html", "--from", "2026-11-11", "--to", "2026-11-24") == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert not any(secret in page for secret in FORBIDDEN)
    browser = chromium()
    if browser is None:
        pytest.skip(
            "Chromium is not installed (Debian package 'chromium'; `make test` installs it as root)"
        )
    shot = tmp_path / "shot.png"
    await asyncio.to_thread(
        subprocess.run,
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1280,4200",
            out.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with PILImage.open(shot) as png:
        rgb = png.convert("RGB")
    width, height = rgb.size
    pixels = rgb.load()
    assert pixels is not None

    def rows_with(colour: tuple[int, int, int], tolerance: int = 24) -> list[int]:
        found = []
        for y in range(0, height, 2):
            for x in range(0, width, 3):
                r, g, b = pixels[x, y]
                if all(abs(a - b_) <= tolerance for a, b_ in zip((r, g, b), colour, strict=True)):
                    found.append(y)
                    break
        return found

    header_rows = rows_with((0xE8, 0xF1, 0xF8), 3)  # table header background
    bar_rows = rows_with((0x00, 0x72, 0xB2))  # the current period's bars
    dark_heat = rows_with((0x44, 0x01, 0x54))  # viridis' darkest (empty cells)
    assert header_rows, "no table header visible"
    assert bar_rows, "no bar chart visible"
    assert dark_heat, "no heat map visible"
    assert min(header_rows) < min(dark_heat)  # tables first, charts below them


async def test_console_saves_an_image_and_prints_its_path(tmp_path: Path) -> None:
    out = io.StringIO()
    messenger = ConsoleMessenger(out, lambda: MODERATION_ROOM, image_dir=tmp_path / "img")
    image = Image(b"\x89PNG\r\n\x1a\nfake", 10, 20, "chart.png", "A chart")
    await messenger.send(Outgoing(MODERATION_ROOM, "A chart", image=image))
    saved = tmp_path / "img" / "chart.png"
    assert saved.read_bytes() == image.data
    assert f"[image 10×20: {saved}] A chart" in out.getvalue()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_matrix_image_content_and_a_transaction_id_independent_of_the_upload() -> None:
    image = Image(b"png-bytes", 1080, 960, "lagesbild.png", "Värmekarta")
    out = Outgoing("!mod:test", "Värmekarta: tips per veckodag", txn_key="est/slot/1")
    content = image_content(out, image, "mxc://test/abc")
    assert content == {
        "msgtype": "m.image",
        "body": "Värmekarta: tips per veckodag",
        "filename": "lagesbild.png",
        "url": "mxc://test/abc",
        "info": {"mimetype": "image/png", "size": 9, "w": 1080, "h": 960},
        "m.mentions": {},
    }
    assert image_txn(out, image) == image_txn(out, image)
    # The stored key alone names the event (bot/outbox.py): a resend reuses it whatever
    # the upload's URI, and a different key gives a different event.
    assert image_txn(out, image) == "tb.est%2Fslot%2F1"
    assert image_txn(replace(out, txn_key="est/slot/2"), image) != image_txn(out, image)
    threaded = image_content(Outgoing("!r", "c", thread_root="$root"), image, "mxc://x/y")
    assert threaded["m.relates_to"]["rel_type"] == "m.thread"


async def test_area_codes_coordinates_and_odd_area_names_survive_csv(tmp_path: Path) -> None:
    from handlers.est.export import Request, run
    from tests.harness import make_settings

    settings = make_settings(
        **{
            "est.places": [
                {"locality": "varnamo", "code": "T-VMO", "lat": 57.1, "lon": 14.0},
                {"locality": "varnamo", "area": "Gröndal", "code": "G.1", "lat": 57.2, "lon": 14.1},
            ]
        }
    )
    bot = await Harness(tmp_path, settings).start()
    rows = (
        (1, "klotter", "varnamo", "Gröndal", "park", "2026-11-20", "okand", "new"),
        (1, "klotter", "varnamo", 'Nya "Söder", väst', "park", "2026-11-20", "18-24", "new"),
        (1, "klotter", "nowhere", None, "park", "2026-11-20", "18-24", "new"),
    )
    await add_tips(bot.svc.db, rows)
    await bot.stop()
    out = tmp_path / "x.csv"
    await run(settings, bot.db_path, Request(None, None, None, "csv", out))
    with out.open(encoding="utf-8", newline="") as fh:
        got = [dict(zip(COLUMNS, r, strict=True)) for r in list(csv.reader(fh))[1:]]
    assert [(g["time_band"], g["locality_code"], g["area"], g["area_code"], g["lat"], g["lon"])
            for g in got] == [
        ("unknown", "T-VMO", "Gröndal", "G.1", "57.2", "14.1"),
        ("18-24", "T-VMO", 'Nya "Söder", väst', "", "57.1", "14.0"),
        ("18-24", "", "", "", "", ""),
    ]  # fmt: skip
    assert [g["locality_name"] for g in got] == ["Värnamo", "Värnamo", "nowhere"]
    json_out = tmp_path / "x.json"
    await run(settings, bot.db_path, Request(None, None, None, "json", json_out))
    records = json.loads(json_out.read_text(encoding="utf-8"))
    assert [(r["area_code"], r["lat"]) for r in records] == [("G.1", 57.2), ("", 57.1), ("", None)]
