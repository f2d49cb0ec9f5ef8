"""``tryggbot privacy map`` and ``tryggbot privacy report``: the data map (`storage.datamap`)
and the counts against its rules, as a terminal table or Markdown (for docs/lawful-operation).
Swedish: the readers are the kommun's DPO, archivist and registrar."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from config.settings import Settings
from storage.datamap import CATEGORY_SV, KIND_SV, TABLES, Category, Kind, gated, summary
from storage.privacy import AGE_BANDS, TableCount

MAP_HEADER = (
    "Tabell",
    "Kolumn",
    "Innehåll",
    "Slag / kategori",
    "Regel [inställning]",
    "!glöm",
    "Gallras av",
)
TEXT_COLUMNS = (0, 1, 3, 4)
"""The columns a terminal shows (``--format md`` has them all)."""


def map_rows(settings: Settings) -> list[tuple[str, ...]]:
    """One row per table (its rule) and one per column that holds something worth naming."""
    rows: list[tuple[str, ...]] = []
    for t in TABLES:
        keys = ", ".join(t.rule.keys) or "–"
        record = " Allmän handling: gallras bara med gallringsbeslut." if t.record else ""
        rows.append(
            (
                t.name,
                "(tabellen)",
                t.purpose,
                KIND_SV[t.kind],
                f"{summary(t, settings)}{record} [{keys}]",
                t.forget,
                t.rule.purged_by,
            )
        )
        for name, col in t.columns.items():
            if col.category is Category.NONE:
                continue
            rows.append((t.name, name, col.note, CATEGORY_SV[col.category], "", "", ""))
        rest = [c for c in t.all_columns() if t.category(c) is Category.NONE]
        rows.append((t.name, ", ".join(rest), "", CATEGORY_SV[Category.NONE], "", "", ""))
    return rows


def render_markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_text(header: Sequence[str], rows: Sequence[Sequence[str]], width: int = 48) -> str:
    """Columns cut to ``width`` characters, so a terminal table stays readable."""

    def cut(text: str) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    cells = [[cut(c) for c in header]] + [[cut(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = []
    for n, row in enumerate(cells):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"


def render_map(settings: Settings, fmt: str) -> str:
    rows = map_rows(settings)
    if fmt == "md":
        return render_markdown(MAP_HEADER, rows)
    pick = [tuple(r[i] for i in TEXT_COLUMNS) for r in rows]
    return render_text([MAP_HEADER[i] for i in TEXT_COLUMNS], pick, width=70)


REPORT_HEADER = (
    "Tabell",
    "Rader",
    *(label for label, _ in AGE_BANDS),
    "Utan tidsgräns",
    "Över regeln",
)


def report_rows(settings: Settings, counts: Sequence[TableCount]) -> list[tuple[str, ...]]:
    by_name = {t.name: t for t in TABLES}
    rows = []
    for c in counts:
        t = by_name[c.table]
        past = str(c.past)
        if c.past and gated(t, settings):
            past += " (behålls: inget gallringsbeslut)"
        rows.append((c.table, str(c.rows), *(str(b) for b in c.bands), str(c.no_limit), past))
    return rows


def render_report(
    settings: Settings, counts: Sequence[TableCount], now: datetime, grace: timedelta, fmt: str
) -> str:
    decision = settings.retention.decision.strip()
    lines = [
        f"Gallringsrapport {now.strftime('%Y-%m-%d %H:%M')} UTC. Ålder räknas från när raden "
        f"skapades; ”över regeln” betyder mer än {grace.days} dygn efter regelns tidpunkt "
        "(gallringen körs dagligen).",
        f"Gallringsbeslut (retention.decision): {decision}"
        if decision
        else "Gallringsbeslut (retention.decision): inget angivet. Allmänna handlingar "
        "gallras inte förrän kommunen fattat beslut; de räknas nedan som ”behålls”.",
        "",
    ]
    rows = report_rows(settings, counts)
    table = (
        render_markdown(REPORT_HEADER, rows) if fmt == "md" else render_text(REPORT_HEADER, rows)
    )
    past = [c for c in counts if c.past and not gated_name(settings, c.table)]
    tail = (
        "Inga rader över sin regel."
        if not past
        else "Över sin regel: " + ", ".join(f"{c.table} ({c.past})" for c in past)
    )
    return "\n".join(lines) + table + "\n" + tail + "\n"


def gated_name(settings: Settings, name: str) -> bool:
    return any(gated(t, settings) for t in TABLES if t.name == name)


# ---------------------------------------------------------------------------- the go-live pack

DOCS_DIR = Path("docs/lawful-operation")
"""The pack, relative to a checkout of the repository (it is not installed with the package)."""
BLOCK = re.compile(r"(<!-- generated:(\w+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.DOTALL)
"""A block of a document that `update_docs` writes from the code (between these markers)."""


def kinds_table(settings: Settings) -> str:
    """Per kind of record: its tables, public record or not, the rule and the settings."""
    rows = []
    for kind in Kind:
        mine = [t for t in TABLES if t.kind is kind]
        if not mine:
            continue
        for t in mine:
            keys = ", ".join(f"`{k}`" for k in t.rule.keys) or "–"
            rows.append(
                (
                    KIND_SV[kind],
                    f"`{t.name}`",
                    "ja" if t.record else "nej",
                    summary(t, settings),
                    keys,
                )
            )
    header = (
        "Slag av handling",
        "Tabell",
        "Allmän handling, gallras bara med beslut",
        "Regel",
        "Inställning",
    )
    return render_markdown(header, rows)


def categories_table() -> str:
    """Per category of data: the columns that hold it."""
    rows = []
    for category in Category:
        if category is Category.NONE:
            continue
        cols = [
            f"`{t.name}.{c}`" for t in TABLES for c in t.all_columns() if t.category(c) is category
        ]
        rows.append((CATEGORY_SV[category], ", ".join(cols)))
    return render_markdown(("Kategori", "Kolumner"), rows)


def blocks(settings: Settings) -> dict[str, str]:
    return {
        "datakarta": render_markdown(MAP_HEADER, map_rows(settings)),
        "gallring": kinds_table(settings),
        "kategorier": categories_table(),
    }


def update_docs(settings: Settings, folder: Path = DOCS_DIR, *, write: bool) -> list[str]:
    """Rewrite the generated blocks of the pack's documents; return the files that were (or,
    with ``write`` False, would be) changed. An unknown block name is an error."""
    wanted = blocks(settings)
    changed = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")

        unknown = sorted({m.group(2) for m in BLOCK.finditer(text)} - set(wanted))
        if unknown:
            raise KeyError(f"{path.name}: unknown generated blocks {unknown}")
        new = BLOCK.sub(lambda m: m.group(1) + wanted[m.group(2)] + m.group(4), text)
        if new != text:
            changed.append(path.name)
            if write:
                path.write_text(new, encoding="utf-8")
    return changed
