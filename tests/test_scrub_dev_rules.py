"""Scrubber rules added after reading the 8th and 9th authors' sets (dev sets): phone numbers
read in groups of tens and hundreds in every language, identity documents' numbers after the
document's name, giro numbers without their dash, foreign plates beside a plate word,
honorifics inside the name label, and public, historical, epic and religious figures mentioned
in passing. A resident's message in, the stored text out; the words are of the class, not of
any corpus message."""

from __future__ import annotations

import pytest

from bot.scrub import LABELS
from bot.scrub_words import spelled_digits
from tests.test_scrub_coverage import cases, check

PNR = LABELS["personnummer"]
TEL = LABELS["telefon"]
REG = LABELS["regnr"]
NAME = LABELS["namn"]
ACCOUNT = LABELS["kontonummer"]

# --- phone numbers read in tens and hundreds, in every language
GROUPED = cases(
    ("fa", "شمارم صفر نود و یک، سیصد و بیست، چهل و پنج، شصت", f"شمارم {TEL}"),
    ("ar-units-first", "رقمي صفر سبعة، خمسة وعشرين، ثلاثمية واحد، أربعين", f"رقمي {TEL}"),
    ("pl-hundreds", "mój numer siedemset dwa trzy cztery pięć sześć siedem", f"mój numer {TEL}"),
    ("hr", "broj nula šezdeset četiri, sto dvadeset tri, četrdeset pet", f"broj {TEL}"),
    ("uk", "номер нуль дев'яносто сім, триста двадцять, сорок п'ять", f"номер {TEL}"),
    (
        "so",
        "lambarkaygu waa eber toddobo, labaatan iyo shan, konton, lix",
        f"lambarkaygu waa {TEL}",
    ),
    ("sq", "numri zero dyzet e nëntë, njëqind e dy, tridhjetë", f"numri {TEL}"),
    ("fi-compound", "numero nolla neljäkymmentä, kolmesataa, kaksikymmentäyksi", f"numero {TEL}"),
    ("ar-spoken", "رقمي سفر سبعة تلاتة، تمانية اتنين، خمسة ستة", f"رقمي {TEL}"),
    (
        "ar-hundreds-units-tens",
        "رقمي صفر تسعة ستة، خمسة وأربعين، ستمية وسبعة وتمانين",
        f"رقمي {TEL}",
    ),
    ("ti-and-suffix", "ቁጽረይ ዜሮ ሸውዓተ ሰብዓን ሓደን ሰለስተ ሚእቲ ዕስራን ሓሙሽተን", f"ቁጽረይ {TEL}"),
    ("ru", "мой номер ноль девяносто семь, триста двадцать, сорок", f"мой номер {TEL}"),
    ("so-sifir", "waa sifir toddobo hal laba saddex afar shan", f"waa {TEL}"),
    ("en-hundred", "call oh seven two hundred and fifty, three four five", f"call {TEL}"),
)
NOT_GROUPED = cases(
    ("fa-two-numbers", "بیست و پنج نفر و سی تا ماشین", "بیست و پنج نفر و سی تا ماشین"),
    (
        "pl-money",
        "kosztowało sześćset dwadzieścia złotych",
        "kosztowało sześćset dwadzieścia złotych",
    ),
    ("en-year", "in nineteen ninety five we came", "in nineteen ninety five we came"),
    (
        "hr-counting-with-and",
        "jedan i dva i tri i četiri i pet i šest i sedam",
        "jedan i dva i tri i četiri i pet i šest i sedam",
    ),
)


@pytest.mark.parametrize(("text", "expected"), GROUPED + NOT_GROUPED)
def test_phone_numbers_read_in_groups(text: str, expected: str) -> None:
    check(text, expected)


def test_grouped_numbers_give_their_digits() -> None:
    assert spelled_digits("صفر نود و یک، سیصد و بیست، چهل و پنج") == "09132045"
    assert spelled_digits("eber toddobo, labaatan iyo shan, konton, lix") == "0725506"
    assert spelled_digits("خمسة وعشرين ثلاثمية واحد صفر سبعة") == "2530107"


