"""The scrubber's driver: the labels, the passes in their order (earlier kinds win), and the
splicing of labels into the original text; see the contract in :mod:`bot.scrub`."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..scrub_ids import find_foreign_ids
from ..scrub_phones import PhoneRule
from ..scrub_words import find_spelled_email, find_spelled_numbers
from .names import ScrubNames
from .numbers import find_accounts, find_personnummer, phone_finder
from .online import (
    EMAIL,
    EMAIL_OBFUSCATED,
    MATRIX_ID,
    URL_BARE,
    URL_EXPLICIT,
    find_handles,
    find_ips,
)
from .plates import find_plates
from .view import Span, matching_view, regex_finder

LABELS: Mapping[str, str] = MappingProxyType(
    {
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
)


@dataclass(frozen=True)
class ScrubResult:
    """Result of :func:`scrub`: the cleaned text and the kinds of personal data replaced."""

    text: str
    found: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """True when at least one piece of personal data was replaced."""
        return bool(self.found)


# The spans each finder found in the last view it was asked about: the detector's
# :func:`found_kinds` and :func:`scrub` look at the same message one after the other, so the
# second reuses what the first found (finders are pure). Only the last view is kept, in memory
# until the next message is scrubbed (never written anywhere, as with ``plain_letters``'s
# cache); the tuple is replaced whole, never mutated for another view.
_last_found: tuple[str, dict[Callable[[str], Iterator[Span]], list[Span]]] = ("", {})


def _found_in(view: str, finder: Callable[[str], Iterator[Span]]) -> list[Span]:
    """``list(finder(view))``, remembered for the last view."""
    global _last_found
    last_view, found = _last_found
    if last_view != view:
        found = {}
        _last_found = (view, found)
    spans = found.get(finder)
    if spans is None:
        spans = found[finder] = list(finder(view))
    return spans


def _find_names(view: str) -> Iterator[Span]:
    yield from ScrubNames.load().spans(view)


_PHONES = phone_finder()

_PASSES: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...] = (
    ("url", regex_finder(URL_EXPLICIT)),
    ("epost", regex_finder(EMAIL)),
    ("epost", find_spelled_email),
    ("epost", regex_finder(EMAIL_OBFUSCATED)),
    ("matrix_id", regex_finder(MATRIX_ID)),
    ("url", regex_finder(URL_BARE)),
    ("ip", find_ips),
    ("kontonummer", find_accounts),
    ("personnummer", find_personnummer),
    ("personnummer", find_foreign_ids),
    ("telefon", _PHONES),
    ("telefon", find_spelled_numbers),
    ("regnr", find_plates),
    ("anvandarnamn", find_handles),
    ("namn", _find_names),
)


# --------------------------------------------------------------------------------------------


def _splice(
    text: str, spans: list[Span], kind: str, records: list[tuple[int, str]]
) -> tuple[str, list[tuple[int, str]]]:
    """Replace original-text ``spans`` by the label of ``kind``; move earlier label records."""
    label = LABELS[kind]
    pieces: list[str] = []
    new_records: list[tuple[int, str]] = []
    shifts: list[tuple[int, int, int]] = []  # (orig start, orig end, delta after it)
    pos = 0
    delta = 0
    for start, end in spans:
        pieces.append(text[pos:start])
        new_records.append((start + delta, kind))
        pieces.append(label)
        delta += len(label) - (end - start)
        shifts.append((start, end, delta))
        pos = end
    pieces.append(text[pos:])
    span_ends = [e for _, e, _ in shifts]
    for p, k in records:
        n = bisect.bisect_right(span_ends, p)  # spans wholly before p
        if n < len(shifts) and shifts[n][0] <= p:
            continue  # the label was swallowed by a new match (cannot happen with these labels)
        new_records.append((p + (shifts[n - 1][2] if n else 0), k))
    return "".join(pieces), new_records


def scrub(text: str) -> ScrubResult:
    """Replace personal data in ``text`` by labels; see the module docstring for the contract.

    A replacement can make a neighbour readable (digits glued to a phone number become an
    account number once the phone number is a label), so the passes run again on a changed
    text until nothing more is found (at most three times): scrubbing twice changes nothing."""
    result = _scrub(text, _PASSES)
    for _ in range(2):
        if not result.found:
            break
        again = _scrub(result.text, _PASSES)
        if not again.found:
            break
        result = ScrubResult(
            text=again.text, found=tuple(dict.fromkeys(result.found + again.found))
        )
    return result


def scrubber_with_phone_rules(
    national: PhoneRule, no_trunk: PhoneRule
) -> Callable[[str], ScrubResult]:
    """:func:`scrub` with other rules for phone numbers without a country code (for the
    comparison with libphonenumber in ``bench/scrub_authors.py``)."""
    finder = phone_finder(national, no_trunk)
    passes = tuple((kind, finder if f is _PHONES else f) for kind, f in _PASSES)
    return lambda text: _scrub(text, passes)


def _scrub(
    text: str, passes: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...]
) -> ScrubResult:
    records: list[tuple[int, str]] = []
    cached: tuple[str, tuple[int, ...], tuple[int, ...]] | None = None
    for kind, finder in passes:
        if cached is None:
            cached = matching_view(text)
        view, starts, ends = cached
        spans: list[Span] = []
        last_end = 0
        for a, b in _found_in(view, finder):
            if b <= a:
                continue
            start, end = starts[a], ends[b - 1]
            if start < last_end:
                continue
            spans.append((start, end))
            last_end = end
        if spans:
            text, records = _splice(text, spans, kind, records)
            cached = None
    records.sort()
    found: list[str] = []
    for _, kind in records:
        if kind not in found:
            found.append(kind)
    return ScrubResult(text=text, found=tuple(found))


def found_kinds(text: str, kinds: frozenset[str]) -> frozenset[str]:
    """Which of ``kinds`` :func:`scrub` would find in ``text``, found more cheaply: only the
    passes of those kinds and of the kinds before them run, on one view of the text."""
    last = max((i for i, (kind, _) in enumerate(_PASSES) if kind in kinds), default=-1)
    view, _, _ = matching_view(text)
    starts: list[int] = []  # taken spans, sorted and disjoint
    ends: list[int] = []
    out: set[str] = set()
    for kind, finder in _PASSES[: last + 1]:
        for a, b in _found_in(view, finder):
            i = bisect.bisect_right(starts, a)
            if b <= a or (i and ends[i - 1] > a) or (i < len(starts) and starts[i] < b):
                continue
            starts.insert(i, a)
            ends.insert(i, b)
            if kind in kinds:
                out.add(kind)
    return frozenset(out)
