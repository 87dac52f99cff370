"""Settings from environment variables, so the same code serves the demo, tests and deployments.

Everything lives under one data home (``REPORTFLOW_HOME``, default ``./var``) so a whole
installation can be inspected, copied or thrown away as one folder. Every setting is checked
when it is read: a missing data home or a malformed value is a :class:`SettingsError` naming the
variable, never a silent default or a failure further down.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
#: The manifest Cosmos renders the dbt task group from (written by ``transform.parse_manifest``);
#: here rather than in ``transform`` so that parsing the DAGs imports neither dbt nor DuckDB.
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
TEMPLATES_DIR = PROJECT_ROOT / "templates"

#: How often ingest_submissions runs: with the 2 s stability wait, a dropped file gets its
#: receipt in well under a minute.
INGEST_CYCLE = timedelta(seconds=30)

#: The setting that signs bulletins off automatically (``make demo`` sets it; off by default).
AUTO_APPROVE_ENV = "REPORTFLOW_AUTO_APPROVE"


@dataclass(frozen=True)
class Settings:
    """Paths and knobs of one reportflow installation."""

    home: Path
    deadline_day: int = 5
    stable_seconds: float = 2.0
    lock_timeout_seconds: float = 60.0
    dbt_threads: int = 4
    #: Sign-off without a person (the demo); off by default so leaders only get approved files.
    auto_approve: bool = False

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
    def snapshot_root(self) -> Path:
        """Every snapshot version (one folder each) and the pointer naming the current one."""
        return self.warehouse_dir / "snapshot"

    @property
    def snapshot_pointer(self) -> Path:
        """One line, the current snapshot version; replaced by an atomic rename."""
        return self.snapshot_root / "CURRENT"

    @property
    def snapshot_dir(self) -> Path:
        """The current snapshot's folder: Parquet copies of the reporting marts.

        Read from the pointer at each call, so a reader that takes it once reads every table
        from one version, even if a build switches the pointer meanwhile. Before the first
        snapshot it is the (empty) snapshot root, where readers find no tables.
        """
        try:
            version = self.snapshot_pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return self.snapshot_root
        return self.snapshot_root / version

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
    def recipients_path(self) -> Path:
        """Who receives which edition (data, not code); see ``reportflow.delivery.recipients``."""
        return self.home / "recipients.yaml"

    @property
    def delivery_dir(self) -> Path:
        """The delivery ledger and the frozen approved copies of what is mailed."""
        return self.home / "delivery"

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


class SettingsError(ValueError):
    """A ``REPORTFLOW_*`` setting that cannot be used: one line naming it, its value and the fix.

    Raised before a command or task does anything, so a typo stops the run at once instead of
    surfacing later as an unrelated failure (an empty ingest, a closed quality gate).
    """


def _setting(name: str, default: str) -> str:
    """The raw text of ``name``, or ``default`` when it is not set; set-but-empty is an error."""
    value = os.environ.get(name)
    if value is None:
        return default
    if not value.strip():
        raise SettingsError(f"{name} is set but empty: unset it to use the default {default!r}")
    return value.strip()


def _whole_number(name: str, default: int, low: int, high: int, meaning: str) -> int:
    """An integer setting within ``low``..``high`` (``meaning`` says what it is for)."""
    text = _setting(name, str(default))
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise SettingsError(
            f"{name}={text!r} is not usable: expected a whole number from {low} to {high} "
            f"({meaning})"
        )
    return value


def _seconds(name: str, default: float, meaning: str) -> float:
    """A duration setting in seconds: a finite number, zero or more."""
    text = _setting(name, f"{default:g}")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise SettingsError(
            f"{name}={text!r} is not usable: expected a number of seconds, 0 or more ({meaning})"
        )
    return value


def _flag(name: str, default: bool, meaning: str) -> bool:
    """An on/off setting written ``1``/``0`` (also ``true``/``false``, ``yes``/``no``)."""
    text = _setting(name, "1" if default else "0")
    value = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
        text.lower()
    )
    if value is None:
        raise SettingsError(f"{name}={text!r} is not usable: expected 1 or 0 ({meaning})")
    return value


def _data_home(create: bool) -> Path:
    """``REPORTFLOW_HOME`` as an existing, writable folder; created first when ``create``.

    Only the commands that set a data home up may create it: any other command pointed at a
    missing folder would otherwise work on an empty installation and report nothing wrong.
    """
    text = _setting("REPORTFLOW_HOME", "var")
    home = Path(text).expanduser().resolve()
    if create and not home.exists():
        try:
            home.mkdir(parents=True)
        except OSError as error:
            raise SettingsError(
                f"REPORTFLOW_HOME={text!r} cannot be created: {error.strerror or error}"
            ) from error
    if not home.exists():
        raise SettingsError(
            f"REPORTFLOW_HOME={text!r} does not exist ({home}): run `reportflow init` to create "
            "the data home, or point REPORTFLOW_HOME at an existing one"
        )
    if not home.is_dir():
        raise SettingsError(f"REPORTFLOW_HOME={text!r} is not a folder ({home})")
    if not os.access(home, os.W_OK | os.X_OK):
        raise SettingsError(f"REPORTFLOW_HOME={text!r} is not writable by this user ({home})")
    return home


def data_home() -> Path:
    """The checked data home alone, for code that must work while another setting is broken:
    a failure alert reports the malformed value, so it cannot depend on it."""
    return _data_home(create=False)


def load_settings(*, create_home: bool = False) -> Settings:
    """Read and check settings from the environment; called at run time, never at import time.

    Raises :class:`SettingsError` for a missing or unusable data home or a malformed value.
    ``create_home`` is for the commands that set a data home up (``init``, ``demo``,
    ``demo-data``); everything else needs an existing one.
    """
    from reportflow.contract import deadline_day_default  # contract imports this module

    return Settings(
        home=_data_home(create_home),
        deadline_day=_whole_number(
            "REPORTFLOW_DEADLINE_DAY",
            deadline_day_default(),
            1,
            31,
            "the day of the following month by which forms are due",
        ),
        stable_seconds=_seconds(
            "REPORTFLOW_STABLE_SECONDS", 2, "how long a dropped file must stay unchanged"
        ),
        lock_timeout_seconds=_seconds(
            "REPORTFLOW_LOCK_TIMEOUT_SECONDS", 60, "how long to wait for the warehouse lock"
        ),
        dbt_threads=_whole_number(
            "REPORTFLOW_DBT_THREADS", 4, 1, 64, "how many models one dbt build runs at once"
        ),
        auto_approve=_flag(
            AUTO_APPROVE_ENV, False, "sign bulletins off without a person, for the demo only"
        ),
    )