# --- identity documents, giro numbers without a dash
DOCUMENTS = cases(
    (
        "uk-passport",
        "загубив закордонний паспорт FX 482913 у потязі",
        f"загубив закордонний паспорт {PNR} у потязі",
    ),
    ("sv-pass", "mitt pass nr AB1234567 är borta", f"mitt pass nr {PNR} är borta"),
    (
        "sq-id-card",
        "humba letërnjoftimin me numër 2176043281 në autobus",
        f"humba letërnjoftimin me numër {PNR} në autobus",
    ),
    ("fa-passport", "گذرنامه‌ام شماره K12345678 گم شده", f"گذرنامه‌ام شماره {PNR} گم شده"),
    ("so-passport", "baasaboorkayga N1234567 waa lumay", f"baasaboorkayga {PNR} waa lumay"),
    (
        "pl-id-card",
        "numer dowodu osobistego ABC123456 zgubiłem",
        f"numer dowodu osobistego {PNR} zgubiłem",
    ),
    ("ti-my-passport", "ቁጽሪ ፓስፖርተይ ER1234567 ጠፊኡ", f"ቁጽሪ ፓስፖርተይ {PNR} ጠፊኡ"),
    ("uk-cyrillic-letters", "номер паспорта НЕ 123456 загубив", f"номер паспорта {PNR} загубив"),
    ("ar-my-passport", "جوازي رقمه A12345678 ضاع", f"جوازي رقمه {PNR} ضاع"),
    ("hr-jmbg-not-card", "rekla sam mu JMBG 2307968175023 juče", f"rekla sam mu JMBG {PNR} juče"),
    (
        "plusgiro-no-dash",
        "föreningens plusgiro 9020 2015, är det säkert?",
        f"föreningens plusgiro {ACCOUNT}, är det säkert?",
    ),
)
NOT_DOCUMENTS = cases(
    ("sv-shift", "jag har pass 14-22 imorgon", "jag har pass 14-22 imorgon"),
    (
        "passport-phone",
        "lost my passport, call me on 0701234567",
        f"lost my passport, call me on {TEL}",
    ),
    ("passport-year", "passport office open 2024 from 9", "passport office open 2024 from 9"),
    ("passport-price", "paszport kosztował 2000000 złotych", "paszport kosztował 2000000 złotych"),
)


@pytest.mark.parametrize(("text", "expected"), DOCUMENTS + NOT_DOCUMENTS)
def test_identity_documents(text: str, expected: str) -> None:
    check(text, expected)


# --- plates of the countries the communities come from, beside a plate or vehicle word
PLATES = cases(
    (
        "ro",
        "en skåpbil med rumänska skyltar CJ 07 XYZ stod där",
        f"en skåpbil med rumänska skyltar {REG} stod där",
    ),
    ("ro-one-letter", "a van with plates B 123 ABC", f"a van with plates {REG}"),
    ("dk", "bil med danska skyltar AB 12 345", f"bil med danska skyltar {REG}"),
    ("er", "the car had plates ER 2-12345", f"the car had plates {REG}"),
    ("ir", "ماشین با پلاک ۱۲ ب ۳۴۵ ایران ۶۷ رفت", f"ماشین با پلاک {REG} رفت"),
    ("iq", "سيارة بيضاء لوحة 45821 ب بغداد", f"سيارة بيضاء لوحة {REG} بغداد"),
)
NOT_PLATES = cases(
    ("fa-and", "ماشین 12 و 345 تا", "ماشین 12 و 345 تا"),
    ("no-vehicle-word", "we were CJ 07 XYZ team", "we were CJ 07 XYZ team"),
    ("lower-case", "the car was b 123 abc", "the car was b 123 abc"),
    ("fa-toman", "ماشینو ۵۰۰ ت فروختم", "ماشینو ۵۰۰ ت فروختم"),
    ("price", "the car cost SEK 50000", "the car cost SEK 50000"),
    ("pl-krakow-stays-a-plate", "samochód KR 1234A odjechał", f"samochód {REG} odjechał"),
)


@pytest.mark.parametrize(("text", "expected"), PLATES + NOT_PLATES)
def test_foreign_plates(text: str, expected: str) -> None:
    check(text, expected)


# --- honorifics go into the label; roles and kinship stay outside it
HONORIFICS = cases(
    ("fa-mr", "آقای کریمی همسایه پایینی افتاده", f"{NAME} همسایه پایینی افتاده"),
    ("fa-mrs", "من مترجم خانم احمدی هستم", f"من مترجم {NAME} هستم"),
    ("ar-hajj", "جارنا الحاج محمود وقع", f"جارنا {NAME} وقع"),
    ("pl-pani", "pani Krystyna z parteru nie otwiera", f"{NAME} z parteru nie otwiera"),
    ("en-mrs-dot", "our neighbour Mrs. Wilson fell", f"our neighbour {NAME} fell"),
    ("sv-herr", "herr Lindqvist har inte synts", f"{NAME} har inte synts"),
    ("hr-gospodin", "gospodin Hasanović je pao", f"{NAME} je pao"),
    ("ti-elder", "ጎረቤትና ኣቦ ዳዊት ወዲቑ", f"ጎረቤትና {NAME} ወዲቑ"),
    ("role-stays", "vaktmästaren Ronny svarar inte", f"vaktmästaren {NAME} svarar inte"),
    ("kin-stays", "min fru Anna är sjuk", f"min fru {NAME} är sjuk"),
    ("profession-stays", "Dr. Lindqvist på vårdcentralen", f"Dr. {NAME} på vårdcentralen"),
)
NOT_HONORIFICS = cases(
    ("fa-that-tall-gentleman", "اون آقای قدبلند با سگ سفید", "اون آقای قدبلند با سگ سفید"),
    ("fa-a-lady", "یه خانم مسنی اومد دم در", "یه خانم مسنی اومد دم در"),
    ("fa-mr-mayor", "آقای شهردار قول داده بود", "آقای شهردار قول داده بود"),
    ("ar-mr-president", "السيد الرئيس قال كلام", "السيد الرئيس قال كلام"),
    ("ar-the-teacher-said", "الأستاذ قال الامتحان بكرة", "الأستاذ قال الامتحان بكرة"),
    ("fa-lady-neighbour", "خانم همسایه دیده نشده", "خانم همسایه دیده نشده"),
)


