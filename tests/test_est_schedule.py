"""The scheduled situation picture: posted once per slot, whatever the number of firings,
restarts or a crash in the middle of sending."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.messages import Outgoing
from bot.render import plain
from bot.scheduler import start_scheduler
from handlers.est.schedule import latest_slot, post_scheduled
from storage import est
from tests.estdata import add_tips
from tests.harness import MODERATION_ROOM, FakeMessenger, Harness, make_settings

SCHEDULE = {
    "est.schedule": {
        "enabled": True,
        "day_of_week": "mon",
        "time": "07:00",
        "period_days": 7,
        "grace_hours": 6,
    }
}
MONDAY_0705 = datetime(2026, 11, 30, 6, 5, tzinfo=UTC)  # 07:05 in Värnamo (CET)


async def started(tmp_path: Path, at: datetime) -> Harness:
    bot = await Harness(tmp_path, make_settings(**SCHEDULE)).start()
    bot.clock.current = at
    await add_tips(bot.svc.db)
    return bot


async def test_posts_the_slot_once_with_summary_and_charts(tmp_path: Path) -> None:
    bot = await started(tmp_path, MONDAY_0705)
    try:
        assert await post_scheduled(bot.svc) == "2026-11-30T07:00"
        sent = list(bot.messenger.sent)
        assert [o.room_id for o in sent] == [MODERATION_ROOM] * 4
        text = plain(sent[0].text)
        assert text.startswith("Automatisk lägesbild inför EST-mötet.")
        assert "Lägesbild alla orter, 2026-11-23 – 2026-11-29 (7 dagar)" in text
        assert [o.txn_key for o in sent] == [f"est/2026-11-30T07:00/{i}" for i in range(4)]
        bot.clock.advance(minutes=30)
        assert await post_scheduled(bot.svc) is None
        await bot.restart()
        assert await post_scheduled(bot.svc) is None
        assert bot.messenger.sent == []
        async with bot.svc.db.read() as conn:
            assert await est.postings(conn) == [("2026-11-30T07:00", MODERATION_ROOM, "sent")]
    finally:
        await bot.stop()


async def test_two_firings_at_once_post_once(tmp_path: Path) -> None:
    bot = await started(tmp_path, MONDAY_0705)
    try:
        results = await asyncio.gather(post_scheduled(bot.svc), post_scheduled(bot.svc))
        assert sorted(results, key=str) == ["2026-11-30T07:00", None]
        assert len(bot.messenger.sent) == 4
    finally:
        await bot.stop()


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 11, 30, 5, 55, tzinfo=UTC),  # 06:55: before the slot
        datetime(2026, 11, 30, 12, 30, tzinfo=UTC),  # 13:30: past the six hours' grace
        datetime(2026, 12, 1, 6, 5, tzinfo=UTC),  # Tuesday
    ],
)
async def test_nothing_outside_the_slot_and_its_grace(tmp_path: Path, at: datetime) -> None:
    bot = await started(tmp_path, at)
    try:
        assert await post_scheduled(bot.svc) is None
        assert bot.messenger.sent == []
    finally:
        await bot.stop()


async def test_a_slot_missed_while_down_is_posted_within_grace(tmp_path: Path) -> None:
    bot = await started(tmp_path, datetime(2026, 11, 30, 11, 0, tzinfo=UTC))  # 12:00
    try:
        assert await post_scheduled(bot.svc) == "2026-11-30T07:00"
    finally:
        await bot.stop()


class FailingOnce(FakeMessenger):
    """Fails on the second message of the first attempt, like a crash mid-post."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def send(self, out: Outgoing) -> str | None:
        if not self.failed and len(self.sent) == 1:
            self.failed = True
            raise ConnectionError("homeserver gone")
        return await super().send(out)


async def test_a_crash_mid_post_is_resent_later_with_the_same_transaction_ids(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path, make_settings(**SCHEDULE))
    bot.messenger = FailingOnce()
    await bot.start()
    bot.clock.current = MONDAY_0705
    await add_tips(bot.svc.db)
    try:
        with pytest.raises(ConnectionError):
            await post_scheduled(bot.svc)
        first = [o.txn_key for o in bot.messenger.sent]
        assert first == ["est/2026-11-30T07:00/0"]
        bot.clock.advance(minutes=5)
        assert await post_scheduled(bot.svc) is None  # the claim is still fresh
        bot.clock.advance(minutes=6)
        assert await post_scheduled(bot.svc) == "2026-11-30T07:00"
        again = [o.txn_key for o in bot.messenger.sent[1:]]
        assert again == [f"est/2026-11-30T07:00/{i}" for i in range(4)]
        assert bot.messenger.sent[0].text == bot.messenger.sent[1].text
    finally:
        await bot.stop()


def test_every_other_week_fires_on_odd_iso_weeks() -> None:
    settings = make_settings(**{"est.schedule": {**SCHEDULE["est.schedule"], "weeks": "*/2"}})
    tz = settings.kommun.tz
    # 2026-11-30 is in ISO week 49 (odd: fires), 2026-12-07 in week 50 (does not).
    assert latest_slot(settings.est.schedule, tz, MONDAY_0705) is not None
    week50 = datetime(2026, 12, 7, 6, 5, tzinfo=UTC)
    assert latest_slot(settings.est.schedule, tz, week50) is None


async def test_the_scheduler_has_the_est_jobs_only_when_enabled(tmp_path: Path) -> None:
    bot = await Harness(tmp_path, make_settings(**SCHEDULE)).start()
    off = await Harness(tmp_path / "off").start()
    try:
        assert bot.app is not None and off.app is not None
        on_jobs = start_scheduler(bot.svc, bot.app.jobs)
        off_jobs = start_scheduler(off.svc, off.app.jobs)
        assert on_jobs.get_job("est") is not None and on_jobs.get_job("est_check") is not None
        assert off_jobs.get_job("est") is None
        on_jobs.shutdown(wait=False)
        off_jobs.shutdown(wait=False)
    finally:
        await bot.stop()
        await off.stop()
