"""How the bulletin shows a figure: by indicator kind, with missing made explicit.

Display rules (indicators.md): rates as percentages with one decimal (99.0%), amounts with
two decimals, counts as integers with thousands separators. A figure with no file behind it
shows 未报送; a figure whose file exists but that cannot be computed (a rate over a zero
denominator, a year-on-year change without a base) shows "—". Changes: month-on-month is a
difference (percentage points for rates and ratios), year-on-year is a relative change.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportflow.bulletin.data import Figure
from reportflow.templating import (
    format_amount,
    format_count,
    format_percent,
    is_number,
    round_half_up,
)

NOT_SUBMITTED = "未报送"
NOT_APPLICABLE = "—"

#: Kinds whose values are fractions and are shown as percentages.
FRACTION_KINDS = frozenset({"rate", "ratio"})


@dataclass(frozen=True)
class Cell:
    """A formatted table cell; ``css`` lets the template grey out missing values."""

    text: str
    css: str = ""


def format_value(value: float | None, kind: str, missing: str = NOT_APPLICABLE) -> str:
    """A value by kind: count ``1,234``, rate/ratio ``99.0%``, amount ``12.35``."""
    if not is_number(value):
        return missing
    if kind in FRACTION_KINDS:
        return format_percent(value)
    if kind == "amount":
        return format_amount(value)
    return format_count(value)


def _signed(text: str) -> str:
    """Prefix a sign; zero after rounding is shown as 持平 (unchanged) instead of ±0."""
    if text.lstrip("-").rstrip("%") in ("0", "0.0", "0.00"):
        return "持平"
    return text if text.startswith("-") else f"+{text}"


def format_mom(change: float | None, kind: str) -> str:
    """Month-on-month difference: ``+12``, ``-0.35``, ``+1.2个百分点`` for rates and ratios."""
    if not is_number(change):
        return NOT_APPLICABLE
    if kind in FRACTION_KINDS:
        points = f"{round_half_up(change * 100, 1):.1f}"
        signed = _signed(points)
        return signed if signed == "持平" else f"{signed}个百分点"
    if kind == "amount":
        return _signed(format_amount(change))
    return _signed(format_count(change))


def format_yoy(change: float | None) -> str:
    """Year-on-year relative change as a signed percentage: ``+12.3%``, ``-4.0%``."""
    if not is_number(change):
        return NOT_APPLICABLE
    return _signed(format_percent(change))


def value_cell(figure: Figure) -> Cell:
    """A figure's value, 未报送 when no file stands behind it, flagged when the city is partial."""
    if not figure.reported:
        return Cell(NOT_SUBMITTED, "missing")
    text = format_value(figure.value, figure.indicator.kind)
    if figure.value is None:
        return Cell(text, "na")
    if figure.indicator.form is not None and not figure.is_complete:
        return Cell(text, "num incomplete")
    return Cell(text, "num")


def trend_css(change: float | None) -> str:
    """CSS class for a change: up/down/flat; colour only, the sign is in the text too."""
    if not is_number(change):
        return "na"
    if change > 0:
        return "up"
    return "down" if change < 0 else "flat"
