"""``indicators.csv``: the machine-readable export beside every bulletin (indicators.md).

Decisions the contract leaves open, taken here:

- Row order: the city (440800) first, then the ten counties by ``sort_order``; within a unit,
  indicator keys in contract order (``reportflow.contract.indicators()``). 11 × 39 rows always,
  also for a period with no data (every value empty).
- Columns: the five of indicators.md in its order, then ``indicator_name`` (the Chinese label)
  and ``unit`` (比例 for rates and ratios, which are fractions) from the contract, so that a
  forwarded file says what each code means. Readers that name columns are unaffected.
- Line endings: CRLF throughout (RFC 4180, what Excel writes); UTF-8 with a BOM.
- Values: counts as integers, rates *and* ratios as fractions with 4 decimals,
  ``investment_to_date`` (kind amount) with 2 decimals, empty when missing. No thousands
  separators, no percent signs: the export is for machines.
- Formula safety applies to the *text* cells (all but ``value``):
  one starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading single quote. The
  ``value`` cell is never text: it is produced only by formatting a float, so it cannot carry
  a formula, and a negative ratio such as ``-0.1234`` must stay a number a spreadsheet can
  sum. Quoting it would turn it into text, so it is left as is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from reportflow.bulletin.data import PeriodData
from reportflow.bulletin.files import atomic_write_bytes
from reportflow.templating import format_fixed, is_number, round_half_up

CSV_NAME = "indicators.csv"
HEADER: tuple[str, ...] = (
    "period",
    "county_code",
    "county_name",
    "indicator",
    "value",
    "indicator_name",
    "unit",
)
DANGEROUS_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
DECIMALS_BY_KIND: dict[str, int] = {"rate": 4, "ratio": 4, "amount": 2}


def safe_text_cell(text: str) -> str:
    """Neutralise a text cell a spreadsheet would evaluate as a formula (CSV injection)."""
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text


def csv_value(value: float | None, kind: str) -> str:
    """The ``value`` cell: empty when missing, integer for counts, fixed decimals otherwise."""
    if not is_number(value):
        return ""
    if kind in DECIMALS_BY_KIND:
        return format_fixed(value, DECIMALS_BY_KIND[kind])
    return str(int(round_half_up(value, 0)))  # type: ignore[arg-type]


def indicator_rows(data: PeriodData) -> Iterator[tuple[str, ...]]:
    """Every (unit, indicator) row in export order, text cells already neutralised."""
    for unit in data.units:
        for spec in data.indicators:
            figure = data.figure(unit.code, spec.key)
            yield (
                safe_text_cell(data.period),
                safe_text_cell(unit.code),
                safe_text_cell(unit.name),
                safe_text_cell(spec.key),
                csv_value(figure.value, spec.kind),
                safe_text_cell(spec.label),
                safe_text_cell(spec.unit),
            )


def indicators_csv_bytes(data: PeriodData) -> bytes:
    """The whole export as bytes (UTF-8 with BOM, CRLF), ready for an atomic write."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    writer.writerows(indicator_rows(data))
    return buffer.getvalue().encode("utf-8-sig")


def write_indicators_csv(data: PeriodData, directory: Path) -> Path:
    """Write ``indicators.csv`` into ``directory`` atomically and return its path."""
    return atomic_write_bytes(directory / CSV_NAME, indicators_csv_bytes(data))
