from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def manifest() -> Path:
    """The dbt manifest Cosmos loads at DAG parse time."""
    from reportflow.config import load_settings
    from reportflow.transform import parse_manifest

    return parse_manifest(load_settings())


@pytest.fixture(scope="module")
def dagbag(airflow_db, manifest):
    """The project's DAG folder parsed once per test module, with no import errors."""
    from airflow.dag_processing.dagbag import DagBag

    from reportflow.config import PROJECT_ROOT

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    return bag
