"""The situation picture as moderators read it: a chat summary, its three charts, a
Markdown report and a self-contained printable HTML report. Shows only what `Picture`
holds (counts after suppression, names from the configuration); every sentence comes from
``config/locales/<lang>/moderation_est.toml``."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import charts
from bot.i18n import Catalog
from bot.messages import Image
from bot.render import plain
from config.settings import Settings
from handlers.est.picture import BANDS, NO_AREA, WEEKDAYS, Hotspot, Picture, Row
from handlers.est.suppress import Cell

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Labels:
    """Names and number formats in one language."""

    catalog: Catalog
    settings: Settings
    lang: str

    def t(self, key: str, /, **params: Any) -> str:
        return self.catalog.t(self.lang, key, **params)

    def category(self, key: str) -> str:
        cat = self.settings.category(key)
        return cat.names.get(self.lang) if cat else key

    def locality(self, key: str) -> str:
        loc = self.settings.locality(key)
        return loc.name if loc else key

    def place(self, pic: Picture, key: str) -> str:
        if pic.place_level == "locality":
            return self.locality(key)
        return key if key != NO_AREA else self.t("est.no_area")

    def place_type(self, key: str) -> str:
        pt = self.settings.place_type(key)
        return pt.names.get(self.lang) if pt else key

    def band(self, band: str) -> str:
        return self.t(f"est.band.{band.replace('-', '_')}")

    def weekday(self, n: int) -> str:
        return self.t(f"days.{DAY_KEYS[n - 1]}")

    def state(self, state: str) -> str:
        return self.t(f"est.state.{state}")

    def cell(self, cell: Cell, minimum: int = 3) -> str:
        """A count, "<3" (below ``minimum``) or "hidden"."""
        if cell.value is not None:
            return str(cell.value)
        return self.t("est.small", min=minimum) if cell.small else self.t("est.hidden")

    def change(self, value: int | None) -> str:
        if value is None:
            return "–"
        return f"+{value}" if value > 0 else ("±0" if value == 0 else f"−{-value}")

    def period(self, start: date, end: date) -> str:
        return self.t("est.period", start=start.isoformat(), end=end.isoformat())

    def scope(self, pic: Picture) -> str:
        loc = pic.span.locality
        return self.locality(loc) if loc else self.t("est.all_places")

    def hotspot(self, h: Hotspot) -> str:
        place = self.locality(h.locality) + (f", {h.area}" if h.area else "")
        return f"{place} · {self.place_type(h.place_type)} · {self.band(h.time_band)}"


def _row_text(label: str, row: Row, lab: Labels, pic: Picture) -> str:
    return lab.t(
        "est.row",
        label=label,
        now=lab.cell(row.current, pic.minimum),
        before=lab.cell(row.previous, pic.minimum),
        change=lab.change(row.change),
    )


def busiest(pic: Picture) -> list[tuple[int, str, int]]:
    """The weekday and time band cells with the highest shown count (ties: all of them)."""
    shown = [(wd, band, c.value) for (wd, band), c in pic.heat.items() if c.value]
    top = max((v for *_, v in shown), default=0)
    return [(wd, band, v) for wd, band, v in shown if v == top and top > 0]


def chat_text(pic: Picture, lab: Labels) -> str:
    """The summary posted in the moderation room (the charts follow as images)."""
    days = pic.span.days
    lines = [
        lab.t(
            "est.title",
            scope=lab.scope(pic),
            period=lab.period(pic.span.start, pic.span.end),
            days=days,
        ),
        lab.t(
            "est.compared",
            period=lab.period(pic.previous_span.start, pic.previous_span.end),
        ),
        lab.t(
            "est.total",
            now=lab.cell(pic.total.current, pic.minimum),
            before=lab.cell(pic.total.previous, pic.minimum),
            change=lab.change(pic.total.change),
        ),
    ]
    if pic.empty:
        lines.append(lab.t("est.nothing"))
        return "\n".join(lines)
    lines.append("")
    lines.append(lab.t("est.categories_header"))
    lines += [_row_text(lab.category(r.key), r, lab, pic) for r in pic.categories]
    lines.append("")
    lines.append(lab.t(f"est.places_header_{pic.place_level}"))
    lines += [_row_text(lab.place(pic, r.key), r, lab, pic) for r in pic.places]
    lines.append("")
    top = busiest(pic)
    if top:
        when = ", ".join(f"{lab.weekday(wd)} {lab.band(band)}" for wd, band, _ in top)
        lines.append(lab.t("est.busiest", when=when, count=top[0][2]))
    lines.append(lab.t("est.hotspots_header", min=pic.hotspot_min))
    if pic.hotspots:
        for h in pic.hotspots:
            key = "est.hotspot_recurring" if h.recurring else "est.hotspot_new"
            lines.append(lab.t(key, place=lab.hotspot(h), count=h.count, before=h.previous or 0))
    else:
        lines.append(lab.t("est.no_hotspots"))
    if pic.hotspots_more:
        lines.append(lab.t("est.hotspots_more", count=pic.hotspots_more))
    lines.append("")
    lines.append(
        lab.t(
            "est.states",
            states=" · ".join(f"{lab.state(s)}: {lab.cell(c, pic.minimum)}" for s, c in pic.states),
        )
    )
    for section in pic.sections:
        lines.append("")
        lines.append(f"**{section.title}**")
        for label, cells in section.rows:
            values = " · ".join(
                f"{col}: {lab.cell(c, section.minimum)}"
                for col, c in zip(section.columns, cells, strict=True)
            )
            lines.append(f"· {label}: {values}")
        if section.note:
            lines.append(section.note)
    lines.append("")
    lines.append(lab.t("est.footer", min=pic.minimum))
    return "\n".join(lines)


# ---- charts --------------------------------------------------------------------------


def chart_specs(pic: Picture, lab: Labels) -> list[tuple[Any, dict[str, Any]]]:
    """(drawing function, arguments) of the picture's three charts; draw them with
    `bot.charts.render` (off the event loop) or call the function directly in a thread."""
    stamp = pic.span.end.isoformat()
    grid = [[pic.heat[(wd, band)] for band in BANDS] for wd in WEEKDAYS]
    period = lab.period(pic.span.start, pic.span.end)
    heat = dict(
        title=lab.t("est.chart.heatmap_title", scope=lab.scope(pic), period=period),
        rows=[lab.weekday(wd) for wd in WEEKDAYS],
        cols=[lab.band(b) for b in BANDS],
        values=[[c.value for c in row] for row in grid],
        small=[[c.small for c in row] for row in grid],
        small_label=lab.t("est.small", min=pic.minimum),
        hidden_label=lab.t("est.hidden"),
        filename=f"lagesbild-{stamp}-veckodag-tid.png",
        alt=lab.t("est.chart.heatmap_alt", scope=lab.scope(pic), period=period),
    )
    cats = pic.categories
    bars = dict(
        title=lab.t("est.chart.categories_title", scope=lab.scope(pic), days=pic.span.days),
        labels=[lab.category(r.key) for r in cats],
        current=[r.current.value for r in cats],
        previous=[r.previous.value for r in cats],
        current_label=lab.t("est.chart.current", period=period),
        previous_label=lab.t(
            "est.chart.previous",
            period=lab.period(pic.previous_span.start, pic.previous_span.end),
        ),
        small_current=[r.current.small for r in cats],
        small_previous=[r.previous.small for r in cats],
        small_label=lab.t("est.small", min=pic.minimum),
        hidden_label=lab.t("est.hidden"),
        filename=f"lagesbild-{stamp}-kategorier.png",
        alt=lab.t("est.chart.categories_alt", scope=lab.scope(pic), period=period),
    )
    hot = sorted(pic.hotspots, key=lambda h: (lab.locality(h.locality), -h.count))
    spots = dict(
        title=lab.t("est.chart.hotspots_title", min=pic.hotspot_min, period=period),
        labels=[lab.hotspot(h) for h in hot],
        values=[h.count for h in hot],
        emphasised=[h.recurring for h in hot],
        plain_label=lab.t("est.chart.hotspot_new"),
        emphasis_label=lab.t("est.chart.hotspot_recurring"),
        empty_text=lab.t("est.no_hotspots"),
        filename=f"lagesbild-{stamp}-hotspots.png",
        alt=lab.t("est.chart.hotspots_alt", min=pic.hotspot_min, period=period),
    )
    return [(charts.heatmap, heat), (charts.paired_bars, bars), (charts.ranked_bars, spots)]


def draw_charts(pic: Picture, lab: Labels) -> list[Image]:
    """Draw all charts here (blocking: call from a worker thread or a command line)."""
    return [draw(**kwargs) for draw, kwargs in chart_specs(pic, lab)]


async def render_charts(pic: Picture, lab: Labels) -> list[Image]:
    """Draw all charts off the event loop."""
    return [await charts.render(draw, **kwargs) for draw, kwargs in chart_specs(pic, lab)]


# ---- Markdown and HTML reports -------------------------------------------------------


def report_tables(pic: Picture, lab: Labels) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table in the report, as text."""
    now = lab.t("est.col.now")
    before = lab.t("est.col.before")
    chg = lab.t("est.col.change")
    out: list[tuple[str, list[str], list[list[str]]]] = []

    def rows_of(rows: tuple[Row, ...], name: Any) -> list[list[str]]:
        return [
            [
                name(r.key),
                lab.cell(r.current, pic.minimum),
                lab.cell(r.previous, pic.minimum),
                lab.change(r.change),
            ]
            for r in rows
        ]

    total = [
        lab.t("est.col.all"),
        lab.cell(pic.total.current, pic.minimum),
        lab.cell(pic.total.previous, pic.minimum),
        lab.change(pic.total.change),
    ]
    out.append(
        (
            lab.t("est.categories_header"),
            [lab.t("est.col.category"), now, before, chg],
            [*rows_of(pic.categories, lab.category), total],
        )
    )
    out.append(
        (
            lab.t(f"est.places_header_{pic.place_level}"),
            [lab.t(f"est.col.{pic.place_level}"), now, before, chg],
            [*rows_of(pic.places, lambda k: lab.place(pic, k)), total],
        )
    )
    out.append(
        (
            lab.t("est.heat_header"),
            [lab.t("est.col.weekday"), *[lab.band(b) for b in BANDS]],
            [
                [lab.weekday(wd), *[lab.cell(pic.heat[(wd, b)], pic.minimum) for b in BANDS]]
                for wd in WEEKDAYS
            ],
        )
    )
    out.append(
        (
            lab.t("est.hotspots_header", min=pic.hotspot_min),
            [
                lab.t("est.col.hotspot"),
                now,
                lab.t("est.col.before"),
                lab.t("est.col.recurring"),
            ],
            [
                [
                    lab.hotspot(h),
                    str(h.count),
                    str(h.previous) if h.previous is not None else "–",
                    lab.t("est.yes") if h.recurring else lab.t("est.no"),
                ]
                for h in pic.hotspots
            ],
        )
    )
    out.append(
        (
            lab.t("est.states_header"),
            [lab.t("est.col.state"), now],
            [[lab.state(s), lab.cell(c, pic.minimum)] for s, c in pic.states],
        )
    )
    for section in pic.sections:
        out.append(
            (
                section.title,
                ["", *section.columns],
                [
                    [label, *[lab.cell(c, section.minimum) for c in cells]]
                    for label, cells in section.rows
                ],
            )
        )
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(pic: Picture, lab: Labels) -> str:
    """The meeting report as Markdown (tables; the charts are in the HTML and PNG formats)."""
    head = chat_text(pic, lab).split("\n")[:3]
    lines = [f"# {head[0].strip('*')}", "", head[1], "", head[2], ""]
    for title, header, rows in report_tables(pic, lab):
        lines.append(f"## {plain(title)}")
        lines.append("")
        if not rows:
            lines.append(lab.t("est.no_rows"))
            lines.append("")
            continue
        lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
        lines.append("")
    lines.append(lab.t("est.footer", min=pic.minimum).replace("**", ""))
    return "\n".join(lines) + "\n"


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 60em;
       color: #111; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.4em; border-bottom: 2px solid #0072B2; }
