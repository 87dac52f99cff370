"""
### send_alerts

Daily at 09:00 Asia/Shanghai: the reminders and checks that tell people something is missing.
Each alert is sent once per cause (recorded in the delivery ledger's `alerts` table); who
receives them is `recipients.yaml` (`contacts`, `engineers`, `office`).

1. **remind_missing_forms**: after the deadline of the month before the run, each county
   with forms `reportflow status` shows as *missing* gets one e-mail in Chinese (to its
   `contacts`) naming those forms and the deadline; again only when that set changes.
2. **alert_late_bulletin**: when that month's bulletin is past due (5 days after the
   deadline) and not delivered to every reader, one alert to `engineers` and `office`.

Task failures of every DAG are mailed to `engineers` by the default failure callback.
Without the Airflow Connection `reportflow_smtp` both tasks are skipped. Reads the warehouse
read-only (no writer pool).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, get_current_context, task

from reportflow.delivery.smtp import skipped_without_connection
from reportflow.orchestration.wiring import DEFAULT_ARGS, task_settings
from reportflow.periods import BEIJING_TZ_NAME


@dag(
    dag_id="send_alerts",
    dag_display_name="Send reminders and alerts",
    schedule="0 9 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=BEIJING_TZ_NAME),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["reportflow", "alerts"],
    doc_md=__doc__,
)
def send_alerts() -> None:
    @task(task_display_name="Remind counties of missing forms")
    def remind_missing_forms() -> dict:
        from reportflow.alerts.reminders import send_reminders

        run_after = get_current_context()["dag_run"].run_after
        with skipped_without_connection():  # mail not configured here: nothing to send
            return vars(send_reminders(task_settings(), run_after))

    @task(task_display_name="Alert if the bulletin is late")
    def alert_late_bulletin() -> bool:
        from reportflow.alerts.late import check_late_bulletin

        run_after = get_current_context()["dag_run"].run_after
        with skipped_without_connection():
            return check_late_bulletin(task_settings(), run_after)

    remind_missing_forms()
    alert_late_bulletin()


send_alerts()
