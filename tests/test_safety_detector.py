"""Issue 19 as the resident sees it: the messages quoted in the issue, through the real engine
(rules and the shipped model together). Emergencies the old rules missed get 112 in the first
answer; the look-alikes quoted as false takeovers do not get the 112 answer first; people
described by a title, a door or a vehicle are redirected to 114 14 in a tip, cartoon characters
and statues are not."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.signals import SignalDetector
from bot.text import clean
from config.base import LOCALES_DIR
from tests.harness import RESIDENT, Harness

REDIRECT = "inte om personer eller fordon"


def _urgent_answer(lang: str) -> str:
    """The start of the 112 answer in ``lang`` as a resident reads it (bold marks removed)."""
    data = tomllib.loads(Path(LOCALES_DIR / lang / "core.toml").read_text(encoding="utf-8"))
    text = _find(data, "urgent")
    return text.split("**")[1] if text.startswith("**") else text


def _find(data: dict[str, object], key: str) -> str:
    for k, v in data.items():
        if k == key and isinstance(v, str):
            return v
        if isinstance(v, dict):
            found = _find(v, key)
            if found:
                return found
    return ""


def _line(lang: str) -> str:
    path = LOCALES_DIR / lang / "safety.toml"
    return str(tomllib.loads(path.read_text(encoding="utf-8"))["urgent"]["line"])


URGENT = {lang: _urgent_answer(lang) for lang in ("sv", "en", "fi", "ti")}
LINE = {lang: _line(lang) for lang in ("sv", "en", "fi", "ti")}


@pytest.fixture
async def rbot(bot: Harness) -> Harness:
    await bot.meet(RESIDENT)
    return bot


def test_the_urgent_answers_were_found() -> None:
    assert all("112" in text for text in URGENT.values()), URGENT


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        (
            "a woman got shoved onto the tracks at the station and isn't getting up, "
            "next train in 5 min",
            "en",
        ),
        ("Tvattstugan pa Ringvagen 14 ar full av rok", "sv"),
        ("grannens dörr är insparkad o jag hör nån skrika där inne", "sv"),
        # written for this test (not by a native speaker): "Help! someone fell to the ground
        # and is not breathing"; the previous release answered it with nothing about 112
        ("ሓገዝ! ሓደ ሰብ ኣብ ባይታ ወዲቑ ኣየስተንፍስን ዘሎ", "ti"),
    ],
)
async def test_quoted_emergencies_get_the_112_answer_first(
    rbot: Harness, message: str, lang: str
) -> None:
    texts = await rbot.texts(message)
    assert texts[0].startswith(URGENT[lang]), texts


async def test_quoted_finnish_stabbing_gets_112_in_the_first_answer(rbot: Harness) -> None:
    """The shipped model rates it below "clearly urgent" (0.38 against 0.46), so the resident
    gets the normal answer with the 112 line in it, not the 112 answer first; the previous
    release gave no 112 at all."""
    texts = await rbot.texts("joku puukottaa ihmisiä ostoskeskuksen parkkihallissa")
    assert texts[0].startswith(URGENT["fi"]) or texts[0].endswith(LINE["fi"]), texts


@pytest.mark.parametrize(
    "message",
    [
        "The house on Storgatan that burnt down last winter is still an eyesore",
        "Got stabbed in the back by my own colleague today, so annoying",
        "Czy kastet jest legalny w Szwecji? Pytam z ciekawości",
    ],
)
async def test_quoted_look_alikes_do_not_get_the_112_answer_first(
    rbot: Harness, message: str
) -> None:
    texts = await rbot.texts(message)
    assert texts, "the bot should still answer"
    assert not any(texts[0].startswith(answer) for answer in URGENT.values()), texts


async def _tip_text(bot: Harness, text: str) -> list[str]:
    """Go through a tip in Swedish up to "Vad hände?" and answer it with ``text``."""
    await bot.say("!tips")
    for answer in ("6", "bredaryd", "1", "2", "4"):
        await bot.say(answer)
    return await bot.texts(text)


@pytest.mark.parametrize(
    "message",
    [
        "vaktmästaren Ronny lämnar källardörren olåst varje kväll",
        "Pan Zbigniew z parteru handluje czymś na klatce schodowej",
        "en blå Transporter med polska skyltar står varje natt vid skolan",
        "grannen Ali spelar hög musik varje natt",
        "killen i 3B säljer nåt i trapphuset varje kväll",
    ],
)
async def test_people_by_title_door_or_vehicle_are_redirected(rbot: Harness, message: str) -> None:
    texts = await _tip_text(rbot, message)
    # the redirect, in the language of the message (Polish for "Pan Zbigniew")
    assert "114 14" in texts[0] and "polisen.se" in texts[0], texts


@pytest.mark.parametrize(
    "message",
    [
        "Någon har klottrat Kalle Anka på väggen vid skolan",
        "Someone sprayed paint all over the statue of Carl Linnaeus in the park",
        "Det är alltid mörkt på Storgatan vid busshållplatsen på kvällen",
    ],
)
async def test_cartoon_characters_statues_and_streets_are_not_people(
    rbot: Harness, message: str
) -> None:
    texts = await _tip_text(rbot, message)
    assert not any(REDIRECT in t or "114 14" in t for t in texts), texts


# ---- round 2 of issue 19: classes of emergency the rules had none for (the 10th-12th
# independent authors' misses). Each message was written for this test, not taken from a set.


@pytest.fixture(scope="module")
def shipped() -> SignalDetector:
    return SignalDetector()


def _grade(detector: SignalDetector, text: str) -> str:
    s = detector.detect(clean(text))
    return "urgent" if s.urgent else ("possible" if s.possibly_urgent else "none")


@pytest.mark.parametrize(
    ("message", "grade"),
    [
        # a threat to kill made now by someone at the door; the writer hiding
        ("Mitt ex bankar på dörren och skriker att han ska döda mig", "urgent"),
        ("sąsiad pijany wali w drzwi i krzyczy że mnie zabije", "urgent"),
        ("my stepdad is drunk, he'll kill me, I locked myself in my room", "urgent"),
        # someone else's message just now that they will end their life
        ("my brother just posted a goodbye message to the whole family and won't answer", "urgent"),
        ("kaverini hyvästeli kaikki ryhmächatissa eikä vastaa puhelimeen", "urgent"),
        # a severe allergic reaction
        ("my son got stung by a wasp, his throat is swelling and we have no pen", "urgent"),
        ("dottern åt jordnötter och tungan svullnar, vad gör vi", "urgent"),
        # trapped or crushed under a tree or a machine, bleeding
        (
            "a tree fell on my neighbour in the storm, he can't get up and is bleeding a lot",
            "urgent",
        ),
        ("drzewo spadło na robotnika przy drodze, nie rusza nogą", "urgent"),
        # beaten and lying in blood
        ("en kille ligger i blod vid busshållplatsen, någon har sparkat honom", "urgent"),
        ("хлопець лежить у калюжі крові біля під'їзду", "urgent"),
        # a smell of gas with someone feeling ill or people inside
        ("strong gas smell in the stairwell and my mother feels dizzy", "urgent"),
        ("w kuchni śmierdzi gazem, a babcia wymiotuje", "urgent"),
        # a child on the railway tracks
        ("ett litet barn går på järnvägsspåret vid stationen", "urgent"),
    ],
)
def test_new_emergency_classes_are_graded_by_the_rules(message: str, grade: str) -> None:
    """The rules alone call each of these clearly urgent; with the model, 112 is in the
    first answer (the 112 answer first or the 112 line)."""
    assert _grade(SignalDetector(learned=False), message) == grade
    assert _grade(SignalDetector(), message) in ("urgent", "possible")


@pytest.mark.parametrize(
    "message",
    [
        # the writer jokes, or says it is no emergency: never the 112 answer first
        "gonna kill my brother he ate all my fries",
        "zabiję siostrę, znowu wzięła moją ładowarkę",
        "tää jono tappaa mut, kolme tuntia jo",
        "ця черга мене вб'є",
        "A red Volvo has been parked by the school for two weeks. No danger, just so you know.",
        "po vdes për një kafe",
    ],
)
def test_jokes_and_no_danger_never_take_over(shipped: SignalDetector, message: str) -> None:
    assert _grade(shipped, message) != "urgent"
    assert _grade(SignalDetector(learned=False), message) != "urgent"


def test_a_real_emergency_with_a_laugh_gets_the_112_answer_first(shipped: SignalDetector) -> None:
    """A "lol" lowers a takeover to the 112 line, but not when the rules see an acute sign:
    people understate emergencies ("my friend is not breathing lol")."""
    assert _grade(shipped, "hjälp min kompis andas inte lol vi är på festen") == "urgent"
    assert _grade(shipped, "bro my friend is not waking up lol what do we do") == "urgent"
    # a fire now is acute even with a laugh: in doubt, 112 first
    assert _grade(shipped, "det brinner i köket nu lol, pizzan är förstörd") == "urgent"


@pytest.mark.parametrize(
    "message",
    [
        "Jag hittade en kniv på skolgården i morse",
        "found a knife in the bushes by the school this morning",
        "znalazłem strzykawki na placu zabaw",
        "löysin puukon koulun pihalta aamulla",
    ],
)
def test_something_dangerous_found_gets_the_112_line_not_the_takeover(
    shipped: SignalDetector, message: str
) -> None:
    assert _grade(shipped, message) == "possible"


@pytest.mark.parametrize(
    "message",
    [
        # Finnish weapons, fire and violence in other cases than the dictionary form
        "joku heiluttaa veistä rappukäytävässä nyt",
        "miehellä oli puukkoa kädessä bussipysäkillä just äsken",
        "naapurissa tappelua ja huutoa, kuuluu lasin rikkoutumista",
        "pihalla on kaksi poikaa pistoolin kanssa",
    ],
)
def test_finnish_case_endings_of_danger_words_get_112_in_the_first_answer(
    shipped: SignalDetector, message: str
) -> None:
    _plain, _grade_of_rules, matched, _features = shipped.rule_findings(clean(message))
    assert "urgent.danger" in matched
    assert _grade(shipped, message) in ("urgent", "possible")


def test_someone_found_in_danger_still_gets_the_112_answer_first(shipped: SignalDetector) -> None:
    assert _grade(shipped, "I found my dad on the floor, he is not breathing") == "urgent"
    assert _grade(shipped, "hittade min granne medvetslös i trapphuset") == "urgent"


# ---- Urgency, fourth round (urg6): emergency classes new authors wrote and the detector
# missed, each as a resident would write it (written for this test, not from any corpus).
@pytest.mark.parametrize(
    "message",
    [
        # suicide by implication or already acted on; a phrase broken by an inserted word
        "I've taken all my pills, just wanted someone to know",
        "jag har tagit alla mina tabletter, förlåt mamma",
        "naprawdę nie chcę już żyć, stoję przy oknie",
        "en halua enää elää, istun sillalla",
        "не хочу більше жити, пігулки поруч",
        "ما بقا بدي عيش، خلص",
        "ne mogu više, tablete su tu i večeras ću završiti s tim",
        "nuk dua më të jetoj, e kam vendosur",
        "دیگه نمیتونم، قرصا کنارمه",
        # a small child in danger now
        "en tvååring klättrar på balkongräcket på tredje våningen",
        "my toddler swallowed a button battery from the remote",
        "synek połknął magnes z lodówki, płacze",
        "dijete je popilo sredstvo za čišćenje iz ormarića",
        "pappa har demens och är försvunnen, han gick mot skogen och det blir mörkt",
        # held against one's will now; a child gone to meet a stranger and not answering
        "he locked me in the bedroom and took my phone",
        "on nie wypuszcza mnie z mieszkania, zabrał klucze",
        "hän ei päästä mua ulos autosta, ajaa kovaa moottoritiellä",
        "my daughter went to meet someone from a game and isn't answering her phone",
        # an animal attacking someone
        "a dog is biting a little boy in the park, there is blood on his arm",
        # falls from height, work accidents, collapse in Latin-typed Arabic, Tigrinya,
        # Ukrainian, a dialect spelling
        "my colleague fell off the scaffolding and can't feel his legs",
        "tata spadł z drabiny w garażu i nie czuje nóg",
        "3ammi wa2e3 bel ard w ma 3am yetnafas",
        "ኣደይ ብሃንደበት ወዲቓ ትንፋስ የብላን",
        "tato vpav na kukhni i ne dykhaye",
        "ولد وقع عن الدراجه وراسو مفتوح",
        # Finnish "ettei" (että ei): what someone says about themselves
        "mummo soitti ja sanoo ettei saa henkeä, hän on yksin kotona",
    ],
)
def test_fourth_round_emergency_classes_get_112_in_the_first_answer(
    shipped: SignalDetector, message: str
) -> None:
    """The rules alone call each clearly urgent, so the answer has 112 in it at least (the
    rules' "urgent" guarantees the 112 line whatever the model says)."""
    assert _grade(SignalDetector(learned=False), message) == "urgent"
    assert _grade(shipped, message) in ("urgent", "possible")


_FOURTH_ROUND_LOOK_ALIKES = [
    "my son overdosed last year and is fine now, is there a group for parents?",
    "I'm dying to know who won the match yesterday",
    "this job is killing me, third night shift in a row",
    "is it a crime if a dog bites a child, how do I report it?",
    "in the movie he took all the pills at the end, so sad",
    "what do I do if my child swallows a button battery?",
    "en jaksa enää tätä remonttimelua naapurista",
    "my mum won't let me go to the party tonight",
    "ne mogu više čekati tablete u ljekarni, red je ogroman",
]


@pytest.mark.parametrize("message", _FOURTH_ROUND_LOOK_ALIKES)
def test_fourth_round_look_alikes_are_not_urgent_by_the_rules(message: str) -> None:
    """Past events, figures of speech, questions about the law, films, hypotheticals and
    "I can't anymore" about a queue: the new classes do not make the rules call them urgent."""
    assert _grade(SignalDetector(learned=False), message) != "urgent"


@pytest.mark.parametrize(
    "message",
    [
        "I'm dying to know who won the match yesterday",
        "in the movie he took all the pills at the end, so sad",
        "this job is killing me, third night shift in a row",
        "is it a crime if a dog bites a child, how do I report it?",
        "what do I do if my child swallows a button battery?",
        "my mum won't let me go to the party tonight",
    ],
)
def test_fourth_round_look_alikes_never_take_over(shipped: SignalDetector, message: str) -> None:
    assert _grade(shipped, message) != "urgent"


def test_a_filler_word_is_allowed_where_a_phrase_says_so() -> None:
    """``~`` in a phrase of signals.toml: one of the filler words there, or nothing (any one
    word when no fillers are given)."""
    from bot.signals.patterns import compile_phrases

    for short_prefix in (False, True):
        pattern = compile_phrases(["nie chcę ~ żyć"], short_prefix=short_prefix, fillers=["już"])
        assert pattern is not None
        assert pattern.search("nie chcę żyć")
        assert pattern.search("naprawdę nie chcę już żyć")
        assert not pattern.search("nie chcę tu żyć")
        assert not pattern.search("nie chcę już tutaj żyć")
        assert not pattern.search("nie chcęjuż żyć")
        any_word = compile_phrases(["nie chcę ~ żyć"], short_prefix=short_prefix)
        assert any_word is not None and any_word.search("nie chcę tu żyć")
    with pytest.raises(ValueError):
        compile_phrases(["~ nie chcę"])


def test_the_shipped_fillers_keep_place_words_out(shipped: SignalDetector) -> None:
    rules = SignalDetector(learned=False)
    assert _grade(rules, "nie chcę już żyć") == "urgent"
    assert _grade(rules, "nie chcę tu żyć, czynsz jest za wysoki") != "urgent"
    assert _grade(rules, "I don't really want to live in this town anymore") != "urgent"


# Issue 19, seventh person round (person6): classes where nobody is identified although a name,
# a colour or a number is there. Sentences written for these tests.
@pytest.mark.parametrize(
    "message",
    [
        # a pet with a name and a colour
        "Vår katt Morris har försvunnit sedan i tisdags, grå med vit nos, har ni sett honom?",
        "Our cat Pumpkin got out last night, ginger with a short tail, please look in your sheds",
        "Kissamme Nöpö katosi eilen illalla, musta ja valkoinen, onko kukaan nähnyt?",
        "Zaginął nasz pies Reksio, brązowy z białą łatą na oku, okolice szkoły",
        "كلبنا ضاع من امبارح بالليل، لونه بني وصغير، حدا شافه؟",
        # a game, cartoon or joke character, a public figure on a screen
        "Sonic är bäst, jag har spelat hela helgen",
        "Oprah sa på tv att man ska byta batteri i brandvarnaren varje år, stämmer det?",
        "Pikachu i Mario to moje ulubione postacie, gram w to codziennie",
        # the writer's own home and account
        "Our door code is 5521, we are in flat 12 on the 4th floor, couriers never find us",
        "Jag har skapat ett konto @trygga_grannar_vmo för grannarna, får vi dela era tips där?",
        # a payment asked about
        "Hyresvärden vill att depositionen betalas till bankgiro 5050-1055, är det säkert?",
        # a relative in a question for support, about the past
        "Min bror tog en överdos för två år sedan, finns det någon stödgrupp för anhöriga här?",
    ],
)
def test_pets_characters_and_the_writers_own_data_identify_nobody(
    shipped: SignalDetector, message: str
) -> None:
    assert not shipped.detect(clean(message)).identifies


@pytest.mark.parametrize(
    "message",
    [
        # a person with the animal, a pet's owner named
        "mannen med den svarta hunden står vid skolan varje kväll och filmar barnen",
        "the man with the brown dog shouts at the kids by the bins every evening",
        "Lars Holm i huset bredvid låter sin hund springa lös på lekplatsen",
        # a person dressed as a character, described
        "en man utklädd till tomten i röd jacka slog en kvinna vid torget nyss",
        # someone else's flat, someone else's handle
        "the man in flat 12 on the 4th floor screams at his kids every night",
        "hans konto @ligan_99 säljer piller till barn på skolan",
        # a named landlord
        "Hyresvärden Göran Lind vill ha depositionen på bankgiro 5050-1055, är det säkert?",
    ],
)
def test_a_person_beside_a_pet_a_character_or_an_account_still_identifies(
    shipped: SignalDetector, message: str
) -> None:
    assert shipped.detect(clean(message)).identifies
