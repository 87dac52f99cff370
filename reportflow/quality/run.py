"""One quality run: read each suite's rows read-only, validate, record, summarise in the log."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reportflow.config import Settings
from reportflow.quality.history import record_run
from reportflow.quality.model import BLOCKING, INFO, WARNING, Outcome, failed
from reportflow.warehouse import connect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualityRun:
    """What one run found, over every period in the warehouse."""

    run_id: str
    outcomes: tuple[Outcome, ...]
    counts: dict[str, tuple[int, int]]
    data_docs: Path

    def failures(self, severity: str) -> list[Outcome]:
        return failed(self.outcomes, severity)

    def per_period(self, severity: str) -> Counter[str]:
        """Failed (expectation, county) results per period: the count every reader shows."""
        return Counter(o.period for o in self.failures(severity))


def data_docs_index(settings: Settings) -> Path:
    """The GX Data Docs site of the latest run."""
    return settings.quality_dir / "data_docs" / "index.html"


def _read_frames(settings: Settings, specs: Sequence) -> dict:
    """Each suite's rows as a DataFrame, through one read-only connection."""
    with connect(
        settings.warehouse_path, read_only=True, timeout_seconds=settings.lock_timeout_seconds
    ) as con:
        return {spec.name: con.execute(spec.frame_sql, dict(spec.params)).df() for spec in specs}


def summary_lines(run: QualityRun) -> list[str]:
    """The task log: each suite's passed/failed counts, every failure, per-period totals."""
    lines = [f"quality run {run.run_id}: Data Docs {run.data_docs}"]
    for suite, (passed, unsuccessful) in run.counts.items():
        lines.append(f"  suite {suite}: {passed} passed, {unsuccessful} failed")
    for severity in (BLOCKING, WARNING):
        for outcome in run.failures(severity):
            lines.append("  " + outcome.describe())
    not_judged = run.failures(INFO)
    if not_judged:
        lines.append(
            f"  {len(not_judged)} county figure(s) not judged for plausibility: too little history"
        )
    blocking, warnings = run.per_period(BLOCKING), run.per_period(WARNING)
    for period in sorted(set(blocking) | set(warnings)):
        lines.append(
            f"  period {period}: {blocking[period]} blocking failure(s),"
            f" {warnings[period]} warning(s)"
        )
    return lines


def run_quality(settings: Settings, verdict_dir: Path | None = None) -> QualityRun:
    """Validate every suite over all periods; record, export, build Data Docs, log a summary.

    The verdict goes into ``verdict_dir``, the folder of the snapshot version being judged (a
    build stages the new version first); by default the current snapshot's folder.
    """
    from reportflow.quality.checks import gx_module, validate

    gx_module()  # quiet GX's loggers before the suites import it
    from expectations import all_suites

    checked_at = datetime.now(UTC).replace(tzinfo=None)
    run_id = "quality-" + checked_at.strftime("%Y%m%dT%H%M%S%fZ")
    specs = all_suites()
    frames = _read_frames(settings, specs)
    docs = data_docs_index(settings)
    outcomes, counts = validate(frames, specs, docs.parent, run_id, checked_at)
    record_run(settings, outcomes, verdict_dir or settings.snapshot_dir)
    run = QualityRun(run_id, tuple(outcomes), counts, docs)
    for line in summary_lines(run):
        log.info("%s", line)
    return run
