"""
### publish_bulletin

Monthly, on the 6th at 08:00 Asia/Shanghai (after the deadline on the 5th), for the previous
month; trigger it with the param `period` (`YYYY-MM`) to publish or re-publish any month.
Reads only the Parquet snapshot of the marts, never the live warehouse: it needs no pool.

1. **resolve_period**: the `period` param, or the month before the run's `run_after` (the
   scheduled time, or when a manual or API run was triggered; Beijing time).
2. **gate**: refuses the period if the current snapshot's quality verdict has a *blocking*
   failure in it (named: expectation, county, value); logs warnings and who has not reported.
   Starts the period's staging set, removing what a killed run left.
3. **render_city**, **render_county** (one mapped task per county), **export_indicators**:
   bulletins (HTML, PDF) and `indicators.csv` into the staging set, which readers do not see;
   **publish_set** switches it and the archive page `bulletins/index.html` in as one unit.
4. **prepare_review**: freezes the PDFs to review in `delivery/approved/<period>/<token>/`,
   drafts with a 草稿 watermark from them in `bulletins/<period>/draft/`; checks recipients.
5. **sign_off**: Airflow's human-in-the-loop ApprovalOperator: approve or reject (with a
   comment) in Required Actions, the REST API or `reportflow approve`; a rejection goes to the
   delivery ledger, nothing is sent. `REPORTFLOW_AUTO_APPROVE=1` (demo) approves by itself.
6. **record_approval**: who approved the reviewed set and when, into the delivery ledger:
   exactly those PDFs (no watermark) are mailed, even if the month was re-published meanwhile.
7. **deliver**: each reader in `recipients.yaml` gets their edition once, through the Airflow
   Connection `reportflow_smtp`; re-runs send nothing new, retries resume from the ledger and
   never re-render. Without that Connection the task is skipped.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from reportflow import pipeline
from reportflow.delivery.signoff import SIGN_OFF_TASK_ID, SignOffOperator
from reportflow.delivery.smtp import skipped_without_connection
from reportflow.orchestration.wiring import DEFAULT_ARGS, task_settings
from reportflow.periods import BEIJING_TZ_NAME, OPTIONAL_PERIOD_PATTERN

PERIOD_HELP = "Month to publish, YYYY-MM; empty for the month before the run date."


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
        "period": Param("", type="string", pattern=OPTIONAL_PERIOD_PATTERN, description=PERIOD_HELP)
    },
    doc_md=__doc__,
)
def publish_bulletin() -> None:
    @task
    def resolve_period() -> str:
        task_settings()  # an unusable setting fails the run here, before anything renders
        context = get_current_context()
        return pipeline.period_for_run(
            context["params"].get("period"), context["dag_run"].run_after
        )

    @task(retries=0)
    def gate(period: str) -> dict:
        return pipeline.open_publication_once(period, task_settings())

    @task
    def render_city(period: str) -> list[str]:
        return pipeline.render_city_once(period, task_settings())

    @task
    def county_codes() -> list[str]:
        return pipeline.county_codes()

    @task(max_active_tis_per_dag=4)
    def render_county(county_code: str, period: str) -> list[str]:
        return pipeline.render_county_once(period, county_code, task_settings())

    @task
    def export_indicators(period: str) -> str:
        return pipeline.export_indicators_once(period, task_settings())

    @task
    def publish_set(period: str) -> str:
        return pipeline.commit_once(period, task_settings())

    @task
    def prepare_review(period: str) -> dict[str, str]:
        return pipeline.review_once(period, task_settings())

    @task(retries=0)
    def record_approval(period: str, response: dict, review: dict[str, str]) -> dict:
        return pipeline.record_approval_once(period, response, review["review"], task_settings())

    @task(retries=3, retry_delay=timedelta(minutes=5))
    def deliver(period: str) -> str:
        with skipped_without_connection():  # mail not configured here: nothing to send
            return pipeline.deliver_once(period, task_settings())

    period = resolve_period()
    per_county = render_county.partial(period=period).expand(county_code=county_codes())
    staged = [render_city(period), per_county, export_indicators(period)]
    gate(period) >> staged
    sign_off = SignOffOperator(
        task_id=SIGN_OFF_TASK_ID,
        period=period,
        subject="审核：湛江市党建指导员工作月报（{{ ti.xcom_pull(task_ids='resolve_period') }}）",
        body="{{ ti.xcom_pull(task_ids='prepare_review')['body'] }}",
        retries=0,
    )
    review = prepare_review(period)
    staged >> publish_set(period) >> review >> sign_off
    record_approval(period, sign_off.output, review) >> deliver(period)


publish_bulletin()
