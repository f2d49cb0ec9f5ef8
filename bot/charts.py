"""Charts as PNG images: one module, one look, for every feature that draws.

* matplotlib with the Agg backend and the object API only (no pyplot, no global figure
  state), so charts may be drawn in worker threads: call the async wrappers, which run the
  drawing through ``asyncio.to_thread`` and never block the event loop;
* one colour-blind-safe palette: Okabe–Ito for categories of data, viridis for heat maps;
  hidden (suppressed) values are never drawn as a bar or a colour, only as their marker;
* sized for a phone: 1080 pixels wide (a phone's screen at 3x), text 15 pt or more at
  150 dpi (31 pixels), so the smallest text is about 11 CSS pixels when a 390-pixel-wide
  phone shows the image full width.

Every function takes already-translated labels; this module knows nothing about any
feature. Image sizes are fixed by the data's shape (`HEATMAP_HEIGHT_PX`, `bars_height`),
never "tight", so callers and tests know them in advance.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
from collections.abc import Sequence
from typing import Any

from bot.messages import Image

DPI = 150
WIDTH_PX = 1080
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
CURRENT = OKABE_ITO["blue"]
PREVIOUS = OKABE_ITO["orange"]
EMPHASIS = OKABE_ITO["vermillion"]
HEATMAP_CMAP = "viridis"
HIDDEN_FACE = "#DDDDDD"
TITLE_PT, LABEL_PT, TICK_PT = 21, 17, 16
SMALL_PT = 15  # the smallest text: axis numbers

HEATMAP_HEIGHT_PX = 960


def bars_height(rows: int) -> int:
    """Pixel height of a bar chart with ``rows`` rows."""
    return 260 + 96 * max(1, rows)


def _figure(height_px: int) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return Figure(
        figsize=(WIDTH_PX / DPI, height_px / DPI),
        dpi=DPI,
        layout=ConstrainedLayoutEngine(h_pad=0.12, w_pad=0.12),
    )


def _png(fig: Any, filename: str, alt: str, height_px: int) -> Image:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return Image(data=buf.getvalue(), width=WIDTH_PX, height=height_px, filename=filename, alt=alt)


def _title(title: str) -> str:
    """At most two lines of about 40 characters: the title's font fills the width."""
    return "\n".join(textwrap.wrap(title, 40, max_lines=2, placeholder="…")) or title


def _wrap(label: str, width: int = 22) -> str:
    return "\n".join(textwrap.wrap(label, width, max_lines=2, placeholder="…")) or label


def heatmap(
    *,
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[int | None]],
    small: Sequence[Sequence[bool]],
    small_label: str,
    hidden_label: str,
    filename: str,
    alt: str,
) -> Image:
    """A heat map (viridis): ``values[r][c]`` is a count, or None when hidden; hidden cells
    are light grey and show ``small_label`` ("<3") when ``small`` else ``hidden_label``."""
    import numpy as np

    fig = _figure(HEATMAP_HEIGHT_PX)
    ax = fig.add_subplot()
    grid = np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)
    top = np.nanmax(grid) if np.isfinite(grid).any() else 1.0
    masked = np.ma.masked_invalid(grid)
    cmap = _cmap(HEATMAP_CMAP)
    image = ax.imshow(masked, cmap=cmap, vmin=0, vmax=max(1.0, float(top)), aspect="auto")
    ax.set_xticks(range(len(cols)), [_wrap(c, 10) for c in cols], fontsize=TICK_PT)
    ax.set_yticks(range(len(rows)), rows, fontsize=TICK_PT)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            if v is None:
                text, colour = (small_label if small[r][c] else hidden_label), "#000000"
            else:
                text = str(v)
                colour = "#000000" if v > 0.6 * top else "#FFFFFF"
            ax.text(c, r, text, ha="center", va="center", fontsize=LABEL_PT, color=colour)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks([x - 0.5 for x in range(1, len(cols))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(rows))], minor=True)
    ax.grid(which="minor", color="#FFFFFF", linewidth=2)
    ax.tick_params(which="minor", length=0)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.ax.tick_params(labelsize=SMALL_PT)
    fig.suptitle(_title(title), fontsize=TITLE_PT, fontweight="bold")
    return _png(fig, filename, alt, HEATMAP_HEIGHT_PX)


