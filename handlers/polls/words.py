"""Small text helpers shared by the polls' conversations and commands."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answers import ascii_digits
from bot.conversation import Reask

YES = {"1", "ja", "j", "yes", "y", "ok", "skapa", "create", "да", "tak", "kyllä", "po", "haa"}
NO = {"2", "nej", "n", "no", "avbryt", "cancel", "ні", "nie", "ei", "jo", "maya"}


def norm(text: str) -> str:
    return " ".join(text.casefold().strip(" .!?;:").split())


def numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


#: What may stand between chosen numbers: spaces, the Latin comma and semicolon, the Arabic
#: comma and semicolon (U+060C, U+061B, as the Arabic and Persian hint shows "1، 3") and the
#: Ethiopic comma and semicolon (U+1363, U+1364) a Tigrinya keyboard types.
_BETWEEN = re.compile(r"[\s,;\u060c\u061b\u1363\u1364]+")


def parse_choices(text: str, count: int, max_selections: int) -> list[int]:
    """1-based option numbers from ``2`` or ``1, 3``, ``1 3``, ``1، 3`` or ``١، ٣`` (any
    script's digits); raises Reask."""
    parts = [p for p in _BETWEEN.split(ascii_digits(norm(text))) if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise Reask("polls.bad_choice", count=count)
    numbers = list(dict.fromkeys(int(p) for p in parts))
    if any(not 1 <= n <= count for n in numbers):
        raise Reask("polls.bad_choice", count=count)
    if len(numbers) > max_selections:
        raise Reask("polls.too_many", max=max_selections)
    return numbers
