from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def manifest() -> Path:
    """The dbt manifest Cosmos loads at DAG parse time."""
    from reportflow.config import load_settings
    from reportflow.transform import parse_manifest

    return parse_manifest(load_settings())
