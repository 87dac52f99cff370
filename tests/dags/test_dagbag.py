"""The DAG folder imports cleanly and holds exactly the four DAGs, wired as designed.

Every assertion here is about every DAG and every task, so a task added without a timeout,
a pool or a decision about retries fails this file.
"""

from __future__ import annotations

import pytest

from reportflow.config import INGEST_CYCLE, PROJECT_ROOT
from reportflow.housekeeping import HOUSEKEEPING_SCHEDULE
from reportflow.orchestration.local import WAREHOUSE_POOL
from reportflow.orchestration.wiring import NO_RETRY, TASK_TIMEOUT, must_not_retry

EXPECTED_DAG_IDS = {
    "ingest_submissions",
    "build_indicators",
    "publish_bulletin",
    "housekeeping",
    "send_alerts",
}
#: DAGs whose every task may write the warehouse, hence runs in the one-slot writer pool.
WRITER_DAGS = {"ingest_submissions", "build_indicators"}
TAGS = {
    "ingest_submissions": {"reportflow", "intake"},
    "build_indicators": {"reportflow", "dbt", "quality"},
    "publish_bulletin": {"reportflow", "bulletin"},
    "housekeeping": {"reportflow", "maintenance"},
    "send_alerts": {"reportflow", "alerts"},
}


