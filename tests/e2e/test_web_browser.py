"""The web chat in a real browser (Debian's Chromium, driven by Playwright) against the bot
running on the session Synapse: a whole tip from the page, a moderator's question from the
Matrix moderation room answered in the page and back in the tip's thread, a reload mid-tip,
the Arabic page right to left, axe-core in Swedish, English and Arabic, and a tip by
keyboard alone. Skipped where Chromium is not installed (`make test` installs it as root)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import Peer, RunningBot, Source, moderation_room, peer, start_bot, tip_code
from tests.e2e.conftest import MatrixClientFactory, NewUser
from tests.e2e.webpage import (
    axe_violations,
    bot_count,
    browser,
    chromium,
    click_choice,
    type_and_send,
    wait_bot,
    web_bot_settings,
)

pytestmark = pytest.mark.skipif(
    chromium() is None,
    reason="Chromium is not installed (Debian package 'chromium'; `make test` installs it)",
)

PHONE = "070-987 65 43"


def _thread_root(src: Source) -> str | None:
    rel = src.get("content", {}).get("m.relates_to") or {}
    return str(rel["event_id"]) if rel.get("rel_type") == "m.thread" else None


class Deployment:
    def __init__(self, bot: RunningBot, moderator: Peer, mod_room: str, base: str) -> None:
        self.bot = bot
        self.moderator = moderator
        self.mod_room = mod_room
        self.base = base

    @property
    def bot_id(self) -> str:
        return self.bot.user.user_id


@pytest_asyncio.fixture(loop_scope="session")
async def deployment(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> AsyncIterator[Deployment]:
    bot_user = await new_user("bot")
    moderator = await peer(matrix_client, await new_user("polis"))
    mod_room, overrides = await moderation_room(moderator, bot_user.user_id, "Trygg moderering")
    settings = web_bot_settings(synapse, bot_user, **overrides)
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    try:
        await moderator.wait_membership(mod_room, bot_user.user_id, "join")
        yield Deployment(bot, moderator, mod_room, settings.web.public_url)
    finally:
        await bot.stop()
        await moderator.close()


@pytest_asyncio.fixture(loop_scope="session")
async def chrome() -> AsyncIterator[Browser]:
    async with browser() as b:
        yield b


async def open_page(chrome: Browser, url: str, **context: Any) -> Page:
    ctx = await chrome.new_context(**context)
    page = await ctx.new_page()
    await page.goto(url)
    await page.locator("#tb-chat").wait_for(state="visible")
    return page


async def step(
    page: Page, expect: str, *, click: str | None = None, text: str | None = None
) -> str:
    before = await bot_count(page)
    if click is not None:
        await click_choice(page, click)
    else:
        assert text is not None
        await type_and_send(page, text)
    return await wait_bot(page, before, expect)


async def test_a_whole_tip_from_the_page_and_a_moderator_question_answered_there(
    deployment: Deployment, chrome: Browser
) -> None:
    d = deployment
    page = await open_page(chrome, d.base + "/?lang=sv")
    before = await bot_count(page)
    await page.get_by_role("button", name="Lämna ett tips").click()
    await wait_bot(page, before, "Vad handlar det om?")
    await step(page, "Var hände det?", click="Klotter")
    await step(page, "Vilken sorts plats?", text="Bredaryd")
    await step(page, "När hände det?", click="Resecentrum/station")
    await step(page, "Ungefär vilken tid?", text="igår")
    await step(page, "Vad hände?", text="kväll")
    summary = await step(page, "Exakt detta sparas", text=f"Klotter i väntsalen, ring {PHONE}")
    assert "[telefonnummer]" in summary and PHONE not in summary
    receipt = await step(page, "Din kod är", click="Skicka")
    code = tip_code(receipt)

    card = await d.moderator.wait_notice(d.mod_room, d.bot_id, f"Nytt tips {code}")
    assert "Plats: Bredaryd · Resecentrum/station" in card["content"]["body"]
    before = await bot_count(page)
    await d.moderator.say(d.mod_room, f"!fråga {code} Är klottret kvar i dag?")
    question = await wait_bot(page, before, "Är klottret kvar i dag?")
    assert "Följdfråga från moderatorerna" in question
    await type_and_send(page, "Ja, det är kvar")
    answer = await d.moderator.wait_notice(d.mod_room, d.bot_id, "Svar från rapportören")
    assert "Ja, det är kvar" in answer["content"]["body"]
    assert _thread_root(answer) == card["event_id"]


async def test_a_reload_mid_tip_resumes_at_the_same_step(
    deployment: Deployment, chrome: Browser
) -> None:
    page = await open_page(chrome, deployment.base + "/?lang=sv")
    await step(page, "Vad handlar det om?", text="!tips")
    await step(page, "Var hände det?", click="Klotter")
    await page.reload()
    await page.locator("#tb-chat").wait_for(state="visible")
    last = (await page.locator(".msg.bot").all_text_contents())[-1]
    assert "Var hände det?" in last  # the transcript is back, at the same question
    assert await page.locator(".msg.bot").last.get_by_role("button", name="Bredaryd").is_enabled()
    await step(page, "Vilken sorts plats?", click="Bredaryd")


async def test_the_arabic_page_is_right_to_left_and_fits_320_pixels(
    deployment: Deployment, chrome: Browser
) -> None:
    page = await open_page(
        chrome, deployment.base + "/?lang=ar", viewport={"width": 320, "height": 640}
    )
    assert await page.evaluate("document.documentElement.dir") == "rtl"
    assert await page.evaluate("document.documentElement.lang") == "ar"
    await type_and_send(page, "!tips")
    await page.locator(".msg.bot .choices button").first.wait_for()
    message = page.locator(".msg.bot").last
    assert await message.get_attribute("lang") == "ar"
    assert await message.get_attribute("dir") == "rtl"
    assert await message.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
async def test_axe_finds_no_violations(deployment: Deployment, chrome: Browser, lang: str) -> None:
    page = await open_page(chrome, f"{deployment.base}/?lang={lang}")
    before = await bot_count(page)
    await type_and_send(page, "!tips")  # so that messages and choice buttons are scanned too
    await page.wait_for_function(
        "n => document.querySelectorAll('.msg.bot .choices button').length > 0 &&"
        " document.querySelectorAll('.msg.bot').length > n",
        arg=before,
    )
    await page.locator(".warning-list details").first.evaluate("e => e.open = true")
    assert await axe_violations(page) == []
    await page.set_viewport_size({"width": 320, "height": 640})
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


async def _tab_to(page: Page, label: str, *, backwards: bool = True) -> None:
    """Press (Shift+)Tab until the focused element is the button named ``label``."""
    for _ in range(80):
        await page.keyboard.press("Shift+Tab" if backwards else "Tab")
        name = await page.evaluate(
            "() => document.activeElement && document.activeElement.tagName === 'BUTTON'"
            " && !document.activeElement.disabled ? document.activeElement.textContent : null"
        )
        if name == label:
            return
    raise AssertionError(f"no focusable button {label!r} by keyboard")


async def test_a_whole_tip_by_keyboard_alone(deployment: Deployment, chrome: Browser) -> None:
    ctx = await chrome.new_context()
    page = await ctx.new_page()
    await page.goto(deployment.base + "/?lang=sv")
    await page.locator("#tb-chat").wait_for(state="visible")
    await page.keyboard.press("Tab")  # the skip link comes first
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "tb-text"

    async def keys(text: str, expect: str) -> None:
        before = await bot_count(page)
        await page.keyboard.type(text)
        await page.keyboard.press("Enter")
        await wait_bot(page, before, expect)
        assert await page.evaluate("document.activeElement.id") == "tb-text"  # not stolen

    async def choose(label: str, expect: str) -> None:
        before = await bot_count(page)
        await _tab_to(page, label)
        await page.keyboard.press("Enter")
        await wait_bot(page, before, expect)
        assert await page.evaluate("document.activeElement.id") == "tb-text"

    await keys("!tips", "Vad handlar det om?")
    await choose("Klotter", "Var hände det?")
    await keys("Bredaryd", "Vilken sorts plats?")
    await choose("Resecentrum/station", "När hände det?")
    await keys("igår", "Ungefär vilken tid?")
    await keys("kväll", "Vad hände?")
    await keys("Klotter på väntsalens vägg", "Exakt detta sparas")
    before = await bot_count(page)
    await _tab_to(page, "Skicka")
    await page.keyboard.press("Enter")
    receipt = await wait_bot(page, before, "Din kod är")
    assert re.search(r"VMO-[2-9A-HJ-NP-Z]{4}", receipt)
    outline = await page.evaluate(
        "() => { const b = document.querySelector('.actions button'); b.focus();"
        " return getComputedStyle(b).outlineStyle; }"
    )
    assert outline == "solid"  # focus is visible


async def test_without_javascript_the_page_still_says_112_and_114_14(
    deployment: Deployment, chrome: Browser
) -> None:
    ctx = await chrome.new_context(java_script_enabled=False)
    page = await ctx.new_page()
    await page.goto(deployment.base + "/?lang=sv")
    visible = await page.locator("body").inner_text()
    assert "Ring 112" in visible and "114 14" in visible
    assert "https://www.varnamo.se" in visible  # the kommun's other ways
    assert "Chatten behöver JavaScript" in visible
    assert not await page.locator("#tb-chat").is_visible()


async def test_forget_me_clears_the_chat_and_starts_a_new_session(
    deployment: Deployment, chrome: Browser
) -> None:
    page = await open_page(chrome, deployment.base + "/?lang=sv")
    await step(page, "Jag är", text="!om")
    old = await page.evaluate("JSON.parse(localStorage.getItem('tryggbot.chat.v1')).secret")
    await page.get_by_role("button", name="Glöm mig", exact=True).click()
    await page.get_by_role("button", name="Ja, glöm mig").click()
    await page.wait_for_function(
        "() => document.getElementById('tb-status').textContent.startsWith('Klart.')"
    )
    assert await bot_count(page) == 0  # the transcript is gone from the page
    new = await page.evaluate("JSON.parse(localStorage.getItem('tryggbot.chat.v1')).secret")
    assert new != old
    await type_and_send(page, "!om")  # a new session: the notice again, as for a newcomer
    await wait_bot(page, 0, "112")
