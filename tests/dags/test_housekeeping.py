"""A simulated month of 30-second ingest runs, then the housekeeping DAG: what remains is bounded.

The month is built from the rows one real no-op ``ingest_submissions`` run leaves (``dag.test()``
on an empty data home): copies of its ``dag_run``, ``task_instance`` and audit ``log`` rows,
and one task log file per run at the path Airflow's own file-name template gives, all spread
over the 30 days before "now" and inserted in bulk through the ORM's tables into the session's
real metadata database. Then the housekeeping DAG runs for real (``dag.test()``, scheduled at
the end of the month) with the metadata database URL blocked in its environment, as Airflow 3
blocks it in every task process, and everything older than the retention must be gone, and
everything newer must still be there.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reportflow.config import DEFAULT_METADATA_RETENTION_DAYS, Settings
from reportflow.housekeeping import METADATA_DB_CONN_ID
from reportflow.pipeline import initialise_home

#: A month of history, as 30 days of ingest runs.
MONTH = timedelta(days=30)
#: One ingest run every 30 s, as the schedule makes them: 86,400 runs in the month.
SPACING = timedelta(seconds=30)
RUNS_PER_DAY = timedelta(days=1) // SPACING
#: Where a task process finds the metadata database under Airflow 3 (see supervisor.py).
BLOCKED_DB_URL = "airflow-db-not-allowed:///"


@dataclass(frozen=True)
class Month:
    """What the simulation put in: the end of the month and each run's time."""

    end: datetime
    run_times: list[datetime]


def _rows(table, **where) -> list[dict]:
    """Rows of an ORM table as dicts of Python values (what an insert takes back)."""
    from airflow import settings
    from sqlalchemy import select

    query = select(table).where(*(table.c[name] == value for name, value in where.items()))
    with settings.Session() as session:
        return [dict(row) for row in session.execute(query).mappings()]


def _count(table, *conditions) -> int:
    from airflow import settings
    from sqlalchemy import func, select

    with settings.Session() as session:
        return session.scalar(select(func.count()).select_from(table).where(*conditions))


def _copies_of_a_run(
    run: dict, ti: dict, events: list[dict], dag_id: str, task_id: str, at: datetime
) -> tuple[dict, dict, list[dict]]:
    """The real run's rows as the scheduled run of ``dag_id`` at ``at`` would leave them."""
    run_id = f"scheduled__{at.isoformat()}"
    new_run = {
        **run,
        "dag_id": dag_id,
        "run_id": run_id,
        "run_type": "scheduled",
        "triggered_by": "TIMETABLE",
        "triggering_user_name": None,
        "logical_date": at,
        "data_interval_start": at - SPACING,
        "data_interval_end": at,
        "run_after": at,
        "queued_at": at,
        "created_at": at,
        "start_date": at + timedelta(seconds=1),
        "end_date": at + timedelta(seconds=4),
        "last_scheduling_decision": at + timedelta(seconds=4),
        "updated_at": at + timedelta(seconds=4),
    }
    del new_run["id"]
    new_ti = {
        **ti,
        "id": uuid.uuid4(),
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "scheduled_dttm": at + timedelta(seconds=1),
        "queued_dttm": at + timedelta(seconds=1),
        "start_date": at + timedelta(seconds=2),
        "last_heartbeat_at": at + timedelta(seconds=2),
        "end_date": at + timedelta(seconds=4),
        "updated_at": at + timedelta(seconds=4),
    }
    new_events = [
        {
            **event,
            "dag_id": dag_id,
            "task_id": task_id,
            "run_id": run_id,
            "logical_date": at,
            "dttm": at + timedelta(seconds=2 + 2 * index),
        }
        for index, event in enumerate(events)
    ]
    for event in new_events:
        del event["id"]
    return new_run, new_ti, new_events


def _insert(runs: list[dict], tis: list[dict], events: list[dict]) -> None:
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from airflow.models.log import Log
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import insert

    with settings.Session() as session:
        for table, rows in ((DagRun, runs), (TaskInstance, tis), (Log, events)):
            for start in range(0, len(rows), 20_000):
                session.execute(insert(table.__table__), rows[start : start + 20_000])
        session.commit()


def _write_task_logs(base_log_folder: Path, tis: list[dict]) -> None:
    """One log file per task try, where Airflow's file-name template puts it, dated its end."""
    from types import SimpleNamespace

    import jinja2
    from airflow.configuration import conf

    template = jinja2.Template(conf.get("logging", "log_filename_template"))
    for ti in tis:
        path = base_log_folder / template.render(ti=SimpleNamespace(**ti), try_number=1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_task_log_text(ti), encoding="utf-8")
        stamp = ti["end_date"].timestamp()
        os.utime(path, (stamp, stamp))


def _task_log_text(ti: dict) -> str:
    """What a no-op ingest try writes to its log (JSON lines, as the task supervisor does)."""
    lines = [
        {"event": "intake: 0 accepted, 0 rejected, 0 waiting, 0 ignored", "level": "info"},
        {"event": "Skipping task.", "level": "info", "reason": "no new accepted file"},
        {"event": "Task instance state updated", "level": "info", "new_state": "skipped"},
    ]
    stamp = ti["end_date"].isoformat()
    return "".join(json.dumps({"timestamp": stamp, **line}) + "\n" for line in lines)


