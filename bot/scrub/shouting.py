"""Shouting taken out of a text before names are looked for in it (issue 19)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..names import Tok


def unshouted(text: str, toks: Sequence[Tok], keeps_capital: Callable[[str], bool]) -> str:
    """``text`` with its shouting taken out, the same length. In a run of words written in
    capitals ("VARFÖR SVARAR INGEN", "IGÅR SLOG KALLE MIG", "ЧОЛОВІК ЗАЧИНИВ МЕНЕ") a capital
    says nothing about a name, and every word there looked like one. Such a run (at least two
    words of two letters or more) is lower-cased, except that a word ``keeps_capital`` says is
    a name keeps its first capital: "igår slog Kalle mig" is what the name rules then read. A
    single capitalised word (ICA, SVT) is no run."""
    if sum(len(t.text) > 1 and t.text.isupper() for t in toks) < 2:
        return text
    chars = list(text)
    run: list[Tok] = []

    def lower(run: list[Tok]) -> None:
        if sum(len(t.text) > 1 for t in run) < 2:
            return
        for t in run:
            for i in range(t.start + int(keeps_capital(t.text)), t.end):
                low = chars[i].lower()
                if len(low) == 1:
                    chars[i] = low

    for t in toks:
        if t.text.isupper():
            run.append(t)
        else:
            lower(run)
            run = []
    lower(run)
    return "".join(chars)