def _cmap(name: str) -> Any:
    from matplotlib import colormaps

    return colormaps[name].with_extremes(bad=HIDDEN_FACE)


def paired_bars(
    *,
    title: str,
    labels: Sequence[str],
    current: Sequence[int | None],
    previous: Sequence[int | None],
    current_label: str,
    previous_label: str,
    small_current: Sequence[bool],
    small_previous: Sequence[bool],
    small_label: str,
    hidden_label: str,
    filename: str,
    alt: str,
) -> Image:
    """Horizontal bars, the current period (blue) with the previous one (orange) beside it.
    A hidden value gets no bar, only its marker."""
    height = bars_height(len(labels))
    fig = _figure(height)
    ax = fig.add_subplot()
    n = len(labels)
    ys = list(range(n))
    shown = [v for v in (*current, *previous) if v is not None]
    top = max(shown, default=1) or 1
    for offset, series, smalls, colour, name in (
        (-0.2, current, small_current, CURRENT, current_label),
        (0.2, previous, small_previous, PREVIOUS, previous_label),
    ):
        pos = [y + offset for y in ys]
        ax.barh(pos, [v or 0 for v in series], height=0.38, color=colour, label=name)
        for y, v, is_small in zip(pos, series, smalls, strict=True):
            text = str(v) if v is not None else (small_label if is_small else hidden_label)
            ax.text((v or 0) + top * 0.01, y, text, va="center", fontsize=TICK_PT)
    ax.set_yticks(ys, [_wrap(label) for label in labels], fontsize=TICK_PT)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.18)
    ax.tick_params(axis="x", labelsize=SMALL_PT)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(loc="outside lower center", ncols=1, fontsize=TICK_PT, frameon=False)
    fig.suptitle(_title(title), fontsize=TITLE_PT, fontweight="bold")
    return _png(fig, filename, alt, height)


def ranked_bars(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    emphasised: Sequence[bool],
    plain_label: str,
    emphasis_label: str,
    empty_text: str,
    filename: str,
    alt: str,
) -> Image:
    """Horizontal bars in the given order; emphasised ones (e.g. recurring hot spots) in
    vermillion, the others in blue, with a legend. No rows: ``empty_text`` in the middle."""
    height = bars_height(len(labels))
    fig = _figure(height)
    ax = fig.add_subplot()
    if not labels:
        ax.axis("off")
        ax.text(0.5, 0.5, empty_text, ha="center", va="center", fontsize=LABEL_PT)
    else:
        ys = list(range(len(labels)))
        colours = [EMPHASIS if e else CURRENT for e in emphasised]
        ax.barh(ys, values, height=0.6, color=colours)
        top = max(values) or 1
        for y, v in zip(ys, values, strict=True):
            ax.text(v + top * 0.01, y, str(v), va="center", fontsize=TICK_PT)
        ax.set_yticks(ys, [_wrap(label, 30) for label in labels], fontsize=SMALL_PT)
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.15)
        ax.tick_params(axis="x", labelsize=SMALL_PT)
        ax.xaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        from matplotlib.patches import Patch

        fig.legend(
            handles=[
                Patch(color=CURRENT, label=plain_label),
                Patch(color=EMPHASIS, label=emphasis_label),
            ],
            fontsize=TICK_PT,
            loc="outside lower center",
            ncols=2,
            frameon=False,
        )
    fig.suptitle(_title(title), fontsize=TITLE_PT, fontweight="bold")
    return _png(fig, filename, alt, height)


async def render(draw: Any, /, **kwargs: Any) -> Image:
    """Draw a chart off the event loop: ``await render(heatmap, title=…, …)``."""
    image: Image = await asyncio.to_thread(draw, **kwargs)
    return image
