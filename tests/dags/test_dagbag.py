"""The DAG folder imports cleanly and holds exactly the three DAGs, wired as designed."""

from __future__ import annotations

import pytest

from reportflow.config import PROJECT_ROOT

EXPECTED_DAG_IDS = {"ingest_submissions", "build_indicators", "publish_bulletin"}


@pytest.fixture(scope="module")
def dagbag(airflow_db, manifest):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_exact_dag_ids(dagbag) -> None:
    assert set(dagbag.dag_ids) == EXPECTED_DAG_IDS


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAG_IDS))
def test_documented_tagged_and_retried(dagbag, dag_id: str) -> None:
    dag = dagbag.get_dag(dag_id)
    assert dag.doc_md and dag_id in dag.doc_md
    assert "reportflow" in dag.tags
    for task in dag.tasks:
        assert task.retries >= 0
    assert any(task.retries > 0 for task in dag.tasks)


def test_warehouse_writers_share_the_single_slot_pool(dagbag) -> None:
    ingest = dagbag.get_dag("ingest_submissions")
    build = dagbag.get_dag("build_indicators")
    writers = [*ingest.tasks, *build.tasks]
    assert writers and all(task.pool == "warehouse_writer" for task in writers)


def test_dbt_runs_as_one_task_per_model(dagbag) -> None:
    build = dagbag.get_dag("build_indicators")
    dbt_tasks = [t for t in build.tasks if t.task_id.startswith("dbt.")]
    assert any("fct_indicators" in t.task_id for t in dbt_tasks)
    assert len(dbt_tasks) >= 5


def test_assets_chain_the_dags(dagbag) -> None:
    ingest = dagbag.get_dag("ingest_submissions").get_task("ingest_drop_folders")
    build = dagbag.get_dag("build_indicators")
    assert [a.uri for a in ingest.outlets] == ["reportflow://warehouse/raw"]
    assert "reportflow://warehouse/raw" in str(build.timetable.asset_condition)
    export = build.get_task("export_snapshot")
    assert [a.uri for a in export.outlets] == ["reportflow://warehouse/marts"]


def test_publish_fans_out_per_county(dagbag) -> None:
    publish = dagbag.get_dag("publish_bulletin")
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
