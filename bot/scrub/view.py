"""The matching view of a text: the scrubber's finders run on it, and a span found in it
maps back to the original characters (see the contract in :mod:`bot.scrub`)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator

from ..text import fold_char

# --------------------------------------------------------------------------------------------
# Matching view


@functools.lru_cache(maxsize=2)
def matching_view(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """Return the matching view of ``text`` and, per view character, the original span.

    ``starts[k]``/``ends[k]`` give the original index range of the character that produced
    view character ``k``. The detector and the scrubber ask for the same text one after the
    other: the last two views are remembered, and tuples keep a remembered view unchanged.
    """
    if text.isascii():
        return text, tuple(range(len(text))), tuple(range(1, len(text) + 1))
    cache: dict[str, str] = {}
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        norm = cache.get(ch)
        if norm is None:
            if ch.isascii():
                norm = ch
            else:
                digit = unicodedata.decimal(ch, None)
                norm = str(digit) if digit is not None else fold_char(ch)
            cache[ch] = norm
        for c in norm:
            parts.append(c)
            starts.append(i)
            ends.append(i + 1)
    return "".join(parts), tuple(starts), tuple(ends)


# --------------------------------------------------------------------------------------------
# Finders: each yields (start, end) spans in the view, in order and without overlap.

Span = tuple[int, int]


def regex_finder(pattern: re.Pattern[str]) -> Callable[[str], Iterator[Span]]:
    def find(view: str) -> Iterator[Span]:
        for m in pattern.finditer(view):
            yield m.span()

    return find