@pytest.fixture(scope="module")
def dagbag(airflow_db, manifest):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def _tasks(dagbag):
    return [
        (dag_id, task) for dag_id in sorted(EXPECTED_DAG_IDS) for task in dagbag.dags[dag_id].tasks
    ]


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_exact_dag_ids(dagbag) -> None:
    assert set(dagbag.dag_ids) == EXPECTED_DAG_IDS


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAG_IDS))
def test_documented_named_owned_and_tagged(dagbag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    assert dag.doc_md and dag.doc_md.lstrip().startswith(f"### {dag_id}")
    assert dag.dag_display_name != dag_id  # a readable name, not the id again
    assert set(dag.tags) == TAGS[dag_id]
    assert dag.owner == "reportflow"
    assert dag.max_active_runs == 1 and not dag.catchup


def test_every_task_has_a_timeout_and_an_owner(dagbag) -> None:
    for dag_id, task in _tasks(dagbag):
        assert task.owner == "reportflow", (dag_id, task.task_id)
        assert task.execution_timeout == TASK_TIMEOUT, (dag_id, task.task_id)


def test_exactly_the_listed_tasks_do_not_retry(dagbag) -> None:
    """Every task retries with exponential backoff, except those NO_RETRY lists (and says why)."""
    for dag_id, task in _tasks(dagbag):
        if must_not_retry(dag_id, task.task_id):
            assert task.retries == 0, (dag_id, task.task_id)
        else:
            assert task.retries >= 1, (dag_id, task.task_id)
            assert task.retry_exponential_backoff, (dag_id, task.task_id)
            assert task.max_retry_delay is not None, (dag_id, task.task_id)


def test_no_retry_list_names_only_existing_tasks(dagbag) -> None:
    """A stale entry (a renamed task) would silently let the renamed task retry."""
    for dag_id, entries in NO_RETRY.items():
        task_ids = dagbag.dags[dag_id].task_ids
        for entry in entries:
            assert any(t == entry or t.startswith(f"{entry}.") for t in task_ids), entry


def test_warehouse_writers_share_the_single_slot_pool(dagbag) -> None:
    for dag_id, task in _tasks(dagbag):
        if dag_id in WRITER_DAGS:
            assert task.pool == WAREHOUSE_POOL, (dag_id, task.task_id)
        else:
            assert task.pool != WAREHOUSE_POOL, (dag_id, task.task_id)


def test_schedules(dagbag) -> None:
    """Ingest polls, build follows the raw Asset, publish runs monthly, alerts daily and
    housekeeping daily at a quiet hour, all in Beijing time."""
    assert dagbag.dags["ingest_submissions"].timetable.delta == INGEST_CYCLE
    build = dagbag.dags["build_indicators"]
    assert "reportflow://warehouse/raw" in str(build.timetable.asset_condition)
    publish = dagbag.dags["publish_bulletin"].timetable
    assert publish.expression == "0 8 6 * *"
    assert str(publish.timezone.name) == "Asia/Shanghai"
    housekeeping = dagbag.dags["housekeeping"].timetable
    assert housekeeping.expression == HOUSEKEEPING_SCHEDULE == "30 3 * * *"
    assert str(housekeeping.timezone.name) == "Asia/Shanghai"

    alerts = dagbag.dags["send_alerts"].timetable
    assert alerts.expression == "0 9 * * *"
    assert str(alerts.timezone.name) == "Asia/Shanghai"


def test_every_task_alerts_the_engineers_on_failure(dagbag) -> None:
    """Failures are mailed once per cause; success or a skip clears the cause."""
    from reportflow.alerts.failure import on_task_failure, on_task_recovered

    for dag_id, task in _tasks(dagbag):
        assert on_task_failure in task.on_failure_callback, (dag_id, task.task_id)
        assert on_task_recovered in task.on_success_callback, (dag_id, task.task_id)
        assert on_task_recovered in task.on_skipped_callback, (dag_id, task.task_id)


def test_dbt_runs_one_build_and_one_watcher_per_model_and_its_tests(dagbag) -> None:
    build = dagbag.dags["build_indicators"]
    producer = build.get_task("dbt.dbt_producer_watcher")
    assert type(producer).__name__ == "DbtProducerWatcherOperator"
    assert producer.upstream_task_ids == {"prepare_calendar"}
    watchers = [t for t in build.tasks if t.task_id.startswith("dbt.") and t is not producer]
    assert "dbt.fct_indicators.run" in build.task_ids
    assert "dbt.fct_indicators.test" in build.task_ids
    for watcher in watchers:
        if watcher.task_id.endswith((".run", ".seed", ".test")):
            assert not watcher.deferrable, watcher.task_id
            assert producer.task_id in watcher.get_flat_relative_ids(upstream=True), watcher.task_id


def test_only_the_projects_own_assets(dagbag) -> None:
    """Cosmos emits no per-model Assets (absolute-path URIs): only raw and marts exist."""
    uris = {
        asset.uri
        for _dag_id, task in _tasks(dagbag)
        for asset in [*task.outlets, *task.inlets]
        if hasattr(asset, "uri")
    }
    assert uris == {"reportflow://warehouse/raw", "reportflow://warehouse/marts"}
    for _dag_id, task in _tasks(dagbag):
        assert not getattr(task, "emit_datasets", False), task.task_id


def test_assets_chain_the_dags(dagbag) -> None:
    ingest = dagbag.dags["ingest_submissions"].get_task("ingest_drop_folders")
    build = dagbag.dags["build_indicators"]
    assert [a.uri for a in ingest.outlets] == ["reportflow://warehouse/raw"]
    switch = build.get_task("switch_snapshot")
    assert [a.uri for a in switch.outlets] == ["reportflow://warehouse/marts"]
    assert build.get_task("stage_snapshot").downstream_task_ids == {"check_quality", switch.task_id}
    assert build.get_task("check_quality").downstream_task_ids == {switch.task_id}
    assert "publish_docs" not in build.task_ids  # dbt docs are on demand, off the build


def test_publish_fans_out_per_county(dagbag) -> None:
    publish = dagbag.dags["publish_bulletin"]
    assert "render_county" in publish.task_ids
    assert publish.params["period"] == ""


def test_nothing_is_mailed_before_sign_off(dagbag) -> None:
    """Delivery depends on the human-in-the-loop approval, and rejection skips it."""
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    publish = dagbag.get_dag("publish_bulletin")
    sign_off = publish.get_task("sign_off")
    assert isinstance(sign_off, ApprovalOperator) and sign_off.retries == 0
    assert sign_off.downstream_task_ids == {"record_approval"}
    assert publish.get_task("record_approval").downstream_task_ids == {"deliver"}
    assert "sign_off" in publish.get_task("deliver").get_flat_relative_ids(upstream=True)
