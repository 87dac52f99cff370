"""Housekeeping: keep Airflow's run history and log files to a stated number of days.

``ingest_submissions`` runs every 30 seconds, about 2,880 runs a day, nearly all of them no-op
runs whose one task ends *skipped*. Each leaves a ``dag_run`` row, a ``task_instance`` row, two
``log`` (audit) rows (``running``, ``skipped``) and one task log file; Airflow deletes none of
them by itself. Without cleanup the metadata database and the log folder grow by about 86,000
runs a month and every screen that lists runs slows down.

The ``housekeeping`` DAG calls the two functions here once a day: :func:`clean_metadata` runs
Airflow's own ``airflow db clean`` (which knows every table, the cascades between them and keeps
the latest scheduled run of each DAG so that scheduling continues), and :func:`sweep_logs`
deletes log files older than the same cut-off. What must outlive Airflow's history (receipts,
the submission log, quality results, the delivery ledger) lives in the data home, not here.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from reportflow.config import Settings
from reportflow.orchestration.local import airflow_environment, airflow_executable

log = logging.getLogger(__name__)

#: 03:30 Beijing time, daily: no county uploads then, no bulletin is published (08:00 on the
#: 6th), and a cleanup that holds SQLite's write lock for a few seconds delays only a no-op
#: ingest run.
HOUSEKEEPING_SCHEDULE = "30 3 * * *"

#: Connection holding the metadata database's SQLAlchemy URL (extra ``sql_alchemy_conn``) for
#: deployments whose database is not the embedded SQLite file (docker-compose's PostgreSQL).
METADATA_DB_CONN_ID = "reportflow_metadata_db"

#: Only these files are ever deleted: Airflow's task and dag-processor logs and reportflow's
#: ``dags test`` logs all end so; a log folder pointed at by mistake elsewhere loses nothing else.
LOG_SUFFIX = ".log"


class NoMetadataDatabase(RuntimeError):
    """Neither the Connection nor the embedded SQLite database says where the metadata is."""


@dataclass(frozen=True)
class SweptLogs:
    """What one sweep of the log folders removed."""

    files: int
    bytes: int
    folders: int


def cleanup_cutoff(run_after: datetime, retention_days: int) -> datetime:
    """The instant before which history goes: ``retention_days`` before the run's scheduled time.

    Measured from the run's own time, not the wall clock, so a delayed or repeated run of the
    same day deletes exactly what the scheduled one would have.
    """
    return run_after - timedelta(days=retention_days)


def metadata_db_url(settings: Settings, connection_url: str | None) -> str:
    """The SQLAlchemy URL ``airflow db clean`` must use.

    Inside a task, Airflow 3 replaces ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` by a URL that
    refuses every connection (tasks may not touch the metadata database), and a child process
    inherits that. So the URL is given explicitly: the Connection's when there is one
    (``connection_url``), else the embedded SQLite file of ``reportflow.orchestration.local`` if it
    exists. Anything else fails loudly: cleaning a wrong, empty database would "succeed".
    """
    if connection_url:
        return connection_url
    embedded = airflow_environment(settings)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if (settings.airflow_home / "airflow.db").is_file():
        return embedded
    raise NoMetadataDatabase(
        f"no metadata database to clean: set the Airflow Connection {METADATA_DB_CONN_ID!r} "
        f'with extra {{"sql_alchemy_conn": "<URL>"}}, or use the embedded one ({embedded})'
    )


def clean_metadata_command(cutoff: datetime) -> list[str]:
    """``airflow db clean`` for every table it knows, rows before ``cutoff``, without archive.

    ``--skip-archive``: the archive tables would keep every deleted row, defeating the point.
    ``--error-on-cleanup-failure``: by default a table that failed is only a warning and the
    command exits 0, which would hide a growing table. ``--batch-size`` keeps each transaction,
    hence each hold of SQLite's write lock, short.
    """
    return [
        airflow_executable(),
        "db",
        "clean",
        "--clean-before-timestamp",
        cutoff.isoformat(),
        "--skip-archive",
        "--error-on-cleanup-failure",
        "--batch-size",
        "5000",
        "--yes",
    ]


def clean_metadata(cutoff: datetime, db_url: str) -> None:
    """Delete metadata rows older than ``cutoff`` (dag runs with their task instances, audit log,
    XComs, jobs, ...) with ``airflow db clean``, in a child process given ``db_url``.

    A child process because Airflow 3 blocks the ORM inside task processes; its output goes
    to the task log. Raises ``RuntimeError`` when the command fails.
    """
    environment = {**os.environ, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url}
    completed = subprocess.run(
        clean_metadata_command(cutoff),
        env=environment,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    for line in (completed.stdout + completed.stderr).splitlines():
        if line.strip():
            log.info("db clean: %s", line)
    if completed.returncode != 0:
        raise RuntimeError(f"airflow db clean failed with exit code {completed.returncode}")


def log_folders(
    settings: Settings, base_log_folder: Path, dag_processor_folder: Path
) -> list[Path]:
    """Every folder whose log files grow without bound, each once (none inside another).

    Airflow's task logs (one file per try) and, usually below them, the dag-processor's daily
    logs; and the data home's ``logs/``, where ``reportflow airflow dags test`` keeps one file
    per run.
    """
    folders = sorted(
        {p.resolve() for p in (base_log_folder, dag_processor_folder, settings.home / "logs")}
    )
    return [f for f in folders if not any(f != o and f.is_relative_to(o) for o in folders)]


def sweep_logs(folders: Iterable[Path], cutoff: datetime) -> SweptLogs:
    """Delete ``*.log`` files last written before ``cutoff``, then the folders that left empty.

    Age is the file's modification time: a task log is written while its try runs, and the
    dag-processor appends to its day's file all day. Symbolic links (the processor's ``latest``)
    are never followed or deleted. Airflow writes one folder per run and task, so the folders
    this sweep emptied go too, or their number alone would keep growing; an empty folder it did
    not empty is left unless it is itself older than ``cutoff`` (a task may be about to write
    its first log there).
    """
    limit = cutoff.timestamp()
    files = size = folders_removed = 0
    for folder in folders:
        emptied: set[str] = set()
        for root, _dirs, names in os.walk(folder, topdown=False):
            for name in names:
                removed = _remove_if_old(Path(root, name), limit)
                if removed is not None:
                    files += 1
                    size += removed
                    emptied.add(root)
            if root != str(folder) and _remove_if_empty(root, root in emptied, limit):
                folders_removed += 1
                emptied.add(os.path.dirname(root))
    return SweptLogs(files=files, bytes=size, folders=folders_removed)


def _remove_if_old(path: Path, limit: float) -> int | None:
    """Delete ``path`` if it is a log file last written before ``limit``; its size, or None."""
    if not path.name.endswith(LOG_SUFFIX) or path.is_symlink():
        return None
    try:
        status = path.stat()
        if status.st_mtime >= limit:
            return None
        path.unlink()
    except FileNotFoundError:  # removed meanwhile (a second sweep, a person)
        return None
    return status.st_size


def _remove_if_empty(folder: str, emptied_here: bool, limit: float) -> bool:
    """Remove an empty ``folder`` this sweep emptied, or one untouched since before ``limit``."""
    try:
        if os.listdir(folder) or not (emptied_here or os.stat(folder).st_mtime < limit):
            return False
        os.rmdir(folder)
    except OSError:  # a writer put a file there meanwhile, or it is gone already
        return False
    return True


def clean_metadata_once(settings: Settings, run_after: datetime) -> str:
    """The ``clean_metadata`` task: Airflow history older than the retention, deleted."""
    cutoff = cleanup_cutoff(run_after, settings.metadata_retention_days)
    clean_metadata(cutoff, metadata_db_url(settings, _connection_db_url()))
    return f"metadata before {cutoff.isoformat()} deleted"


def rotate_logs_once(settings: Settings, run_after: datetime) -> dict[str, int]:
    """The ``rotate_logs`` task: log files older than the retention, deleted."""
    from airflow.sdk import conf

    cutoff = cleanup_cutoff(run_after, settings.metadata_retention_days)
    folders = log_folders(
        settings,
        Path(conf.get("logging", "base_log_folder")),
        Path(conf.get("logging", "dag_processor_child_process_log_directory")),
    )
    swept = sweep_logs(folders, cutoff)
    log.info(
        "logs before %s: %d files (%d bytes) and %d empty folders deleted from %s",
        cutoff.isoformat(),
        swept.files,
        swept.bytes,
        swept.folders,
        ", ".join(map(str, folders)),
    )
    return {"files": swept.files, "bytes": swept.bytes, "folders": swept.folders}


def _connection_db_url() -> str | None:
    """The URL in the Connection :data:`METADATA_DB_CONN_ID`, or None when it is not set."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        connection = Connection.get(METADATA_DB_CONN_ID)
    except AirflowNotFoundException:
        return None
    url = connection.extra_dejson.get("sql_alchemy_conn")
    if not url:
        raise NoMetadataDatabase(
            f"Connection {METADATA_DB_CONN_ID!r} has no sql_alchemy_conn in its extra"
        )
    return url
