"""The dbt project as an Airflow task group (astronomer-cosmos ``ExecutionMode.WATCHER``).

Why the watcher mode: Cosmos's default mode starts one dbt process per node (about 5 s of fixed
cost each), which made the DAG run five times slower than ``reportflow build``. In watcher mode
one *producer* task runs a single ``dbt build`` (threads from the settings) and pushes each
node's result to XCom as dbt reports it; one small *watcher* task per model (and one per model's
tests) turns that result into a task state, so Airflow still shows every model and its tests.

How it is wired here, and why:

* The producer runs dbt in a **subprocess**: dbt-duckdb keeps the DuckDB file open in the
  process that ran it, which would lock the warehouse against the next task of the same worker.
* The watchers run **after** the producer has finished (the producer is their upstream, with
  trigger rule ``one_done`` so a failed build still lets each watcher report its own node): a
  watcher then resolves on its first look, nothing polls, and ``airflow dags test`` (which runs
  tasks one at a time, in no fixed order) can never start a watcher that waits for a producer
  that cannot run. A failed model fails its own task; the models after it are skipped by dbt and
  are ``upstream_failed`` in Airflow. A ``.test`` task reports every test of its node, including
  relationship tests shared with later models: when dbt skips those, that task fails as well.
* Watchers are plain (non-deferrable) sensors: the first look always answers, so deferring to a
  triggerer would only add latency.
* Cosmos's per-model Assets (absolute-path URIs) are not emitted: the Assets view lists only the
  project's own (raw, marts).
* The task group is loaded from ``manifest.json`` (no ``dbt ls`` at parse time). Cosmos copies
  the newest ``partial_parse.msgpack`` (from ``dbt_project/target`` or its cache) into each run,
  so the producer's ``dbt build`` re-parses only what changed.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
)
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from reportflow.config import DBT_PROJECT_DIR, MANIFEST_PATH

#: Task id of the producer inside the group (Cosmos's own name for it).
PRODUCER_TASK = "dbt_producer_watcher"

#: A watcher only reads the producer's result; if it has none yet it looks again this often.
WATCHER_POKE_SECONDS = 2

#: Jinja macro (registered on the DAG) that renders the configured dbt thread count at run time.
THREADS_MACRO = "dbt_threads"


def dbt_threads() -> int:
    """The validated ``REPORTFLOW_DBT_THREADS`` setting, read when the producer task renders.

    A Jinja macro rather than a value fixed at parse time: the DAG processor's environment is
    not the worker's, and settings are only ever read when a task runs.
    """
    from reportflow.config import load_settings

    return load_settings().dbt_threads


def dbt_task_group(group_id: str, pool: str, execution_timeout: timedelta) -> DbtTaskGroup:
    """One ``dbt build`` (the producer) and one watcher task per model and per model's tests.

    Every task is in the writer pool: the producer writes the warehouse, and a watcher that is
    cleared by hand re-runs its own node with dbt, which writes too.
    """
    if not MANIFEST_PATH.exists():
        raise FileNotFoundError(
            f"dbt manifest missing at {MANIFEST_PATH}: run `reportflow init` (it runs dbt parse)"
        )
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=MANIFEST_PATH,
            project_name="reportflow",
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name="reportflow",
            target_name="local",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=Path(sys.executable).parent / "dbt",
            # the producer's own arguments, on top of operator_args
            setup_operator_args={"dbt_cmd_flags": ["--threads", "{{ " + THREADS_MACRO + "() }}"]},
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            emit_datasets=False,
        ),
        operator_args={
            "pool": pool,
            "install_deps": False,
            "deferrable": False,
            "poke_interval": WATCHER_POKE_SECONDS,
            "timeout": execution_timeout.total_seconds(),
            "retries": 0,
            "execution_timeout": execution_timeout,
        },
    )
    _watchers_after_producer(group)
    return group


def _watchers_after_producer(group: DbtTaskGroup) -> None:
    """Make the producer the only root of the group; its first watchers run once it is done.

    ``one_done``: a failed build still lets each first watcher report its own node's result;
    if the producer never ran (an earlier task failed) they are skipped, and so is the rest.
    """
    from airflow.sdk import TriggerRule

    producer = group.get_child_by_label(PRODUCER_TASK)
    done = group.get_child_by_label(f"{PRODUCER_TASK}_done")
    done.retries, done.pool = 0, producer.pool  # Cosmos's own marker task, like its siblings
    for root in list(group.get_roots()):
        if root is producer:
            continue
        producer >> root
        root.trigger_rule = TriggerRule.ONE_DONE
