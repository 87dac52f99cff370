"""Reading one period of the reporting snapshot into plain Python objects.

The bulletin never opens the live warehouse: a build may hold DuckDB's single writer lock
while publishing runs. It reads the Parquet snapshot the build exports
(``settings.snapshot_dir / fct_indicators.parquet`` and ``submission_status.parquet``,
columns as docs/architecture.md defines them) with a throw-away in-memory connection.

The result is always a complete grid shaped by the contract, not by the snapshot: the city
and the ten counties × every indicator key × every form. Whatever the snapshot lacks is
missing, so a period nobody reported in still yields a full (empty) bulletin and export.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from reportflow.config import Settings
from reportflow.contract import IndicatorSpec, city, counties, forms, indicators
from reportflow.periods import PeriodError, parse_period
from reportflow.quality import Outcome, read_verdict

INDICATORS_FILE = "fct_indicators.parquet"
STATUS_FILE = "submission_status.parquet"

INDICATOR_COLUMNS: tuple[str, ...] = (
    "county_code",
    "indicator",
    "value",
    "value_prev_month",
    "value_prev_year",
    "mom_change",
    "yoy_change",
    "submitted_units",
    "is_complete",
)
STATUS_COLUMNS: tuple[str, ...] = (
    "county_code",
    "form",
    "status",
    "on_time",
    "first_accepted_at",
    "last_accepted_at",
    "deadline_at",
    "file_name",
    "rejected_files",
)


class BulletinError(RuntimeError):
    """A one-line, user-facing reason why a bulletin cannot be produced."""


def validate_period(period: str) -> str:
    """Return ``period`` if it is ``YYYY-MM``; it also names a folder, so be strict."""
    try:
        return parse_period(period)
    except PeriodError as error:
        raise BulletinError(str(error)) from error


@dataclass(frozen=True)
class Unit:
    """The city or one county-level unit, as a row of the bulletin and the export."""

    code: str
    name: str
    sort_order: int
    is_city: bool = False


@dataclass(frozen=True)
class Figure:
    """One indicator of one unit for the period, with the comparisons the marts computed."""

    unit_code: str
    indicator: IndicatorSpec
    value: float | None = None
    prev_month: float | None = None
    prev_year: float | None = None
    mom_change: float | None = None
    yoy_change: float | None = None
    submitted_units: int | None = None
    is_complete: bool = False

    @property
    def reported(self) -> bool:
        """Whether any file stands behind this figure.

        Separates "not submitted" (未报送) from "submitted but not computable" (a rate over a
        zero denominator), which the bulletin must not confuse.
        """
        if self.indicator.form is None or self.submitted_units is None:
            return self.value is not None
        return self.submitted_units > 0


@dataclass(frozen=True)
class SubmissionStatus:
    """Where one county stands with one form for the period."""

    county_code: str
    form: str
    status: str = "missing"  # accepted | late | rejected | missing
    on_time: bool | None = None
    first_accepted_at: datetime | None = None
    last_accepted_at: datetime | None = None
    deadline_at: datetime | None = None
    file_name: str | None = None
    rejected_files: int = 0

    @property
    def submitted(self) -> bool:
        return self.status in ("accepted", "late")


@dataclass(frozen=True)
class PeriodData:
    """Everything the bulletin and the export need for one period, contract-shaped."""

    period: str
    units: tuple[Unit, ...]
    indicators: tuple[IndicatorSpec, ...]
    figures: Mapping[tuple[str, str], Figure]
    statuses: Mapping[tuple[str, str], SubmissionStatus]
    #: Failed warning-level quality checks of the period (the bulletin's 数据质量提示).
    quality_warnings: tuple[Outcome, ...] = ()

    @property
    def city(self) -> Unit:
        return next(u for u in self.units if u.is_city)

    @property
    def counties(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if not u.is_city)

    def unit(self, code: str) -> Unit:
        for unit in self.units:
            if unit.code == code:
                return unit
        raise BulletinError(f"unknown county code {code!r}")

    def figure(self, unit_code: str, key: str) -> Figure:
        """The unit's figure; a missing one (no snapshot row) when the snapshot lacks it."""
        found = self.figures.get((unit_code, key))
        if found is not None:
            return found
        for spec in self.indicators:
            if spec.key == key:
                return Figure(unit_code, spec)
        raise KeyError(f"indicator {key!r} is not in the contract")

    def status(self, county_code: str, form: str) -> SubmissionStatus:
        return self.statuses.get((county_code, form), SubmissionStatus(county_code, form))

    def missing_submissions(self) -> list[tuple[str, str]]:
        """(county name, form label) of every form a county has not submitted for the period."""
        return [
            (unit.name, spec.label)
            for unit in self.counties
            for spec in forms().values()
            if not self.status(unit.code, spec.key).submitted
        ]

    @property
    def nothing_submitted(self) -> bool:
        """True when no county has an accepted file of any form for the period."""
        return not any(s.submitted for s in self.statuses.values()) and not any(
            f.indicator.form is not None and f.reported for f in self.figures.values()
        )


