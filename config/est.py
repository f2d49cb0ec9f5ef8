"""The EST situation picture (lägesbild): hot spots, small-count suppression, the automatic
post before the meeting, and the codes and coordinates exported for EST and GIS systems.
This module imports nothing from the rest of Tryggbot outside ``config``."""

from __future__ import annotations

from datetime import UTC
from typing import Literal

from pydantic import Field, model_validator

from config.base import HHMM, Key, Model


class EstPlace(Model):
    """An official code and a representative coordinate (WGS 84) for a locality or, with
    ``area``, for one of its areas; exported with every record so a GIS can place it."""

    locality: Key
    area: str | None = None
    code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,40}$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_or_neither(self) -> EstPlace:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class EstSchedule(Model):
    """Automatic posting of the situation picture to the moderation room before the EST
    meeting. ``day_of_week``, ``time`` and ``weeks`` form an APScheduler cron trigger in the
    kommun's time zone (``weeks = "*/2"``: every other ISO week)."""

    enabled: bool = False
    day_of_week: str = Field(default="mon", pattern=r"^[a-z0-9,*/-]{1,40}$")
    time: str = Field(default="07:00", pattern=HHMM)
    weeks: str = Field(default="*", pattern=r"^[0-9,*/-]{1,20}$")
    period_days: Literal[7, 14, 30] = 14
    # A slot missed (bot down) is still posted if the bot is back within this many hours.
    grace_hours: int = Field(default=6, ge=0, le=72)

    @model_validator(mode="after")
    def _buildable(self) -> EstSchedule:
        """The real trigger is built here, so a schedule that could never run stops
        check-config and the start instead of failing quietly later."""
        from apscheduler.triggers.cron import CronTrigger

        hour, minute = (int(part) for part in self.time.split(":"))
        try:
            CronTrigger(
                day_of_week=self.day_of_week,
                week=self.weeks,
                hour=hour,
                minute=minute,
                timezone=UTC,
            )
        except (ValueError, TypeError) as exc:
            raise ValueError(f"day_of_week/weeks cannot be scheduled: {exc}") from None
        return self


class EstSettings(Model):
    """The EST situation picture (lägesbild): hot spots, small-count suppression, schedule,
    export codes."""

    # A place (locality + area + place type + time band) with at least this many tips in the
    # period is a hot spot. Never below 3, so a hot spot is never a small group.
    hotspot_min: int = Field(default=4, ge=3, le=1000)
    # At most this many hot spots are listed (the biggest; the rest are counted).
    hotspot_max: int = Field(default=10, ge=1, le=100)
    # Groups with fewer tips than this are shown as "<3" and hidden from revealing sums.
    # Fixed at 3 by the medborgarlöfte's rule; raise it for a stricter kommun.
    suppress_below: int = Field(default=3, ge=3, le=100)
    # The kommun's official code (SCB kommunkod), exported with every record.
    kommun_code: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    schedule: EstSchedule = EstSchedule()
    places: tuple[EstPlace, ...] = ()
