"""Great Expectations checks on the marts, run after every dbt build.

GX validates pandas DataFrames read from DuckDB through a read-only connection: GX's SQL
path on duckdb-engine fails every expectation here (see DESIGN.md). A failed blocking
expectation raises QualityCheckFailed whose message names each failed expectation, so the
Airflow task log and the CLI say exactly what is wrong; warnings are recorded, not raised.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reportflow.config import Settings
from reportflow.warehouse import connect

log = logging.getLogger(__name__)


class QualityCheckFailed(RuntimeError):
    """A blocking expectation failed: the marts must not be published."""


@dataclass
class ExpectationOutcome:
    suite: str
    table: str
    expectation: str
    column: str | None
    success: bool
    blocking: bool
    unexpected_count: int | None
    sample: list[str]


@dataclass
class QualityReport:
    checked_at: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.blocking and not o.success]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.blocking and not o.success]

    @property
    def success(self) -> bool:
        return not self.blocking_failures


GX_NOISY_LOGGERS = (
    "great_expectations",
    "great_expectations._docs_decorators",
    "great_expectations.expectations.registry",
)


def _quiet_gx_logging() -> None:
    """GX logs hundreds of registration lines at import under Airflow; keep task logs readable."""
    for name in GX_NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _describe(outcome: ExpectationOutcome) -> str:
    column = f" on column {outcome.column}" if outcome.column else ""
    count = f", {outcome.unexpected_count} unexpected" if outcome.unexpected_count else ""
    sample = f" (e.g. {', '.join(outcome.sample[:3])})" if outcome.sample else ""
    return f"{outcome.suite}: {outcome.expectation}{column}{count}{sample}"


def _read_tables(settings: Settings, tables: set[str]) -> dict:
    """Read each table once into pandas through a read-only connection."""
    with connect(
        settings.warehouse_path, read_only=True, timeout_seconds=settings.lock_timeout_seconds
    ) as con:
        return {table: con.sql(f"select * from {table}").df() for table in sorted(tables)}


def validate_frames(frames: dict, suites: tuple) -> QualityReport:
    """Run each (table, suite factory, blocking) against the matching DataFrame."""
    _quiet_gx_logging()
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    asset = context.data_sources.add_pandas("reportflow").add_dataframe_asset("marts")
    batch = asset.add_batch_definition_whole_dataframe("whole")
    report = QualityReport(checked_at=datetime.now(UTC).isoformat(timespec="seconds"))
    for table, make_suite, blocking in suites:
        suite = context.suites.add(make_suite())
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frames[table]}, result_format="SUMMARY"
        )
        for item in result.results:
            config = item.expectation_config
            report.outcomes.append(
                ExpectationOutcome(
                    suite=suite.name,
                    table=table,
                    expectation=config.type,
                    column=config.kwargs.get("column"),
                    success=bool(item.success),
                    blocking=blocking,
                    unexpected_count=item.result.get("unexpected_count"),
                    sample=[str(v) for v in item.result.get("partial_unexpected_list", [])[:5]],
                )
            )
    return report


def write_report(settings: Settings, report: QualityReport) -> Path:
    """Keep every report (for trends) and point ``latest.json`` at the newest for the gate."""
    settings.quality_dir.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(
        {"success": report.success, **asdict(report)}, ensure_ascii=False, indent=2
    )
    stamp = report.checked_at.replace(":", "").replace("+0000", "Z")
    path = settings.quality_dir / f"marts_{stamp}.json"
    path.write_text(payload, encoding="utf-8")
    latest = settings.quality_dir / "latest.json"
    temporary = latest.with_suffix(".tmp")
    temporary.write_text(payload, encoding="utf-8")
    temporary.replace(latest)
    return path


def check_marts(settings: Settings) -> QualityReport:
    """Validate the marts, write the report, and raise if a blocking expectation failed."""
    _quiet_gx_logging()
    from expectations.marts import MART_SUITES

    frames = _read_tables(settings, {table for table, _, _ in MART_SUITES})
    report = validate_frames(frames, MART_SUITES)
    write_report(settings, report)
    for warning in report.warnings:
        log.warning("quality warning: %s", _describe(warning))
    if not report.success:
        failures = "; ".join(_describe(o) for o in report.blocking_failures)
        raise QualityCheckFailed(f"blocking quality checks failed: {failures}")
    return report


def latest_report_passed(settings: Settings) -> bool:
    """The publication gate: the newest quality report exists and passed."""
    latest = settings.quality_dir / "latest.json"
    if not latest.exists():
        return False
    return bool(json.loads(latest.read_text(encoding="utf-8")).get("success"))
