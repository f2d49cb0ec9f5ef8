"""A known EST dataset for the situation-picture tests (harness clock: 2026-11-25, so the
14-day picture covers 2026-11-11 … 2026-11-24 and the period before 2026-10-28 … 2026-11-10).

Every record carries a receipt code and free text that must never appear in any output.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from storage import tips
from storage.db import Database
from storage.tips import NewTip

SECRET_TEXT = "Hemlig fritext om Kalle vid kiosken"
CODE_PREFIX = "VMO-Q"

# (count, category, locality, area, place type, date, band, state)
KNOWN: tuple[tuple[int, str, str, str | None, str, str, str, str], ...] = (
    # current period
    (5, "skadegorelse", "varnamo", "Centrum", "centrum", "2026-11-20", "18-24", "reviewed"),
    (4, "klotter", "varnamo", "Gröndal", "park", "2026-11-21", "18-24", "new"),
    (3, "nedskrapning", "bredaryd", None, "park", "2026-11-15", "12-18", "new"),
    (2, "narkotika", "forsheda", None, "station", "2026-11-12", "00-06", "new"),
    (6, "ordningsstorning", "varnamo", "Östermalm", "bostad", "2026-11-18", "12-18", "closed"),
    (1, "vald_hot", "varnamo", "Centrum", "centrum", "2026-11-20", "18-24", "dismissed"),
    # previous period
    (4, "skadegorelse", "varnamo", "Centrum", "centrum", "2026-11-06", "18-24", "closed"),
    (2, "klotter", "varnamo", "Gröndal", "park", "2026-11-07", "18-24", "closed"),
    (6, "nedskrapning", "bredaryd", None, "park", "2026-11-01", "12-18", "closed"),
    (3, "ordningsstorning", "varnamo", "Östermalm", "bostad", "2026-11-04", "06-12", "closed"),
    # outside both periods
    (1, "brand", "bor", None, "annat", "2026-10-27", "00-06", "new"),
    (1, "brand", "bor", None, "annat", "2026-11-25", "00-06", "new"),
)


async def add_tips(
    db: Database,
    rows: tuple[tuple[int, str, str, str | None, str, str, str, str], ...] = KNOWN,
) -> int:
    """Insert ``rows``; returns the number of records."""
    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    serial = itertools.count(1)
    added = 0
    async with db.transaction() as conn:
        for count, cat, loc, area, ptype, day, band, state in rows:
            for _ in range(count):
                n = next(serial)
                tip_id = await tips.insert(
                    conn,
                    NewTip(
                        code=f"{CODE_PREFIX}{n:03d}",
                        category=cat,
                        locality=loc,
                        area=area,
                        place_type=ptype,
                        occurred=date.fromisoformat(day),
                        time_band=band,
                        language="sv",
                        reporter="r" * 32,
                        text=SECRET_TEXT,
                        created_at=now,
                        text_delete_after=now + timedelta(days=45),
                        expires_at=now + timedelta(days=1000),
                    ),
                )
                if state != "new":
                    await tips.update(conn, tip_id, now, state=state)
                added += 1
    return added
