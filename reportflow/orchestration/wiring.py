"""What the three DAGs share: Assets, the writer pool, retries, alerts and settings checks.

Kept apart from the DAG files so that the wiring (which DAG feeds which) is defined once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowFailException

from reportflow.alerts.failure import on_task_failure, on_task_recovered
from reportflow.config import Settings, SettingsError, load_settings
from reportflow.orchestration.local import WAREHOUSE_POOL

log = logging.getLogger(__name__)

#: Raw tables changed: at least one accepted file was loaded.
RAW_ASSET = Asset("reportflow://warehouse/raw")
#: Marts rebuilt, checked and exported as the reporting snapshot.
MARTS_ASSET = Asset("reportflow://warehouse/marts")

POOL = WAREHOUSE_POOL


def alert_on_failure(context: dict) -> None:
    """Failure callback: one log line that names the DAG, task, try and error for alerting."""
    task_instance = context.get("task_instance")
    log.error(
        "reportflow task failed: dag=%s task=%s try=%s error=%s",
        getattr(task_instance, "dag_id", "?"),
        getattr(task_instance, "task_id", "?"),
        getattr(task_instance, "try_number", "?"),
        context.get("exception"),
    )


def task_settings() -> Settings:
    """The settings every task loads first; an unusable one fails the task at once, no retries.

    A missing data home or a malformed REPORTFLOW_* value will not fix itself between retries,
    so the task fails for good with the message that names the variable, and the run stops
    before it touches anything.
    """
    try:
        return load_settings()
    except SettingsError as error:
        raise AirflowFailException(str(error)) from error


#: How long any one task may run before Airflow fails it. Generous: the slowest task (the dbt
#: build at province scale) takes minutes; a task past this is stuck, not slow.
TASK_TIMEOUT = timedelta(minutes=30)

#: Arguments every task of every DAG gets. Retries back off exponentially (30 s, 60 s, ... up
#: to 10 min) for what can fix itself: a warehouse lock held a little too long, a busy disk.
DEFAULT_ARGS = {
    "owner": "reportflow",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": TASK_TIMEOUT,
    # The one place for failure alerts: a log line, and one e-mail per cause to the engineers
    # (reportflow.alerts.failure); success or a skip clears the task's causes.
    "on_failure_callback": [alert_on_failure, on_task_failure],
    "on_success_callback": [on_task_recovered],
    "on_skipped_callback": [on_task_recovered],
}

#: Tasks that must never retry, per DAG, and why. An entry names a task id or a task group
#: (every task inside it); the DagBag test asserts that exactly these tasks have no retries.
NO_RETRY: dict[str, dict[str, str]] = {
    "build_indicators": {
        "dbt": "one dbt build reports every node: Cosmos skips a retried producer, and a retried "
        "watcher would rebuild its model alone; run the DAG again instead",
        "check_quality": "a failed blocking expectation is a data problem; a retry gives the "
        "same verdict",
    },
    "publish_bulletin": {
        "gate": "a closed gate (failed checks, no snapshot) does not open by waiting",
        "sign_off": "a person's answer is recorded once; a retry would ask for it again",
        "record_approval": "it freezes what was approved; a failure needs a look, then a re-run",
    },
}


def must_not_retry(dag_id: str, task_id: str) -> bool:
    """Whether ``task_id`` (or the task group it belongs to) is listed in :data:`NO_RETRY`."""
    listed = NO_RETRY.get(dag_id, {})
    return any(task_id == entry or task_id.startswith(f"{entry}.") for entry in listed)
