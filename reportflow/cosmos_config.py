"""The dbt project as an Airflow task group (astronomer-cosmos), loaded from the dbt manifest.

Loading from ``manifest.json`` instead of running ``dbt ls`` keeps DAG parsing fast; the
manifest is produced by ``reportflow init`` / ``make`` set-up (``dbt parse``). Each model
becomes one task running ``dbt build`` for that node, so its tests run right after it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
)
from cosmos.constants import InvocationMode, LoadMode, TestBehavior

from reportflow.config import DBT_PROJECT_DIR
from reportflow.transform import MANIFEST_PATH


def dbt_task_group(group_id: str, pool: str) -> DbtTaskGroup:
    """One task per dbt node, in the writer pool, each in a dbt subprocess.

    A subprocess rather than dbtRunner: dbt-duckdb keeps the DuckDB file open in the process
    that ran it, which would lock the warehouse against the next task run by the same worker.
    """
    if not MANIFEST_PATH.exists():
        raise FileNotFoundError(
            f"dbt manifest missing at {MANIFEST_PATH}: run `reportflow init` (it runs dbt parse)"
        )
    return DbtTaskGroup(
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
            dbt_executable_path=Path(sys.executable).parent / "dbt",
            invocation_mode=InvocationMode.SUBPROCESS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
        ),
        operator_args={
            "pool": pool,
            "install_deps": False,
            "retries": 1,
            # A node's build runs only the tests of that node: with dbt's default (eager),
            # building a seed would also run relationship tests of marts not yet built.
            "dbt_cmd_flags": ["--indirect-selection", "cautious"],
        },
    )
