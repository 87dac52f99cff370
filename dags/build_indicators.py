"""
### build_indicators

Runs when `ingest_submissions` has loaded new raw data (Asset `reportflow://warehouse/raw`).

1. **prepare_calendar**: writes `raw.reporting_periods`, each month's bounds and submission
   deadline from `reportflow.periods.Period`; the models read deadlines from it.
2. **dbt** (astronomer-cosmos task group, loaded from the dbt manifest, one task per model
   running `dbt build` so each model's tests run right after it): staging → intermediate → marts.
3. **check_quality**: the Great Expectations suites of `expectations/` (raw contract, marts
   policy, cross-month consistency, plausibility) over every period. Each result becomes a row of
   `quality.results`; the log lists each suite's passed/failed counts and every failure; the Data
   Docs site is rebuilt in `quality/data_docs/`. A *blocking* failure holds back its period only
   (the publish gate refuses it); *warnings* reach the bulletin as 数据质量提示.
4. **export_snapshot**: Parquet copies of the reporting marts, read by `publish_bulletin`;
   updates the Asset `reportflow://warehouse/marts`.
5. **publish_docs**: `dbt docs generate` as a static site in the data home.

Every task that touches the warehouse runs in the `warehouse_writer` pool (one slot).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

from reportflow.cosmos_config import dbt_task_group
from reportflow.orchestration import DEFAULT_ARGS, MARTS_ASSET, POOL, RAW_ASSET, task_settings


@dag(
    dag_id="build_indicators",
    schedule=[RAW_ASSET],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["reportflow", "dbt", "quality"],
    doc_md=__doc__,
)
def build_indicators() -> None:
    dbt = dbt_task_group(group_id="dbt", pool=POOL)

    @task(pool=POOL)
    def prepare_calendar() -> int:
        from reportflow.pipeline import prepare_build_once

        return prepare_build_once(task_settings())

    @task(pool=POOL, retries=0, execution_timeout=timedelta(minutes=20))
    def check_quality() -> dict:
        """Failing expectations are a data problem: retrying would not fix them."""
        from reportflow.pipeline import check_quality_once

        return check_quality_once(task_settings())

    @task(pool=POOL, outlets=[MARTS_ASSET])
    def export_snapshot() -> list[str]:
        from reportflow.pipeline import export_snapshot_once

        return export_snapshot_once(task_settings())

    @task(pool=POOL)
    def publish_docs() -> str:
        from reportflow.pipeline import publish_docs_once

        return publish_docs_once(task_settings())

    prepare_calendar() >> dbt >> check_quality() >> export_snapshot() >> publish_docs()


build_indicators()
