"""What a quality run found, as plain records: one per period, suite, expectation and county.

This is the shape of the warehouse history table ``quality.results``, of the verdict the
publication gate reads, of the bulletin's 数据质量提示 and of ``reportflow quality``, so that
the same failure is counted the same way everywhere: one failed (expectation, county) in a
period is one warning (or one blocking failure), however many rows it covers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

import expectations
from reportflow.contract import city, county_by_code

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


@dataclass(frozen=True)
class Verdict:
    """Whether a period may be published, from the latest quality run's outcomes for it."""

    period: str
    run_id: str | None
    outcomes: tuple[Outcome, ...]

    def failures(self, severity: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.severity == severity and not o.success]

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

    def warnings_by_county(self) -> dict[str | None, list[Outcome]]:
        """Warnings grouped per county, in the order the run listed them."""
        grouped: dict[str | None, list[Outcome]] = {}
        for outcome in self.warnings:
            grouped.setdefault(outcome.county_code, []).append(outcome)
        return grouped
