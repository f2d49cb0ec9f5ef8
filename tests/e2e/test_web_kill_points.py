"""Kill -9 on the web path: the bot runs as its own process (Matrix on the session Synapse and
the web chat), a resident goes through a whole tip in the page in Debian's Chromium, and the
bot dies once (``TRYGGBOT_KILL_AT``) and is started again while the page keeps reconnecting
by itself. The page must end with exactly the transcript of a run without faults: no reply
lost, none repeated. Points: ``handled`` (the handler's transaction committed, with the
replies stored for the page, the page not yet told) and ``sent`` (a reply stored for the page,
its stream not yet told; for a reply through the outbox, its row not yet deleted). Right
after each kill no database file holds the page's secret or planted data.

``make test`` runs one trial per point; ``make soak`` (``TRYGGBOT_SOAK=1``) runs 20 per point,
each dying at a different message."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
from pathlib import Path

import pytest
from playwright.async_api import Page

from devtools.homeserver import LocalSynapse, free_port
from tests.e2e.botproc import BotProcess, write_config
from tests.e2e.conftest import NewUser
from tests.e2e.test_kill_points import PHONE, SCRIPT, files_hold, normalise
from tests.e2e.webpage import bot_count, browser, chromium

pytestmark = pytest.mark.skipif(
    chromium() is None,
    reason="Chromium is not installed (Debian package 'chromium'; `make test` installs it)",
)

TRIALS = 20 if os.environ.get("TRYGGBOT_SOAK") == "1" else 1
# How many times each point is reached in one run of SCRIPT (an upper bound for the kill).
HITS = {"handled": len(SCRIPT), "sent": len(SCRIPT) + 2}


def enable_web(config: Path, port: int) -> None:
    text = config.read_text(encoding="utf-8")
    block = re.search(r"(?ms)^\[web\]\n.*?(?=^\[)", text)
    assert block, "config/example.toml has a [web] section"
    web = block.group(0)
    web = re.sub(r"(?m)^enabled = false$", "enabled = true", web)
    web = re.sub(r"(?m)^port = \d+$", f"port = {port}", web)
    web = re.sub(r'(?m)^public_url = ".*"$', f'public_url = "http://127.0.0.1:{port}"', web)
    config.write_text(text.replace(block.group(0), web), encoding="utf-8")


async def transcript(page: Page) -> list[str]:
    return [
        normalise(t) for t in await page.locator(".msg.bot > span:nth-child(2)").all_text_contents()
    ]


async def secret_of(page: Page) -> str:
    raw = await page.evaluate("localStorage.getItem('tryggbot.chat.v1')")
    return str(json.loads(raw)["secret"])


async def converse(
    bot: BotProcess, page: Page, expected: list[int] | None
) -> tuple[list[int], list[str]]:
    """Type SCRIPT one message at a time, each after the answers to the one before, starting
    the bot again whenever it died. Returns the number of bot messages after each message,
    and what the files held right after a kill."""
    counts: list[int] = []
    problems: list[str] = []
    secret = await secret_of(page)
    loop = asyncio.get_running_loop()
    for i, text in enumerate(SCRIPT):
        before = await bot_count(page)
        await page.locator("#tb-text").fill(text)
        await page.locator("#tb-text").press("Enter")
        want = expected[i] if expected is not None else before + 1
        deadline = loop.time() + 120
        while await bot_count(page) < want:
            if not bot.running:
                problems += await asyncio.to_thread(files_hold, bot.home, [secret, PHONE])
                await bot.start()
            if loop.time() > deadline:
                raise AssertionError(f"no answer to {text!r} in the page\n{bot.log_tail()}")
            await asyncio.sleep(0.2)
        if expected is None:
            await asyncio.sleep(1.0)  # the reference run: let every reply to it arrive
        counts.append(await bot_count(page))
    return counts, problems


@pytest.mark.parametrize("point", ["handled", "sent"])
async def test_a_kill_on_the_web_path_neither_loses_nor_repeats(
    point: str, synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    home = tmp_path / "bot"
    config = write_config(home, synapse, bot_user)
    port = free_port()
    enable_web(config, port)
    bot = BotProcess(home, bot_user, config)
    url = f"http://127.0.0.1:{port}/?lang=sv"
    rng = random.Random(f"web-{point}-trials")
    await bot.start()
    try:
        async with browser() as chrome:
            reference_page = await (await chrome.new_context()).new_page()
            await open_chat(reference_page, url)
            counts, _ = await converse(bot, reference_page, None)
            reference = await transcript(reference_page)
            assert "Dina tips" in reference[-1], reference[-3:]
            kills = 0
            for _ in range(TRIALS):
                await bot.stop()
                starts = bot.starts
                await bot.start(kill_at=f"{point}:{rng.randint(1, HITS[point] - 1)}")
                page = await (await chrome.new_context()).new_page()
                await open_chat(page, url)
                _, problems = await converse(bot, page, counts)
                await after_all(bot, page, counts[-1])
                got = await transcript(page)
                assert got[: len(reference)] == reference, "the page lost or repeated a reply"
                assert len(got) == len(reference) + 1, "a reply came twice"
                assert problems == []
                kills += bot.starts - starts - 1
                await page.context.close()
            assert kills == TRIALS, "every trial must have killed the bot once"
    finally:
        await bot.stop()


async def open_chat(page: Page, url: str) -> None:
    await page.goto(url)
    await page.locator("#tb-chat").wait_for(state="visible")
    await page.wait_for_function("() => localStorage.getItem('tryggbot.chat.v1') !== null")


async def after_all(bot: BotProcess, page: Page, count: int) -> None:
    """One more message: replies keep their order, so a late duplicate would come first."""
    await page.locator("#tb-text").fill("!om")
    await page.locator("#tb-text").press("Enter")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while await bot_count(page) <= count:
        if not bot.running:
            await bot.start()
        assert loop.time() < deadline, "no answer to !om"
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
