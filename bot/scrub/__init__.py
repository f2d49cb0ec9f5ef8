"""Personal-data scrubber for free text.

Contract
--------
``scrub(text)`` returns a :class:`ScrubResult` whose ``text`` is ``text`` with every piece of
personal data it recognises replaced by a Swedish label (see :data:`LABELS`), and whose ``found``
lists the kinds replaced, in order of first appearance, without duplicates. Everything that is
not replaced is returned exactly as it was given (no normalisation of the surrounding text).

* Pure: no I/O, no module-level mutable state; the compiled patterns are constants.
* Never raises for any ``str`` (including lone surrogates and control characters).
* Linear time: every pattern is anchored on a token start by a negative look-behind and has no
  ambiguous nested repetition, so 100 kB of digits, letters or dots is scanned quickly.
* Idempotent: ``scrub(scrub(x).text).text == scrub(x).text``. Labels contain no digits, ``@``
  or dots, so no pattern matches a label.

Kinds, applied in this order (earlier kinds win, so the pieces of a link are never matched
separately as a phone number or a plate):

1. ``url`` with a scheme or ``www.`` (``https://…``, ``www.…``)
2. ``epost`` (``anna@example.se``), spelled out in words (``anna punkt svensson snabel-a gmail
   punkt com``, ``john dot smith at gmail dot com``, ``bot/scrub_words.py``) and obfuscated
   (``anna [at] gmail [dot] com``, ``anna(at)gmail.com``, ``erik [snabel-a] telia [punkt] se``)
3. ``matrix_id`` (``@anna:example.org``, ``@anna:example.org:8448``, ``@a:localhost``)
4. ``url`` bare domain with a known top-level domain (``polisen.se``, ``example.se/path``,
   also the top-level domains of scam links such as ``.top``)
5. ``ip``: IPv4 and IPv6 addresses (checked with :mod:`ipaddress`)
6. ``kontonummer``: IBAN (mod-97 check, or the right length for its country whatever the check
   digits), card numbers of 13–19 digits that pass the Luhn check (in four groups of four
   whatever the check digit), Swedish bank accounts (clearing + account), bankgiro, plusgiro
   and Swish numbers of businesses (``bot/scrub_ids.py``)
7. ``personnummer`` (also samordningsnummer: day + 60); 10 or 12 digits with a valid date,
   with or without ``-``/``+``/space, *whether or not the check digit is right* (a mistyped
   number is still someone's number). Only a plain 10-digit number starting with 0 whose check
   digit is wrong is left for the phone rule (``0701234567``). Digits glued to further digits
   are never a personnummer. The same label for personal identity numbers of other countries
   with their checks (Finnish henkilötunnus, Polish PESEL, ex-Yugoslav JMBG, Croatian OIB,
   Ukrainian RNOKPP, Iranian national code, Norwegian fødselsnummer, Albanian personal
   number, British National Insurance number; ``bot/scrub_ids.py``).
8. ``telefon``: Swedish numbers (``070-123 45 67``, ``08-123 456 78``, ``0370-123 45``,
   ``+46 70 123 45 67``, ``0046701234567``, ``+46 (0)70…``), international numbers written
   with ``+`` or ``00`` (``+387 61 123 456``, ``+44 20 7946 0958``), national numbers of the
   bot's languages' countries without a country code (``601 234 567``, ``040 123 4567``,
   ``061 123 456``, ``0912 345 6789``; ``bot/scrub_phones.py``), and numbers written as words
   (``noll sju noll ett två tre…``, ``bot/scrub_words.py``).
   Not phones: dates, times, years, counts, money, time bands and the service numbers 112,
   114 14, 113 13 and 1177 (a national number must start with a single ``0``; one without a
   trunk ``0`` must have a Polish or North American shape).
9. ``regnr``: Swedish licence plates ``ABC 123``, ``ABC123``, ``ABC-123``, ``ABC 12A`` as whole
   Latin tokens, also right beside a letter of another script (letters I, Q, V, Å, Ä, Ö are
   never used on plates), only where the format is unambiguous (upper-case letters that are
   not a common word, or a final letter) or a vehicle word is near ("bil", "regnr", "skylten",
   "car", "plate", "ماشین", "blachach"); never before a unit ("120 km/h") and never a
   lower-case word such as "sal 213" without a vehicle nearby. Foreign plates with letters on
   both sides (Ukrainian ``AA 1234 BC``, Albanian ``AA 123 BB``, Kosovan ``02-318-KA``) always;
   other foreign shapes (Polish ``WGM 5561A``, ``PO 5TR22``) only near a vehicle word.
10. ``anvandarnamn``: ``@name`` without a server, handles next to a platform word
    (``snap: kalle_99``, ``insta @lisa``, ``kalle_99 på snap``, ``hans snapchat är bigboy2009``)
    and tokens shaped like handles anywhere (``x_bandit_x``, ``shadow.vmo99``)
11. ``namn``: names from ``config/content/names.toml`` and the larger
    ``config/content/names_large.toml`` next to a second capitalised word ("Johan Andersson"),
    listed surnames ("Anderssons"), listed names on their own that are not also ordinary words,
    names after a name pattern ("heter Omar", "min granne Marko", "ime: Marko"), a title ("Pan
    Zbigniew", "آقای رحیمی"), a kinship word ("min man Bertil", "زوجي أحمد") or a closing
    greeting ("Hälsningar Margit"), a kunya with its name ("أبو خليل"), inflected names
    ("Lejlu", "Mikolle"), surname endings ("-ović", "-wski") and full names in scripts without
    capitals ("محمد بن علي"); see ``bot/scrub/names.py``.

Odd Unicode: matching runs on a *view* of the text in which every Unicode decimal digit
(fullwidth ``０``, Arabic-Indic ``٠``, Persian ``۰``, …) becomes an ASCII digit, every Unicode dash
becomes ``-`` and every space a plain space, other characters are NFKC-normalised one by one
(fullwidth letters become ASCII) and format characters (category Cf: zero-width space/joiners,
soft hyphen, BOM, bidi marks) are dropped. A match in the view replaces the corresponding
original characters; everything else, the Persian zero-width non-joiner included, is kept.
Not covered: street addresses (a place description such as "Storgatan 14" is kept on
purpose), numbers of fewer than seven digits spelled out in words, digits separated by letters
or by more than three separator characters, personalised plates, unlisted names written alone
or in lower case on their own, and links with an unknown top-level domain and no ``http``/``www``.
"""

from __future__ import annotations

from .driver import LABELS, ScrubResult, found_kinds, scrub, scrubber_with_phone_rules

__all__ = ["LABELS", "ScrubResult", "found_kinds", "scrub", "scrubber_with_phone_rules"]
