"""Scheduled broadcasts with a fake clock: slots in the kommun's time zone and across
daylight-saving changes, rotation, the grace period, a crash in the middle of a fan-out,
pause and resume, double firing, and the APScheduler jobs built from the table."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduler import add_jobs
from handlers.broadcasts import fanout
from storage import broadcasts as store
from storage import rooms
from storage.rooms import RoomInfo
from tests.broadcastkit import (
    EN_ROOM,
    SV_ROOM,
    Homeserver,
    Killed,
    at,
    mod,
    rt,
    runs,
    start,
    warning_ids,
)
from tests.harness import MODERATION_ROOM, RESIDENT, RESIDENT2, Harness, dm_room

DAILY_10 = [{"key": "daily", "cron": "0 10 * * *", "target": "rooms"}]


async def test_a_schedule_fires_once_at_its_local_time_in_each_rooms_language(
    tmp_path: Path,
) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": DAILY_10})
    at(bot, "2026-11-25T10:30:00+01:00")
    await rt(bot).start(bot.svc)
    assert hs.timeline == []
    at(bot, "2026-11-26T09:59:59+01:00")
    await rt(bot).sweep(bot.svc)
    assert hs.timeline == []
    at(bot, "2026-11-26T10:00:01+01:00")  # 09:00:01 UTC: Stockholm is UTC+1 in winter
    await rt(bot).sweep(bot.svc)
    await rt(bot).sweep(bot.svc)
    sv, en = hs.to(SV_ROOM), hs.to(EN_ROOM)
    assert len(sv) == 1 and len(en) == 1
    assert sv[0].startswith("⚠️ Bedrägeri på telefon: tre steg")
    assert en[0].startswith("⚠️ Phone fraud: three steps")
    assert "ring 112" in sv[0] and "call 112" in en[0]
    report = hs.to(MODERATION_ROOM)
    assert len(report) == 1 and "levererade 2 av 2" in report[0]
    [run] = await runs(bot, 1)
    assert run.slot == "2026-11-26T10:00:00" and run.state == "done"
    await bot.stop()


async def test_summer_time_moves_the_utc_time_but_not_the_local_time(tmp_path: Path) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": DAILY_10})
    at(bot, "2026-06-01T12:00:00+00:00")
    await rt(bot).start(bot.svc)
    at(bot, "2026-06-02T08:00:30+00:00")  # 10:00:30 CEST
    await rt(bot).sweep(bot.svc)
    [run] = await runs(bot, 1)
    assert run.slot == "2026-06-02T10:00:00"
    assert run.slot_at == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    await bot.stop()


async def _sweep_every(bot: object, start_at: datetime, hours: int, minutes: int) -> None:
    from tests.harness import Harness

    assert isinstance(bot, Harness)
    t = start_at
    while t <= start_at + timedelta(hours=hours):
        bot.clock.current = t
        await rt(bot).sweep(bot.svc)
        t += timedelta(minutes=minutes)


async def test_daylight_saving_changes_send_one_slot_per_day(tmp_path: Path) -> None:
    hs = Homeserver()
    nightly = [{"key": "night", "cron": "30 2 * * *", "target": "rooms"}]
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": nightly})
    # Spring: 02:30 does not exist on 29 March 2026 (02:00 -> 03:00).
    at(bot, "2026-03-28T12:00:00+01:00")
    await rt(bot).start(bot.svc)
    await _sweep_every(bot, bot.clock.now(), 60, 15)
    spring = [r for r in await runs(bot, 1) if r.state == "done"]
    assert [r.slot[:10] for r in spring] == ["2026-03-29", "2026-03-30"]
    # Autumn: 02:30 happens twice on 25 October 2026 (03:00 -> 02:00).
    at(bot, "2026-10-24T12:00:00+02:00")
    async with bot.svc.db.transaction() as conn:
        await store.set_checked(conn, 1, bot.clock.now())
    await _sweep_every(bot, bot.clock.now(), 60, 15)
    autumn = [r for r in await runs(bot, 1) if r.slot.startswith("2026-10")]
    assert [r.slot for r in autumn] == ["2026-10-25T02:30:00", "2026-10-26T02:30:00"]
    assert all(r.state == "done" for r in autumn)
    assert len(hs.to(SV_ROOM)) == 4 and len(hs.to(EN_ROOM)) == 4
    await bot.stop()


async def test_rotation_shows_every_warning_before_repeating(tmp_path: Path) -> None:
    hs = Homeserver()
    hourly = [{"key": "hourly", "cron": "0 * * * *", "target": "rooms"}]
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": hourly})
    n = len(rt(bot).catalogue(bot.svc).warnings)
    at(bot, "2026-11-25T00:30:00+01:00")
    await rt(bot).start(bot.svc)
    await _sweep_every(bot, datetime.fromisoformat("2026-11-25T01:00:01+01:00"), n, 60)
    for room in (SV_ROOM, EN_ROOM):
        shown = warning_ids(bot, hs.to(room))
        assert len(shown) == n + 1
        assert len(set(shown[:n])) == n and "?" not in shown
        assert shown[n] == shown[0]
    await bot.stop()


async def test_rotation_within_a_topic_is_per_target(tmp_path: Path) -> None:
    hs = Homeserver()
    police = [{"key": "police", "cron": "0 * * * *", "target": "rooms", "topic": "falska_poliser"}]
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": police})
    at(bot, "2026-11-25T00:30:00+01:00")
    await rt(bot).start(bot.svc)
    await _sweep_every(bot, datetime.fromisoformat("2026-11-25T01:00:01+01:00"), 3, 60)
    assert warning_ids(bot, hs.to(SV_ROOM)) == [
        "police_at_door",
        "police_on_phone",
        "police_at_door",
        "police_on_phone",
    ]
    await bot.stop()


async def test_a_slot_missed_while_down_is_sent_once_within_grace(tmp_path: Path) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": DAILY_10})
    at(bot, "2026-11-25T09:00:00+01:00")
    await rt(bot).start(bot.svc)
    await bot.stop()  # down over 10:00
    at(bot, "2026-11-25T10:40:00+01:00")
    await bot.start()
    await rt(bot).start(bot.svc)
    await rt(bot).start(bot.svc)  # a second start-up run finds the slot taken
    assert len(hs.to(SV_ROOM)) == 1 and len(hs.to(EN_ROOM)) == 1
    await bot.stop()


async def test_a_slot_missed_beyond_grace_is_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": DAILY_10})
    at(bot, "2026-11-25T09:00:00+01:00")
    await rt(bot).start(bot.svc)
    await bot.stop()
    at(bot, "2026-11-25T11:30:00+01:00")  # 90 minutes late, grace is 60
    await bot.start()
    with caplog.at_level(logging.WARNING):
        await rt(bot).start(bot.svc)
    assert hs.timeline == []
    [run] = await runs(bot, 1)
    assert run.state == "skipped" and run.slot == "2026-11-25T10:00:00"
    assert "skipped" in caplog.text and "2026-11-25T10:00:00" in caplog.text
    at(bot, "2026-11-26T10:00:05+01:00")  # the next slot goes out as usual
    await rt(bot).sweep(bot.svc)
    assert len(hs.to(SV_ROOM)) == 1
    await bot.stop()


async def test_only_the_newest_of_several_missed_slots_is_sent(tmp_path: Path) -> None:
    hs = Homeserver()
    every10 = [{"key": "often", "cron": "*/10 * * * *", "target": "rooms"}]
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": every10})
    at(bot, "2026-11-25T09:01:00+01:00")
    await rt(bot).start(bot.svc)
    at(bot, "2026-11-25T09:45:00+01:00")  # 09:10 … 09:40 all within grace
    await rt(bot).sweep(bot.svc)
    assert len(hs.to(SV_ROOM)) == 1
    states = {r.slot[11:16]: r.state for r in await runs(bot, 1)}
    assert states == {
        "09:10": "skipped",
        "09:20": "skipped",
        "09:30": "skipped",
        "09:40": "done",
    }
    await bot.stop()


async def test_a_crash_in_the_middle_of_a_fan_out_leaves_no_duplicates_and_no_gaps(
    tmp_path: Path,
) -> None:
    hs = Homeserver()
    bot = await start(
        tmp_path,
        homeserver=hs,
        extra_rooms=4,
        **{"broadcasts.schedules": DAILY_10, "broadcasts.concurrency": 1},
    )
    at(bot, "2026-11-25T09:00:00+01:00")
    for person in (RESIDENT, RESIDENT2):
        await bot.say("!prenumerera", as_=person)
    async with bot.svc.db.transaction() as conn:
        await store.add_schedule(
            conn, cron="0 10 * * *", target="subscribers", topic=None, created_by="t",
            now=bot.clock.now(),
        )  # fmt: skip
    await rt(bot).start(bot.svc)
    at(bot, "2026-11-25T10:00:01+01:00")
    # The 4th broadcast reaches its room, then the process dies before recording it.
    before = len(hs.timeline)
    hs.kill_at = before + 4
    with pytest.raises(Killed):
        await rt(bot).sweep(bot.svc)
    assert len(hs.timeline) == before + 4
    await bot.stop()  # the process is gone; its database stays
    hs.dead = False
    at(bot, "2026-11-25T10:02:00+01:00")
    await bot.start()
    await rt(bot).start(bot.svc)
    targets = [SV_ROOM, EN_ROOM, *(f"!extra{i}:test.local" for i in range(4))]
    targets += [dm_room(RESIDENT), dm_room(RESIDENT2)]
    for room in targets:
        assert len(hs.to(room)) == 1, room
    async with bot.svc.db.read() as conn:
        all_runs = [*await store.last_runs(conn, 1), *await store.last_runs(conn, 2)]
        states = [d.state for r in all_runs for d in await store.deliveries(conn, r.id)]
    assert states == ["sent"] * 8
    assert len(hs.to(MODERATION_ROOM)) == 2  # one report per run
    await bot.stop()


async def test_two_alarms_for_the_same_slot_send_once(tmp_path: Path) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": DAILY_10})
    at(bot, "2026-11-25T09:00:00+01:00")
    await rt(bot).start(bot.svc)
    at(bot, "2026-11-25T10:00:00+01:00")
    await asyncio.gather(rt(bot).fire(bot.svc, 1), rt(bot).sweep(bot.svc), rt(bot).fire(bot.svc, 1))
    assert len(hs.to(SV_ROOM)) == 1 and len(hs.to(EN_ROOM)) == 1
    await bot.stop()


async def test_pause_and_resume(tmp_path: Path) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs)
    at(bot, "2026-11-25T08:30:00+01:00")
    await rt(bot).start(bot.svc)
    reply = await mod(bot, "!utskick schema 0 * * * * rum")
    assert "Schema nr 1 skapat" in reply[-1] and "2026-11-25 09:00" in reply[-1]
    assert "pausat" in (await mod(bot, "!utskick pausa 1"))[-1]
    assert "pausat" in (await mod(bot, "!utskick lista"))[-1]
    at(bot, "2026-11-25T09:00:05+01:00")
    await rt(bot).sweep(bot.svc)
    assert hs.to(SV_ROOM) == []
    at(bot, "2026-11-25T09:30:00+01:00")
    assert "återupptaget" in (await mod(bot, "!utskick återuppta 1"))[-1]
    await rt(bot).sweep(bot.svc)
    assert hs.to(SV_ROOM) == []  # the 09:00 slot passed during the pause
    at(bot, "2026-11-25T10:00:05+01:00")
    await rt(bot).sweep(bot.svc)
    assert len(hs.to(SV_ROOM)) == 1
    await bot.stop()


async def add_encrypted_room(bot: Harness, room_id: str) -> None:
    """An encrypted neighbourhood room in Bor that the bot knows of."""
    async with bot.svc.db.transaction() as conn:
        await rooms.upsert(
            conn,
            RoomInfo(room_id, "neighbourhood", "bor", None, "sv", encrypted=True),
            bot.clock.now(),
        )


async def ten_oclock(bot: Harness) -> None:
    """Start the broadcasts at 09:00 on 2026-11-25, then sweep just after the 10:00 slot."""
    at(bot, "2026-11-25T09:00:00+01:00")
    await rt(bot).start(bot.svc)
    at(bot, "2026-11-25T10:00:01+01:00")
    await rt(bot).sweep(bot.svc)


async def test_unreadable_rooms_are_skipped_failures_retried_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "RETRY_DELAYS", (0.0, 0.0, 0.0))
    hs = Homeserver(fail_rooms={EN_ROOM: 1, "!extra0:test.local": 5})
    bot = await start(
        tmp_path,
        homeserver=hs,
        extra_rooms=2,
        **{"broadcasts.schedules": DAILY_10, "encryption.enabled": False},
    )
    await add_encrypted_room(bot, "!extra1:test.local")
    await ten_oclock(bot)
    assert len(hs.to(SV_ROOM)) == 1 and len(hs.to(EN_ROOM)) == 1
    assert hs.to("!extra0:test.local") == [] and hs.to("!extra1:test.local") == []
    [report] = hs.to(MODERATION_ROOM)
    assert (
        "levererade 2 av 4, försökte igen 1, misslyckade 1, hoppade över (oläsbara rum) 1" in report
    )
    await bot.stop()


async def test_an_encrypted_room_gets_the_warning_when_the_bot_encrypts(tmp_path: Path) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": DAILY_10})
    assert bot.svc.settings.encryption.enabled
    await add_encrypted_room(bot, "!secret:test.local")
    await ten_oclock(bot)
    assert len(hs.to("!secret:test.local")) == 1
    [report] = hs.to(MODERATION_ROOM)
    assert "hoppade över (oläsbara rum) 0" in report
    await bot.stop()


async def test_scheduler_jobs_follow_the_table(tmp_path: Path) -> None:
    bot = await start(tmp_path, **{"broadcasts.schedules": DAILY_10})
    at(bot, "2026-11-25T09:00:00+01:00")
    scheduler = AsyncIOScheduler(timezone=bot.svc.settings.kommun.tz)
    add_jobs(scheduler, bot.svc, bot.app.jobs)  # the features' declared jobs (the sweep)
    for hook in bot.svc.registry.scheduler_hooks:
        hook(bot.svc, scheduler)
    scheduler.start(paused=True)
    try:
        await rt(bot).start(bot.svc)
        job = scheduler.get_job("broadcast:1")
        assert job is not None
        assert str(job.trigger.timezone) == "Europe/Stockholm"
        assert job.next_run_time.hour == 10 and job.next_run_time.utcoffset() == timedelta(hours=1)
        await mod(bot, "!utskick schema 15 7 * * mån-fre prenumeranter bankid")
        assert scheduler.get_job("broadcast:2") is not None
        await mod(bot, "!utskick pausa 1")
        assert scheduler.get_job("broadcast:1") is None
        await mod(bot, "!utskick återuppta 1")
        assert scheduler.get_job("broadcast:1") is not None
        await mod(bot, "!utskick ta bort 2")
        assert scheduler.get_job("broadcast:2") is None
        assert scheduler.get_job("broadcasts.sweep") is not None
    finally:
        scheduler.shutdown(wait=False)
    await bot.stop()


async def test_send_now_sends_once_even_if_the_command_is_replayed(tmp_path: Path) -> None:
    hs = Homeserver()
    bot = await start(tmp_path, homeserver=hs, **{"broadcasts.schedules": DAILY_10})
    await rt(bot).start(bot.svc)
    reply = await mod(bot, "!utskick skicka nu 1")
    assert any("skickas nu till 2 mottagare" in t for t in reply)
    await rt(bot).idle()
    assert len(hs.to(SV_ROOM)) == 1 and len(hs.to(EN_ROOM)) == 1
    await bot.stop()


async def test_bad_schedules_are_refused_with_a_hint(tmp_path: Path) -> None:
    bot = await start(tmp_path)
    assert "fem cron-fält" in " ".join(await mod(bot, "!utskick schema 0 10 rum"))
    assert "går inte att tolka" in " ".join(await mod(bot, "!utskick schema 0 25 * * * rum"))
    assert "finns inte i katalogen" in " ".join(
        await mod(bot, "!utskick schema 0 10 * * * rum kryptovaluta")
    )
    assert "högst en gång per 10 minuter" in " ".join(
        await mod(bot, "!utskick schema * * * * * rum")
    )
    assert "moderatorer" in " ".join(await bot.texts("!utskick lista", room=SV_ROOM))
    await bot.stop()


async def test_a_schedule_removed_from_the_config_stops_and_a_paused_one_stays_paused(
    tmp_path: Path,
) -> None:
    two = [*DAILY_10, {"key": "weekly", "cron": "0 9 * * mon", "target": "all"}]
    bot = await start(tmp_path, **{"broadcasts.schedules": two})
    await rt(bot).start(bot.svc)
    await mod(bot, "!utskick pausa 1")
    await bot.stop()
    bot.settings = bot.settings.model_copy(
        update={
            "broadcasts": bot.settings.broadcasts.model_copy(
                update={"schedules": bot.settings.broadcasts.schedules[:1]}
            )
        }
    )
    await bot.start()
    await rt(bot).start(bot.svc)
    listing = (await mod(bot, "!utskick lista"))[-1]
    assert "nr 1" in listing and "pausat" in listing
    assert "nr 2" not in listing
    await bot.stop()


def test_a_config_schedule_with_an_unknown_topic_or_cron_is_refused() -> None:
    from config.base import ConfigError
    from tests.harness import make_settings

    with pytest.raises(ConfigError) as caught:
        make_settings(
            **{
                "broadcasts.schedules": [
                    {"key": "a", "cron": "0 10 * * *", "target": "rooms", "topic": "krypto"},
                    {"key": "b", "cron": "0 10 * * funday", "target": "rooms"},
                ]
            }
        )
    text = " ".join(caught.value.problems)
    assert "schedules.1.cron: unknown weekday 'funday'" in text
    with pytest.raises(ConfigError) as caught:
        make_settings(
            **{
                "broadcasts.schedules": [
                    {"key": "a", "cron": "0 10 * * *", "target": "rooms", "topic": "krypto"}
                ]
            }
        )
    assert "schedules.0.topic: no warning has the topic 'krypto'" in " ".join(caught.value.problems)
