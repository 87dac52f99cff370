"""The embedded Airflow shows Beijing time and keeps the logs of ``dags test`` runs.

Why: the people who run reportflow work in Beijing time, and ``airflow dags test`` writes no
task log files of its own, so its output is the only record of such a run.
"""

from __future__ import annotations

from pathlib import Path

from reportflow.config import Settings
from reportflow.orchestration.local import (
    Distributed,
    airflow_environment,
    dags_test_log,
    run_airflow,
)


def test_embedded_airflow_uses_beijing_time(tmp_path: Path) -> None:
    environment = airflow_environment(Settings(home=tmp_path))
    assert environment["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Shanghai"


def test_distributed_airflow_is_the_embedded_one_with_celery_postgres_and_redis(
    tmp_path: Path,
) -> None:
    """One configuration: the distributed one changes only where the components meet."""
    settings = Settings(home=tmp_path)
    shared = Distributed(
        database_url="postgresql+psycopg2://airflow@db/airflow",
        broker_url="redis://broker:6379/0",
        api_url="http://api:8080",
        jwt_secret="s3cret",
    )
    embedded = airflow_environment(settings)
    distributed = airflow_environment(settings, shared)
    changed = {key for key in distributed if distributed[key] != embedded.get(key)}
    assert changed == set(shared.environment())
    assert distributed["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert distributed["AIRFLOW__CELERY__RESULT_BACKEND"] == f"db+{shared.database_url}"
    assert distributed["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://api:8080/execution/"


def test_dags_test_output_is_kept_in_the_data_home(tmp_path: Path, capsys) -> None:
    """A real ``airflow`` process (its version) through the teed path: terminal and file."""
    settings = Settings(home=tmp_path)
    log = dags_test_log(settings)
    assert log.parent == tmp_path / "logs"
    code = run_airflow(settings, "version", check=False, log_path=log, tee=True)
    shown = capsys.readouterr().out
    assert code == 0 and shown.strip()
    assert log.read_text(encoding="utf-8") == shown
