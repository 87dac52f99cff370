"""How the bulletin shows a figure: by indicator kind, with missing made explicit.

Display rules (indicators.md): rates as percentages with one decimal (99.0%), amounts with
two decimals, counts as integers with thousands separators. A figure with no file behind it
shows 未报送; a figure whose file exists but that cannot be computed (a rate over a zero
denominator, a year-on-year change without a base) shows "—". Changes: a rate or ratio moves
by percentage points (个百分点) both month-on-month and year-on-year, since "+3.5%" of a
percentage reads as points and is not; a count or an amount moves month-on-month by a
difference and year-on-year by a relative change.

Whether a move is good news is the indicator's ``better`` in the contract: an arrow shows the
direction, the colour (css ``good``/``bad``/``neutral``) what it means.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportflow.bulletin.data import Figure
from reportflow.contract import IndicatorSpec
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


def display_unit(spec: IndicatorSpec) -> str:
    """The unit as the bulletin shows it: ``%`` for rates and ratios (exported as fractions)."""
    return "%" if spec.kind in FRACTION_KINDS else spec.unit


def label_names_unit(spec: IndicatorSpec) -> bool:
    """Whether the label already ends with its unit, as ``累计完成投资(亿元)`` does."""
    unit = display_unit(spec)
    return spec.label.endswith((f"({unit})", f"（{unit}）"))


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


def format_yoy(change: float | None, kind: str) -> str:
    """Year-on-year: points for rates and ratios (as :func:`format_mom`), else ``+12.3%``."""
    if kind in FRACTION_KINDS:
        return format_mom(change, kind)
    if not is_number(change):
        return NOT_APPLICABLE
    return _signed(format_percent(change))


def yoy_change(figure: Figure) -> float | None:
    """The year-on-year change :func:`format_yoy` expects: a difference for fractions.

    The marts' ``yoy_change`` is relative; for a rate that is a change of a percentage, so
    the difference to the same month a year ago is taken instead.
    """
    if figure.indicator.kind not in FRACTION_KINDS:
        return figure.yoy_change
    if not (is_number(figure.value) and is_number(figure.prev_year)):
        return None
    return figure.value - figure.prev_year  # type: ignore[operator]


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


@dataclass(frozen=True)
class Change:
    """A formatted change: text, an arrow for its direction, a css class for its meaning."""

    text: str
    arrow: str = ""
    css: str = "na"


ARROWS = {1: "▲", -1: "▼"}


def judge(change: float | None, better: str) -> str:
    """``good``/``bad`` by the indicator's ``better``; ``neutral``, ``flat`` or ``na`` otherwise."""
    if not is_number(change):
        return "na"
    if change == 0:
        return "flat"
    if better == "neutral":
        return "neutral"
    rising = change > 0  # type: ignore[operator]
    return "good" if rising == (better == "higher") else "bad"


def change_of(change: float | None, text: str, better: str) -> Change:
    """Wrap a formatted change with its arrow and meaning; 持平 and "—" get no arrow."""
    css = judge(change, better)
    if css in ("na", "flat") or text == "持平":
        return Change(text, "", "flat" if text == "持平" else css)
    return Change(text, ARROWS[1 if change > 0 else -1], css)  # type: ignore[operator]


def mom_of(figure: Figure) -> Change:
    """The figure's month-on-month change, formatted and judged."""
    spec = figure.indicator
    return change_of(figure.mom_change, format_mom(figure.mom_change, spec.kind), spec.better)


def yoy_of(figure: Figure) -> Change:
    """The figure's year-on-year change, formatted and judged."""
    spec = figure.indicator
    change = yoy_change(figure)
    return change_of(change, format_yoy(change, spec.kind), spec.better)
