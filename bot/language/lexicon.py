"""The hand-written lexicon (``config/content/lexicon.toml``, stage 2 of :mod:`bot.language`):
loading it and counting its votes in a message."""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from config.base import CONTENT_DIR

_LEXICON_LISTS = ("greetings", "yes", "no", "thanks", "phrases")
_LEXICON_WORDS = "common"
#: Words of a language written in Latin letters (Arabic "arabizi", Persian "finglisi"):
#: counted like ``common`` words; entries with digits are left to :func:`arabizi_tokens`.
_LEXICON_LATIN = "latin"


@dataclass(frozen=True)
class Lexicon:
    """Whole-message phrases and vote words per language, already normalised.

    ``messages`` maps a normalised whole message to the languages listing it as a greeting,
    yes, no, thanks or phrase. ``words`` maps a single word to every language listing it
    anywhere. ``phrases`` maps multi-word entries to their languages.
    """

    messages: Mapping[str, frozenset[str]]
    words: Mapping[str, frozenset[str]]
    phrases: Mapping[str, frozenset[str]]
    greetings: frozenset[str] = frozenset()
    """Every language's greetings, normalised (a whole message that is only a hello)."""


def default_lexicon_path() -> Path:
    """Return the path of the bundled lexicon, ``config/content/lexicon.toml``."""
    return CONTENT_DIR / "lexicon.toml"


def normalise(text: str) -> str:
    """Casefold ``text`` and keep only letters and combining marks, single-space separated.

    Punctuation, digits, emoji, control characters and lone surrogates all become separators.
    """
    chars = [ch if unicodedata.category(ch)[0] in "LM" else " " for ch in text.casefold()]
    return " ".join("".join(chars).split())


def _add(index: dict[str, set[str]], key: str, lang: str) -> None:
    if key:
        index.setdefault(key, set()).add(lang)


def _freeze(index: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    return {key: frozenset(langs) for key, langs in index.items()}


def load_lexicon(path: Path, enabled: Iterable[str]) -> Lexicon:
    """Load the lexicon TOML at ``path``, keeping only the ``enabled`` languages.

    Raises ``OSError`` or ``tomllib.TOMLDecodeError`` if the file is missing or malformed.
    """
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    messages: dict[str, set[str]] = {}
    words: dict[str, set[str]] = {}
    phrases: dict[str, set[str]] = {}
    greetings: set[str] = set()
    for lang in enabled:
        section = data.get(lang, {})
        greetings.update(normalise(str(entry)) for entry in section.get("greetings", []))
        for list_name in (*_LEXICON_LISTS, _LEXICON_WORDS, _LEXICON_LATIN):
            for entry in section.get(list_name, []):
                if list_name == _LEXICON_LATIN and any(ch.isdigit() for ch in str(entry)):
                    continue
                norm = normalise(str(entry))
                if list_name not in (_LEXICON_WORDS, _LEXICON_LATIN):
                    _add(messages, norm, lang)
                _add(phrases if " " in norm else words, norm, lang)
    return Lexicon(_freeze(messages), _freeze(words), _freeze(phrases), frozenset(greetings))


def lexicon_votes(lexicon: Lexicon, norm: str) -> dict[str, int]:
    """Count lexicon hits per language in the normalised text ``norm``.

    A word or phrase listed under several languages counts for none of them; a phrase counts
    as many votes as it has words.
    """
    votes: dict[str, int] = {}
    for token in norm.split():
        langs = lexicon.words.get(token)
        if langs is not None and len(langs) == 1:
            (lang,) = langs
            votes[lang] = votes.get(lang, 0) + 1
    padded = f" {norm} "
    for phrase, langs in lexicon.phrases.items():
        if len(langs) == 1 and f" {phrase} " in padded:
            (lang,) = langs
            votes[lang] = votes.get(lang, 0) + phrase.count(" ") + 1
    return votes


def best_share(votes: Mapping[str, float]) -> tuple[str, float] | None:
    """Return the language with most votes and its share of all votes, or ``None``."""
    total = sum(votes.values())
    if total <= 0:
        return None
    best = max(votes, key=lambda lang: votes[lang])
    if sum(1 for v in votes.values() if v == votes[best]) > 1:
        return None
    return best, votes[best] / total
