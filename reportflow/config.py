"""Settings from environment variables, so the same code serves the demo, tests and deployments.

Everything lives under one data home (``REPORTFLOW_HOME``, default ``./var``) so a whole
installation can be inspected, copied or thrown away as one folder. Every setting is checked
when it is read: a missing data home or a malformed value is a :class:`SettingsError` naming the
variable, never a silent default or a failure further down.
"""

from __future__ import annotations

import math
import os
from dataclasses import MISSING, dataclass, field, fields
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

#: Days of Airflow run history and task logs kept by default: two weeks cover the submission
#: deadline (the 5th) and the publication (the 6th) with time to look into a failed run after a
#: week-long holiday; what must last longer (receipts, the submission log, the quality results,
#: the delivery ledger) lives in the data home, not in Airflow.
DEFAULT_METADATA_RETENTION_DAYS = 14

#: The setting that signs bulletins off automatically (``make demo`` sets it; off by default).
AUTO_APPROVE_ENV = "REPORTFLOW_AUTO_APPROVE"
#: The data home: every file of one installation lives below it.
HOME_ENV, HOME_DEFAULT = "REPORTFLOW_HOME", "var"


def _contract_deadline_day() -> int:
    """The contract's deadline day (imported late: the contract module imports this one)."""
    from reportflow.contract import deadline_day_default

    return deadline_day_default()


@dataclass(frozen=True)
class Settings:
    """Paths and knobs of one reportflow installation."""

    home: Path
    #: Forms are due by 24:00 Beijing time on this day of the following month (contract data).
    deadline_day: int = field(default_factory=_contract_deadline_day)
    stable_seconds: float = 2.0
    lock_timeout_seconds: float = 60.0
    dbt_threads: int = 4
    #: Sign-off without a person (the demo); off by default so leaders only get approved files.
    auto_approve: bool = False
    #: Days of Airflow run history and task logs kept (see ``reportflow.housekeeping``).
    metadata_retention_days: int = DEFAULT_METADATA_RETENTION_DAYS

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


@dataclass(frozen=True)
class Variable:
    """One ``REPORTFLOW_*`` knob of :class:`Settings`: read, checked and documented from here.

    The README's configuration table is generated from :data:`VARIABLES` (``reportflow
    settings``), so what an operator reads there is what :func:`load_settings` accepts.
    """

    name: str
    #: The :class:`Settings` field it sets.
    field: str
    #: ``whole`` (an integer within ``low``..``high``), ``seconds`` (0 or more) or ``flag`` (1/0).
    kind: str
    meaning: str
    low: int = 0
    high: int = 0

    @property
    def default(self) -> int | float | bool:
        """The :class:`Settings` field's own default: defaults are written once, there."""
        (setting,) = (f for f in fields(Settings) if f.name == self.field)
        return setting.default if setting.default is not MISSING else setting.default_factory()

    def accepts(self) -> str:
        """What a valid value looks like, as the error message and the README say it."""
        if self.kind == "whole":
            return f"a whole number from {self.low} to {self.high}"
        if self.kind == "seconds":
            return "a number of seconds, 0 or more"
        return "1 or 0"

    def default_text(self) -> str:
        """The default as it would be written in the environment."""
        if isinstance(self.default, bool):
            return "1" if self.default else "0"
        return f"{self.default:g}"

    def read(self) -> int | float | bool:
        """The checked value from the environment, or the default when unset."""
        text = _setting(self.name, self.default_text())
        value = _PARSERS[self.kind](text)
        if value is None or (self.kind == "whole" and not self.low <= value <= self.high):
            raise SettingsError(
                f"{self.name}={text!r} is not usable: expected {self.accepts()} ({self.meaning})"
            )
        return value


def _whole_number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _flag(text: str) -> bool | None:
    """``1``/``0``, also ``true``/``false`` and ``yes``/``no``."""
    return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
        text.lower()
    )


_PARSERS = {"whole": _whole_number, "seconds": _seconds, "flag": _flag}


#: Every setting of :class:`Settings` but the data home, in the README's order.
VARIABLES = (
    Variable(
        "REPORTFLOW_DEADLINE_DAY",
        "deadline_day",
        "whole",
        "the day of the following month by which forms are due (24:00 Beijing time; the month's "
        "last day if it is shorter)",
        1,
        31,
    ),
    Variable(
        "REPORTFLOW_STABLE_SECONDS",
        "stable_seconds",
        "seconds",
        "how long a dropped file must stay unchanged before it is read",
    ),
    Variable(
        "REPORTFLOW_LOCK_TIMEOUT_SECONDS",
        "lock_timeout_seconds",
        "seconds",
        "how long to wait for the warehouse lock",
    ),
    Variable(
        "REPORTFLOW_DBT_THREADS",
        "dbt_threads",
        "whole",
        "how many models one dbt build runs at once",
        1,
        64,
    ),
    Variable(
        AUTO_APPROVE_ENV,
        "auto_approve",
        "flag",
        "sign bulletins off without a person, for the demo only",
    ),
    Variable(
        "REPORTFLOW_METADATA_RETENTION_DAYS",
        "metadata_retention_days",
        "whole",
        "days of Airflow run history and task logs the housekeeping DAG keeps",
        1,
        3650,
    ),
)


def _data_home(create: bool) -> Path:
    """``REPORTFLOW_HOME`` as an existing, writable folder; created first when ``create``.

    Only the commands that set a data home up may create it: any other command pointed at a
    missing folder would otherwise work on an empty installation and report nothing wrong.
    """
    text = _setting(HOME_ENV, HOME_DEFAULT)
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
    values = {variable.field: variable.read() for variable in VARIABLES}
    return Settings(home=_data_home(create_home), **values)
