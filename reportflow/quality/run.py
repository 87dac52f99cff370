"""One quality run: read each suite's rows read-only, validate, record, summarise in the log."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reportflow.config import Settings
from reportflow.quality.checks import gx_module
from reportflow.quality.history import record_history, record_run
from reportflow.quality.model import BLOCKING, INFO, WARNING, Outcome, failed
from reportflow.quality.period_docs import period_page_parts
from reportflow.warehouse import connect

if TYPE_CHECKING:
    from expectations import SuiteSpec

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
    """The GX Data Docs site of the latest build's run."""
    return settings.quality_dir / "data_docs" / "index.html"


def acceptance_docs_index(settings: Settings) -> Path:
    """The GX Data Docs site of the latest check of accepted files."""
    return settings.quality_dir / "acceptance" / "data_docs" / "index.html"


def _period_page_in(site_index: Path, period: str) -> Path:
    """Where the site whose index is ``site_index`` keeps the page of ``period``."""
    page = site_index.parent.joinpath("validations", *period_page_parts(period))
    return page.with_name(page.name + ".html")


def period_page(settings: Settings, period: str) -> Path | None:
    """The Data Docs page of one period (its failed checks), if the latest run built one."""
    page = _period_page_in(data_docs_index(settings), period)
    return page if page.is_file() else None


def _read_frames(settings: Settings, specs: Sequence[SuiteSpec]) -> dict:
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
            f" {warnings[period]} warning(s); Data Docs {_period_page_in(run.data_docs, period)}"
        )
    return lines


def _validated(settings: Settings, specs: Sequence[SuiteSpec], kind: str, docs: Path) -> QualityRun:
    """Validate ``specs`` as one run named ``<kind>-<time>``, building the site at ``docs``."""
    from reportflow.quality.checks import validate

    checked_at = datetime.now(UTC).replace(tzinfo=None)
    run_id = f"{kind}-" + checked_at.strftime("%Y%m%dT%H%M%S%fZ")
    frames = _read_frames(settings, specs)
    outcomes, counts = validate(frames, specs, docs.parent, run_id, checked_at)
    return QualityRun(run_id, tuple(outcomes), counts, docs)


def _logged(run: QualityRun) -> QualityRun:
    for line in summary_lines(run):
        log.info("%s", line)
    return run


def run_quality(settings: Settings, verdict_dir: Path | None = None) -> QualityRun:
    """Validate every suite over all periods; record, export, build Data Docs, log a summary.

    The verdict goes into ``verdict_dir``, the folder of the snapshot version being judged (a
    build stages the new version first); by default the current snapshot's folder.
    """
    gx_module()  # quiet GX's loggers before the suites import it
    from expectations import all_suites

    run = _validated(settings, all_suites(), "quality", data_docs_index(settings))
    record_run(settings, run.outcomes, verdict_dir or settings.snapshot_dir)
    return _logged(run)


def check_accepted(settings: Settings, submissions: Mapping[str, Sequence[str]]) -> QualityRun:
    """The raw suites on the rows of the files just accepted (submission ids per form).

    A second line of defence behind intake, run as the files are accepted so a row that got
    past intake is named in the ingest task's log at once, not at the next build. Its results
    join the history (run ``acceptance-…``) and its own Data Docs site; it judges no snapshot,
    so it writes no verdict: the build's quality stage checks the same rows again with every
    other suite, and that verdict is what holds a period back.
    """
    gx_module()
    from expectations.raw import accepted_suite

    specs = [accepted_suite(form, ids) for form, ids in sorted(submissions.items())]
    run = _validated(settings, specs, "acceptance", acceptance_docs_index(settings))
    record_history(settings, run.outcomes)
    return _logged(run)
