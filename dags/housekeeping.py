"""
### housekeeping

Daily at 03:30 Beijing time (no uploads, no publishing then), keeps Airflow's own history
bounded. `ingest_submissions` runs every 30 seconds, about 2,880 runs a day; each leaves a
run, a task instance, two audit-log rows and a log file, and Airflow deletes none of them by
itself.

**Retention**: `REPORTFLOW_METADATA_RETENTION_DAYS` days (default **14**), counted back from
this run's scheduled time. Two weeks cover the deadline (the 5th) and publication (the 6th)
with time to look into a failed run after a week-long holiday. That bounds the ingest history
to about 14 × 2,880 ≈ 40,000 runs. What must last longer (receipts, submission log, quality
results, the delivery ledger) lives in the data home, not in Airflow.

1. **clean_metadata**: `airflow db clean --skip-archive` of every table it knows (runs and
   their task instances, audit log, XComs, jobs, ...). It keeps the latest scheduled run of
   every DAG, so scheduling carries on. Runs as a child process given the metadata database
   (the Connection `reportflow_metadata_db`, extra `sql_alchemy_conn`, or the embedded SQLite
   file), because Airflow 3 tasks may not open it themselves.
2. **rotate_logs**: deletes `*.log` files older than the retention from Airflow's log folder
   (task logs, one file per try; dag-processor logs) and `logs/` of the data home (`dags test`
   runs), and the folders that leaves empty. On a multi-machine deployment it cleans the
   log folder of the worker it runs on.

Both are idempotent: retries (two, with backoff) and re-runs delete nothing more.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from reportflow.housekeeping import HOUSEKEEPING_SCHEDULE
from reportflow.orchestration.wiring import DEFAULT_ARGS, task_settings
from reportflow.periods import BEIJING_TZ_NAME


@dag(
    dag_id="housekeeping",
    dag_display_name="Housekeeping (Airflow history and logs)",
    schedule=HOUSEKEEPING_SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz=BEIJING_TZ_NAME),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["reportflow", "maintenance"],
    doc_md=__doc__,
)
def housekeeping() -> None:
    @task(task_display_name="Clean the metadata database")
    def clean_metadata() -> str:
        from reportflow.housekeeping import clean_metadata_once

        return clean_metadata_once(task_settings(), get_current_context()["dag_run"].run_after)

    @task(task_display_name="Delete old log files")
    def rotate_logs() -> dict[str, int]:
        from reportflow.housekeeping import rotate_logs_once

        return rotate_logs_once(task_settings(), get_current_context()["dag_run"].run_after)

    clean_metadata()
    rotate_logs()


housekeeping()
