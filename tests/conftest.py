"""Test-wide set-up: a private Airflow home (SQLite) configured before Airflow is imported."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportflow.config import Settings
from reportflow.orchestration.local import airflow_environment, prepare_airflow
from tests.smtp_server import Inbox, local_smtp_server

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="reportflow-test-"))
os.environ.update(airflow_environment(Settings(home=_SESSION_HOME)))
os.environ["REPORTFLOW_STABLE_SECONDS"] = "0"


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the session's Airflow metadata database once and create the writer pool."""
    settings = Settings(home=_SESSION_HOME)
    prepare_airflow(settings)
    return settings.airflow_home


@pytest.fixture()
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh, empty data home for one test, selected through REPORTFLOW_HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("REPORTFLOW_HOME", str(home))
    return Settings(home=home, stable_seconds=0)


@pytest.fixture()
def smtp_inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on localhost for one test, set as the Connection ``reportflow_smtp``."""
    with local_smtp_server(monkeypatch) as inbox:
        yield inbox
