"""Finder for licence plates: Swedish plates, unambiguous foreign ones, and other shapes only
next to a vehicle word (also the plates of the countries the bot's communities come from and
drive through: Romanian, Danish, Eritrean, Iranian, Iraqi and Syrian shapes)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .view import Span

# Plate letters: A-Z without I, Q, V (and never Å, Ä, Ö). Last character: digit or letter (not O).
# A plate is a Latin-script token: a letter of another script right before or after it (a
# Persian or Arabic sentence written without a space) does not make it part of a word.
_LATIN_BEFORE = r"(?<![A-Za-z0-9_\u00c0-\u024f\-\]])"
_LATIN_AFTER = r"(?![A-Za-z0-9_\u00c0-\u024f\-\[])"
_PLATE = re.compile(
    _LATIN_BEFORE + r"(?P<letters>[A-HJ-PR-UW-Za-hj-pr-uw-z]{3})(?P<sep>[ \-]?)"
    r"(?P<tail>[0-9]{2}[0-9A-HJ-NPR-UW-Za-hj-np-uw-z])" + _LATIN_AFTER
)
# Foreign plates with letters on both sides of the digits, unambiguous in upper case:
# Ukrainian "AA 1234 BC" (also in Cyrillic letters), Albanian "AA 123 BB", Serbian
# "BG 123-AB", Bosnian "A12-B-345", Kosovan "01-123-AB".
_UA_LETTERS = "A-ZАВЕІКМНОРСТХ"
_FOREIGN_PLATE = re.compile(
    r"(?<![\w\-\]])(?:[" + _UA_LETTERS + r"]{2}[ \-]?[0-9]{4}[ \-]?[" + _UA_LETTERS + r"]{2}"
    r"|[A-Z]{2}[ \-]?[0-9]{3}[ \-][A-Z]{2}|[A-Z]{2}[ \-]?[0-9]{3,5}-[A-Z]{1,2}"
    r"|[AEJKMOT][0-9]{2}-[AEJKMOT]-[0-9]{3}|[0-9]{2}-[0-9]{3}-[A-Z]{2})(?![\w\-\[])"
)
# Other plate shapes only next to a vehicle word: Polish/Norwegian "WA 12345", "KR 1234A",
# Finnish plates with any letters "VKK-123", German "M AB 1234"; Romanian and Moldovan "B 123
# ABC", "CJ 07 XYZ"; Danish "AB 12 345"; Eritrean and Ethiopian "ER 2-12345"; Iranian "۱۲ ب
# ۳۴۵ ایران ۶۷" and Iraqi and Syrian plates of digits around one Arabic letter ("12345 ب"),
# never "12 و 345" (and).
_ARABIC_PLATE_LETTER = (
    "[\u0628-\u063a\u0641-\u0646\u0647\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]"
)
# Beside digits alone, not the letters that shorten money and units: toman, dinar, riyal,
# pound, lira, million or metre, kilo ("۵۰۰ ت", "200 د").
_ARABIC_PLATE_LETTER_SHORT = "[بحسصطعقنهيیپچژگ]"
_FOREIGN_PLATE_NEAR_VEHICLE = re.compile(
    r"(?<![\w\-\]])(?:[A-Z]{1,2}[ \-]?[0-9]{2,3}[ \-]?[A-Z]{3}|[A-Z]{2}[ \-]?[0-9]{2}[ \-]?[0-9]{3}"
    r"|[A-Z]{1,3}[ \-]?[0-9][ \-][0-9]{4,5}"
    r"|[A-Z]{1,3}[ \-]?[0-9]{3,5}[A-Z]?|[A-Z]{1,3}[ \-][A-Z]{1,2}[ \-]?[0-9]{1,4}"
    r"|[A-Z]{2,3}[ \-]?[0-9][0-9A-Z]{3,4}"
    r"|[0-9]{2}[ ]?"
    + _ARABIC_PLATE_LETTER
    + r"[ ]?[0-9]{3}(?:[ ]?[\-|]?[ ]?(?:ایران)?[ ]?[0-9]{2})?"
    r"|[0-9]{3,6}[ ]?" + _ARABIC_PLATE_LETTER_SHORT + r"(?![\w])"
    r"|" + _ARABIC_PLATE_LETTER_SHORT + r"[ ]?[0-9]{3,6})"
    r"(?![\w\-\[])"
)

# Common three-letter words that are followed by a number in everyday text ("typ 100",
# "och 123 kr", "the 100 m"). A lower/mixed-case "word NNN" with a separator is not a plate.
_PLATE_STOPWORDS = frozenset(
    (
        "och att det som den har kan ska typ tog men mer fem sex tre hon han jag dag kom gav "
        "fin ser sen nog alla bra ett tal kap sid tel avd ggr dit hit upp ner ute inne nya fel "
        "rum tom kpl nej jaa dem hem oss ena ens kul "
        "the and for was got had has are all per not but can see saw him her our off out age "
        "min max mil one two six ten few won any day yes now new old buy pay get let ago abt "
        "apr aug dec feb jan jul jun mar maj nov okt oct sep tis ons tor fre lor son mon tue wed "
        "thu fri sat sun"
    ).split()
)

# Words that make a nearby plate-shaped token a plate even in lower case ("reg nr bus 123").
_VEHICLE_WORDS = frozenset(
    (
        "bil bilen bilar bilarna personbil skåpbil skåpbilen lastbil lastbilen taxi taxin moped "
        "mopeden mc motorcykel motorcykeln epa epan a-traktor a-traktorn fyrhjuling husbil "
        "regnr regnummer reg registreringsnummer registreringsnumret skylt skylten skyltar "
        "nummerskylt nummerskylten plåt plåten fordon fordonet nr volvo volvon saab audi audin "
        "bmw mercedes merca vw golf toyota ford opel peugeot renault kia hyundai tesla skoda "
        "nissan mazda honda citroen fiat porsche jeep dacia suzuki yamaha lexus subaru "
        "car cars van truck lorry suv motorbike motorcycle scooter vehicle plate plates "
        "registration numberplate licence license reg. auto samochód машина سيارة ماشین "
        "gaari makinë makina "
        # other languages of the bot: car, plate, registration
        "السيارة سيارته لوحة اللوحة رقم_اللوحة ماشینش پلاک پلاکش خودرو خودروی "
        "baabuur baabuurka gaariga taarikada taargada መኪና መኪና'ውን ታርጋ "
        "машину машини автомобіль автомобиль номер номери номерний номерні "
        "samochodu samochodem rejestracja rejestracyjny tablice tablica tablicach "
        "autoa autossa rekisteri rekisterinumero rekisterikilpi kilpi kilvet "
        "automobil automobila tablice tablica registracija registracije registarske "
        "makina makinën makinës targa targën targat "
        # plates in slang and plural forms, common models, vans
        "skyltar skyltarna registreringsskylt blachy blachach blachami numery numerach "
        "tablicami tablicach rejestracji rejestracyjne номери номерах номерами tablicama "
        "registracijom kilvet kilvissä rekkari rekkarit rekisterikilvet targat targave "
        "passat transit transporter sprinter octavia corolla civic polo astra focus fiesta "
        "yaris qashqai caddy crafter ducato vito bus busa busem kombi kombiju furgon furgoni "
        "фургон бус буса"
    ).split()
)
# Units after a number: "120 km/h", "ABC 100 kr" are never plates.
_UNIT_AFTER = re.compile(
    r"[ \t]*(?:km|m|mil|kr|sek|kg|g|st|min|h|tim|cm|mm|%|grader|kmh|km/h|mph|år|dagar|personer)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_CURRENCY = re.compile(
    r"(?:SEK|EUR|USD|NOK|DKK|GBP|PLN|UAH|RUB|ALL|BAM|RSD|HRK|IRR|IQD|SYP|SOS|ERN|ETB|AFN)\b"
)
_CONTEXT_WORD = re.compile(r"[^\W\d_][\w\-.]*")
_CONTEXT_CHARS = 40


def _vehicle_near(view: str, start: int, end: int) -> bool:
    before = view[max(0, start - _CONTEXT_CHARS) : start]
    after = view[end : end + _CONTEXT_CHARS]
    # a label of an earlier pass ("[registreringsnummer]") is not a vehicle word
    words = [
        m.group()
        for m in _CONTEXT_WORD.finditer(before)
        if before[m.start() - 1 : m.start()] != "["
    ][-4:] + [
        m.group() for m in _CONTEXT_WORD.finditer(after) if after[m.start() - 1 : m.start()] != "["
    ][:3]
    return any(w.casefold().rstrip(".:") in _VEHICLE_WORDS for w in words)


def find_plates(view: str) -> Iterator[Span]:
    spans = list(_swedish_plates(view))
    for m in _FOREIGN_PLATE.finditer(view):
        spans.append(m.span())
    for m in _FOREIGN_PLATE_NEAR_VEHICLE.finditer(view):
        if _CURRENCY.match(m.group()):
            continue  # "SEK 50000" for a car is a price
        if not _UNIT_AFTER.match(view, m.end()) and _vehicle_near(view, m.start(), m.end()):
            spans.append(m.span())
    spans.sort(key=lambda s: (s[0], -s[1]))  # the longest of those starting together
    last = -1
    for a, b in spans:
        if a >= last:
            yield a, b
            last = b


def _swedish_plates(view: str) -> Iterator[Span]:
    for m in _PLATE.finditer(view):
        letters = m.group("letters")
        if _UNIT_AFTER.match(view, m.end()):
            continue
        if letters.casefold() in _PLATE_STOPWORDS and not letters.isupper() and m.group("sep"):
            continue  # "the 213 never came", "took the 213 bus": a word and a number
        word = letters.casefold() in _PLATE_STOPWORDS or letters.casefold() in _VEHICLE_WORDS
        unambiguous = letters.isupper() and (
            not word or not m.group("sep") or m.group("tail")[-1].isalpha()
        )
        if unambiguous or _vehicle_near(view, m.start(), m.end()):
            yield m.span()
