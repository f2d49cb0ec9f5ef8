"""Message catalogues: every user-visible string, per language, under config/locales/.

Each language is a folder of TOML files; nested tables become dotted keys
(``[help] header = "…"`` is ``help.header``).  A string missing in a language falls back to
English (Swedish for English), visibly: the language's ``i18n.fallback_note`` (or
``[English]``) is put in front, so a reader knows the text is not in their language.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_FORMATTER = string.Formatter()


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested TOML tables to dotted keys; only string leaves are kept."""
    out: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, full + "."))
        elif isinstance(value, str):
            out[full] = value
    return out


def placeholders(text: str) -> frozenset[str]:
    """The ``{name}`` placeholders of a catalogue string."""
    names = set()
    for _, field, _, _ in _FORMATTER.parse(text):
        if field:
            names.add(field.split(".")[0].split("[")[0])
    return frozenset(names)


class _SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalog:
    """All languages' strings, loaded once."""

    def __init__(self, strings: Mapping[str, Mapping[str, str]]) -> None:
        self._strings = {lang: dict(table) for lang, table in strings.items()}

    @classmethod
    def load(cls, root: Path) -> Catalog:
        strings: dict[str, dict[str, str]] = {}
        for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            table: dict[str, str] = {}
            for file in sorted(lang_dir.glob("*.toml")):
                with file.open("rb") as fh:
                    for key, value in flatten(tomllib.load(fh)).items():
                        if key in table:
                            raise ValueError(f"{file}: duplicate key {key}")
                        table[key] = value
            if table:
                strings[lang_dir.name] = table
        return cls(strings)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._strings))

    def keys(self, lang: str) -> frozenset[str]:
        return frozenset(self._strings.get(lang, {}))

    def raw(self, lang: str, key: str) -> str | None:
        return self._strings.get(lang, {}).get(key)

    def has(self, lang: str, key: str) -> bool:
        return key in self._strings.get(lang, {})

    def t(self, lang: str, key: str, /, **params: Any) -> str:
        """The string ``key`` in ``lang`` with ``params`` filled in; never raises."""
        text = self.raw(lang, key)
        prefix = ""
        if text is None:
            fallback = "sv" if lang == "en" else "en"
            text = self.raw(fallback, key)
            if text is None:
                text = self.raw("sv", key)
            if text is None:
                log.error("missing catalogue key %s", key)
                return key
            if lang not in ("sv", "en"):
                prefix = (self.raw(lang, "i18n.fallback_note") or "[English]") + " "
        try:
            return prefix + text.format_map(_SafeDict(params))
        except (ValueError, IndexError, AttributeError, KeyError):
            log.error("bad format in catalogue key %s (%s)", key, lang)
            return prefix + text
