"""Tests for bot.signals: which flags a resident's message raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.signals import SignalDetector, Signals, default_path


@pytest.fixture(scope="module")
def detector() -> SignalDetector:
    return SignalDetector()


def flags(s: Signals) -> tuple[bool, bool, bool]:
    return s.urgent, s.identifies, s.child_concern


U = (True, False, False)
ID = (False, True, False)
CH = (False, False, True)
NONE = (False, False, False)

# (id, message, (urgent, identifies, child_concern))
CASES: list[tuple[str, str, tuple[bool, bool, bool]]] = [
    # --- urgent, Swedish
    ("sv-pagar", "Det pågår ett bråk utanför Coop", U),
    ("sv-just-nu", "Någon sprayar på väggen just nu", U),
    ("sv-brinner", "Det brinner i trapphuset!", U),
    ("sv-brand-i", "Brand i en bil vid skolan", U),
    ("sv-kniv", "En kille har en kniv vid stationen", U),
    ("sv-kniven-uppercase", "HAN HAR KNIVEN", U),
    ("sv-vapen", "Jag såg ett vapen", U),
    ("sv-skjuter", "Någon skjuter i området", U),
    ("sv-skott", "Jag hörde skott", U),
    ("sv-bloder", "Han blöder från huvudet", U),
    ("sv-hjalp", "Hjälp!", U),
    ("sv-hjalp-many", "HJÄLP!!!", U),
    ("sv-inbrott-pagar", "Inbrott pågår hos grannen", U),
    ("sv-nagon-slar", "Någon slår en man på torget", U),
    ("sv-ran", "Rån på bensinmacken", U),
    ("sv-overfall", "Ett överfall vid busshållplatsen", U),
    ("sv-medvetslos", "En person ligger medvetslös i parken", U),
    ("sv-zero-width", "Det brin\u200bner", U),
    # --- urgent, English
    ("en-happening-now", "It is happening now at the station", U),
    ("en-right-now", "They are spraying the wall right now", U),
    ("en-on-fire", "The shed is on fire", U),
    ("en-fire", "There is a fire in the stairwell", U),
    ("en-knife", "A man with a knife", U),  # "a man with" is vague; "the man with" identifies
    ("en-gun", "Someone has a gun", U),
    ("en-shooting", "Shooting near the school", U),
    ("en-bleeding", "He is bleeding", U),
    ("en-help", "help!", U),
    ("en-break-in", "Break-in in progress next door", U),
    ("en-attacked", "A woman is being attacked", U),
    ("en-robbery", "Robbery at the kiosk", U),
    ("en-unconscious", "Someone is unconscious on the bench", U),
    # --- urgent, other languages (need review)
    ("hr-pomoc", "Pomoć!", U),
    ("sq-ndihme", "Ndihmë!", U),
    ("ar-najda", "النجدة", U),
    ("uk-fire", "Пожежа в будинку", U),
    ("fi-apua", "Apua!", U),
    ("pl-pozar", "Pożar w bloku", U),
    # --- not urgent
    ("sv-brann-past", "Det brann i en container förra veckan", NONE),
    ("sv-brann-no-marker", "Det brann i en container", NONE),
    ("sv-ran-past", "Det var ett rån vid Coop förra veckan", NONE),
    ("sv-kniv-igar", "Någon hade kniv i går vid skolan", NONE),
    ("en-fire-past", "There was a fire last week", NONE),
    ("en-robbery-past", "A robbery happened yesterday", NONE),
    ("sv-fyrverkerier", "Fyrverkerier hela natten", NONE),
    ("en-fireworks", "Fireworks in the park every night", NONE),
    ("en-firefighters", "The firefighters came", NONE),
    ("sv-knivigt", "Det är knivigt att hitta formuläret", NONE),
    ("sv-hjalp-med", "Jag behöver hjälp med en fråga", NONE),
    ("en-help-with", "Can you help me with a question?", NONE),
    ("en-brand-new", "A brand new bench in the park", NONE),
    ("sv-fran", "Klotter från igår", NONE),
    ("sv-klotter", "Klotter vid stationen", NONE),
    ("sv-belysning", "Trasig belysning i parken", NONE),
    ("sv-gang", "Gäng som samlas på kvällarna", NONE),
    ("sv-mopeder", "Mopeder på cykelbanan", NONE),
    ("en-mopeds", "Mopeds on the cycle path every evening", NONE),
    ("sv-nedskrapning", "Mycket nedskräpning vid lekplatsen där barn leker", NONE),
    # --- identifies: names
    ("sv-heter", "Killen som säljer heter Kalle", ID),
    ("sv-som-heter", "En man som heter Ahmed", ID),
    ("en-named", "A guy named John", ID),
    ("en-called", "A woman called Sara", ID),
    ("en-called-number", "I called 114 14 yesterday", NONE),
    ("en-called-lowercase", "I called the police", NONE),
    ("sv-heter-lowercase", "Vad heter formuläret?", NONE),
    # --- identifies: people
    ("sv-han-som-bor", "Han som bor på tredje våningen", ID),
    ("sv-min-granne", "Min granne säljer saker", ID),
    ("sv-killen-med", "Killen med mopeden", ID),
    ("sv-tjejen-med", "Tjejen med hunden", ID),
    ("sv-mannen-i", "Mannen i parken skriker", ID),
    ("sv-kvinnan-i", "Kvinnan i lägenheten", ID),
    ("sv-i-svart-jacka", "En kille i svart jacka", ID),
    ("sv-blont-har", "Han har blont hår", ID),
    ("sv-mork-kladd", "tre personer i mörka kläder", ID),
    ("en-the-guy-in", "The guy in flat 3", ID),
    ("en-my-neighbour", "My neighbour is dealing", ID),
    ("en-my-neighbor", "my neighbor keeps shouting", ID),
    ("en-wearing", "Wearing a black hoodie", ID),
    ("en-red-cap", "a boy in a red cap", ID),
    ("en-tattoo", "He has tattoos on his neck", ID),
    # --- identifies: vehicles
    ("sv-svart-volvo", "En svart Volvo kör runt", ID),
    ("sv-vit-skapbil", "En vit skåpbil står där varje natt", ID),
    ("sv-regnummer", "Bil med regnummer ABC 123", ID),
    ("sv-plate-only", "Såg ABC123 igen", ID),
    ("sv-plate-label", "Såg [registreringsnummer] igen", ID),
    ("sv-reg-nr", "reg nr finns", ID),
    ("en-red-audi", "The red Audi parks there", ID),
    ("en-white-van", "a white van without plates", ID),
    ("en-registration", "I have the registration", ID),
    ("en-plate", "licence plate XYZ 789", ID),
    ("sv-personnummer", "Hans personnummer är 811218-9876", ID),
    ("sv-light-from-car", "Inget ljus från bilen", NONE),
    ("sv-cars-speeding", "Bilar kör för fort på Storgatan", NONE),
    ("sv-typ-100", "Det var typ 100 personer", NONE),
    # --- child concern
    ("sv-orolig-barn", "Jag är orolig för ett barn i huset", CH),
    ("sv-barnet-lagenheten", "Barnet i lägenheten bredvid skriker", CH),
    ("sv-slagen-barn", "Barnet blir slaget hela tiden", CH),
    ("sv-vanvardas", "Barnen vanvårdas", CH),
    ("sv-orosanmalan", "Hur gör man en orosanmälan?", CH),
    ("sv-grannens-barn", "Grannens barn är ute sent varje natt", CH),
    ("en-worried", "I'm worried about a child", CH),
    ("en-worried-curly", "I’m worried about the kids upstairs", CH),
    ("en-kid-next-door", "The kid next door", CH),
    ("en-left-alone", "The baby is left alone all day", CH),
    ("pl-worried", "Martwię się o dziecko", CH),
    ("fi-report", "Lastensuojeluilmoitus", CH),
    # --- child concern: combinations with the other flags
    ("sv-son-blir-slagen", "Grannens son blir slagen", (True, False, True)),
    ("en-being-beaten-now", "A child is being beaten right now", (True, False, True)),
    # --- not child concern
    ("sv-mitt-barn", "Mitt barn känner sig otryggt i parken", NONE),
    ("sv-barn-leker", "Barn leker på gatan och bilar kör fort", NONE),
    ("sv-slas-av", "Lamporna slås av och barnen leker i mörkret", NONE),
    ("sv-huset-vanvardas", "Huset vanvårdas", NONE),
    ("sv-lekplats", "Lekplatsen är trasig, barnen kan skada sig", NONE),
    ("en-kids-playground", "Kids play in the playground", NONE),
    # --- nothing
    ("empty", "", NONE),
    ("greeting", "Hej!", NONE),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [pytest.param(t, e, id=i) for i, t, e in CASES],
)
def test_detect(detector: SignalDetector, text: str, expected: tuple[bool, bool, bool]) -> None:
    assert flags(detector.detect(text)) == expected


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        pytest.param("Det brinner!", ("urgent.fire_now",), id="strong-rule"),
        pytest.param(
            "Rån pågår på Coop", ("urgent.in_progress", "urgent.crime"), id="strong-keeps-weak"
        ),
        pytest.param(
            "Det var ett rån förra veckan",
            ("urgent.suppressed_by_past_time",),
            id="weak-suppressed-by-past",
        ),
        pytest.param(
            "Bil med regnummer ABC 123",
            ("identifies.registration", "identifies.plate"),
            id="registration-and-plate",
        ),
        pytest.param(
            "wearing a black hoodie", ("identifies.person", "identifies.clothing"), id="x"
        ),
        pytest.param("the kid next door", ("child_concern.worry",), id="child-worry"),
        pytest.param("Klotter vid stationen", (), id="nothing"),
    ],
)
def test_matched_rule_names(detector: SignalDetector, text: str, matched: tuple[str, ...]) -> None:
    result = detector.detect(text)
    assert result.matched == matched
    for name in result.matched:
        assert name.split(".")[0] in ("urgent", "identifies", "child_concern")


def test_matched_never_contains_user_text(detector: SignalDetector) -> None:
    result = detector.detect("Kalle Karlsson med regnummer ABC 123 har en kniv just nu")
    joined = " ".join(result.matched).casefold()
    for word in ("kalle", "karlsson", "abc", "123"):
        assert word not in joined


def test_default_path_is_packaged_file() -> None:
    assert default_path().name == "signals.toml"
    assert default_path().is_file()


def test_custom_path_and_stems(tmp_path: Path) -> None:
    path = tmp_path / "signals.toml"
    path.write_text(
        '[[rules]]\nname = "urgent.test"\nsignal = "urgent"\nsv = ["brinn*", "två ord"]\n',
        encoding="utf-8",
    )
    det = SignalDetector(path)
    assert det.detect("Det brinnande huset").urgent
    assert det.detect("två   ord").urgent
    assert det.detect("TVÅ\nORD").urgent
    assert not det.detect("bebrinn").urgent
    assert not det.detect("två orden").urgent


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        pytest.param("", "no", id="no-rules"),
        pytest.param('[[rules]]\nname = "x"\nsignal = "bogus"\n', "signal", id="bad-signal"),
        pytest.param('[[rules]]\nsignal = "urgent"\n', "name", id="no-name"),
        pytest.param('[[rules]]\nname = "x"\nsignal = "urgent"\nsv = "kniv"\n', "list", id="str"),
        pytest.param(
            '[[rules]]\nname = "x"\nsignal = "urgent"\nkind = "pair"\n', "pair", id="bad-pair"
        ),
        pytest.param(
            '[[rules]]\nname = "x"\nsignal = "urgent"\n[[rules]]\nname = "x"\nsignal = "urgent"\n',
            "unique",
            id="duplicate-names",
        ),
    ],
)
def test_invalid_config_fails_at_start(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "signals.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        SignalDetector(path)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("svart " * 20_000 + "volvo", id="many-colours"),
        pytest.param("svart volvo " * 10_000, id="many-pairs"),
        pytest.param("a" * 100_000, id="letters"),
        pytest.param("\ud800 \u200b \x00", id="odd-chars"),
    ],
)
def test_large_and_odd_input(detector: SignalDetector, text: str) -> None:
    assert isinstance(detector.detect(text), Signals)
