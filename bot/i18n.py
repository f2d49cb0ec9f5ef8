"""Message catalogues: every user-visible string, per language, under config/locales/.

Each language is a folder of TOML files; nested tables become dotted keys
(``[help] header = "…"`` is ``help.header``).  Files named ``moderation*.toml`` hold
moderator-facing text (Swedish and English only); every other file is resident-facing and
complete in every enabled language.

**Plurals.** A value may be a table of CLDR plural categories instead of a string::

    [tips.forgotten]
    one = "I deleted the text of {count} tip."
    other = "I deleted the text of {count} tips."

``t(lang, key, count=n)`` picks the form with the language's CLDR rule (Babel); without
``count`` the only integer parameter decides.  ``other`` is always present and is what
``raw()`` returns.

**Quality.** ``<lang>/_quality.toml`` (not a catalogue file: it starts with ``_``) says how a
language's texts were made (``source``, ``machine-assisted``, ``reviewed``) and which keys
an authorised translator has reviewed, each with a fingerprint of the text reviewed, so that
a later edit of the text makes it unreviewed again.

A string missing in a language falls back to English (Swedish for English), visibly: the
language's ``i18n.fallback_note`` ("only in English", or ``[English]``) is put in front, so a
reader knows the text is not in their language. Only if the English is missing too (which
tests/test_catalogues.py does not let happen) the Swedish is shown, marked ``[svenska]``, so
the note never names the wrong language.
"""

from __future__ import annotations

import hashlib
import logging
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.plural import PluralRule

log = logging.getLogger(__name__)

_FORMATTER = string.Formatter()

#: The CLDR plural categories, in CLDR's order.
PLURAL_CATEGORIES: tuple[str, ...] = ("zero", "one", "two", "few", "many", "other")
QUALITY_FILE = "_quality.toml"
#: Quality states of a language, from least to most trusted.
QUALITY_STATES: tuple[str, ...] = ("machine-assisted", "reviewed", "source")

Value = str | Mapping[str, str]


def is_plural_table(value: object) -> bool:
    """A table whose keys are all CLDR plural categories, ``other`` among them, with text values."""
    return (
        isinstance(value, Mapping)
        and "other" in value
        and all(k in PLURAL_CATEGORIES and isinstance(v, str) for k, v in value.items())
    )


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Value]:
    """Nested TOML tables to dotted keys; string leaves and plural tables are kept."""
    out: dict[str, Value] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if is_plural_table(value):
            out[full] = {k: str(v) for k, v in value.items()}
        elif isinstance(value, Mapping):
            out.update(flatten(value, full + "."))
        elif isinstance(value, str):
            out[full] = value
    return out


def placeholders(text: Value) -> frozenset[str]:
    """The ``{name}`` placeholders of a catalogue value (all forms of a plural together)."""
    texts = list(text.values()) if isinstance(text, Mapping) else [text]
    names = set()
    for one in texts:
        for _, name, _, _ in _FORMATTER.parse(one):
            if name:
                names.add(name.split(".")[0].split("[")[0])
    return frozenset(names)


