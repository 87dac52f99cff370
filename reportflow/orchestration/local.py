"""The environment of Airflow: SQLite metadata inside the data home, no examples.

The demo, ``make airflow`` and the CLI's Airflow commands all start Airflow through this one
function, so the scheduler, the API server and ``airflow dags test`` agree on where things are.
The distributed deployment (CeleryExecutor, PostgreSQL, Redis) is the same environment with the
few settings of :class:`Distributed` on top; docker-compose sets the same keys.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from reportflow.config import PROJECT_ROOT, Settings
from reportflow.periods import BEIJING_TZ_NAME

#: The one pool: every task that writes the DuckDB warehouse takes its only slot.
WAREHOUSE_POOL = "warehouse_writer"
WAREHOUSE_POOL_SLOTS = 1
WAREHOUSE_POOL_DESCRIPTION = (
    "DuckDB allows one writer: every task that writes the warehouse takes this slot"
)


@dataclass(frozen=True)
class Distributed:
    """The shared services that turn the embedded Airflow into a distributed one.

    Every component (API server, scheduler, DAG processor, triggerer, each Celery worker) gets
    the same values: the metadata database and broker they meet in, where workers reach the
    Execution API, and the one JWT secret with which the API server checks the tokens that the
    scheduler issued to tasks (a secret generated per process would reject every task).
    """

    database_url: str
    broker_url: str
    api_url: str
    jwt_secret: str

    def environment(self) -> dict[str, str]:
        """The Airflow settings this deployment changes from the embedded ones."""
        return {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{self.database_url}",
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
        }


def airflow_environment(
    settings: Settings, distributed: Distributed | None = None
) -> dict[str, str]:
    """Environment variables for every Airflow process (added to os.environ).

    Embedded (SQLite, LocalExecutor) unless ``distributed`` names the shared services.
    """
    home = settings.airflow_home
    embedded = {
        **os.environ,
        "REPORTFLOW_HOME": str(settings.home),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": BEIJING_TZ_NAME,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # Cosmos keeps dbt's partial parse here between runs; the default (/tmp/cosmos) is shared
        # by every installation on the machine, whose profiles differ, forcing full re-parses.
        "AIRFLOW__COSMOS__CACHE_DIR": str(settings.home / "dbt" / "cosmos"),
        "DO_NOT_TRACK": "1",
        "AIRFLOW__API__PORT": os.environ.get("AIRFLOW__API__PORT", "8080"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return embedded if distributed is None else {**embedded, **distributed.environment()}


def airflow_executable() -> str:
    """The ``airflow`` command of this virtual environment, whatever ``PATH`` says."""
    return str(Path(sys.executable).parent / "airflow")


def run_airflow(
    settings: Settings,
    *args: str,
    check: bool = True,
    log_path: Path | None = None,
    embedded: bool = True,
    tee: bool = False,
) -> int:
    """Run the ``airflow`` command of this virtual environment.

    With ``embedded`` (the default) it runs with the embedded settings above; without, with
    the Airflow configuration of the environment as it is (docker-compose). With
    ``log_path``, Airflow's (long) output goes to that file instead of the terminal, or to
    both with ``tee``.
    """
    command = [airflow_executable(), *args]
    environment = airflow_environment(settings) if embedded else dict(os.environ)
    if log_path is None:
        completed = subprocess.run(command, env=environment, check=False, cwd=PROJECT_ROOT)
    elif tee:
        completed = _run_teed(command, environment, log_path)
    else:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w", encoding="utf-8") as log:
            completed = subprocess.run(
                command, env=environment, check=False, cwd=PROJECT_ROOT, stdout=log, stderr=log
            )
    if check and completed.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed with exit code {completed.returncode}")
    return completed.returncode


def _run_teed(
    command: list[str], environment: dict[str, str], log_path: Path
) -> subprocess.CompletedProcess:
    """Run ``command`` showing its output and keeping a copy in ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            command,
            env=environment,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as process,
    ):
        for line in process.stdout or ():
            sys.stdout.write(line)
            log.write(line)
    return subprocess.CompletedProcess(command, process.returncode)


def dags_test_log(settings: Settings) -> Path:
    """Where a ``dags test`` run keeps its log: such runs write no task log files of their own,
    so without this copy the UI shows nothing for them once the terminal is closed."""
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.home / "logs" / f"dags_test_{stamp}.log"


def prepare_airflow(settings: Settings, *, embedded: bool = True) -> None:
    """Create or upgrade the metadata database and the single-slot warehouse writer pool.

    The one set-up command: ``make airflow``, docker-compose's ``airflow-init`` (through
    ``reportflow airflow-setup``) and the test session all call this, so the pool is declared
    in one place. ``embedded=False`` uses the environment's own Airflow configuration.
    """
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    logs = settings.airflow_home
    run_airflow(settings, "db", "migrate", log_path=logs / "db-migrate.log", embedded=embedded)
    run_airflow(
        settings,
        "pools",
        "set",
        WAREHOUSE_POOL,
        str(WAREHOUSE_POOL_SLOTS),
        WAREHOUSE_POOL_DESCRIPTION,
        log_path=logs / "pools.log",
        embedded=embedded,
    )
