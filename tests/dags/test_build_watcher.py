"""build_indicators runs one dbt build and still fails exactly the broken model and what follows.

Why: in Cosmos watcher mode one producer task runs ``dbt build`` for the whole project and
each model's task only reports that model's result. A real ``dag.test()`` on a warehouse whose
raw table lost a column must fail that model's staging task, mark the models built on it
``upstream_failed``, let independent models succeed, and stop the run before quality checks.
"""

from __future__ import annotations

from reportflow.config import Settings
from reportflow.pipeline import initialise_home
from reportflow.warehouse import connect


def test_a_broken_model_fails_its_task_and_the_ones_after_it(dagbag, data_home: Settings) -> None:
    initialise_home(data_home)
    with connect(data_home.warehouse_path) as con:
        con.execute("alter table raw.instructors drop column town_code")

    run = dagbag.dags["build_indicators"].test()

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "failed"
    assert states["prepare_calendar"] == "success"
    assert states["dbt.dbt_producer_watcher"] == "failed"
    assert states["dbt.stg_instructors.run"] == "failed"
    for after in ("int_snapshot_measures", "int_unit_indicators", "fct_indicators_wide"):
        assert states[f"dbt.{after}.run"] == "upstream_failed", after
    for independent in ("stg_disputes.run", "stg_disputes.test", "stg_outreach.run"):
        assert states[f"dbt.{independent}"] == "success", independent
    for seed in ("ref_counties", "ref_towns", "ref_forms", "ref_indicators"):
        assert states[f"dbt.{seed}.seed"] == "success", seed
    # A test task reports every test of its model, including relationship tests shared with
    # the models after the broken one, which dbt skipped: those tasks fail too, nothing else.
    failed = {task for task, state in states.items() if state == "failed"}
    others = failed - {"dbt.dbt_producer_watcher", "dbt.stg_instructors.run"}
    assert all(task.endswith(".test") for task in others), others
    assert states["check_quality"] == "upstream_failed"
    assert states["stage_snapshot"] == "upstream_failed"
    assert states["switch_snapshot"] == "upstream_failed"
    assert not data_home.snapshot_pointer.exists()