def fingerprint(text: Value) -> str:
    """A short stable hash of a value: what a reviewer saw."""
    if isinstance(text, Mapping):
        text = "\x1f".join(f"{k}={text[k]}" for k in PLURAL_CATEGORIES if k in text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def is_moderator_file(name: str) -> bool:
    """``moderation.toml``, ``moderation_polls.toml``: moderator-facing (sv and en only)."""
    return name.startswith("moderation")


def plural_categories(lang: str) -> frozenset[str]:
    """The CLDR plural categories ``lang`` uses (``other`` always among them)."""
    rule = _rule(lang)
    return frozenset(rule.tags) | {"other"}


def plural_category(lang: str, count: int) -> str:
    """The CLDR category of ``count`` in ``lang`` (``other`` for an unknown language)."""
    return str(_rule(lang)(count))


def _rule(lang: str) -> PluralRule:
    try:
        rule = Locale.parse(lang).plural_form
    except (UnknownLocaleError, ValueError):
        return PluralRule({})
    return rule if isinstance(rule, PluralRule) else PluralRule({})


class Term:
    """A configured name (the kommun, the police, a locality) with its grammatical forms in
    one language. A catalogue text asks for the form it needs with a format spec:
    ``{kommun}`` is the basic form, ``{kommun:gen}`` the form named ``gen`` (like Fluent's
    ``{ -kommun(case: "genitive") }``). A form the config does not give is shown in the basic
    form, logged, and recorded in ``misses`` so tests and ``check-config`` can find it."""

    __slots__ = ("base", "forms", "misses", "name")

    def __init__(self, name: str, base: str, forms: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.base = base
        self.forms = dict(forms or {})
        self.misses: list[str] = []

    def __format__(self, spec: str) -> str:
        if not spec:
            return self.base
        found = self.forms.get(spec)
        if found is None:
            self.misses.append(spec)
            log.warning("term %s has no form %r: shown in its basic form", self.name, spec)
            return self.base
        return found

    def __str__(self) -> str:
        return self.base

    def __repr__(self) -> str:
        return f"Term({self.name!r}, {self.base!r}, {sorted(self.forms)})"


def form_uses(text: Value) -> set[tuple[str, str]]:
    """The ``(placeholder, form)`` pairs a catalogue value asks for (``form`` is ``""`` for the
    basic form): ``{kommun:gen}`` -> ``("kommun", "gen")``."""
    texts = list(text.values()) if isinstance(text, Mapping) else [text]
    found = set()
    for one in texts:
        try:
            parsed = list(_FORMATTER.parse(one))
        except ValueError:
            continue
        for _, name, spec, _ in parsed:
            if name:
                found.add((name.split(".")[0].split("[")[0], spec or ""))
    return found


class _SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Quality:
    """How a language's texts were made, which keys were reviewed (key -> fingerprint of the
    reviewed text) and by whom and when (key -> (reviewer, ISO date))."""

    state: str = "machine-assisted"
    note: str = ""
    reviewed: Mapping[str, str] = field(default_factory=dict)
    reviewers: Mapping[str, tuple[str, str]] = field(default_factory=dict)


class Catalog:
    """All languages' strings, loaded once."""

    def __init__(
        self,
        strings: Mapping[str, Mapping[str, Value]],
        *,
        audience: Mapping[str, str] | None = None,
        quality: Mapping[str, Quality] | None = None,
    ) -> None:
        self._values: dict[str, dict[str, Value]] = {
            lang: dict(table) for lang, table in strings.items()
        }
        self._audience = dict(audience or {})
        self._quality = dict(quality or {})
        self._rules = {lang: _rule(lang) for lang in self._values}

    @classmethod
    def load(cls, root: Path) -> Catalog:
        strings: dict[str, dict[str, Value]] = {}
        audience: dict[str, str] = {}
        quality: dict[str, Quality] = {}
        for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            table: dict[str, Value] = {}
            for file in sorted(lang_dir.glob("*.toml")):
                if file.name.startswith("_"):
                    continue
                with file.open("rb") as fh:
                    for key, value in flatten(tomllib.load(fh)).items():
                        if key in table:
                            raise ValueError(f"{file}: duplicate key {key}")
                        table[key] = value
                        who = "moderator" if is_moderator_file(file.stem) else "resident"
                        if lang_dir.name == "sv":  # the source decides
                            audience[key] = who
                        else:
                            audience.setdefault(key, who)
            meta = lang_dir / QUALITY_FILE
            if meta.exists():
                quality[lang_dir.name] = read_quality(meta)
            if table:
                strings[lang_dir.name] = table
        return cls(strings, audience=audience, quality=quality)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._values))

    def keys(self, lang: str) -> frozenset[str]:
        return frozenset(self._values.get(lang, {}))

    def resident_keys(self, lang: str = "sv") -> frozenset[str]:
        """Keys of resident-facing files (everything but ``moderation*.toml``)."""
        return frozenset(k for k in self.keys(lang) if self.audience(k) == "resident")

    def audience(self, key: str) -> str:
        """``resident`` or ``moderator``, from the name of the file that holds ``key``."""
        return self._audience.get(key, "resident")

    def value(self, lang: str, key: str) -> Value | None:
        """The stored value: a string, or a plural table (category -> text)."""
        return self._values.get(lang, {}).get(key)

    def forms(self, lang: str, key: str) -> Mapping[str, str] | None:
        """The plural forms of ``key`` in ``lang``, or None if it is a plain string."""
        value = self.value(lang, key)
        return value if isinstance(value, Mapping) else None

    def raw(self, lang: str, key: str) -> str | None:
        """The text of ``key`` in ``lang`` (a plural's ``other`` form), unformatted."""
        value = self.value(lang, key)
        if isinstance(value, Mapping):
            return value["other"]
        return value

    def has(self, lang: str, key: str) -> bool:
        return key in self._values.get(lang, {})

    def quality(self, lang: str) -> Quality:
        if lang in self._quality:
            return self._quality[lang]
        return Quality(state="source" if lang in ("sv", "en") else "machine-assisted")

    def reviewed_keys(self, lang: str) -> frozenset[str]:
        """Keys whose current text is the one a reviewer approved."""
        q = self.quality(lang)
        found = set()
        for key, print_ in q.reviewed.items():
            value = self.value(lang, key)
            if value is not None and fingerprint(value) == print_:
                found.add(key)
        return frozenset(found)

    def t(self, lang: str, key: str, /, **params: Any) -> str:
        """The string ``key`` in ``lang`` with ``params`` filled in; never raises.

        For a plural value the form is chosen by ``count`` (or by the only integer
        parameter) with the CLDR rule of the language the text is in."""
        used, value = lang, self.value(lang, key)
        prefix = ""
        if value is None:
            used = "sv" if lang == "en" else "en"
            value = self.value(used, key)
            if value is None:
                used, value = "sv", self.value("sv", key)
            if value is None:
                log.error("missing catalogue key %s", key)
                return key
            if lang not in ("sv", "en"):
                note = self.raw(lang, "i18n.fallback_note") if used == "en" else None
                prefix = (note or ("[English]" if used == "en" else "[svenska]")) + " "
        text = self._pick(used, value, params) if isinstance(value, Mapping) else value
        try:
            return prefix + text.format_map(_SafeDict(params))
        except (ValueError, IndexError, AttributeError, KeyError):
            log.error("bad format in catalogue key %s (%s)", key, lang)
            return prefix + text

    def _pick(self, lang: str, forms: Mapping[str, str], params: Mapping[str, Any]) -> str:
        count = params.get("count")
        if not isinstance(count, int):
            ints = [v for v in params.values() if isinstance(v, int) and not isinstance(v, bool)]
            count = ints[0] if len(ints) == 1 else None
        if count is None:
            return forms["other"]
        rule = self._rules.get(lang) or _rule(lang)
        return forms.get(str(rule(abs(count))), forms["other"])


