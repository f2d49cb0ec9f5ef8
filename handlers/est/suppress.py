"""Small-count suppression for every table of the situation picture.

Rule, per table (a set of groups whose total is, or could be, known):

1. A group with 1 to ``minimum - 1`` tips is hidden and shown as "<3"; 0 is shown as 0.
2. Groups the caller must hide for another reason (``force``) are hidden too.
3. Anyone who knows the total knows what the hidden groups hold together, and what the
   markers say about each: a "<3" group holds 1 to ``minimum - 1``, any other hidden group
   at least ``minimum``. While that pins a hidden group to one exact number (for example
   the only hidden group, or two "<3" groups that hold 4), the smallest visible non-empty
   group is hidden as well (secondary suppression).
4. If no visible group is left to hide, the table's total is hidden too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: ``value`` is None when hidden. ``small``: hidden because
    the group itself is small (shown "<3"); otherwise hidden to protect another group."""

    value: int | None
    small: bool = False

    @property
    def hidden(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Table(Generic[K]):
    cells: dict[K, Cell]
    total: Cell

    def visible_sum(self) -> int:
        return sum(c.value for c in self.cells.values() if c.value is not None)


def protect(counts: Mapping[K, int], minimum: int = 3, *, force: Iterable[K] = ()) -> Table[K]:
    """Apply the rule above to one table of counts."""
    total = sum(counts.values())
    small = {k for k, v in counts.items() if 0 < v < minimum}
    hidden = small | {k for k in force if counts.get(k, 0) > 0}
    # Smallest first; ties broken by the key's text so the result never depends on order.
    visible = sorted(
        (k for k, v in counts.items() if v > 0 and k not in hidden),
        key=lambda k: (counts[k], str(k)),
    )
    while visible and _pinned(counts, hidden, small, minimum):
        hidden.add(visible.pop(0))
    total_hidden = _pinned(counts, hidden, small, minimum) or 0 < total < minimum
    cells = {k: Cell(None, small=k in small) if k in hidden else Cell(v) for k, v in counts.items()}
    return Table(cells, Cell(None, small=0 < total < minimum) if total_hidden else Cell(total))


def _pinned(counts: Mapping[K, int], hidden: set[K], small: set[K], minimum: int) -> bool:
    """Would the total of the hidden groups pin any one of them to a single value?"""
    if not hidden:
        return False
    total = sum(counts[k] for k in hidden)
    lows = {k: 1 if k in small else minimum for k in hidden}
    highs = {k: minimum - 1 if k in small else None for k in hidden}  # None: no upper bound
    low_sum = sum(lows.values())
    open_ended = sum(1 for h in highs.values() if h is None)
    high_sum = sum(h for h in highs.values() if h is not None)
    for k in hidden:
        high_k = highs[k]
        upper = total - (low_sum - lows[k])
        if high_k is not None:
            upper = min(upper, high_k)
        lower = lows[k]
        others_open = open_ended - (1 if high_k is None else 0) > 0
        if not others_open:
            lower = max(lower, total - (high_sum - (high_k or 0)))
        if lower >= upper:
            return True
    return False


def change(current: Cell, previous: Cell) -> int | None:
    """The change between two periods, only when both counts are shown."""
    if current.value is None or previous.value is None:
        return None
    return current.value - previous.value
