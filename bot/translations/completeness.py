"""Completeness and review state per language (``tryggbot i18n status``), and the configured
names that a language has no name for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.i18n import Catalog, fingerprint, plural_categories
from bot.reviewtexts import KINDS, review_texts
from config.settings import Settings


@dataclass(frozen=True)
class LanguageStatus:
    lang: str
    name: str
    needed: int
    present: int
    reviewed: int
    state: str
    #: per kind (catalogue, warnings, polls, names): (reviewed, total), when settings were given
    kinds: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def complete(self) -> float:
        return self.present / self.needed if self.needed else 1.0

    @property
    def all_reviewed(self) -> bool:
        """Every text of every kind reviewed (catalogue only, without settings)."""
        if self.kinds:
            return all(done == total for done, total in self.kinds.values())
        return self.reviewed == self.needed

    @property
    def effective_state(self) -> str:
        """``reviewed`` only when every kind is; ``source`` for the source languages."""
        if self.state == "source":
            return "source"
        return "reviewed" if self.all_reviewed else "machine-assisted"


def needed_keys(catalog: Catalog, lang: str) -> frozenset[str]:
    """What ``lang`` must have: every Swedish key for English, else the resident-facing ones."""
    return catalog.keys("sv") if lang in ("sv", "en") else catalog.resident_keys("sv")


def is_complete_value(catalog: Catalog, lang: str, key: str) -> bool:
    """Present, and a plural has every category the language uses."""
    value = catalog.value(lang, key)
    if value is None:
        return False
    if isinstance(value, Mapping):
        return plural_categories(lang) <= set(value)
    return True


def reviewed_by_kind(catalog: Catalog, settings: Settings, lang: str) -> dict[str, tuple[int, int]]:
    """(reviewed, total) texts per kind; a text counts as reviewed while its current text is
    the one the reviewer approved."""
    quality = catalog.quality(lang)
    out: dict[str, tuple[int, int]] = {}
    done_catalogue = catalog.reviewed_keys(lang)
    for kind in KINDS:
        rows = review_texts(catalog, settings, lang, kinds=(kind,))
        if kind == "catalogue":
            keys = {r.key for r in rows}
            out[kind] = (len(keys & done_catalogue), len(keys))
            continue
        done = sum(
            1
            for r in rows
            if r.text is not None and quality.reviewed.get(r.review_key) == fingerprint(r.text)
        )
        out[kind] = (done, len(rows))
    return out


def status(
    catalog: Catalog, languages: Iterable[str], settings: Settings | None = None
) -> list[LanguageStatus]:
    out = []
    for lang in languages:
        needed = needed_keys(catalog, lang)
        present = sum(1 for k in needed if is_complete_value(catalog, lang, k))
        reviewed = len(catalog.reviewed_keys(lang) & needed)
        state = catalog.quality(lang).state
        kinds: dict[str, tuple[int, int]] = {}
        if settings is not None and state != "source":
            kinds = reviewed_by_kind(catalog, settings, lang)
        out.append(
            LanguageStatus(
                lang=lang,
                name=catalog.raw(lang, "language.name") or lang,
                needed=len(needed),
                present=present,
                reviewed=reviewed,
                state=state,
                kinds=kinds,
            )
        )
    return out


def render_status(rows: Iterable[LanguageStatus]) -> str:
    """A table: language, name, complete (count and share), reviewed texts per kind, quality.
    A language is "reviewed" only when every kind is."""
    rows = list(rows)
    width = max([4, *(len(r.name) for r in rows)])
    labels = {
        "source": "source language",
        "machine-assisted": "machine-assisted, needs review by an authorised translator",
        "reviewed": "reviewed by an authorised translator",
    }
    per_kind = any(r.kinds for r in rows)
    kind_names = KINDS if per_kind else ("catalogue",)
    head = " ".join(f"{k:>10}" for k in kind_names)
    lines = [f"{'lang':<5} {'name':<{width}} {'complete':>14} {head}  quality"]
    for r in rows:
        cells = []
        for kind in kind_names:
            if r.state == "source":
                cells.append(f"{'-':>10}")
            elif r.kinds:
                done, total = r.kinds[kind]
                cells.append(f"{f'{done}/{total}':>10}")
            else:
                cells.append(f"{f'{r.reviewed}/{r.needed}':>10}")
        lines.append(
            f"{r.lang:<5} {r.name:<{width}} {f'{r.present}/{r.needed}':>7} {r.complete:>6.0%} "
            f"{' '.join(cells)}  {labels.get(r.effective_state, r.effective_state)}"
        )
    return "\n".join(lines)


def config_name_gaps(settings: Settings) -> dict[str, list[str]]:
    """Per enabled language, the configured names (categories, place types, kommun, police)
    that have no name in it and are shown in English instead."""
    named = [
        *((f"categories.{c.key}", c.names) for c in settings.categories),
        *((f"place_types.{p.key}", p.names) for p in settings.place_types),
        ("kommun.name", settings.kommun.name),
        ("kommun.police_area", settings.kommun.police_area),
    ]
    return {
        lang: [key for key, names in named if lang not in names.languages()]
        for lang in settings.language.enabled
    }
