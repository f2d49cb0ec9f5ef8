"""Screenshots of the web chat for the README (docs/web-sv.png, docs/web-ar.png, and
docs/web-embed.png: the sample kommun page with the chat opened from its embed button): the
real engine and page, a tip begun, taken with Debian's Chromium (Playwright).

    .venv/bin/python docs/web_screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.app import build_app  # noqa: E402
from bot.web.messenger import RoutingMessenger, WebMessenger  # noqa: E402
from bot.web.server import WebServer  # noqa: E402
from config.settings import Secrets  # noqa: E402
from devtools.homeserver import free_port  # noqa: E402
from devtools.sample_page import serve_sample  # noqa: E402
from tests.e2e.webpage import browser, type_and_send  # noqa: E402
from tests.harness import FakeMessenger, make_settings  # noqa: E402

DOCS = REPO / "docs"


async def main() -> None:
    port, sample_port = free_port(), free_port()
    settings = make_settings(
        **{
            "web.enabled": True,
            "web.port": port,
            "web.public_url": f"http://127.0.0.1:{port}",
            "web.allowed_origins": [f"http://127.0.0.1:{sample_port}"],
            "language.enabled": ["sv", "en", "ar", "so", "ti", "fa", "hr", "sq", "uk", "fi", "pl"],
        }
    )
    folder = Path(tempfile.mkdtemp(prefix="web-shots-"))
    web = WebMessenger()
    app = await build_app(
        settings,
        Secrets(pseudonym_key=b"screenshot-pseudonym-key-0123456789"),
        RoutingMessenger(FakeMessenger(), web),
        base_dir=folder,
        db_path=folder / "shots.sqlite3",
    )
    web.bind(app.svc)
    server = WebServer(app.svc, app.engine, web.hub)
    await server.start()
    sample = await serve_sample(f"http://127.0.0.1:{port}", "127.0.0.1", sample_port)
    try:
        async with browser() as chrome:
            for lang, first, choice in (("sv", "!tips", "Klotter"), ("ar", "!tips", None)):
                ctx = await chrome.new_context(viewport={"width": 720, "height": 1400})
                page = await ctx.new_page()
                await page.goto(f"http://127.0.0.1:{port}/?lang={lang}")
                await page.locator("#tb-chat").wait_for(state="visible")
                await type_and_send(page, first)
                await page.locator(".msg.bot .choices button").first.wait_for()
                if choice:
                    await page.locator(".msg.bot").last.get_by_role("button", name=choice).click()
                    await page.wait_for_function(
                        "() => document.querySelectorAll('.msg.bot .choices button:enabled')"
                        ".length > 0 && document.querySelectorAll('.msg.bot').length >= 4"
                    )
                await page.locator("#tb-text").focus()
                chat = page.locator("#tb-chat")
                await chat.scroll_into_view_if_needed()
                await page.screenshot(path=str(DOCS / f"web-{lang}.png"), full_page=True)
                print(f"wrote docs/web-{lang}.png")
                await ctx.close()
            ctx = await chrome.new_context(viewport={"width": 900, "height": 900})
            page = await ctx.new_page()
            await page.goto(f"http://127.0.0.1:{sample_port}/")
            await page.get_by_role("button", name="Chatta med Tryggbot").click()
            chat = page.frame_locator("iframe")
            await chat.locator("#tb-chat").wait_for(state="visible")
            await chat.locator("#tb-text").fill("Hej!")
            await chat.locator("#tb-text").press("Enter")
            await chat.locator(".msg.bot").first.wait_for()
            await page.screenshot(path=str(DOCS / "web-embed.png"))
            print("wrote docs/web-embed.png")
            await ctx.close()
    finally:
        await sample.cleanup()
        await server.stop()
        await app.close()


if __name__ == "__main__":
    asyncio.run(main())
