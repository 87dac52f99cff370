"""What the three DAGs share: Assets, the writer pool, retries, alerts and settings checks.

Kept apart from the DAG files so that the wiring (which DAG feeds which) is defined once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowFailException

from reportflow.airflow_env import WAREHOUSE_POOL
from reportflow.config import Settings, SettingsError, load_settings

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


DEFAULT_ARGS = {
    "owner": "reportflow",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "on_failure_callback": alert_on_failure,
}
