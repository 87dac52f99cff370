"""
### build_indicators: raw submissions → checked indicator marts

Runs when `ingest_submissions` has loaded new raw data (Asset `reportflow://warehouse/raw`).
The same work as `reportflow build` on the command line.

1. **prepare_calendar**: writes `raw.reporting_periods` (each month's bounds and deadline,
   from `reportflow.periods.Period`); the models read deadlines from it.
2. **dbt.dbt_producer_watcher**: one `dbt build` of the whole project (seeds, models and
   tests; threads from `REPORTFLOW_DBT_THREADS`).
3. **dbt.&lt;model&gt;.run** and **.test**: one task per model and one per model's tests, each
   reporting its node's result from that build (Cosmos watcher mode). A failed model fails
   its own task and the ones after it; its log and compiled SQL are on that task.
4. **stage_snapshot**: Parquet copies of the reporting marts in a new snapshot version,
   not yet visible to `publish_bulletin`.
5. **check_quality**: the Great Expectations suites of `expectations/` (raw contract, marts
   policy, cross-month consistency, plausibility) over every period. Each result becomes a row
   of `quality.results`; the verdict is written into the staged snapshot version it judges;
   the log lists each suite's passed/failed counts and every failure; the Data Docs site is
   rebuilt in `quality/data_docs/`. A *blocking* failure holds back its period only (the
   publish gate refuses it); *warnings* reach the bulletin as 数据质量提示.
6. **switch_snapshot**: one atomic pointer switch makes the new tables and their verdict
   current together; updates the Asset `reportflow://warehouse/marts`.

**Pool**: every task runs in `warehouse_writer` (one slot: DuckDB has one writer).
**Retries**: two, backing off exponentially, except the dbt group and `check_quality` (see
`reportflow.orchestration.wiring.NO_RETRY`): to re-run a failed build, trigger the DAG again.
**Docs**: the dbt docs site is not built here; run `reportflow docs` when you want it.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from reportflow.orchestration.dbt_group import THREADS_MACRO, dbt_task_group, dbt_threads
from reportflow.orchestration.wiring import (
    DEFAULT_ARGS,
    MARTS_ASSET,
    POOL,
    RAW_ASSET,
    TASK_TIMEOUT,
    task_settings,
)


@dag(
    dag_id="build_indicators",
    dag_display_name="Build indicators (dbt + quality)",
    schedule=[RAW_ASSET],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["reportflow", "dbt", "quality"],
    user_defined_macros={THREADS_MACRO: dbt_threads},
    doc_md=__doc__,
)
def build_indicators() -> None:
    @task(pool=POOL, task_display_name="Prepare reporting calendar")
    def prepare_calendar() -> int:
        from reportflow.pipeline import prepare_build_once

        return prepare_build_once(task_settings())

    dbt = dbt_task_group(group_id="dbt", pool=POOL, execution_timeout=TASK_TIMEOUT)

    @task(pool=POOL, task_display_name="Stage a new snapshot version")
    def stage_snapshot() -> str:
        from reportflow.pipeline import stage_snapshot_once

        return stage_snapshot_once(task_settings())

    @task(pool=POOL, retries=0, task_display_name="Check quality (Great Expectations)")
    def check_quality(version: str) -> dict:
        """Failing expectations are a data problem: retrying would not fix them."""
        from reportflow.pipeline import check_quality_once

        return check_quality_once(version, task_settings())

    @task(pool=POOL, outlets=[MARTS_ASSET], task_display_name="Switch readers to it")
    def switch_snapshot(version: str) -> str:
        from reportflow.pipeline import switch_snapshot_once

        return switch_snapshot_once(version, task_settings())

    version = stage_snapshot()
    checked = check_quality(version)
    prepare_calendar() >> dbt >> version
    checked >> switch_snapshot(version)


build_indicators()
