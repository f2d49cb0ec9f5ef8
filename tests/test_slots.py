"""Fair slots: who gets a freed slot, and nothing leaks when waiters are cancelled."""

from __future__ import annotations

import asyncio

import pytest

from bot.slots import BULK, FairSlots


async def _run_in_order(slots: FairSlots, jobs: list[tuple[str, bool]]) -> list[str]:
    """Start ``jobs`` (key, bulk) while one holder blocks the only slot; return the order in
    which they got it."""
    order: list[str] = []
    gate = asyncio.Event()

    async def blocker() -> None:
        async with slots.hold("blocker"):
            await gate.wait()

    async def job(key: str, bulk: bool) -> None:
        if bulk:
            BULK.set(True)
        async with slots.hold(key):
            order.append(key)
            await asyncio.sleep(0)

    first = asyncio.create_task(blocker())
    await asyncio.sleep(0)
    tasks = []
    for key, bulk in jobs:
        tasks.append(asyncio.create_task(job(key, bulk)))
        await asyncio.sleep(0)  # queue them in this order
    gate.set()
    await asyncio.gather(first, *tasks)
    return order


async def test_a_newcomer_goes_before_a_busy_keys_next_turn() -> None:
    slots = FairSlots(1)
    order = await _run_in_order(slots, [("busy", False)] * 4 + [("new", False)])
    # all queued behind the blocker: "busy" asked first and gets one turn, then "new"
    # (no turn yet) goes before busy's second
    assert order[:2] == ["busy", "new"]
    assert order.count("busy") == 4


async def test_a_newcomer_goes_before_people_who_were_served_lately() -> None:
    slots = FairSlots(1)
    for _ in range(3):  # ten people, each served three times, one request at a time
        for p in range(10):
            async with slots.hold(f"p{p}"):
                pass
    order = await _run_in_order(slots, [(f"p{p}", False) for p in range(10)] + [("new", False)])
    assert order[0] == "new"
    assert sorted(order[1:]) == sorted(f"p{p}" for p in range(10))


async def test_a_newcomer_wins_a_tie_against_people_served_up_to_now() -> None:
    slots = FairSlots(1)
    for _ in range(3):  # five people, each served three times in rotation
        for p in range(5):
            async with slots.hold(f"p{p}"):
                pass
    gate = asyncio.Event()
    order: list[str] = []

    async def job(key: str) -> None:
        async with slots.hold(key):
            order.append(key)
            if key == "p0":
                await gate.wait()

    tasks = [asyncio.create_task(job("p0"))]  # p0's fourth turn moves the virtual time on
    await asyncio.sleep(0)
    for key in ["p1", "p2", "p3", "p4", "new"]:  # all at the same start tag as p0's
        tasks.append(asyncio.create_task(job(key)))
        await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(*tasks)
    assert order[:2] == ["p0", "new"]


async def test_keys_take_turns_in_rotation() -> None:
    slots = FairSlots(1)
    order = await _run_in_order(slots, [("a", False)] * 3 + [("b", False)] * 3)
    assert order == ["a", "b", "a", "b", "a", "b"]


async def test_bulk_work_waits_for_every_reply() -> None:
    slots = FairSlots(1)
    order = await _run_in_order(slots, [("fanout-1", True), ("fanout-2", True), ("reply", False)])
    assert order == ["reply", "fanout-1", "fanout-2"]


async def test_never_more_holders_than_slots() -> None:
    slots = FairSlots(3)
    inside = peak = 0

    async def job(key: int) -> None:
        nonlocal inside, peak
        async with slots.hold(key % 5):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    await asyncio.gather(*(job(i) for i in range(40)))
    assert peak == 3 and inside == 0


async def test_a_cancelled_waiter_gives_back_nothing_it_did_not_hold() -> None:
    slots = FairSlots(1)
    gate = asyncio.Event()
    got: list[str] = []

    async def hold(key: str, wait: bool) -> None:
        async with slots.hold(key):
            got.append(key)
            if wait:
                await gate.wait()

    first = asyncio.create_task(hold("first", True))
    await asyncio.sleep(0)
    doomed = asyncio.create_task(hold("doomed", False))
    await asyncio.sleep(0)
    doomed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await doomed
    later = asyncio.create_task(hold("later", False))
    await asyncio.sleep(0)
    assert slots.waiting == 1  # only "later": the slot is still held by "first"
    gate.set()
    await asyncio.gather(first, later)
    assert got == ["first", "later"]
    # and the slot is free again
    await asyncio.wait_for(hold("again", False), 1)


async def test_a_waiter_cancelled_after_being_granted_frees_the_slot() -> None:
    slots = FairSlots(1)
    gate = asyncio.Event()
    ran: list[str] = []
    tasks: list[asyncio.Task[None]] = []

    async def first() -> None:
        async with slots.hold("k"):
            await gate.wait()
        tasks[0].cancel()  # the slot was just handed to it, and it has not run yet

    async def second() -> None:
        async with slots.hold("k"):
            ran.append("second")

    holder = asyncio.create_task(first())
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(second()))
    await asyncio.sleep(0)
    assert slots.waiting == 1
    gate.set()
    await holder
    with pytest.raises(asyncio.CancelledError):
        await tasks[0]
    assert ran == [] and slots.waiting == 0
    await asyncio.wait_for(slots.hold("again").__aenter__(), 1)  # the slot is free
