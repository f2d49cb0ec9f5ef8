"""What residents are told and what !glöm does, with and without the kommun's retention
decision (gallringsbeslut); the information of GDPR art. 13 in every language."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.i18n import Catalog
from config.base import LOCALES_DIR
from tests.harness import Harness, make_settings
from tests.tipflow import report_tip

LANGS = ("sv", "en", "hr", "sq", "ar", "so", "ti", "fa", "uk", "fi", "pl")
FILLED = {
    "privacy.controller": {"sv": "Kommunstyrelsen i Testby", "en": "Testby Executive Board"},
    "privacy.contact": "kommun@testby.example",
    "privacy.dpo_contact": "dso@testby.example",
    "privacy.legal_basis": {"sv": "Grund-SV-42", "en": "Basis-EN-42"},
    "privacy.info_url": "https://testby.example/integritet",
}


def isolated(text: str) -> str:
    """Without the Unicode isolates the catalogue puts around values in right-to-left text."""
    return text.replace("\u2068", "").replace("\u2069", "")


@pytest.mark.parametrize("lang", LANGS)
async def test_privacy_gives_every_art13_item_in_each_language(tmp_path: Path, lang: str) -> None:
    bot = await Harness(tmp_path, make_settings(**FILLED)).start()
    try:
        await bot.meet()
        await bot.say(f"!språk {lang}")
        text = isolated("\n".join(await bot.texts("!privacy")))
    finally:
        await bot.stop()
    controller = "Kommunstyrelsen i Testby" if lang == "sv" else "Testby Executive Board"
    basis = "Grund-SV-42" if lang == "sv" else "Basis-EN-42"  # others fall back to English
    for item in (
        controller,  # art. 13.1 a
        "kommun@testby.example",
        "dso@testby.example",  # 13.1 b
        basis,  # 13.1 c
        "imy.se",  # 13.2 d
        "https://testby.example/integritet",
    ):
        assert item in text, f"{lang}: {item!r} missing"
    catalog = Catalog.load(LOCALES_DIR)
    assert isolated(catalog.t(lang, "privacy.transfers_none")) in text  # 13.1 f
    days = isolated(catalog.t(lang, "units.days", count=45))
    assert days in text  # 13.2 a: the retention period, as decided


async def test_without_a_decision_residents_are_told_their_text_is_kept(tmp_path: Path) -> None:
    bot = await Harness(tmp_path, make_settings(**{"retention.decision": ""})).start()
    try:
        await bot.meet()
        text = "\n".join(await bot.texts("!integritet"))
        assert "har ännu inte beslutat hur länge" in text
        assert "45 dagar" not in text  # no period is promised that is not decided
        assert "se https://www.varnamo.se" in text  # nothing filled in: the website
    finally:
        await bot.stop()


async def test_forget_without_a_decision_keeps_the_text_and_removes_the_links(
    tmp_path: Path,
) -> None:
    bot = await Harness(tmp_path, make_settings(**{"retention.decision": ""})).start()
    try:
        await bot.meet()
        await report_tip(bot)
        assert "Texten i dina tips finns kvar" in await bot.last("!glöm")
        assert (await bot.last("!glöm ja")).startswith(
            "Klart. Jag har tagit bort kopplingen mellan dig och dina tips."
        )
    finally:
        await bot.stop()
    with sqlite3.connect(bot.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM tip_text").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM relay").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM tip WHERE reporter IS NOT NULL").fetchone() == (
            0,
        )
