"""The one Jinja2 environment of the project, and the number/date filters templates share.

Every template (bulletins, the archive index, receipts, county CSV templates) is loaded
through :func:`environment` so that the safety settings are decided once:

- autoescape is on for ``.html``/``.htm``/``.xml`` templates (also with a ``.j2`` suffix) and
  for templates built from strings, so text that came from a county (a file name, a reason)
  can never become markup. Plain-text templates (``.txt``, ``.csv``) are not escaped, because
  HTML entities in a receipt or a CSV would be wrong there.
- ``StrictUndefined``: a misspelt variable fails the render instead of printing nothing.

The formatting helpers live here (not in the bulletin package) because any user-facing
document formats numbers the same way, and because the bulletin package imports this module.
Decimal rounding is half-up on the shortest decimal form of the float (``repr``), so 12.345
shows as 12.35, as a person would round it, and the CSV export and the bulletin agree.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import jinja2

from reportflow.config import TEMPLATES_DIR
from reportflow.periods import period_label, to_beijing

AUTOESCAPE_EXTENSIONS: tuple[str, ...] = ("html", "htm", "xml", "html.j2", "htm.j2", "xml.j2")


def is_number(value: object) -> bool:
    """True for a finite int/float (not bool): NaN and infinities count as missing."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return math.isfinite(float(value))


def to_decimal(value: float | int | Decimal) -> Decimal:
    """Exact decimal of what the float prints as, so rounding matches what a person expects."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))


def round_half_up(value: float | int | Decimal, places: int) -> Decimal:
    """Round half-up to ``places`` decimals; never returns negative zero."""
    quantum = Decimal(1).scaleb(-places)
    result = to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return result.copy_abs() if result.is_zero() else result


def format_fixed(value: float | int | Decimal | None, places: int, missing: str = "") -> str:
    """A number with exactly ``places`` decimals and no separators (CSV style)."""
    if not is_number(value):
        return missing
    return f"{round_half_up(value, places):.{places}f}"


def format_count(value: float | int | Decimal | None, missing: str = "—") -> str:
    """An integer count with thousands separators: 12345 → ``12,345``."""
    if not is_number(value):
        return missing
    return f"{int(round_half_up(value, 0)):,}"


def format_amount(value: float | int | Decimal | None, places: int = 2, missing: str = "—") -> str:
    """An amount with ``places`` decimals and thousands separators: ``1,234.50``."""
    if not is_number(value):
        return missing
    return f"{round_half_up(value, places):,.{places}f}"


def format_percent(value: float | int | Decimal | None, places: int = 1, missing: str = "—") -> str:
    """A fraction as a percentage: 0.98976 → ``99.0%``."""
    if not is_number(value):
        return missing
    return f"{round_half_up(to_decimal(value) * 100, places):,.{places}f}%"


def format_datetime_zh(value: datetime | None, missing: str = "—") -> str:
    """A stored naive-UTC timestamp shown in Beijing time: ``2026-11-03 14:05``."""
    if value is None:
        return missing
    return to_beijing(value).strftime("%Y-%m-%d %H:%M")


def format_date_zh(value: datetime) -> str:
    """A date as Chinese documents write it: ``2026年11月6日``."""
    return f"{value.year}年{value.month}月{value.day}日"


FILTERS = {
    "count": format_count,
    "amount": format_amount,
    "percent": format_percent,
    "fixed": format_fixed,
    "period_zh": period_label,
    "datetime_zh": format_datetime_zh,
    "date_zh": format_date_zh,
}


@cache
def environment() -> jinja2.Environment:
    """The shared environment: templates from ``templates/``, HTML autoescaped, strict undefined.

    Cached because compiling templates is the slow part and the settings never change in a
    process; callers must not mutate the returned environment.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=AUTOESCAPE_EXTENSIONS,
            disabled_extensions=("txt", "csv"),
            default_for_string=True,
            default=False,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env
