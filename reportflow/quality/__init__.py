"""The quality stage: Great Expectations suites decide what leaders receive.

dbt keeps the structural invariants; the suites in ``expectations/`` hold the policy
(contract re-check of raw rows, publication policy on the marts, cross-month and cross-form
consistency, plausibility against each county's history). :func:`run_quality` runs them all
once over every period, writes one history row per (period, suite, expectation, county) to
``quality.results``, exports the run as the verdict snapshot, rebuilds the Data Docs site in
``<home>/quality/data_docs/`` and logs a readable summary. It never raises for failed
expectations: the verdict is per period, and :func:`read_verdict` is what the publication
gate, the bulletin's 数据质量提示 and ``reportflow quality`` read. :func:`check_accepted`
runs the raw suites on the files an ingest has just accepted (history and their own site only).

Nothing here imports GX at module load; :mod:`reportflow.quality.checks` does, once.
"""

from __future__ import annotations

from reportflow.quality.history import RESULTS_TABLE, read_verdict
from reportflow.quality.model import BLOCKING, INFO, WARNING, Outcome, Verdict
from reportflow.quality.run import (
    QualityRun,
    check_accepted,
    data_docs_index,
    period_page,
    run_quality,
)

__all__ = [
    "BLOCKING",
    "INFO",
    "RESULTS_TABLE",
    "WARNING",
    "Outcome",
    "QualityRun",
    "Verdict",
    "check_accepted",
    "data_docs_index",
    "period_page",
    "read_verdict",
    "run_quality",
]