def contract_units() -> tuple[Unit, ...]:
    """City first, then the ten counties by sort order: the row order of bulletin and export."""
    head = city()
    rest = sorted(counties(), key=lambda c: c.sort_order)
    return (
        Unit(head.code, head.name, 0, is_city=True),
        *(Unit(c.code, c.name, c.sort_order) for c in rest),
    )


def load_period_data(settings: Settings, period: str) -> PeriodData:
    """Read the period from the snapshot Parquet files (never the live warehouse)."""
    validate_period(period)
    snapshot = settings.snapshot_dir
    with duckdb.connect(":memory:") as con:
        figure_rows = _read_snapshot(con, snapshot / INDICATORS_FILE, INDICATOR_COLUMNS, period)
        status_rows = _read_snapshot(con, snapshot / STATUS_FILE, STATUS_COLUMNS, period)
    units = contract_units()
    specs = indicators()
    return PeriodData(
        period=period,
        units=units,
        indicators=specs,
        figures=_figures(figure_rows, {u.code for u in units}, specs),
        statuses=_statuses(status_rows, {u.code for u in units if not u.is_city}),
        quality_warnings=tuple(read_verdict(settings, period).warnings),
    )


def _read_snapshot(
    con: duckdb.DuckDBPyConnection, path: Path, columns: Sequence[str], period: str
) -> list[dict[str, object]]:
    """Rows of one snapshot file for the period, as dicts; a clear error if it is absent/old."""
    if not path.is_file():
        raise BulletinError(f"no snapshot {path} yet: run build first")
    source = "read_parquet(" + _sql_string(str(path)) + ")"
    try:
        present = {row[0] for row in con.execute(f"describe select * from {source}").fetchall()}
        lacking = [c for c in columns if c not in present]
        if lacking:
            raise BulletinError(
                f"snapshot {path.name} lacks columns {', '.join(lacking)}: run build again"
            )
        query = f"select {', '.join(columns)} from {source} where period = ?"
        rows = con.execute(query, [period]).fetchall()
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BulletinError(f"cannot read snapshot {path.name}: {first_line}") from exc
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _sql_string(text: str) -> str:
    """A SQL string literal; table functions over a path cannot take a bound parameter here."""
    return "'" + text.replace("'", "''") + "'"


def _number(value: object) -> float | None:
    """Snapshot DOUBLE → float, with NULL, NaN and infinities all meaning missing."""
    if value is None or isinstance(value, bool):
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _figures(
    rows: Iterable[Mapping[str, object]], unit_codes: set[str], specs: Sequence[IndicatorSpec]
) -> dict[tuple[str, str], Figure]:
    """Index snapshot rows by (unit, key), ignoring units/keys the contract does not know."""
    by_key = {s.key: s for s in specs}
    result: dict[tuple[str, str], Figure] = {}
    for row in rows:
        code, key = str(row["county_code"]), str(row["indicator"])
        if code not in unit_codes or key not in by_key:
            continue
        if (code, key) in result:
            raise BulletinError(f"snapshot has two rows for {code} {key}: run build again")
        submitted = row["submitted_units"]
        result[(code, key)] = Figure(
            unit_code=code,
            indicator=by_key[key],
            value=_number(row["value"]),
            prev_month=_number(row["value_prev_month"]),
            prev_year=_number(row["value_prev_year"]),
            mom_change=_number(row["mom_change"]),
            yoy_change=_number(row["yoy_change"]),
            submitted_units=None if submitted is None else int(submitted),  # type: ignore[call-overload]
            is_complete=bool(row["is_complete"]),
        )
    return result


def _statuses(
    rows: Iterable[Mapping[str, object]], county_codes: set[str]
) -> dict[tuple[str, str], SubmissionStatus]:
    """Index submission status rows by (county, form); unknown counties/forms are ignored."""
    known_forms = set(forms())
    result: dict[tuple[str, str], SubmissionStatus] = {}
    for row in rows:
        code, form = str(row["county_code"]), str(row["form"])
        if code not in county_codes or form not in known_forms:
            continue
        rejected = row["rejected_files"]
        result[(code, form)] = SubmissionStatus(
            county_code=code,
            form=form,
            status=str(row["status"] or "missing"),
            on_time=None if row["on_time"] is None else bool(row["on_time"]),
            first_accepted_at=row["first_accepted_at"],  # type: ignore[arg-type]
            last_accepted_at=row["last_accepted_at"],  # type: ignore[arg-type]
            deadline_at=row["deadline_at"],  # type: ignore[arg-type]
            file_name=None if row["file_name"] is None else str(row["file_name"]),
            rejected_files=int(rejected or 0),  # type: ignore[call-overload]
        )
    return result
