"""
### publish_bulletin

Monthly, on the 6th at 08:00 Asia/Shanghai (after the deadline on the 5th), for the previous
month. Trigger it by hand with the param `period` (`YYYY-MM`) to publish or re-publish a month.

1. **resolve_period**: the `period` param, or the month before the run's `run_after` (the
   scheduled time, or when a manual or API run was triggered; Beijing time).
2. **gate**: refuses the period if the quality verdict of the current snapshot found a
   *blocking* failure in it, naming expectation, county and value; logs its warnings and who
   has not reported.
3. **render_city** and **render_county** (dynamic task mapping: one task per county-level unit)
   write HTML and PDF bulletins to `bulletins/<period>/`.
4. **export_indicators**: `indicators.csv` per the indicator contract.
5. **write_index**: the archive page `bulletins/index.html`.
6. **prepare_review**: draft previews with a 草稿 watermark in `bulletins/<period>/draft/`; checks
   `recipients.yaml`.
7. **sign_off**: Airflow's human-in-the-loop ApprovalOperator: the office approves or rejects
   (with a comment) under Required Actions, through the REST API or `reportflow approve`.
   Reject skips everything after it: nothing is sent. `REPORTFLOW_AUTO_APPROVE=1` (the demo)
   approves automatically.
8. **record_approval**: who approved and when, into the delivery ledger; freezes the approved
   PDFs, which are exactly what is mailed.
9. **deliver**: each reader in `recipients.yaml` gets their edition (city or county) once,
   through the Airflow Connection `reportflow_smtp`; re-runs send nothing new, retries resume
   from the ledger and never re-render. Without that Connection the task is skipped.

Reads only the Parquet snapshot of the marts, never the live warehouse, so it needs no pool.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from reportflow.delivery.signoff import SIGN_OFF_TASK_ID, SignOffOperator
from reportflow.orchestration.wiring import DEFAULT_ARGS, task_settings
from reportflow.periods import BEIJING_TZ_NAME, OPTIONAL_PERIOD_PATTERN


@dag(
    dag_id="publish_bulletin",
    dag_display_name="Publish the monthly bulletin",
    schedule="0 8 6 * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=BEIJING_TZ_NAME),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["reportflow", "bulletin"],
    params={
        "period": Param(
            "",
            type="string",
            pattern=OPTIONAL_PERIOD_PATTERN,
            description="Month to publish, YYYY-MM; empty for the month before the run date.",
        )
    },
    doc_md=__doc__,
)
def publish_bulletin() -> None:
    @task
    def resolve_period() -> str:
        from reportflow.pipeline import period_for_run

        task_settings()  # an unusable setting fails the run here, before anything renders
        context = get_current_context()
        return period_for_run(context["params"].get("period"), context["dag_run"].run_after)

    @task(retries=0)
    def gate(period: str) -> dict:
        from reportflow.pipeline import publication_gate

        return publication_gate(period, task_settings())

    @task
    def render_city(period: str) -> list[str]:
        from reportflow.pipeline import render_city_once

        return render_city_once(period, task_settings())

    @task
    def county_codes() -> list[str]:
        from reportflow.contract import counties

        return [county.code for county in counties()]

    @task(max_active_tis_per_dag=4)
    def render_county(county_code: str, period: str) -> list[str]:
        from reportflow.pipeline import render_county_once

        return render_county_once(period, county_code, task_settings())

    @task
    def export_indicators(period: str) -> str:
        from reportflow.pipeline import export_indicators_once

        return export_indicators_once(period, task_settings())

    @task
    def write_index() -> str:
        from reportflow.pipeline import write_index_once

        return write_index_once(task_settings())

    @task
    def prepare_review(period: str) -> str:
        from reportflow.pipeline import review_once

        return review_once(period, task_settings())

    @task(retries=0)
    def record_approval(period: str, response: dict) -> dict:
        from reportflow.pipeline import record_approval_once

        return record_approval_once(period, response, task_settings())

    @task(retries=3, retry_delay=timedelta(minutes=5))
    def deliver(period: str) -> str:
        from airflow.sdk.exceptions import AirflowSkipException

        from reportflow.delivery.smtp import NoSmtpConnection
        from reportflow.pipeline import deliver_once

        try:
            return deliver_once(period, task_settings())
        except NoSmtpConnection as error:  # mail not configured here: nothing to send
            raise AirflowSkipException(str(error)) from error

    period = resolve_period()
    checked = gate(period)
    city = render_city(period)
    per_county = render_county.partial(period=period).expand(county_code=county_codes())
    exported = export_indicators(period)
    checked >> [city, per_county, exported]
    index = write_index()
    review = prepare_review(period)
    sign_off = SignOffOperator(
        task_id=SIGN_OFF_TASK_ID,
        subject="审核：湛江市党建指导员工作月报（{{ ti.xcom_pull(task_ids='resolve_period') }}）",
        body="{{ ti.xcom_pull(task_ids='prepare_review') }}",
        retries=0,
    )
    approved = record_approval(period, sign_off.output)
    [city, per_county, exported] >> index >> review >> sign_off
    approved >> deliver(period)


publish_bulletin()
