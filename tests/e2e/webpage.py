"""Helpers for the web chat in a real browser: Debian's Chromium driven by Playwright (never a
downloaded browser), and a bot serving both Matrix (the session Synapse) and the page."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

from config.settings import Settings
from devtools.homeserver import LocalSynapse, RegisteredUser, free_port
from tests.e2e.botkit import bot_settings

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def web_bot_settings(
    synapse: LocalSynapse, bot: RegisteredUser, port: int | None = None, **overrides: Any
) -> Settings:
    port = port or free_port()
    return bot_settings(
        synapse,
        bot,
        **{
            "web.enabled": True,
            "web.port": port,
            "web.public_url": f"http://127.0.0.1:{port}",
            "limits.flood_messages": 200,
            **overrides,
        },
    )


@asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    path = chromium()
    assert path is not None
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


async def bot_count(page: Page) -> int:
    return int(await page.locator(".msg.bot").count())


async def wait_bot(page: Page, before: int, expect: str, within_ms: float = 60_000) -> str:
    """Wait until a bot message after the first ``before`` contains ``expect``; its text."""
    await page.wait_for_function(
        """([n, t]) => Array.from(document.querySelectorAll('.msg.bot')).slice(n)
                .some(e => e.textContent.includes(t))""",
        arg=[before, expect],
        timeout=within_ms,
    )
    texts = await page.locator(".msg.bot").all_text_contents()
    return next(t for t in texts[before:] if expect in t)


async def type_and_send(page: Page, text: str) -> None:
    await page.locator("#tb-text").fill(text)
    await page.locator("#tb-text").press("Enter")


async def click_choice(page: Page, label: str) -> None:
    await page.locator(".msg.bot").last.get_by_role("button", name=label, exact=True).click()


def axe_source() -> str:
    """axe-core as shipped inside the axe-playwright-python package (no network)."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    await page.evaluate(axe_source())  # evaluated by the browser's debugger: CSP stays on
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    assert len(result["passes"]) >= 10, "axe checked almost nothing: is the page there?"
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]
