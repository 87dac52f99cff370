"""What a quality run found, as plain records: one per period, suite, expectation and county.

This is the shape of the warehouse history table ``quality.results``, of the verdict the
publication gate reads, of the bulletin's 数据质量提示 and of ``reportflow quality``, so that
the same failure is counted the same way everywhere: one failed (expectation, county) in a
period is one warning (or one blocking failure), however many rows it covers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache

import expectations
from reportflow.contract import city, county_by_code, forms, indicators

BLOCKING, WARNING, INFO = "blocking", "warning", "info"
#: GX severity as the suites declare it → the project's word for it in history and messages.
SEVERITY_NAMES: dict[str, str] = {
    expectations.BLOCKING: BLOCKING,
    expectations.WARNING: WARNING,
    expectations.INFO: INFO,
}


@dataclass(frozen=True)
class Outcome:
    """One expectation's result for one county (or the whole period) in one run."""

    run_id: str
    checked_at: datetime
    period: str
    suite: str
    expectation: str
    description: str
    county_code: str | None
    severity: str
    success: bool
    failed_rows: int
    observed: str | None

    @property
    def place(self) -> str:
        """``雷州市 (440882)``, ``全市`` or ``whole period``: where the result applies."""
        if self.county_code is None:
            return "whole period"
        if self.county_code == city().code:
            return f"{city().name} ({self.county_code})"
        county = county_by_code(self.county_code)
        return f"{county.name if county else '?'} ({self.county_code})"

    def describe(self) -> str:
        """One line for logs and errors: expectation, county and the failing values."""
        return (
            f"[{self.severity}] {self.period} {self.place}: {self.suite} {self.expectation}"
            f" — {self.description}; {self.failed_rows} row(s), observed {self.observed}"
        )


OUTCOME_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Outcome))


def failed(outcomes: Iterable[Outcome], severity: str) -> list[Outcome]:
    """The failed results of one severity: what a run, a verdict and a bulletin count."""
    return [o for o in outcomes if o.severity == severity and not o.success]


_PAIR_RE = re.compile(r"\b([a-z_]+)=([^,;]*)")


@cache
def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """(column labels, indicator labels): contract labels, then the suites' derived columns."""
    columns = {f.key: f.label for form in forms().values() for f in form.fields}
    columns.update(expectations.DERIVED_COLUMN_LABELS)
    return columns, {i.key: i.label for i in indicators()}


def readable_observed(observed: str | None) -> str:
    """``indicator=outreach_events, value=46`` as staff read it: ``指标=宣讲活动场次，本月数=46``.

    For the bulletin; logs, history and Data Docs keep the column keys engineers query by.
    """
    if not observed:
        return ""
    columns, indicator_labels = _labels()

    def label(match: re.Match) -> str:
        key, value = match.group(1), match.group(2)
        shown = indicator_labels.get(value, value) if key == "indicator" else value
        shown = {"True": "是", "False": "否"}.get(shown, shown)
        return f"{columns.get(key, key)}={shown}"

    return _PAIR_RE.sub(label, observed).replace(", ", "，").replace("; ", "；")


@dataclass(frozen=True)
class Verdict:
    """Whether a period may be published, from the latest quality run's outcomes for it."""

    period: str
    run_id: str | None
    outcomes: tuple[Outcome, ...]

    def failures(self, severity: str) -> list[Outcome]:
        return failed(self.outcomes, severity)

    @property
    def blocking(self) -> list[Outcome]:
        return self.failures(BLOCKING)

    @property
    def warnings(self) -> list[Outcome]:
        return self.failures(WARNING)

    @property
    def checked(self) -> bool:
        """A quality run exists; without one nothing may be published."""
        return self.run_id is not None

    @property
    def publishable(self) -> bool:
        return self.checked and not self.blocking
