"""Reporting periods: calendar months written ``YYYY-MM``."""

from __future__ import annotations

import re
from datetime import date

PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """A period argument that is not a calendar month ``YYYY-MM``."""


def parse_period(text: str) -> str:
    """Return the period unchanged if it is ``YYYY-MM``; otherwise raise a one-line error."""
    if not PERIOD_PATTERN.match(text or ""):
        raise PeriodError(f"period must be a month written YYYY-MM (e.g. 2026-10), got {text!r}")
    return text


def previous_period(day: date) -> str:
    """The month before the one containing ``day``: the month a bulletin run reports on."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def shift_period(period: str, months: int) -> str:
    """The period ``months`` months after (or before, if negative) ``period``."""
    year, month = (int(part) for part in parse_period(period).split("-"))
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_label(period: str) -> str:
    """Chinese label for a period, as bulletins and receipts print it: ``2026年10月``."""
    year, month = parse_period(period).split("-")
    return f"{year}年{int(month)}月"
