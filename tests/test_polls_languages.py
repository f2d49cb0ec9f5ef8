"""A resident of every enabled language reads a template survey in their own language: the
question and the options, never English in their place (issue 20, item 3)."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.render import plain
from config.base import CONTENT_DIR
from tests.harness import MODERATION_ROOM, MODERATOR, Harness

TRANSLATED = ("ar", "so", "ti", "fa", "hr", "sq", "uk", "fi", "pl")
MOD = {"as_": MODERATOR, "room": MODERATION_ROOM}


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await Harness(tmp_path).start()
    yield h
    await h.stop()


def template(key: str) -> dict[str, object]:
    data = tomllib.loads((CONTENT_DIR / "polls.toml").read_text("utf-8"))
    return next(t for t in data["template"] if t["key"] == key)


async def test_every_language_reads_the_survey_template_in_its_own_words(bot: Harness) -> None:
    await bot.meet(MODERATOR)
    await bot.say("!enkät mall trygghetsenkat 1d", **MOD)
    first = template("trygghetsenkat")["question"][0]  # type: ignore[index]
    for n, lang in enumerate(TRANSLATED):
        who = f"@lang{n}:test.local"
        await bot.meet(who)
        await bot.say(f"!lang {lang}", as_=who)
        await bot.say("!survey 1", as_=who)  # intro and the place question
        question = plain(await bot.last("0", as_=who))  # "0": rather not say the place
        assert first["text"][lang] in question, (lang, question)
        options = [o[lang] for o in first["options"]]
        assert all(option in question for option in options), (lang, question)
        assert first["text"]["en"] not in question and "Very safe" not in question