def read_quality(path: Path) -> Quality:
    """Read ``_quality.toml``: ``state``, ``note`` and ``[reviewed] key = "fingerprint"``."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    state = str(data.get("state", "machine-assisted"))
    if state not in QUALITY_STATES:
        raise ValueError(f"{path}: state must be one of {', '.join(QUALITY_STATES)}")
    reviewed: dict[str, str] = {}
    reviewers: dict[str, tuple[str, str]] = {}
    for key, value in data.get("reviewed", {}).items():
        # "key" = "fingerprint", or "key" = { fingerprint = "…", by = "…", on = "2026-12-07" }
        if isinstance(value, Mapping):
            reviewed[str(key)] = str(value.get("fingerprint", ""))
            if value.get("by") or value.get("on"):
                reviewers[str(key)] = (str(value.get("by", "")), str(value.get("on", "")))
        else:
            reviewed[str(key)] = str(value)
    return Quality(
        state=state, note=str(data.get("note", "")), reviewed=reviewed, reviewers=reviewers
    )


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def write_quality(path: Path, quality: Quality) -> None:
    """Write ``_quality.toml`` (sorted, stable, so a diff shows what a review changed)."""
    lines = [
        "# How this language's texts were made, and what an authorised translator has",
        "# reviewed. Written by `tryggbot i18n import`; each fingerprint is the text that",
        "# was reviewed, so an edited text counts as unreviewed again; `by` and `on` name the",
        "# reviewer and the date. Keys of warnings, poll templates and names start with",
        "# `warnings:`, `polls:` and `names:`.",
        f"state = {_toml_string(quality.state)}",
    ]
    if quality.note:
        lines.append(f"note = {_toml_string(quality.note)}")
    lines += ["", "[reviewed]"]
    for key, print_ in sorted(quality.reviewed.items()):
        who = quality.reviewers.get(key)
        if who:
            lines.append(
                f"{_toml_string(key)} = {{ fingerprint = {_toml_string(print_)}, "
                f"by = {_toml_string(who[0])}, on = {_toml_string(who[1])} }}"
            )
        else:
            lines.append(f"{_toml_string(key)} = {_toml_string(print_)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