@pytest.fixture()
def month(dagbag, data_home: Settings, monkeypatch: pytest.MonkeyPatch):
    """A month of ingest history (rows and log files) plus two publish runs, 25 and 5 days old."""
    from airflow.configuration import conf
    from airflow.models.dag_version import DagVersion
    from airflow.models.dagrun import DagRun
    from airflow.models.log import Log
    from airflow.models.taskinstance import TaskInstance

    initialise_home(data_home)
    real = dagbag.get_dag("ingest_submissions").test()
    assert real.state == "success"
    [run] = _rows(DagRun.__table__, run_id=real.run_id)
    [ti] = _rows(TaskInstance.__table__, run_id=real.run_id)
    events = _rows(Log.__table__, run_id=real.run_id)
    assert ti["state"] == "skipped" and [e["event"] for e in events] == ["running", "skipped"]

    end = datetime.now(UTC).replace(microsecond=0)
    run_times = [end - MONTH + SPACING * i for i in range(MONTH // SPACING)]
    runs, tis, logs = [], [], []
    for at in run_times:
        new_run, new_ti, new_events = _copies_of_a_run(
            run, ti, events, "ingest_submissions", ti["task_id"], at
        )
        runs.append(new_run)
        tis.append(new_ti)
        logs.extend(new_events)
    [publish_version] = _rows(DagVersion.__table__, dag_id="publish_bulletin")
    for days in (25, 5):
        new_run, new_ti, new_events = _copies_of_a_run(
            run, ti, events, "publish_bulletin", "deliver", end - timedelta(days=days)
        )
        runs.append({**new_run, "created_dag_version_id": publish_version["id"]})
        tis.append({**new_ti, "dag_version_id": publish_version["id"]})
        logs.extend(new_events)
    _insert(runs, tis, logs)
    _write_task_logs(Path(conf.get("logging", "base_log_folder")), tis)
    yield Month(end=end, run_times=run_times)
    _delete_simulated_runs()


def _delete_simulated_runs() -> None:
    """Leave the session's database as other tests expect it: no simulated runs."""
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from sqlalchemy import delete

    with settings.Session() as session:
        session.execute(delete(DagRun).where(DagRun.run_id.like("scheduled__%")))
        session.commit()


def _simulated(table, dag_id: str):
    """Conditions selecting the simulated (scheduled) rows of ``dag_id`` in ``table``."""
    return table.dag_id == dag_id, table.run_id.like("scheduled__%")


def _task_log_files(base_log_folder: Path, dag_id: str) -> list[Path]:
    return list((base_log_folder / f"dag_id={dag_id}").glob("run_id=scheduled__*/*/*.log"))


def _log_file(path: Path, moment: datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("line\n", encoding="utf-8")
    os.utime(path, (moment.timestamp(), moment.timestamp()))
    return path


def test_a_month_of_ingest_runs_is_cut_to_the_retention(
    dagbag, month: Month, data_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.configuration import conf
    from airflow.models.dagrun import DagRun
    from airflow.models.log import Log
    from airflow.models.taskinstance import TaskInstance

    base_log_folder = Path(conf.get("logging", "base_log_folder"))
    processor_logs = Path(conf.get("logging", "dag_processor_child_process_log_directory"))
    old, recent = month.end - timedelta(days=20), month.end - timedelta(days=1)
    other_logs = {
        "old dags test": _log_file(data_home.home / "logs" / "dags_test_old.log", old),
        "old parse": _log_file(
            processor_logs / f"{old:%Y-%m-%d}" / "dags-folder" / "a.py.log", old
        ),
    }
    kept_logs = {
        "recent dags test": _log_file(data_home.home / "logs" / "dags_test_new.log", recent),
        "recent parse": _log_file(processor_logs / f"{recent:%Y-%m-%d}" / "x" / "a.py.log", recent),
    }
    latest = processor_logs / "latest"
    latest.symlink_to(other_logs["old parse"].parent.parent, target_is_directory=True)
    ingest_runs = _simulated(DagRun, "ingest_submissions")
    assert _count(DagRun, *ingest_runs) == len(month.run_times) == 30 * RUNS_PER_DAY
    assert len(_task_log_files(base_log_folder, "ingest_submissions")) == len(month.run_times)

    monkeypatch.setenv(
        f"AIRFLOW_CONN_{METADATA_DB_CONN_ID.upper()}",
        json.dumps(
            {
                "conn_type": "generic",
                "extra": {"sql_alchemy_conn": os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]},
            }
        ),
    )
    with monkeypatch.context() as task_process:  # what a task process of Airflow 3 sees
        task_process.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", BLOCKED_DB_URL)
        run = dagbag.get_dag("housekeeping").test(run_after=month.end)
    assert run.state == "success"

    cutoff = month.end - timedelta(days=DEFAULT_METADATA_RETENTION_DAYS)
    within = sum(at >= cutoff for at in month.run_times)
    assert within <= DEFAULT_METADATA_RETENTION_DAYS * RUNS_PER_DAY + 1
    assert _count(DagRun, *ingest_runs) == within
    assert _count(DagRun, *ingest_runs, DagRun.start_date < cutoff) == 0
    assert _count(TaskInstance, *_simulated(TaskInstance, "ingest_submissions")) == within
    assert _count(Log, *_simulated(Log, "ingest_submissions")) == 2 * within
    assert _count(Log, Log.dttm < cutoff) == 0

    publish_runs = _rows(DagRun.__table__, dag_id="publish_bulletin")
    simulated_publish = [
        r["run_after"] for r in publish_runs if r["run_id"].startswith("scheduled__")
    ]
    assert simulated_publish == [month.end - timedelta(days=5)]

    files = _task_log_files(base_log_folder, "ingest_submissions")
    assert len(files) == within
    assert min(f.stat().st_mtime for f in files) >= cutoff.timestamp()
    assert len(_task_log_files(base_log_folder, "publish_bulletin")) == 1
    empty = [d for d, subdirs, names in os.walk(base_log_folder) if not subdirs and not names]
    assert empty == []
    assert [n for n, p in other_logs.items() if p.exists()] == []
    assert [n for n, p in kept_logs.items() if not p.exists()] == []
    assert latest.is_symlink()