@pytest.mark.parametrize(("text", "expected"), HONORIFICS + NOT_HONORIFICS)
def test_honorifics(text: str, expected: str) -> None:
    check(text, expected)


# --- public, historical, epic and religious figures; words that are also names
FIGURES = cases(
    (
        "statue-after",
        "someone sprayed the Olof Palme statue",
        "someone sprayed the Olof Palme statue",
    ),
    ("fa-story", "پسرم داستان سیاوش رو میخونه", "پسرم داستان سیاوش رو میخونه"),
    ("fa-epic", "تو مدرسه فردوسی و خیام خوندیم", "تو مدرسه فردوسی و خیام خوندیم"),
    ("ar-prophet", "قال النبي محمد إن الجار", "قال النبي محمد إن الجار"),
    ("pl-saint", "kościół św. Jana jest zamknięty", "kościół św. Jana jest zamknięty"),
    ("sq-saint", "kisha e Shën Gjergjit", "kisha e Shën Gjergjit"),
    ("sv-figure", "som Astrid Lindgren skrev", "som Astrid Lindgren skrev"),
    ("so-figure", "sida Hassan Sheikh Mohamud u sheegay", "sida Hassan Sheikh Mohamud u sheegay"),
    ("ar-road", "كلاب شاردة على طريق سامر كل ليلة", "كلاب شاردة على طريق سامر كل ليلة"),
    (
        "so-tomorrow",
        "Berri saacadda 10 waxaa dhacaya tababar",
        "Berri saacadda 10 waxaa dhacaya tababar",
    ),
    ("sq-i-saw", "Pashe nje djale me xhup te zi", "Pashe nje djale me xhup te zi"),
    ("sq-feast", "ju uroj Bajram të mbarë", "ju uroj Bajram të mbarë"),
    ("so-particle", "kan wiilka ayaan ka qorayaa", "kan wiilka ayaan ka qorayaa"),
    (
        "so-become-like",
        "waxay rabaan inay noqdaan sida Cali Xasan",
        "waxay rabaan inay noqdaan sida Cali Xasan",
    ),
    ("on-the-news", "I saw Greta Nilsson on the news", "I saw Greta Nilsson on the news"),
    ("ti-on-the-news", "ዳዊት ተስፋይ ኣብ ዜና ርእየዮ", "ዳዊት ተስፋይ ኣብ ዜና ርእየዮ"),
    (
        "en-be-like",
        "my son wants to be like Omar Hassan one day",
        "my son wants to be like Omar Hassan one day",
    ),
)
STILL_NAMES = cases(
    (
        "pl-mid-sentence",
        "kolega z pracy Marek leży pod rusztowaniem",
        f"kolega z pracy {NAME} leży pod rusztowaniem",
    ),
    ("hr-mid-sentence", "dečko iz razreda Dino mu prijeti", f"dečko iz razreda {NAME} mu prijeti"),
    ("sv-start-word", "Hans bil står kvar", "Hans bil står kvar"),
    ("sv-before-a-place", "vi möts vid Per Albin-torget", "vi möts vid Per Albin-torget"),
    ("name-like-a-figure", "min granne Olof slog mig", f"min granne {NAME} slog mig"),
    ("inflected-start", "Lejlu nisam vidio danima", f"{NAME} nisam vidio danima"),
    (
        "so-name-mid-sentence",
        "saaxiibadday Ayaan shalay ma jawaabin",
        f"saaxiibadday {NAME} shalay ma jawaabin",
    ),
    ("ar-local-imam", "الإمام خالد قال لي", f"الإمام {NAME} قال لي"),
    ("kin-before-the-news", "جارنا أحمد كان بالأخبار", f"جارنا {NAME} كان بالأخبار"),
    ("kin-before-a-figure", "min granne Olof Palme slog mig", f"min granne {NAME} slog mig"),
    ("pl-on-the-street", "na ulicy Kacper mnie pobił", f"na ulicy {NAME} mnie pobił"),
    ("fa-in-the-street", "تو خیابان کریمی رو زدن", f"تو خیابان {NAME} رو زدن"),
)


@pytest.mark.parametrize(("text", "expected"), FIGURES + STILL_NAMES)
def test_public_figures_and_words_that_are_names(text: str, expected: str) -> None:
    check(text, expected)


def test_a_stored_tip_keeps_the_zero_width_non_joiner_next_to_a_new_label() -> None:
    check("همسایه‌مون آقای کریمی افتاده", f"همسایه‌مون {NAME} افتاده")
