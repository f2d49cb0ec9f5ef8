"""``tryggbot privacy map`` and ``tryggbot privacy report``: the data map (`storage.datamap`)
and the counts against its rules, as a terminal table or Markdown (for docs/lawful-operation).
Swedish: the readers are the kommun's DPO, archivist and registrar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from config.settings import Settings
from storage.datamap import CATEGORY_SV, KIND_SV, TABLES, Category, gated, summary
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
