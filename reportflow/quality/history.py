"""Every outcome as a row of ``quality.results`` in the warehouse, and the verdict snapshot.

The table keeps all runs, so a data engineer can ask in SQL how often a county failed a kind
of check. It is written by the quality task, which runs in the ``warehouse_writer`` pool.
Publishing must not open the live warehouse while a build may hold its single writer lock,
so each run's outcomes are also exported as ``quality_results.parquet`` beside the marts
snapshot (atomic rename): the gate, the bulletin and ``reportflow quality`` read that file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from reportflow.config import Settings
from reportflow.quality.model import OUTCOME_COLUMNS, Outcome, Verdict
from reportflow.warehouse import connect

RESULTS_TABLE = "quality.results"
SNAPSHOT_FILE = "quality_results.parquet"

RESULTS_DDL = f"""
create table if not exists {RESULTS_TABLE} (
    run_id varchar not null,
    checked_at timestamp not null,
    period varchar not null,
    suite varchar not null,
    expectation varchar not null,
    description varchar not null,
    county_code varchar,
    severity varchar not null,
    success boolean not null,
    failed_rows integer not null,
    observed varchar
)
"""


def _frame(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    frame = pd.DataFrame([[getattr(o, c) for c in OUTCOME_COLUMNS] for o in outcomes])
    frame.columns = list(OUTCOME_COLUMNS)
    return frame.astype({"county_code": object, "observed": object})


def write_history(con: duckdb.DuckDBPyConnection, outcomes: Sequence[Outcome]) -> None:
    """Append the run's outcomes to the history table, creating it on first use."""
    con.execute("create schema if not exists quality")
    con.execute(RESULTS_DDL)
    if not outcomes:
        return
    con.register("new_results", _frame(outcomes))
    columns = ", ".join(OUTCOME_COLUMNS)
    con.execute(f"insert into {RESULTS_TABLE} ({columns}) select {columns} from new_results")
    con.unregister("new_results")


def record_run(settings: Settings, outcomes: Sequence[Outcome], verdict_dir: Path) -> Path:
    """History row per outcome (live warehouse), then the run as the verdict snapshot.

    ``verdict_dir`` is the folder of the snapshot version the run judged: the verdict travels
    with the tables it approves, and readers switch to both at once (see
    ``reportflow.transform.switch_snapshot``).
    """
    record_history(settings, outcomes)
    return export_verdicts(verdict_dir, outcomes)


def record_history(settings: Settings, outcomes: Sequence[Outcome]) -> None:
    """History rows only: a check that judges no snapshot (at acceptance) leaves no verdict."""
    with connect(settings.warehouse_path, timeout_seconds=settings.lock_timeout_seconds) as con:
        write_history(con, outcomes)


def export_verdicts(snapshot_dir: Path, outcomes: Sequence[Outcome]) -> Path:
    """The run's outcomes as Parquet, renamed into place so readers see all or nothing."""
    snapshot_dir.mkdir(parents=True, exist_ok=True)
    final = snapshot_dir / SNAPSHOT_FILE
    partial = snapshot_dir / f".{SNAPSHOT_FILE}.partial"
    with duckdb.connect(":memory:") as con:
        write_history(con, outcomes)
        target = str(partial).replace("'", "''")
        con.execute(f"copy {RESULTS_TABLE} to '{target}' (format parquet)")
    partial.replace(final)
    return final


def read_verdict(settings: Settings, period: str) -> Verdict:
    """The latest run's outcomes for ``period`` from the snapshot; unchecked if none ran."""
    path = settings.snapshot_dir / SNAPSHOT_FILE
    if not path.is_file():
        return Verdict(period=period, run_id=None, outcomes=())
    source = "read_parquet('" + str(path).replace("'", "''") + "')"
    with duckdb.connect(":memory:") as con:
        run = con.execute(f"select any_value(run_id) from {source}").fetchone()
        rows = con.execute(
            f"select {', '.join(OUTCOME_COLUMNS)} from {source} where period = ?"
            " order by severity, suite, county_code nulls first, expectation",
            [period],
        ).fetchall()
    outcomes = tuple(Outcome(*row) for row in rows)
    # A run that found nothing to check (an empty warehouse) still ran: its file exists.
    return Verdict(period=period, run_id=(run[0] if run else None) or "", outcomes=outcomes)
