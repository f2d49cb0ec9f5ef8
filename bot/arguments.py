"""Typed arguments any feature may declare (see `bot.commands.Param`): the rest of the
line, a whole number, a language code, a Matrix user id, one of a few words. Each refuses a
wrong word with `UsageError`, so the router answers with the hint (if any) and the usage."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.answers import fold
from bot.commands import Param
from bot.context import Context
from bot.errors import UsageError


async def text(ctx: Context, given: str) -> str:
    return given


async def integer(ctx: Context, word: str) -> int:
    """A whole number, as ``3`` or ``#3``."""
    digits = word.lstrip("#")
    if not digits.isdigit() or len(digits) > 9:
        raise UsageError()
    return int(digits)


async def language(ctx: Context, word: str) -> str:
    """A code of a language this bot speaks (``sv``, ``en``, ``ar``, ...)."""
    code = word.casefold()
    if code not in ctx.svc.settings.language.enabled:
        raise UsageError()
    return code


async def matrix_user(ctx: Context, word: str) -> str:
    """A Matrix user id, ``@name:server``."""
    if not re.fullmatch(r"@[^:\s]+:\S+", word):
        raise UsageError()
    return word


def one_of(*choices: str) -> Callable[[Context, str], Awaitable[str]]:
    """One of ``choices`` (folded: case and accents do not matter)."""

    async def convert(ctx: Context, word: str) -> str:
        if fold(word) not in choices:
            raise UsageError()
        return fold(word)

    return convert


TEXT = Param(name="text", convert=text, rest=True)
"""The rest of the line (required)."""
OPTIONAL_TEXT: Param[str | None] = Param(name="text", convert=text, rest=True, optional=True)
NUMBER = Param(name="number", convert=integer)
LANGUAGE: Param[str | None] = Param(name="language", convert=language, optional=True)
MATRIX_USER = Param(name="user", convert=matrix_user)
