"""Horizontal bar charts as inline SVG, drawn by hand.

Why not matplotlib: it is a large dependency for ten bars, and its SVG embeds glyphs as
paths or needs font configuration of its own. A hand-written SVG with ``<text>`` elements
naming the CJK font renders the same in WeasyPrint (PDF, text stays extractable) and in
Chromium (the HTML bulletin), and keeps the chart a few kilobytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from reportflow.templating import is_number

FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif"
BAR_COLOUR = "#a8201a"
HIGHLIGHT_COLOUR = "#d4a017"
MUTED_COLOUR = "#8c8c8c"
AXIS_COLOUR = "#bfbfbf"

WIDTH = 340
LABEL_WIDTH = 112
VALUE_WIDTH = 54
ROW_HEIGHT = 20
BAR_HEIGHT = 11
TOP = 18
BOTTOM = 6
FONT_SIZE = 11


@dataclass(frozen=True)
class Bar:
    """One bar: a label, the value to scale (None = missing) and the text shown beside it."""

    label: str
    value: float | None
    text: str
    highlight: bool = False


def _fmt(number: float) -> str:
    """Coordinates with at most one decimal keep the SVG small and diff-friendly."""
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _scale_max(bars: Sequence[Bar], max_value: float | None, reference: float | None) -> float:
    """The value that spans the full bar width; never 0, so an all-zero chart still draws."""
    candidates = [b.value for b in bars if is_number(b.value)]
    if is_number(reference):
        candidates.append(reference)  # type: ignore[arg-type]
    largest = max([c for c in candidates if c is not None] or [0.0])
    if max_value is not None:
        largest = max(largest, max_value)
    return largest if largest > 0 else 1.0


def bar_chart_svg(
    bars: Sequence[Bar],
    *,
    title: str,
    max_value: float | None = None,
    reference: float | None = None,
    reference_text: str = "",
) -> Markup:
    """An accessible horizontal bar chart; ``reference`` draws a dashed line (e.g. the city rate).

    Every string is escaped here because the result is marked safe for the template.
    """
    height = TOP + ROW_HEIGHT * len(bars) + BOTTOM
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    scale = plot_width / _scale_max(bars, max_value, reference)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LABEL_WIDTH}" y1="{TOP - 4}" x2="{LABEL_WIDTH}" y2="{height - BOTTOM}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>',
    ]
    if is_number(reference):  # drawn first, so bars and their values stay on top of it
        parts.extend(_reference_elements(reference * scale, height, reference_text))  # type: ignore[operator]
    for index, bar in enumerate(bars):
        parts.extend(_bar_elements(bar, TOP + index * ROW_HEIGHT, scale))
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar_elements(bar: Bar, top: float, scale: float) -> list[str]:
    """Label, bar and value text of one row; a missing value is written, not drawn as zero."""
    baseline = top + (ROW_HEIGHT + FONT_SIZE) / 2 - 2
    weight = ' font-weight="bold"' if bar.highlight else ""
    elements = [
        f'<text x="{LABEL_WIDTH - 6}" y="{_fmt(baseline)}" text-anchor="end"{weight} '
        f'fill="#222">{escape(bar.label)}</text>'
    ]
    if not is_number(bar.value):
        elements.append(
            f'<text x="{LABEL_WIDTH + 6}" y="{_fmt(baseline)}" fill="{MUTED_COLOUR}">'
            f"{escape(bar.text)}</text>"
        )
        return elements
    length = max(0.0, float(bar.value) * scale)  # type: ignore[arg-type]
    colour = HIGHLIGHT_COLOUR if bar.highlight else BAR_COLOUR
    bar_top = top + (ROW_HEIGHT - BAR_HEIGHT) / 2
    elements.append(
        f'<rect x="{LABEL_WIDTH}" y="{_fmt(bar_top)}" width="{_fmt(length)}" '
        f'height="{BAR_HEIGHT}" fill="{colour}"/>'
    )
    elements.append(
        f'<text x="{_fmt(LABEL_WIDTH + length + 5)}" y="{_fmt(baseline)}"{weight} '
        f'fill="#222">{escape(bar.text)}</text>'
    )
    return elements


def _reference_elements(offset: float, height: int, text: str) -> list[str]:
    """A dashed vertical line at the reference value with its label above the plot."""
    x = _fmt(LABEL_WIDTH + offset)
    return [
        f'<line x1="{x}" y1="{TOP - 4}" x2="{x}" y2="{height - BOTTOM}" stroke="#666" '
        f'stroke-width="0.8" stroke-dasharray="3,2"/>',
        f'<text x="{x}" y="{TOP - 6}" text-anchor="middle" font-size="{FONT_SIZE - 1}" '
        f'fill="#555">{escape(text)}</text>',
    ]
