"""Twelve-month trend lines, drawn with matplotlib to inline SVG.

Why SVG with text kept as text (``svg.fonttype = none``): WeasyPrint then sets the labels in
the CJK font named here, so they are sharp at any zoom in the PDF and extractable, and the
chart weighs a few kilobytes instead of embedding glyph outlines. Why matplotlib here and not
the hand-drawn bars of :mod:`reportflow.bulletin.charts`: a time axis with gaps, ticks and a
legend is what it does well.

Rules the reader relies on:

- a month a unit did not report (or whose rate could not be computed) is a gap in the line,
  never a zero; a month standing alone between gaps is still drawn, as a dot, and so is the
  latest month;
- the value axis starts at zero for counts, amounts and rates, so a small move does not look
  like a collapse;
- the chart has its own white background and dark text in explicit colours, so it stays
  legible where a browser forces a dark scheme.

The output is deterministic (``svg.hashsalt`` fixed per chart title, no date in the metadata),
so the same data gives the same HTML byte for byte.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from reportflow.bulletin.formatting import FRACTION_KINDS, format_value
from reportflow.periods import Period

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FONT_FAMILY = "Noto Sans CJK SC"
TEXT_COLOUR = "#222222"
GRID_COLOUR = "#dddddd"
#: Width and height in inches: two charts side by side fill the A4 text width.
FIGURE_SIZE = (3.3, 1.85)
FONT_SIZE = 7.5
#: Fixed plot margins (fractions of the figure): cheaper than tight_layout, which draws twice.
MARGINS = {"left": 0.14, "right": 0.98, "top": 0.94, "bottom": 0.2}
#: Top margin when a legend sits above the plot.
LEGEND_TOP = 0.84

#: What matplotlib writes that a page with several inline charts must not repeat or keep.
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_STYLE_SHEET = re.compile(r"<defs>\s*<style[^>]*>.*?</style>\s*</defs>\s*", re.S)
_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_GROUP_ID = re.compile(
    r' id="(?:figure|axes|patch|line2d|text|legend|matplotlib\.axis|[xy]tick)_?[\w.]*"'
)


@dataclass(frozen=True)
class Series:
    """One line: its legend label, one value per month (None = gap), colour and weight."""

    label: str
    values: tuple[float | None, ...]
    colour: str
    emphasis: bool = True


@cache
def _configure() -> None:
    """matplotlib settings for every chart of the process, set once on first use."""
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": [FONT_FAMILY],
            "font.size": FONT_SIZE,
            "text.color": TEXT_COLOUR,
            "axes.labelcolor": TEXT_COLOUR,
            "axes.edgecolor": "#888888",
            "xtick.color": TEXT_COLOUR,
            "ytick.color": TEXT_COLOUR,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.facecolor": "#ffffff",
            "axes.facecolor": "#ffffff",
        }
    )


def marked_points(values: Sequence[float]) -> list[int]:
    """Months drawn as a dot: the latest, and any month standing alone between gaps.

    A line needs two neighbouring months; a lone reported month would otherwise vanish. Only
    these get a marker because every marker is an SVG element WeasyPrint has to draw.
    """
    present = [not math.isnan(v) for v in values]
    dots = [
        i
        for i, here in enumerate(present)
        if here and not (i > 0 and present[i - 1]) and not (i + 1 < len(present) and present[i + 1])
    ]
    last = len(values) - 1
    if present and present[last] and last not in dots:
        dots.append(last)
    return dots


def month_ticks(months: Sequence[str]) -> list[str]:
    """``11月`` per month; the first month and every January also name the year (``1月\\n2026``)."""
    labels = []
    for index, month in enumerate(months):
        period = Period.parse(month)
        year = f"\n{period.year}" if index == 0 or period.month == 1 else ""
        labels.append(f"{period.month}月{year}")
    return labels


def _value_axis(axes: Axes, kind: str, values: Sequence[float]) -> None:
    """Start at zero (not for year-on-year ratios, which go negative) and format like the text."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    top = max([*values, 0.0])
    bottom = min([*values, 0.0])
    if kind != "ratio":
        bottom = 0.0
    if top == bottom:
        top = bottom + (1.0 if kind not in FRACTION_KINDS else 0.1)
    axes.set_ylim(bottom, top * 1.12 if top > 0 else top)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=kind == "count"))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_value(v, kind)))


def _presentation_attributes(match: re.Match[str]) -> str:
    """``style="fill: #fff; stroke-width: 0.8"`` → ``fill="#fff" stroke-width="0.8"``.

    Inline SVG style attributes go through the HTML page's CSS parser, which in WeasyPrint
    does not know SVG properties (a warning each); presentation attributes are read by the
    SVG renderer in both WeasyPrint and browsers. An SVG ``<style>`` sheet would leak into
    the whole page, so it is dropped (matplotlib's only sets line joins).
    """
    pairs = (item.split(":", 1) for item in match.group(1).split(";") if ":" in item)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def trend_svg(months: Sequence[str], series: Sequence[Series], *, kind: str, title: str) -> Markup:
    """A line chart of ``series`` over ``months`` as inline SVG (marked safe: built here)."""
    _configure()
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_SIZE)
    axes = figure.add_subplot()
    positions = range(len(months))
    drawn: list[float] = []
    for line in series:
        values = [math.nan if v is None else float(v) for v in line.values]
        drawn += [v for v in values if not math.isnan(v)]
        style = {
            "color": line.colour,
            "linewidth": 1.8 if line.emphasis else 1.1,
            "linestyle": "-" if line.emphasis else "--",
        }
        axes.plot(positions, values, label=line.label, **style)
        dots = marked_points(values)
        axes.plot(
            dots,
            [values[i] for i in dots],
            linestyle="none",
            marker="o",
            markersize=3 if line.emphasis else 2.4,
            color=line.colour,
        )
    _value_axis(axes, kind, drawn)
    axes.set_xticks(list(positions), month_ticks(months))
    axes.tick_params(axis="x", labelsize=FONT_SIZE - 1, length=2)
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
    axes.set_axisbelow(True)
    margins = dict(MARGINS)
    if len(series) > 1:  # above the plot, where it cannot hide a line
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            frameon=False,
            fontsize=FONT_SIZE - 0.5,
            ncols=len(series),
            borderaxespad=0.2,
        )
        margins["top"] = LEGEND_TOP
    figure.subplots_adjust(**margins)
    buffer = io.StringIO()
    import matplotlib

    # ids of clip paths and markers are hashed with this salt: the title makes them unique
    # among the charts of one page (duplicate ids would cross-link charts) and stable.
    with matplotlib.rc_context({"svg.hashsalt": f"reportflow {title}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = _METADATA.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1))
    svg = _STYLE_ATTRIBUTE.sub(_presentation_attributes, _STYLE_SHEET.sub("", svg))
    svg = _GROUP_ID.sub("", svg)
    svg = svg.replace("<svg ", f'<svg class="trend" role="img" aria-label="{escape(title)}" ', 1)
    return Markup(svg)
