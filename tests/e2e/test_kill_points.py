"""Kill -9 at each named point, with the bot as its own process on a real Synapse: a resident
goes through a whole tip at a human pace while the bot dies once (SIGKILL, set through
``TRYGGBOT_KILL_AT``) and is started again. The resident must see exactly the transcript of a
run without faults: no reply lost, none repeated, no tip step skipped or applied twice. Right
after each kill, no database file may hold the resident's Matrix id or planted personal data
in clear text.

``make test`` runs one trial per point; ``make soak`` (``TRYGGBOT_SOAK=1``) runs 20 per point,
each dying at a different moment of the conversation."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
from collections.abc import Callable
from pathlib import Path

import nio
import pytest

from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import Peer, direct_chat, peer
from tests.e2e.botproc import BotProcess, write_config
from tests.e2e.conftest import MatrixClientFactory, NewUser

TRIALS = 20 if os.environ.get("TRYGGBOT_SOAK") == "1" else 1
PHONE = "0701234567"
SCRIPT = [
    "!om",
    "!tips",
    "2",
    "1",
    "Gröndal",
    "4",
    "3",
    "4",
    f"Någon sprejar klotter på skolans vägg varje natt, ring mig på {PHONE}",
    "1",
    "!mina",
]
# How many times each point is reached in one run of SCRIPT (an upper bound for the kill).
HITS = {"handled": len(SCRIPT), "sent": len(SCRIPT) + 2, "ingest": len(SCRIPT)}


def normalise(body: str) -> str:
    return re.sub(r"VMO-[A-Z0-9]{4}", "VMO-XXXX", re.sub(r"\d{4}-\d{2}-\d{2}", "DATE", body))


def transcript(resident: Peer, room: str, bot_id: str) -> list[str]:
    return [normalise(n["content"]["body"]) for n in resident.notices(room, bot_id)]


def files_hold(home: Path, needles: list[str]) -> list[str]:
    found = []
    for path in (home / ".local").glob("tryggbot.sqlite3*"):
        data = path.read_bytes()
        found += [f"{needle} in {path.name}" for needle in needles if needle.encode() in data]
    return found


async def converse(
    bot: BotProcess, resident: Peer, room: str, expected: list[int] | None
) -> tuple[list[int], list[str]]:
    """Send SCRIPT one message at a time, each after the answer to the one before (as a
    person would), restarting the bot whenever it died. Returns the number of notices seen
    after each message, and problems found in the files right after a kill."""
    counts: list[int] = []
    problems: list[str] = []
    bot_id = bot.bot.user_id
    for i, text in enumerate(SCRIPT):
        before = len(resident.notices(room, bot_id))
        await resident.say(room, text)
        want = expected[i] if expected is not None else None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120
        while True:
            seen = len(resident.notices(room, bot_id))
            if want is not None and seen >= want:
                break
            if want is None and seen > before:
                await asyncio.sleep(1.0)  # the reference run: let every reply to it arrive
                break
            if not bot.running:
                problems += files_hold(bot.home, [resident.user_id, PHONE])
                await bot.start()
            if loop.time() > deadline:
                raise AssertionError(f"no answer to {text!r}\n{bot.log_tail()}")
            try:
                await resident.wait_for(
                    lambda _, s=seen: len(resident.notices(room, bot_id)) > s, within=0.5
                )
            except TimeoutError:
                pass
        counts.append(len(resident.notices(room, bot_id)))
    return counts, problems


@pytest.fixture
async def deployment(synapse: LocalSynapse, new_user: NewUser, tmp_path: Path) -> BotProcess:
    bot_user = await new_user("bot")
    home = tmp_path / "bot"
    return BotProcess(home, bot_user, write_config(home, synapse, bot_user))


@pytest.mark.parametrize("point", ["handled", "sent", "ingest"])
async def test_a_kill_at_each_point_neither_loses_nor_repeats(
    point: str, deployment: BotProcess, new_user: NewUser, matrix_client: MatrixClientFactory
) -> None:
    bot = deployment
    bot_id = bot.bot.user_id
    rng = random.Random(f"{point}-trials")
    await bot.start()
    try:
        reference_peer = await peer(matrix_client, await new_user("reference"))
        room = await direct_chat(reference_peer, bot_id)
        counts, _ = await converse(bot, reference_peer, room, None)
        reference = transcript(reference_peer, room, bot_id)
        await reference_peer.close()
        assert reference[-1].startswith("Dina tips"), reference[-3:]
        kills = 0
        for _ in range(TRIALS):
            resident = await peer(matrix_client, await new_user("resident"))
            room = await direct_chat(resident, bot_id)
            await bot.stop()
            starts = bot.starts
            await bot.start(kill_at=f"{point}:{rng.randint(1, HITS[point] - 1)}")
            _, problems = await converse(bot, resident, room, counts)
            await resident.say(room, "!om")  # replies in a room keep order: a late
            await resident.wait_for(  # duplicate would come before this answer
                lambda _, r=resident, d=room, n=counts[-1]: len(r.notices(d, bot_id)) > n,
                within=60,
            )
            got = transcript(resident, room, bot_id)[: len(reference)]
            assert got == reference
            assert len(resident.notices(room, bot_id)) == len(reference) + 1
            assert problems == []
            kills += bot.starts - starts - 1
            await resident.close()
        assert kills == TRIALS, "every trial must have killed the bot once"
    finally:
        await bot.stop()


async def _until(bot: BotProcess, resident: Peer, done: Callable[[], bool]) -> None:
    """Wait until ``done()``, starting the bot again whenever it died."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while not done():
        if not bot.running:
            await bot.start()
        if loop.time() > deadline:
            raise AssertionError(f"waited in vain\n{bot.log_tail()}")
        with contextlib.suppress(TimeoutError):
            await resident.wait_for(lambda _: done(), within=0.5)


