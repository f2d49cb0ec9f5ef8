"""Word lists and regular expressions compiled to one pattern each (for
:mod:`bot.signals.wordlists`): phrases as an alternation or a trie, regexes grouped at word
boundaries."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .folding import fold

_WORD_CHAR = re.compile(r"\w")
# "~" between two words of a phrase: at most one filler word there ("nie chcę ~ żyć" finds
# "nie chcę już żyć" and "nie chcę żyć"): an adverb ("already", "anymore", "really") put into a
# fixed phrase by its writer, without listing every phrase with every adverb. The filler words
# are given to :func:`compile_phrases` (``[urgent.fillers]`` of signals.toml); without them any
# one word.
FILLER = "~"
_FILLER_MARK = "\ue000"  # in a phrase body until the pattern is built
_ANY_WORD = r"(?:\w+\s+)?"


def _phrase_pattern(phrase: str, short_prefix: bool = False) -> tuple[bool, str]:
    """Regex body for one phrase, and whether it must start at a word boundary. With
    ``short_prefix`` a leading "*" allows at most four letters before the word (Arabic "ال",
    "بال", "وال"), counted from the start of the word."""
    tokens = fold(phrase).split()
    if not tokens:
        raise ValueError(f"empty phrase in signal word list: {phrase!r}")
    if FILLER in (tokens[0], tokens[-1]) or f"{FILLER} {FILLER}" in " ".join(tokens):
        raise ValueError(f"'{FILLER}' must stand alone between two words: {phrase!r}")
    parts: list[str] = []
    prefixed = False
    filler = ""
    for i, tok in enumerate(tokens):
        if tok == FILLER:
            filler = _FILLER_MARK
            continue
        prefix, filler = filler, ""
        if i == 0 and tok.startswith("*") and len(tok) > 1:
            prefix, tok = prefix + (r"\w{0,4}" if short_prefix else r"\w*"), tok[1:]
            prefixed = True
        if tok.endswith("*") and len(tok) > 1:
            parts.append(prefix + re.escape(tok[:-1]) + r"\w*")
        else:
            parts.append(prefix + re.escape(tok))
    body = r"\s+".join(parts)
    last = tokens[-1]
    tail = r"(?!\w)" if (last.endswith("*") or _WORD_CHAR.match(last[-1])) else ""
    first = tokens[0].lstrip("*")
    if prefixed and short_prefix:
        return True, body + tail
    return _WORD_CHAR.match(first[0]) is not None, body + tail


_ATOM = re.compile(r"\\w\{0,4\}|\\w\*|\\s\+|\(\?!\\w\)|\\.|.", re.DOTALL)


def _trie(bodies: Iterable[str]) -> str:
    """One alternation for many phrase bodies, as a trie of their atoms (a character,
    ``\\w*``, ``\\w{0,4}``, ``\\s+``, ``(?!\\w)``): a word start tries one branch per character
    instead of every phrase (the urgency lists hold over a thousand phrases in eleven
    languages). Where a match starts does not change; of two phrases sharing a start the
    longer is tried first, as in the list sorted by length."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for body in bodies:
        node = root
        for atom in _ATOM.findall(body):
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
        alts = [atom + emit(child) for atom, child in node.items() if atom]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return emit(root)


def compile_phrases(
    phrases: Iterable[str],
    flags: int = 0,
    *,
    short_prefix: bool = False,
    trie: bool = False,
    fillers: Iterable[str] = (),
) -> re.Pattern[str] | None:
    """One pattern for ``phrases``. Urgency lists (``short_prefix``) and lists of which only
    whether, or where, a match starts is asked (``trie``) are compiled as a trie (:func:`_trie`:
    much faster); lists whose matched text is used (replaced, or its end read) as the
    alternation of the phrases, longest first. A "~" in a phrase stands for one of ``fillers``
    or nothing (any one word or nothing when no fillers are given)."""
    unique = sorted(set(phrases), key=lambda p: (-len(p), p))
    if not unique:
        return None
    compiled = [_phrase_pattern(p, short_prefix) for p in unique]
    join = _trie if short_prefix or trie else "|".join
    # The word-boundary look-behind is factored out so long words are rejected at once.
    at_word = [body for bounded, body in compiled if bounded]
    anywhere = [body for bounded, body in compiled if not bounded]
    alternatives = []
    if at_word:
        alternatives.append(r"(?<!\w)(?:" + join(at_word) + ")")
    if anywhere:
        alternatives.append("(?:" + join(anywhere) + ")")
    pattern = "|".join(alternatives)
    if _FILLER_MARK in pattern:
        words = sorted({fold(w) for w in fillers if w.strip()}, key=lambda w: (-len(w), w))
        body = (
            r"(?:(?:" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in words) + r")\s+)?"
            if words
            else _ANY_WORD
        )
        pattern = pattern.replace(_FILLER_MARK, body)
    return re.compile(pattern, flags)


def _starts_at_boundary(regex: str) -> bool:
    """``regex`` (valid) begins with ``\\b`` and has no ``|`` outside a group or a character
    class: it can only match where a word starts or ends."""
    if not regex.startswith("\\b"):
        return False
    depth = 0
    i = 2
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 1
        elif c == "[":
            i += 1
            if regex.startswith("^", i):
                i += 1
            if regex.startswith("]", i):
                i += 1  # "[]…]": a literal "]"
            while i < len(regex) and regex[i] != "]":
                i += 2 if regex[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        i += 1
    return True


def compile_regexes(values: Iterable[str], where: str, flags: int = 0) -> re.Pattern[str] | None:
    """One alternation of ``values`` in their order. Neighbours that all begin with ``\\b``
    are grouped behind one more ``\\b`` (the same matches): the regex engine then tries the
    group at word boundaries only instead of trying every alternative at every character."""
    runs: list[tuple[bool, list[str]]] = []
    for v in values:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"{where}: invalid regular expression {v!r}: {exc}") from exc
        bounded = _starts_at_boundary(v)
        if runs and bounded and runs[-1][0]:
            runs[-1][1].append(f"(?:{v})")
        else:
            runs.append((bounded, [f"(?:{v})"]))
    parts = [rf"\b(?:{'|'.join(run)})" if bounded else run[0] for bounded, run in runs]
    return re.compile("|".join(parts), flags) if parts else None
