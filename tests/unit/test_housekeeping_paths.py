"""Where housekeeping looks: the metadata database it cleans and the log folders it sweeps.

Why: a cleanup pointed at the wrong database or folder "succeeds" while the real one keeps
growing, so each fallback must be the embedded installation's own, or fail loudly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reportflow.config import Settings
from reportflow.housekeeping import (
    METADATA_DB_CONN_ID,
    NoMetadataDatabase,
    log_folders,
    metadata_db_url,
)


def test_the_connection_wins_over_the_embedded_database(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    settings.airflow_home.mkdir()
    (settings.airflow_home / "airflow.db").touch()
    assert metadata_db_url(settings, "postgresql+psycopg2://db/airflow") == (
        "postgresql+psycopg2://db/airflow"
    )
    assert metadata_db_url(settings, None) == f"sqlite:///{settings.airflow_home / 'airflow.db'}"


def test_no_database_to_clean_names_the_connection(tmp_path: Path) -> None:
    with pytest.raises(NoMetadataDatabase, match=METADATA_DB_CONN_ID):
        metadata_db_url(Settings(home=tmp_path), None)


def test_each_log_folder_is_swept_once(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    base = tmp_path / "airflow" / "logs"
    folders = log_folders(settings, base, base / "dag_processor")
    assert folders == sorted([base.resolve(), (settings.home / "logs").resolve()])
