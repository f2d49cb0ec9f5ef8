"""Outages with the bot as its own process: the homeserver frozen (SIGSTOP) for 15 s, and
the homeserver killed and started again. Every message sent meanwhile is answered, once;
while the homeserver is down the bot's retries follow its backoff schedule (a handful of
attempts, not a spin)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import Peer, direct_chat, peer
from tests.e2e.botproc import BotProcess, write_config
from tests.e2e.conftest import MatrixClientFactory, NewUser

ABOUT = "Jag är"  # the start of the answer to !om after first contact


@pytest.fixture
async def deployment(synapse: LocalSynapse, new_user: NewUser, tmp_path: Path) -> BotProcess:
    bot_user = await new_user("bot")
    home = tmp_path / "bot"
    return BotProcess(home, bot_user, write_config(home, synapse, bot_user))


def sync_failures(bot: BotProcess) -> int:
    return sum(
        p.read_text(errors="replace").count("sync failed") for p in bot.home.glob("bot-*.log")
    )


@contextlib.asynccontextmanager
async def talking(
    bot: BotProcess, new_user: NewUser, matrix_client: MatrixClientFactory
) -> AsyncIterator[tuple[Peer, str]]:
    """Start the bot; a resident opens a direct chat and has had the answer to !om (a second
    ago). Yields the resident and the chat; stops the bot and the resident after."""
    bot_id = bot.bot.user_id
    await bot.start()
    resident = await peer(matrix_client, await new_user("resident"))
    try:
        room = await direct_chat(resident, bot_id)
        await resident.say(room, "!om")
        await resident.wait_for(lambda _: len(resident.notices(room, bot_id)) >= 1, within=60)
        await asyncio.sleep(1)
        yield resident, room
    finally:
        await bot.stop()
        await resident.close()


async def each_answered_once(resident: Peer, room: str, bot_id: str, before: int) -> None:
    """The three messages sent during the outage are answered (within 120 s); then one more
    !om is, and the four notices since ``before`` are all answers to !om (in order per room:
    a duplicate would come before the fourth)."""
    await resident.wait_for(lambda _: len(resident.notices(room, bot_id)) >= before + 3, within=120)
    await resident.say(room, "!om")
    await resident.wait_for(lambda _: len(resident.notices(room, bot_id)) >= before + 4, within=60)
    new = resident.notices(room, bot_id)[before:]
    assert len(new) == 4 and all(ABOUT in n["content"]["body"] for n in new)


async def test_a_frozen_homeserver_delays_but_loses_and_repeats_nothing(
    synapse: LocalSynapse,
    deployment: BotProcess,
    new_user: NewUser,
    matrix_client: MatrixClientFactory,
) -> None:
    bot = deployment
    bot_id = bot.bot.user_id
    async with talking(bot, new_user, matrix_client) as (resident, room):
        before = len(resident.notices(room, bot_id))
        pid = synapse._process.pid  # type: ignore[union-attr]
        os.kill(pid, signal.SIGSTOP)
        try:
            sends = [asyncio.create_task(resident.say(room, f"!om {i}")) for i in range(3)]
            await asyncio.sleep(15)  # the scenario itself: the homeserver is frozen for 15 s
        finally:
            os.kill(pid, signal.SIGCONT)
        await asyncio.gather(*sends)
        await each_answered_once(resident, room, bot_id, before)
        assert bot.running


async def test_a_homeserver_killed_and_restarted_is_survived(
    synapse: LocalSynapse,
    deployment: BotProcess,
    new_user: NewUser,
    matrix_client: MatrixClientFactory,
) -> None:
    bot = deployment
    bot_id = bot.bot.user_id
    async with talking(bot, new_user, matrix_client) as (resident, room):
        before = len(resident.notices(room, bot_id))
        for i in range(3):
            await resident.say(room, f"!om {i}")  # in flight when the homeserver dies
        failures_before = sync_failures(bot)
        synapse._process.kill()  # type: ignore[union-attr]
        await synapse.stop()
        try:
            await asyncio.sleep(15)  # the scenario itself: the homeserver is away for 15 s
        finally:
            await synapse.start()
        await each_answered_once(resident, room, bot_id, before)
        # Backoff 0.5 s doubling with jitter (half to full step): at most 7 sync attempts
        # fail in a 15 s outage (plus the start-up time of the homeserver).
        assert sync_failures(bot) - failures_before <= 9
        assert bot.running
