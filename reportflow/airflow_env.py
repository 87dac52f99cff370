"""The environment of the embedded Airflow: SQLite metadata inside the data home, no examples.

The demo, ``make airflow`` and the CLI's Airflow commands all start Airflow through this one
function, so the scheduler, the API server and ``airflow dags test`` agree on where things are.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reportflow.config import PROJECT_ROOT, Settings

WAREHOUSE_POOL = "warehouse_writer"


def airflow_environment(settings: Settings) -> dict[str, str]:
    """Environment variables for every embedded Airflow process (added to os.environ)."""
    home = settings.airflow_home
    return {
        **os.environ,
        "REPORTFLOW_HOME": str(settings.home),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "AIRFLOW__API__PORT": os.environ.get("AIRFLOW__API__PORT", "8080"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def run_airflow(
    settings: Settings, *args: str, check: bool = True, log_path: Path | None = None
) -> int:
    """Run the ``airflow`` command of this virtual environment with the embedded settings.

    With ``log_path``, Airflow's (long) output goes to that file instead of the terminal.
    """
    airflow = str(Path(sys.executable).parent / "airflow")
    command = [airflow, *args]
    environment = airflow_environment(settings)
    if log_path is None:
        completed = subprocess.run(command, env=environment, check=False, cwd=PROJECT_ROOT)
    else:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w", encoding="utf-8") as log:
            completed = subprocess.run(
                command, env=environment, check=False, cwd=PROJECT_ROOT, stdout=log, stderr=log
            )
    if check and completed.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed with exit code {completed.returncode}")
    return completed.returncode


def prepare_airflow(settings: Settings) -> None:
    """Create or upgrade the metadata database and the single-slot warehouse writer pool."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    run_airflow(settings, "db", "migrate", log_path=settings.airflow_home / "db-migrate.log")
    run_airflow(
        settings,
        "pools",
        "set",
        WAREHOUSE_POOL,
        "1",
        "DuckDB allows one writer: every task that writes the warehouse takes this slot",
        log_path=settings.airflow_home / "pools.log",
    )
