"""A bar chart of a poll's results as PNG, for posting with the summary.

matplotlib with the Agg backend (no display), drawn off the event loop by `render_chart`
(``asyncio.to_thread``). Sized for a phone: 1080 px wide, large type, one horizontal bar
per option with its share written at the bar's end; colours from the Okabe–Ito palette,
which stays distinguishable with the common kinds of colour blindness.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
from dataclasses import dataclass

from bot.messages import Image

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
WIDTH_IN, DPI = 7.2, 150  # 1080 px


@dataclass(frozen=True)
class Bars:
    """One question: its title and (label, share 0..1) per option."""

    title: str
    bars: tuple[tuple[str, float], ...]


def draw(charts: tuple[Bars, ...], footer: str, filename: str, alt: str) -> Image:
    """The PNG (blocking: call through `render_chart`)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = sum(len(c.bars) for c in charts)
    height = 1.2 + 0.55 * rows + 0.9 * len(charts)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    ratios = [max(1, len(c.bars)) + 1 for c in charts]
    axes = fig.subplots(len(charts), 1, squeeze=False, height_ratios=ratios)[:, 0]
    for ax, chart in zip(axes, charts, strict=True):
        labels = [textwrap.fill(label, 28) for label, _ in chart.bars]
        values = [share * 100 for _, share in chart.bars]
        colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(values))]
        pos = list(range(len(values)))
        ax.barh(pos, values, color=colours, edgecolor="#333333", linewidth=0.5)
        ax.set_yticks(pos, labels, fontsize=11)
        ax.invert_yaxis()
        ax.set_xlim(0, 118)
        ax.set_xticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100 %"], fontsize=10)
        for y, v in zip(pos, values, strict=True):
            ax.text(v + 1.5, y, f"{round(v)} %", va="center", fontsize=11)
        ax.set_title(textwrap.fill(chart.title, 42), fontsize=13, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.text(0.01, 0.01, textwrap.fill(footer, 95), fontsize=9, color="#333333")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    width, h = fig.canvas.get_width_height()
    return Image(buf.getvalue(), int(width), int(h), filename, alt)


async def render_chart(charts: tuple[Bars, ...], footer: str, filename: str, alt: str) -> Image:
    return await asyncio.to_thread(draw, charts, footer, filename, alt)
