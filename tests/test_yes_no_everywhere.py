"""One list of yes and no answers, walked through every flow's yes/no step in every
enabled language (issue 20): the words live in one place (`bot.answers`), so "japp",
"sure" and "yeah" are yes in a survey's opt-in exactly as in the tip flow."""

from __future__ import annotations

import pytest

from bot.answers import answer_words, chosen_option, without_bidi_marks
from bot.context import Context
from bot.conversation import Flow, Reask
from bot.messages import IncomingMessage
from bot.render import plain
from bot.roles import Role
from handlers.polls.flows import NEW
from handlers.polls.survey import SURVEY
from handlers.tips import OFFER
from tests.harness import MODERATION_ROOM, MODERATOR, RESIDENT, Harness, dm_room
from tests.test_polls import MOD

LANGUAGES = ("sv", "en", "hr", "sq", "ar", "so", "ti", "fa", "uk", "fi", "pl")
TYPED_YES = ["1", "١", "۱", "ja", "Ja!", "japp", "yes", "Yes.", "yeah", "sure", "ok", "okej"]
TYPED_NO = ["2", "٢", "۲", "nej", "Nej.", "nä", "no", "nope", "no thanks", "nej tack"]
# The same list for every flow and every language: the typed words above, every yes and no
# word of every language in config/content/lexicon.toml, and the words shown beside "1." and
# "2." in every language's yes/no questions.
YES_ANSWERS = sorted({*TYPED_YES, *answer_words("yes")})
NO_ANSWERS = sorted({*TYPED_NO, *answer_words("no")})


def shown_words(bot: Harness, key: str) -> tuple[list[str], list[str]]:
    yes, no = [], []
    for lang in LANGUAGES:
        prompt = without_bidi_marks(plain(bot.svc.catalog.t(lang, key)))
        for line in prompt.splitlines():
            if line.startswith("1. "):
                yes.append(line[3:])
            if line.startswith("2. "):
                no.append(line[3:])
    return yes, no


def context(bot: Harness, lang: str, *, moderator: bool = False) -> Context:
    who = MODERATOR if moderator else RESIDENT
    msg = IncomingMessage(
        event_id="$e:test.local",
        room_id=MODERATION_ROOM if moderator else dm_room(who),
        sender=who,
        body="",
        timestamp=bot.clock.now(),
        is_direct=not moderator,
    )
    role = Role.MODERATOR if moderator else Role.RESIDENT
    return Context(msg, bot.svc.pseudonymize(who), lang, role, None, bot.svc)


async def verdict(bot: Harness, flow: Flow, step: str, lang: str, text: str) -> bool | None:
    """What the step made of ``text``: True (yes), False (no) or None (asked again)."""
    ctx = context(bot, lang, moderator=flow is NEW)
    async with bot.svc.db.read() as conn:
        try:
            result = await flow.step(step).parse(ctx, conn, {}, text)
        except Reask:
            return None
    if "optin" in result.updates:
        return bool(result.updates["optin"])
    if result.cancel:
        return False
    assert result.done, result
    return True


YES_NO_STEPS = [(OFFER, "offer", "tips.offer"), (SURVEY, "optin", "polls.ask_optin")]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_yes_no_step_reads_the_same_answers_in_every_language(
    bot: Harness, lang: str
) -> None:
    for flow, step, prompt_key in YES_NO_STEPS:
        shown_yes, shown_no = shown_words(bot, prompt_key)
        for text in [*YES_ANSWERS, *shown_yes]:
            assert await verdict(bot, flow, step, lang, text) is True, (flow.name, lang, text)
        for text in [*NO_ANSWERS, *shown_no]:
            assert await verdict(bot, flow, step, lang, text) is False, (flow.name, lang, text)
        for text in ("kanske", "maybe", "3", "jaha nej"):
            assert await verdict(bot, flow, step, lang, text) is None, (flow.name, lang, text)
    # The moderators' new-poll confirmation ("1. Skapa / 2. Avbryt") takes the same words.
    for text in YES_ANSWERS:
        assert await verdict(bot, NEW, "confirm", lang, text) is True, (lang, text)
    for text in NO_ANSWERS:
        assert await verdict(bot, NEW, "confirm", lang, text) is False, (lang, text)


def test_the_words_shown_beside_1_and_2_are_read_as_those_numbers(bot: Harness) -> None:
    for key in ("tips.offer", "polls.ask_optin"):
        shown_yes, shown_no = shown_words(bot, key)
        assert len(shown_yes) == len(shown_no) == len(LANGUAGES), key
        for lang, word in zip(LANGUAGES, shown_yes, strict=True):
            assert chosen_option(bot.svc.catalog.t(lang, key), word) == "1", (key, lang)


async def test_japp_sure_and_yeah_opt_in_to_a_survey_as_they_send_a_tip(bot: Harness) -> None:
    await bot.meet(MODERATOR)
    await bot.say("!enkät mall trygghetsenkat 1d", **MOD)
    for n, word in enumerate(("japp", "sure", "yeah")):
        who = f"@svar{n}:test.local"
        await bot.meet(who)
        for answer in ("!enkät 1", "1", "2", "3", "1", "1, 2"):
            await bot.say(answer, as_=who)
        thanks = await bot.last(word, as_=who)  # "sure" tells a newcomer's language: English
        assert thanks.startswith(("Tack för dina svar!", "Thank you for your answers!")), word
        offered = await bot.texts(
            "Det är mycket klotter vid stationen om kvällarna", as_=f"@tips{n}:test.local"
        )
        assert any("1. Ja" in t or "1. Yes" in t for t in offered), offered
        reply = await bot.last(word, as_=f"@tips{n}:test.local")
        assert reply.startswith(("Vad handlar det om?", "What is it about?")), reply
    async with bot.svc.db.read() as conn:
        rows = await conn.execute_fetchall("SELECT count(*) FROM survey_followup")
    assert rows[0][0] == 3  # all three asked for the outcome message


async def test_forget_accepts_every_yes_answer(bot: Harness) -> None:
    for n, word in enumerate(["japp", "sure", "yeah", "no tak", "ja tack"]):
        who = f"@glom{n}:test.local"
        await bot.meet(who)
        said = await bot.last(f"!glöm {word}", as_=who)
        assert said.startswith("Du hade inga tips med text"), (word, said)
    await bot.meet(RESIDENT)
    said = await bot.last("!glöm nej", as_=RESIDENT)
    assert said == plain(bot.svc.catalog.t("sv", "tips.forget_confirm"))
