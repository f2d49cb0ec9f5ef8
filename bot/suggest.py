"""Closest command name for a typo ("!hjälo" -> "hjälp")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from bot.commands import fold


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``name`` (accent- and case-insensitive), or None."""
    by_fold: dict[str, str] = {}
    for c in candidates:
        by_fold.setdefault(fold(c), c)
    matches = difflib.get_close_matches(fold(name)[:40], list(by_fold), n=1, cutoff=0.6)
    return by_fold[matches[0]] if matches else None
