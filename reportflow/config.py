"""Settings from environment variables, so the same code serves the demo, tests and deployments.

Everything lives under one data home (``REPORTFLOW_HOME``, default ``./var``) so a whole
installation can be inspected, copied or thrown away as one folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
TEMPLATES_DIR = PROJECT_ROOT / "templates"

#: How often ingest_submissions runs: with the 2 s stability wait, a dropped file gets its
#: receipt in well under a minute.
INGEST_CYCLE = timedelta(seconds=30)


@dataclass(frozen=True)
class Settings:
    """Paths and knobs of one reportflow installation."""

    home: Path
    deadline_day: int = 5
    stable_seconds: float = 2.0
    lock_timeout_seconds: float = 60.0

    @property
    def drop_dir(self) -> Path:
        return self.home / "drop"

    @property
    def archive_dir(self) -> Path:
        return self.home / "archive"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse_dir / "reportflow.duckdb"

    @property
    def snapshot_dir(self) -> Path:
        """Parquet copies of the reporting marts, read by publishing while a build may write."""
        return self.warehouse_dir / "snapshot"

    @property
    def bulletins_dir(self) -> Path:
        return self.home / "bulletins"

    @property
    def quality_dir(self) -> Path:
        return self.home / "quality"

    @property
    def work_dir(self) -> Path:
        """Files claimed by an ingest run; a crash leaves them here for the next run to finish."""
        return self.home / "work"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    def period_bulletin_dir(self, period: str) -> Path:
        return self.bulletins_dir / period

    def data_dirs(self) -> list[Path]:
        return [
            self.drop_dir,
            self.archive_dir,
            self.quarantine_dir,
            self.warehouse_dir,
            self.bulletins_dir,
            self.quality_dir,
            self.work_dir,
        ]


def load_settings() -> Settings:
    """Read settings from the environment; called at run time, never at import time."""
    home = Path(os.environ.get("REPORTFLOW_HOME", "var")).resolve()
    return Settings(
        home=home,
        deadline_day=int(os.environ.get("REPORTFLOW_DEADLINE_DAY", "5")),
        stable_seconds=float(os.environ.get("REPORTFLOW_STABLE_SECONDS", "2")),
        lock_timeout_seconds=float(os.environ.get("REPORTFLOW_LOCK_TIMEOUT_SECONDS", "60")),
    )
