"""The distributed configuration, checked statically (no Docker engine runs on these machines)."""

from __future__ import annotations

import json
import re

import jsonschema
import yaml

from reportflow.config import PROJECT_ROOT
from reportflow.orchestration.local import Distributed
from tests.airflow_cluster import COMPONENTS

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
#: The Compose Specification's own schema, vendored with its source (see SOURCE.md beside it).
COMPOSE_SCHEMA = PROJECT_ROOT / "tests" / "fixtures" / "compose_spec" / "compose-spec.json"
#: The long-running Airflow services are exactly the processes the distributed test runs.
AIRFLOW_SERVICES = {"airflow-init"} | {component.service for component in COMPONENTS}


def test_compose_file_is_valid_under_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in jsonschema.Draft7Validator(schema).iter_errors(COMPOSE)
    ]
    assert errors == []


def test_the_schema_rejects_what_compose_would_reject() -> None:
    """The validation can fail: a misspelt service key is an error under the vendored schema."""
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    broken = {"services": {"redis": {"image": "redis:7", "comand": "redis-server"}}}
    assert not jsonschema.Draft7Validator(schema).is_valid(broken)


def test_services_cover_celery_postgres_redis_and_mailpit() -> None:
    assert AIRFLOW_SERVICES | {"postgres", "redis", "mailpit"} == set(COMPOSE["services"])


def test_airflow_services_run_the_commands_the_distributed_test_runs() -> None:
    for component in COMPONENTS:
        service = COMPOSE["services"][component.service]
        assert service["command"] == " ".join(("airflow", *component.command))
        assert service.get("deploy", {}).get("replicas", 1) == component.replicas


def test_services_carry_every_setting_of_the_distributed_environment() -> None:
    """The keys that ``Distributed`` sets for the tested cluster are set here too."""
    keys = Distributed("postgresql://db", "redis://broker", "http://api", "secret").environment()
    for name in AIRFLOW_SERVICES:
        assert set(keys) <= set(COMPOSE["services"][name]["environment"]), name


def test_mail_goes_to_mailpit_unless_a_real_server_is_configured() -> None:
    from airflow.models.connection import Connection

    mailpit = COMPOSE["services"]["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit:")
    assert "8025:8025" in mailpit["ports"]
    setting = COMPOSE["services"]["airflow-worker"]["environment"]["AIRFLOW_CONN_REPORTFLOW_SMTP"]
    default = re.fullmatch(r"\$\{AIRFLOW_CONN_REPORTFLOW_SMTP:-(.+)\}", setting).group(1)
    connection = Connection(conn_id="reportflow_smtp", uri=default)
    assert (connection.conn_type, connection.host, connection.port) == ("smtp", "mailpit", 1025)
    assert connection.extra_dejson["from_email"] == "bulletin@reportflow.example"


def test_housekeeping_cleans_the_metadata_database_the_services_use() -> None:
    """The Connection the housekeeping DAG reads names the same database as Airflow itself."""
    from airflow.models.connection import Connection

    environment = COMPOSE["services"]["airflow-worker"]["environment"]
    connection = Connection.from_json(
        environment["AIRFLOW_CONN_REPORTFLOW_METADATA_DB"], conn_id="reportflow_metadata_db"
    )
    assert (
        connection.extra_dejson["sql_alchemy_conn"]
        == environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    )


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
