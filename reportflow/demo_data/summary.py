"""What the generator wrote, with what the system is expected to make of each file.

Tests and the demo state their expectations from these (accepted or rejected, on time or late,
which forms are missing and why) instead of repeating the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from reportflow.contract import counties, deadline_day_default, forms


@dataclass(frozen=True)
class DemoFile:
    """One file the generator wrote, with what the system is expected to do with it."""

    path: Path
    county_code: str
    form: str
    period: str
    rows: int
    encoding: str
    submitted_at: datetime  # when it arrived: the instant replayed into intake's arrival log
    on_time: bool
    expected: str
    note: str = ""


@dataclass(frozen=True)
class BadFile:
    """A deliberately invalid file and the rejection it must produce.

    ``row`` is the row number as Excel shows it (header = 1), ``column`` the Chinese label of
    the offending column; both are None for file-level problems.
    """

    path: Path
    county_code: str
    form: str
    period: str
    problem: str
    expected_reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate_demo_data` wrote, so tests and the demo can state expectations."""

    drop_dir: Path
    latest_period: str
    periods: tuple[str, ...]
    files: tuple[DemoFile, ...]
    bad_files: tuple[BadFile, ...]
    not_submitted: tuple[tuple[str, str, str], ...]
    corrections: tuple[tuple[Path, Path], ...]
    seed: int
    deadline_day: int = field(default_factory=deadline_day_default)

    def rejected_paths(self) -> frozenset[Path]:
        """Files the intake must reject."""
        return frozenset(f.path for f in self.files if f.expected == "rejected")

    def files_for(self, period: str) -> tuple[DemoFile, ...]:
        return tuple(f for f in self.files if f.period == period)

    def arrivals(self) -> dict[Path, datetime]:
        """When each file arrived (the replayed instant intake recorded), for the reference."""
        return {f.path: f.submitted_at for f in self.files}

    def late_files(self) -> tuple[DemoFile, ...]:
        return tuple(f for f in self.files if not f.on_time)

    def missing(self, period: str | None = None) -> dict[tuple[str, str], str]:
        """(county, form) without an accepted file for ``period`` (default latest) and why."""
        period = period or self.latest_period
        result: dict[tuple[str, str], str] = {}
        for county in counties():
            for form in forms():
                mine = [
                    f
                    for f in self.files
                    if f.county_code == county.code and f.form == form and f.period == period
                ]
                if not mine:
                    result[(county.code, form)] = "not_submitted"
                elif all(f.expected == "rejected" for f in mine):
                    result[(county.code, form)] = "rejected"
        return result

    def describe(self) -> str:
        """Plain-text account of the scenario, for the demo command's output."""
        lines = [
            f"Demo submissions in {self.drop_dir} (seed {self.seed}): "
            f"{len(self.files)} files, periods {self.periods[0]} .. {self.latest_period}.",
            f"Latest period {self.latest_period}:",
        ]
        for (county, form), why in sorted(self.missing().items()):
            lines.append(f"  missing {county} {form}: {why}")
        for old, new in self.corrections:
            lines.append(f"  correction: {new.name} replaces {old.name} ({old.parent.name})")
        for bad in self.bad_files:
            lines.append(
                f"  bad file {bad.county_code}/{bad.path.name}: {bad.problem} "
                f"-> {bad.expected_reason}"
            )
        late = [f for f in self.late_files() if f.period == self.latest_period]
        for f in late:
            when = f"{f.submitted_at:%Y-%m-%d %H:%M}"
            lines.append(f"  late: {f.county_code}/{f.path.name} at {when}")
        return "\n".join(lines)
