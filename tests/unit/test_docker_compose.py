"""The distributed configuration, checked statically (no Docker engine runs on these machines)."""

from __future__ import annotations

import yaml

from reportflow.config import PROJECT_ROOT

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}


def test_services_cover_celery_postgres_and_redis() -> None:
    assert AIRFLOW_SERVICES | {"postgres", "redis"} == set(COMPOSE["services"])


def test_every_airflow_service_shares_image_settings_and_data_home() -> None:
    for name in AIRFLOW_SERVICES:
        service = COMPOSE["services"][name]
        environment = service["environment"]
        assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
        assert environment["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert environment["REPORTFLOW_HOME"] == "/data"
        assert environment["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Shanghai"
        assert "reportflow-data:/data" in service["volumes"]
        assert service["image"] == "reportflow:latest"


def test_init_creates_the_writer_pool_with_the_one_set_up_command_and_workers_scale() -> None:
    """The pool is declared once (orchestration.local); compose and make use one command."""
    assert "reportflow airflow-setup --configured" in COMPOSE["services"]["airflow-init"]["command"]
    assert "pools set" not in COMPOSE["services"]["airflow-init"]["command"]
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "reportflow airflow-setup" in makefile and "pools set" not in makefile
    worker = COMPOSE["services"]["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale needs both absent


def test_image_uses_the_same_dags_and_lock_file() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "requirements.lock" in dockerfile and "fonts-noto-cjk" in dockerfile
    assert "AIRFLOW__CORE__DAGS_FOLDER=/opt/reportflow/dags" in dockerfile
