"""Counties ordered best first on one indicator: shared by the ranking table and the summary.

"Best" follows the indicator's ``better`` in the contract (fewest open warnings is best);
a neutral indicator is ordered highest first. Equal values *as displayed* share a rank
(1, 2, 2, 4), so two counties that both read 95.0% are not ranked apart by a hidden digit.
Missing values are not ranked.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportflow.bulletin.data import Figure, PeriodData, Unit
from reportflow.bulletin.formatting import format_value
from reportflow.templating import is_number


@dataclass(frozen=True)
class Ranked:
    """One county's place on one indicator."""

    rank: int
    county: Unit
    figure: Figure


def ranked_counties(data: PeriodData, key: str) -> list[Ranked]:
    """Counties with a value for ``key``, best first, ties sharing the better rank."""
    figures = [(c, data.figure(c.code, key)) for c in data.counties]
    present = [(c, f) for c, f in figures if is_number(f.value)]
    if not present:
        return []
    sign = 1.0 if present[0][1].indicator.better == "lower" else -1.0
    present.sort(key=lambda pair: (sign * float(pair[1].value), pair[0].sort_order))  # type: ignore[arg-type]
    result: list[Ranked] = []
    previous: str | None = None
    rank = 0
    for position, (county, figure) in enumerate(present, start=1):
        shown = format_value(figure.value, figure.indicator.kind)
        if shown != previous:
            rank, previous = position, shown
        result.append(Ranked(rank, county, figure))
    return result
