"""Tests for bot.scrub: what a moderator sees after personal data is replaced."""

from __future__ import annotations

import random

import pytest

from bot.scrub import LABELS, ScrubResult, scrub

PNR = LABELS["personnummer"]
TEL = LABELS["telefon"]
MAIL = LABELS["epost"]
MXID = LABELS["matrix_id"]
REG = LABELS["regnr"]
URL = LABELS["url"]
NAME = LABELS["namn"]
ACCOUNT = LABELS["kontonummer"]
IP = LABELS["ip"]
HANDLE = LABELS["anvandarnamn"]


def test_labels_are_swedish() -> None:
    assert dict(LABELS) == {
        "personnummer": "[personnummer]",
        "telefon": "[telefonnummer]",
        "epost": "[e-post]",
        "matrix_id": "[matrix-id]",
        "regnr": "[registreringsnummer]",
        "url": "[länk]",
        "namn": "[namn]",
        "kontonummer": "[kontonummer]",
        "ip": "[ip-adress]",
        "anvandarnamn": "[användarnamn]",
    }


# (id, input, expected text, expected found)
CASES: list[tuple[str, str, str, tuple[str, ...]]] = [
    # --- personnummer / samordningsnummer
    ("pnr-10-dash", "Hans pnr är 811218-9876.", f"Hans pnr är {PNR}.", ("personnummer",)),
    ("pnr-10-plain", "8112189876", PNR, ("personnummer",)),
    ("pnr-12-dash", "19121212-1212", PNR, ("personnummer",)),
    ("pnr-12-plain", "191212121212 är testnumret", f"{PNR} är testnumret", ("personnummer",)),
    ("pnr-plus-centenarian", "121212+1212", PNR, ("personnummer",)),
    ("pnr-space-sep", "811218 9876", PNR, ("personnummer",)),
    ("samordningsnummer", "701063-2391", PNR, ("personnummer",)),
    # a wrong check digit is still someone's (mistyped) number
    ("pnr-bad-checksum", "811218-9875", PNR, ("personnummer",)),
    ("pnr-12-bad-checksum", "19850101-1234", PNR, ("personnummer",)),
    ("pnr-en-dash", "850312–1231", PNR, ("personnummer",)),
    ("pnr-em-dash-spaced", "850312 — 1231", PNR, ("personnummer",)),
    ("pnr-bad-date-kept", "811318-9876", "811318-9876", ()),
    ("pnr-12-bad-century", "21121212-1212", "21121212-1212", ()),
    ("pnr-inside-longer-number", "98112189876", "98112189876", ()),
    # a 10-digit number failing Luhn is not a personnummer but may be a phone number
    ("bad-luhn-is-phone", "0701234567", TEL, ("telefon",)),
    # --- Swedish phone numbers
    ("mobile-dash-spaces", "Ring 070-123 45 67!", f"Ring {TEL}!", ("telefon",)),
    ("mobile-spaces", "070 123 45 67", TEL, ("telefon",)),
    ("mobile-dash-block", "070-1234567", TEL, ("telefon",)),
    ("mobile-en-dash", "070–123 45 67", TEL, ("telefon",)),
    ("mobile-minus-sign", "070\u2212123 45 67", TEL, ("telefon",)),
    ("mobile-spaced-dash", "072 – 345 67 89", TEL, ("telefon",)),
    ("mobile-dots", "070.123.45.67", TEL, ("telefon",)),
    ("mobile-plus46", "+46 70 123 45 67", TEL, ("telefon",)),
    ("mobile-plus46-trunk", "+46 (0)70-123 45 67", TEL, ("telefon",)),
    ("mobile-plus46-plain", "+46701234567", TEL, ("telefon",)),
    ("mobile-0046", "0046701234567", TEL, ("telefon",)),
    ("stockholm", "08-123 456 78", TEL, ("telefon",)),
    ("stockholm-parens", "(08) 123 456 78", TEL, ("telefon",)),
    ("landline-4-digit-area", "0370-123 45", TEL, ("telefon",)),
    ("landline-plus46-8", "+46 8 123 456 78", TEL, ("telefon",)),
    ("phone-in-parentheses", "(070-123 45 67)", f"({TEL})", ("telefon",)),
    ("phone-then-count", "ring 070-123 45 67 12 gånger", f"ring {TEL} 12 gånger", ("telefon",)),
    # --- foreign phone numbers
    ("bosnia", "+387 61 123 456", TEL, ("telefon",)),
    ("uk", "+44 20 7946 0958", TEL, ("telefon",)),
    ("usa", "+1 212 555 0100", TEL, ("telefon",)),
    ("foreign-00", "00387 61 123 456", TEL, ("telefon",)),
    # --- numbers that must stay
    ("iso-date", "2024-05-12 kl 18:30", "2024-05-12 kl 18:30", ()),
    ("dotted-date", "12.05.2024", "12.05.2024", ()),
    ("dotted-date-leading-zero", "05.12.2024", "05.12.2024", ()),
    ("dashed-date-08", "08-12-2024", "08-12-2024", ()),
    ("short-date", "12/5", "12/5", ()),
    ("time-dot", "kl 18.30", "kl 18.30", ()),
    ("time-range", "08.30-10.00", "08.30-10.00", ()),
    ("time-band", "mellan 18-24 och 00-06", "mellan 18-24 och 00-06", ()),
    ("year-range", "2020-2024", "2020-2024", ()),
    ("counts", "3 personer, buss 1, kl 22", "3 personer, buss 1, kl 22", ()),
    ("money", "500 kr och 5 000 kr", "500 kr och 5 000 kr", ()),
    (
        "service-numbers",
        "Ring 112, 114 14, 113 13 eller 1177",
        "Ring 112, 114 14, 113 13 eller 1177",
        (),
    ),
    ("service-number-11414", "11414", "11414", ()),
    ("sfs", "SFS 2023:196", "SFS 2023:196", ()),
    # --- licence plates
    ("plate-space", "Bilen ABC 123 stod där", f"Bilen {REG} stod där", ("regnr",)),
    ("plate-plain", "ABC123", REG, ("regnr",)),
    # lower case only next to a vehicle word
    ("plate-lower-alone-kept", "abc123", "abc123", ()),
    ("plate-lower-car", "bilen abc123", f"bilen {REG}", ("regnr",)),
    (
        "plate-lower-word-vehicle",
        "bilen med skylten ost 456",
        f"bilen med skylten {REG}",
        ("regnr",),
    ),
    ("plate-en-dash", "Bilen DEF–456 står där", f"Bilen {REG} står där", ("regnr",)),
    ("room-number-kept", "Lektionen är i sal 213", "Lektionen är i sal 213", ()),
    ("speed-kept", "Han körde 120 km/h", "Han körde 120 km/h", ()),
    ("upper-speed-kept", "MAX 120 km/h", "MAX 120 km/h", ()),
    ("bus-line-kept", "Linje 215 mot Jönköping", "Linje 215 mot Jönköping", ()),
    ("plate-hyphen", "ABC-123", REG, ("regnr",)),
    ("plate-new-format", "ABC 12A", REG, ("regnr",)),
    ("plate-lower-spaced", "reg xyz 789", f"reg {REG}", ("regnr",)),
    ("plate-trailing-punct", "såg MLB 123.", f"såg {REG}.", ("regnr",)),
    ("plate-in-word", "SVT123x", "SVT123x", ()),
    ("plate-four-letters", "ABCD123", "ABCD123", ()),
    ("plate-four-digits", "ABC1234", "ABC1234", ()),
    ("plate-letter-v-unused", "VVV 123", "VVV 123", ()),
    ("plate-stopword-typ", "det var typ 100 personer", "det var typ 100 personer", ()),
    ("plate-stopword-och", "mellan 18 och 100 kr", "mellan 18 och 100 kr", ()),
    ("plate-stopword-en", "the 100 m track", "the 100 m track", ()),
    ("plate-upper-stopword-kept", "OCH 123", "OCH 123", ()),
    ("plate-upper-stopword-car", "bil OCH 123", f"bil {REG}", ("regnr",)),
    ("plate-two-letters", "kl 123", "kl 123", ()),
    # --- e-mail, Matrix ID, URL
    ("email", "Mejla anna.svensson@example.se nu", f"Mejla {MAIL} nu", ("epost",)),
    ("email-unicode", "åsa@värnamo.se", MAIL, ("epost",)),
    ("email-plus", "a+tips@mail.example.com.", f"{MAIL}.", ("epost",)),
    ("matrix-id", "skriv till @anna:example.org", f"skriv till {MXID}", ("matrix_id",)),
    ("matrix-id-port", "@bob:matrix.example.se:8448", MXID, ("matrix_id",)),
    ("matrix-id-localhost", "@bot:localhost", MXID, ("matrix_id",)),
    ("mention-without-server", "@Anna hej", f"{HANDLE} hej", ("anvandarnamn",)),
    ("email-obfuscated-brackets", "anna [at] gmail [dot] com", MAIL, ("epost",)),
    ("email-obfuscated-parens", "anna(at)gmail.com", MAIL, ("epost",)),
    ("email-obfuscated-words", "kalle at hotmail dot com", MAIL, ("epost",)),
    ("email-obfuscated-swedish", "erik [snabel-a] telia [punkt] se", MAIL, ("epost",)),
    ("email-spaced", "lisa @ yahoo . com", MAIL, ("epost",)),
    ("at-in-sentence-kept", "Meet me at the shop at 5", "Meet me at the shop at 5", ()),
    ("iban", "IBAN SE45 5000 0000 0583 9825 7466", f"IBAN {ACCOUNT}", ("kontonummer",)),
    ("iban-plain", "DE89370400440532013000", ACCOUNT, ("kontonummer",)),
    # an IBAN of its country's length is someone's account even with a wrong check
    ("iban-bad-check", "SE45 5000 0000 0583 9825 7467", ACCOUNT, ("kontonummer",)),
    (
        "iban-wrong-length-bad-check-kept",
        "GB12 ABCD 1234 5678",
        "GB12 ABCD 1234 5678",
        (),
    ),
    ("card", "kort 4111 1111 1111 1111", f"kort {ACCOUNT}", ("kontonummer",)),
    ("card-plain", "5555555555554444", ACCOUNT, ("kontonummer",)),
    # four groups of four digits are a card number even with a wrong check digit
    ("card-grouped-bad-luhn", "4111 1111 1111 1112", ACCOUNT, ("kontonummer",)),
    ("card-plain-bad-luhn-kept", "4111111111111112", "4111111111111112", ()),
    ("ipv4", "från 85.24.130.7 i går", f"från {IP} i går", ("ip",)),
    ("ipv6", "2001:db8::8a2e:370:7334", IP, ("ip",)),
    ("time-not-ip", "kl 12:30:45", "kl 12:30:45", ()),
    ("version-not-ip", "version 1.2.300", "version 1.2.300", ()),
    ("snap-handle", "snap: kalle_99", f"snap: {HANDLE}", ("anvandarnamn",)),
    (
        "handle-before-platform",
        "han heter kalle_99 på snap",
        f"han heter {HANDLE} på snap",
        ("anvandarnamn",),
    ),
    ("platform-word-kept", "Apropå insta, finns ni där?", "Apropå insta, finns ni där?", ()),
    ("full-name", "Det var Johan Andersson", f"Det var {NAME}", ("namn",)),
    ("name-after-heter", "Han heter Omar", f"Han heter {NAME}", ("namn",)),
    ("name-after-named", "The guy's name is Omar", f"The guy's name is {NAME}", ("namn",)),
    ("name-after-relation", "Moj susjed Marko", f"Moj susjed {NAME}", ("namn",)),
    ("surname-genitive", "Anderssons son", f"{NAME} son", ("namn",)),
    ("place-name-kept", "Området heter Gröndal", "Området heter Gröndal", ()),
    ("park-name-kept", "The park called Apelparken", "The park called Apelparken", ()),
    ("first-name-alone-kept", "Hans bil är trasig", "Hans bil är trasig", ()),
    ("url-https", "Se https://polisen.se/tips?x=1.", f"Se {URL}.", ("url",)),
    ("url-www", "(www.example.se/a)", f"({URL})", ("url",)),
    ("url-bare-path", "example.se/path", URL, ("url",)),
    ("url-bare", "Läs på polisen.se", f"Läs på {URL}", ("url",)),
    ("url-with-matrix-id", "https://matrix.to/#/@a:example.org", URL, ("url",)),
    ("url-with-phone", "https://x.se/070-123 45 67", f"{URL} 45 67", ("url",)),
    ("abbreviations-not-urls", "t.ex. bl.a. o.s.v. m.m.", "t.ex. bl.a. o.s.v. m.m.", ()),
    ("email-not-matrix", "anna@example.org:8448", f"{MAIL}:8448", ("epost",)),
    # --- multiple kinds: found lists kinds in order of first appearance
    (
        "many-kinds",
        "Regnr ABC 123, ring 0701234567 eller mejla a@b.se, pnr 811218-9876, ABC 124",
        f"Regnr {REG}, ring {TEL} eller mejla {MAIL}, pnr {PNR}, {REG}",
        ("regnr", "telefon", "epost", "personnummer"),
    ),
    (
        "url-last-in-priority-first-in-text",
        "0701234567 www.x.se @a:b.se",
        f"{TEL} {URL} {MXID}",
        ("telefon", "url", "matrix_id"),
    ),
    # --- odd Unicode
    ("fullwidth-digits", "０７０１２３４５６７", TEL, ("telefon",)),
    ("zero-width-in-number", "070\u200b1234567", TEL, ("telefon",)),
    ("soft-hyphen-in-number", "070\u00ad123 45 67", TEL, ("telefon",)),
    ("nbsp-separators", "070\u00a0123\u00a045\u00a067", TEL, ("telefon",)),
    ("narrow-nbsp", "070\u202f123\u202f45\u202f67", TEL, ("telefon",)),
    ("arabic-indic-digits", "رقمي ٠٧٠١٢٣٤٥٦٧", f"رقمي {TEL}", ("telefon",)),
    ("persian-digits", "۰۷۰۱۲۳۴۵۶۷", TEL, ("telefon",)),
    ("fullwidth-pnr", "８１１２１８－９８７６", PNR, ("personnummer",)),
    ("fullwidth-plate", "ＡＢＣ １２３", REG, ("regnr",)),
    ("zero-width-in-plate", "ABC\u200b123", REG, ("regnr",)),
    ("text-around-kept-as-is", "ﬁn ０７０１２３４５６７ ﬁn", f"ﬁn {TEL} ﬁn", ("telefon",)),
    # --- nothing to do
    ("empty", "", "", ()),
    ("plain-tip", "Klotter vid stationen på kvällarna", "Klotter vid stationen på kvällarna", ()),
]