async def _fanout_run(
    bot: BotProcess, resident: Peer, room: str, kill_at: str | None
) -> tuple[list[str], list[str]]:
    """``!tips`` in a neighbourhood room: an answer there, and the tip's first messages in a
    new direct chat (two rooms from one event). Returns both rooms' bot notices."""
    bot_id = bot.bot.user_id
    await bot.stop()
    await bot.start(kill_at=kill_at)
    await resident.say(room, "!tips")
    await _until(bot, resident, lambda: bool(resident.client.invited_rooms))
    dm = next(iter(resident.client.invited_rooms))
    await resident.client.join(dm)
    await _until(bot, resident, lambda: len(resident.notices(dm, bot_id)) >= 2)
    await _until(bot, resident, lambda: len(resident.notices(room, bot_id)) >= 2)
    # In order per room: a late duplicate would come before these answers.
    await resident.say(dm, "!om")
    await _until(bot, resident, lambda: len(resident.notices(dm, bot_id)) >= 3)
    await resident.say(room, "!om")
    await _until(
        bot,
        resident,
        lambda: any("Jag är" in n["content"]["body"] for n in resident.notices(room, bot_id)),
    )
    return (
        [normalise(n["content"]["body"]) for n in resident.notices(room, bot_id)],
        [normalise(n["content"]["body"]) for n in resident.notices(dm, bot_id)],
    )


async def test_a_kill_in_the_middle_of_a_fan_out_neither_loses_nor_repeats(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    people = [await peer(matrix_client, await new_user("resident")) for _ in range(TRIALS + 1)]
    rooms = []
    for person in people:
        resp = await person.client.room_create(
            preset=nio.RoomPreset.public_chat, invite=[bot_user.user_id]
        )
        assert isinstance(resp, nio.RoomCreateResponse), resp
        rooms.append(str(resp.room_id))
    home = tmp_path / "bot"
    config = write_config(home, synapse, bot_user, rooms=[(r, "varnamo") for r in rooms])
    bot = BotProcess(home, bot_user, config)
    await bot.start()
    try:
        for person, room in zip(people, rooms, strict=True):
            await person.wait_membership(room, bot_user.user_id, "join", within=60)
        reference = await _fanout_run(bot, people[0], rooms[0], None)
        assert len(reference[1]) == 3, reference
        kills = 0
        for person, room in zip(people[1:], rooms[1:], strict=True):
            starts = bot.starts
            got = await _fanout_run(bot, person, room, "fanout:1")
            assert got == reference
            kills += bot.starts - starts - 1
        assert kills == TRIALS
    finally:
        await bot.stop()
        for person in people:
            await person.close()
