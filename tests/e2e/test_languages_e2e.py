"""Issue 14 end to end on a real Synapse: residents who write Arabic, Somali and Ukrainian
each report a whole tip in a direct chat, from ``!språk`` to the receipt and ``!mine``,
and not one line of the English catalogue reaches them. Arabic replies carry
``dir="rtl"`` with the receipt code isolated; Arabic-Indic digits work as answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import Catalog
from bot.render import FSI, PDI
from config.base import LOCALES_DIR
from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import Peer, Source, answer, bot_settings, direct_chat, peer, start_bot
from tests.test_i18n_console import DESCRIPTIONS, english_fragments, english_options, typed

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser

CATALOG = Catalog.load(LOCALES_DIR)
CODE = re.compile(r"VMO-[2-9A-HJ-NP-Z]{4}")


def _opening(lang: str, key: str) -> str:
    """The start of a catalogue text (up to its first placeholder or line end)."""
    text = (CATALOG.raw(lang, key) or "").replace("**", "")
    return re.split(r"\{|\n", text)[0].strip()


async def _tip(resident: Peer, dm: str, bot_id: str, lang: str) -> list[Source]:
    """Go through the whole tip in ``lang``; return every notice the bot sent in the chat."""

    async def step(said: str, key: str) -> Source:
        return await answer(resident, dm, bot_id, said, _opening(lang, key))

    await step(f"!språk {lang}", "language.set")
    await step("!tip", "tips.ask_category")
    await step(typed(lang, "2"), "tips.ask_locality")
    await step(typed(lang, "3"), "tips.ask_place_type")
    await step(typed(lang, "4"), "tips.ask_when")
    await step(typed(lang, "3"), "tips.ask_band")
    await step(typed(lang, "4"), "tips.ask_text")
    await step(DESCRIPTIONS[lang], "tips.summary_header")
    receipt = await step(typed(lang, "1"), "tips.receipt")
    await step("!mine", "tips.mine_header")
    assert CODE.search(receipt["content"]["body"])
    return resident.notices(dm, bot_id)


async def test_arabic_somali_and_ukrainian_residents_report_a_tip_without_english(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    bot_id = bot_user.user_id
    residents = {lang: await peer(matrix_client, await new_user(f"boende-{lang}")) for lang in
                 ("ar", "so", "uk")}  # fmt: skip
    bot = await start_bot(
        bot_settings(synapse, bot_user, **{"limits.flood_messages": 200}),
        bot_user,
        tmp_path / "bot",
    )
    try:
        for lang, resident in residents.items():
            dm = await direct_chat(resident, bot_id)
            notices = await _tip(resident, dm, bot_id, lang)
            bodies = "\n".join(n["content"]["body"] for n in notices)
            plain = bodies.replace(FSI, "").replace(PDI, "")
            leaks = sorted(p for p in english_fragments(lang) if p in plain)
            leaks += english_options(lang, plain)
            assert not leaks, f"English reached the {lang} resident: {leaks}"
            assert CATALOG.raw(lang, "i18n.fallback_note") not in plain
            assert _opening(lang, "safety.notice") in plain  # the notice, in the language
            receipt = next(n for n in notices if CODE.search(n["content"]["body"]))
            code = CODE.search(receipt["content"]["body"])
            assert code is not None
            html = receipt["content"]["formatted_body"]
            if lang == "ar":
                assert html.startswith('<div dir="rtl">')
                assert f"{FSI}{code.group(0)}{PDI}" in html
                assert f"{FSI}!status{PDI}" in html
            else:
                assert "dir=" not in html and FSI not in html
    finally:
        await bot.stop()
        for resident in residents.values():
            await resident.close()