@pytest.mark.parametrize(
    ("text", "expected", "found"),
    [pytest.param(t, e, f, id=i) for i, t, e, f in CASES],
)
def test_scrub(text: str, expected: str, found: tuple[str, ...]) -> None:
    result = scrub(text)
    assert result == ScrubResult(text=expected, found=found)
    assert result.changed is bool(found)


@pytest.mark.parametrize(
    "text",
    [pytest.param(t, id=i) for i, t, _, _ in CASES if t]
    + [pytest.param(" ".join(t for _, t, _, _ in CASES), id="all-cases-joined")],
)
def test_idempotent(text: str) -> None:
    once = scrub(text).text
    twice = scrub(once)
    assert twice.text == once


def test_idempotent_on_random_mixtures() -> None:
    pieces = [
        "070",
        "-",
        " ",
        "123",
        "45",
        "67",
        "+46",
        "ABC",
        "abc",
        "123",
        "12A",
        "@a",
        ":b.se",
        "x@y.se",
        "www.",
        "http://",
        "polisen.se",
        "/",
        ".",
        "811218",
        "9876",
        "\u200b",
        "０",
        "٧",
        "(",
        ")",
        "kl",
        "18.30",
        "2024-05-12",
        "och",
        "typ",
    ]
    idempotent_on_mixtures(pieces, seed=20240512, most=12)


