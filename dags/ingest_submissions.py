"""
### ingest_submissions

Processes every stable file in the county drop folders (`drop/<county_code>/`) once per run.

- **Accepted** files replace that county's rows of the form for the period in one transaction,
  are archived, and get a receipt in `回执/`.
- **Rejected** files are quarantined; their receipt lists every error in Chinese.
- The contract's raw suites (Great Expectations) check the accepted files' rows again; a row
  that got past intake is an error line in this log (Data Docs in
  `quality/acceptance/data_docs/`), and the build's quality stage holds its month back.
- When at least one file was accepted, the task updates the Asset
  `reportflow://warehouse/raw`, which triggers `build_indicators`. A run that loads nothing
  ends *skipped*, so it triggers nothing.

Writes the warehouse, so it runs in the `warehouse_writer` pool (one slot). Retries twice with
exponential backoff (a warehouse lock held by a long build clears by itself).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from reportflow.config import INGEST_CYCLE
from reportflow.orchestration.wiring import DEFAULT_ARGS, POOL, RAW_ASSET, task_settings


@dag(
    dag_id="ingest_submissions",
    dag_display_name="Ingest county submissions",
    schedule=INGEST_CYCLE,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["reportflow", "intake"],
    doc_md=__doc__,
)
def ingest_submissions() -> None:
    @task(pool=POOL, outlets=[RAW_ASSET], task_display_name="Ingest the drop folders")
    def ingest_drop_folders() -> dict:
        """Process the drop folders once; skip (and trigger nothing) if nothing was loaded."""
        from airflow.sdk.exceptions import AirflowSkipException

        from reportflow.pipeline import ingest_once

        summary = ingest_once(task_settings())
        if not summary["loaded_any"]:
            raise AirflowSkipException(f"no new accepted file: {summary['message']}")
        return summary

    ingest_drop_folders()


ingest_submissions()
