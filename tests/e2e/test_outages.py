"""Outages with the bot as its own process: the homeserver frozen (SIGSTOP) for 15 s, and
the homeserver killed and started again. Every message sent meanwhile is answered, once;
while the homeserver is down the bot's retries follow its backoff schedule (a handful of
attempts, not a spin)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

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


@dataclass
class Talk:
    """The bot running, and a resident who has had its answer to !om in a direct chat."""

    bot: BotProcess
    resident: Peer
    room: str

    @property
    def bot_id(self) -> str:
        return self.bot.bot.user_id

    def notices(self) -> int:
        return len(self.resident.notices(self.room, self.bot_id))

    async def each_answered_once(self, before: int) -> None:
        """The three messages sent during the outage are answered (within 120 s); then one
        more !om is, and the four notices since ``before`` are all answers to !om (in order
        per room: a duplicate would come before the fourth)."""
        await self.resident.wait_for(lambda _: self.notices() >= before + 3, within=120)
        await self.resident.say(self.room, "!om")
        await self.resident.wait_for(lambda _: self.notices() >= before + 4, within=60)
        new = self.resident.notices(self.room, self.bot_id)[before:]
        assert len(new) == 4 and all(ABOUT in n["content"]["body"] for n in new)


@pytest_asyncio.fixture(loop_scope="session")
async def talk(
    deployment: BotProcess, new_user: NewUser, matrix_client: MatrixClientFactory
) -> AsyncIterator[Talk]:
    """Start the bot; a resident opens a direct chat and has had the answer to !om (a second
    ago). The bot and the resident stop after the test."""
    bot = deployment
    await bot.start()
    resident = await peer(matrix_client, await new_user("resident"))
    try:
        talk = Talk(bot, resident, await direct_chat(resident, bot.bot.user_id))
        await resident.say(talk.room, "!om")
        await resident.wait_for(lambda _: talk.notices() >= 1, within=60)
        await asyncio.sleep(1)
        yield talk
    finally:
        await bot.stop()
        await resident.close()


async def test_a_frozen_homeserver_delays_but_loses_and_repeats_nothing(
    synapse: LocalSynapse, talk: Talk
) -> None:
    bot, resident, room = talk.bot, talk.resident, talk.room
    before = talk.notices()
    pid = synapse._process.pid  # type: ignore[union-attr]
    os.kill(pid, signal.SIGSTOP)
    try:
        sends = [asyncio.create_task(resident.say(room, f"!om {i}")) for i in range(3)]
        await asyncio.sleep(15)  # the scenario itself: the homeserver is frozen for 15 s
    finally:
        os.kill(pid, signal.SIGCONT)
    await asyncio.gather(*sends)
    await talk.each_answered_once(before)
    assert bot.running


async def test_a_homeserver_killed_and_restarted_is_survived(
    synapse: LocalSynapse, talk: Talk
) -> None:
    bot, resident, room = talk.bot, talk.resident, talk.room
    before = talk.notices()
    for i in range(3):
        await resident.say(room, f"!om {i}")  # in flight when the homeserver dies
    failures_before = sync_failures(bot)
    synapse._process.kill()  # type: ignore[union-attr]
    await synapse.stop()
    try:
        await asyncio.sleep(15)  # the scenario itself: the homeserver is away for 15 s
    finally:
        await synapse.start()
    await talk.each_answered_once(before)
    # Backoff 0.5 s doubling with jitter (half to full step): at most 7 sync attempts
    # fail in a 15 s outage (plus the start-up time of the homeserver).
    assert sync_failures(bot) - failures_before <= 9
    assert bot.running