def idempotent_on_mixtures(pieces: list[str], *, seed: int, most: int) -> None:
    """Scrubbing twice gives what scrubbing once gave, for 2000 random strings of 1 to
    ``most`` of ``pieces``."""
    rng = random.Random(seed)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, most)))
        once = scrub(text).text
        assert scrub(once).text == once, text


def test_labels_are_not_scrubbed() -> None:
    text = " ".join(LABELS.values())
    assert scrub(text) == ScrubResult(text=text, found=())


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("7" * 100_000, id="digits"),
        pytest.param("0 " * 50_000, id="spaced-zeros"),
        pytest.param("07-" * 33_000, id="dashed-digits"),
        pytest.param("a" * 100_000, id="letters"),
        pytest.param("a." * 50_000, id="dots"),
        pytest.param("a@" * 50_000, id="at-signs"),
        pytest.param("@a:" * 33_000, id="matrix-like"),
        pytest.param("(0)" * 33_000, id="parentheses"),
        pytest.param("ö٠\u200b" * 33_000, id="odd-unicode"),
    ],
)
def test_large_input_completes(text: str) -> None:
    result = scrub(text)
    assert result.found == ()
    assert result.text == text


def test_large_input_with_data() -> None:
    text = "ABC 123 ring 070-123 45 67 " * 4000
    result = scrub(text)
    assert result.found == ("regnr", "telefon")
    assert result.text == f"{REG} ring {TEL} " * 4000


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\ud800\udfff", id="lone-surrogates"),
        pytest.param("\x00\x01\x7f", id="control-chars"),
        pytest.param("\u0301\u0308", id="combining-only"),
        pytest.param("\U0001f600 070-123 45 67 \U0001f600", id="emoji"),
        pytest.param("\ufeff" * 10, id="bom-only"),
    ],
)
def test_never_raises(text: str) -> None:
    assert isinstance(scrub(text).text, str)