p.meta { color: #333; margin: 0.2em 0; }
table { border-collapse: collapse; margin: 0.5em 0 1em; min-width: 50%; }
th, td { border: 1px solid #888; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #E8F1F8; }
tr.total td { font-weight: bold; background: #F4F4F4; }
figure { margin: 1em 0; page-break-inside: avoid; break-inside: avoid; }
figure img { width: 100%; max-width: 720px; height: auto; border: 1px solid #CCC; }
figcaption { font-size: 0.9em; color: #333; }
section { page-break-inside: avoid; break-inside: avoid; }
footer { margin-top: 2em; font-size: 0.9em; color: #333; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
"""


def html_report(pic: Picture, lab: Labels, images: list[Image]) -> str:
    """One self-contained, printable HTML file: inline CSS, charts as inline PNG (data
    URIs), no scripts and no external resources."""
    e = html.escape
    head = chat_text(pic, lab).split("\n")[:3]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lab.lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(head[0].replace('**', ''))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(head[0].replace('**', ''))}</h1>",
        f'<p class="meta">{e(head[1])}</p>',
        f'<p class="meta">{e(head[2].replace("**", ""))}</p>',
    ]
    for title, header, rows in report_tables(pic, lab):
        parts.append(f"<section><h2>{e(plain(title))}</h2>")
        if not rows:
            parts.append(f"<p>{e(lab.t('est.no_rows'))}</p></section>")
            continue
        parts.append("<table><thead><tr>")
        parts.extend(f"<th>{e(h)}</th>" for h in header)
        parts.append("</tr></thead><tbody>")
        for i, row in enumerate(rows):
            last_total = i == len(rows) - 1 and row and row[0] == lab.t("est.col.all")
            parts.append('<tr class="total">' if last_total else "<tr>")
            parts.extend(f"<td>{e(c)}</td>" for c in row)
            parts.append("</tr>")
        parts.append("</tbody></table></section>")
    if images:
        parts.append(f"<h2>{e(lab.t('est.charts_header'))}</h2>")
    for img in images:
        data = base64.b64encode(img.data).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" width="{img.width}" '
            f'height="{img.height}" alt="{e(img.alt)}"><figcaption>{e(img.alt)}</figcaption>'
            "</figure>"
        )
    footer = e(lab.t("est.footer", min=pic.minimum).replace("**", ""))
    parts.append(f"<footer>{footer}</footer></body></html>")
    return "\n".join(parts) + "\n"
