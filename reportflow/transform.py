"""Run the dbt project that turns raw submissions into the reporting marts, and export them.

dbt runs as a child process of this interpreter's environment rather than in-process: its
configuration comes only from the environment built here (warehouse path, profiles, target and
log folders under the data home), a failed run cannot leave global state behind in an Airflow
worker, and the DuckDB file is closed when the process ends, before anything else opens it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb

from reportflow.config import DBT_PROJECT_DIR, MANIFEST_PATH, Settings
from reportflow.crash import crash_point
from reportflow.periods import Period, to_naive_utc
from reportflow.versions import VERSION_PATTERN, fsync_dir, new_version, versions
from reportflow.warehouse import connect, ensure_raw_schema

logger = logging.getLogger(__name__)

#: Marts exported as Parquet after each build, for readers that must not touch the live file.
SNAPSHOT_TABLES: tuple[str, ...] = (
    "fct_indicators",
    "fct_indicators_wide",
    "submission_status",
    "dim_county",
    "dim_period",
)

#: dbt result statuses that make a run fail.
FAILED_STATUSES = frozenset({"error", "fail"})

#: How many failed nodes a summary names before it only counts the rest.
SUMMARY_NODES = 5


class TransformError(RuntimeError):
    """dbt failed; the message is one line naming the failed nodes or tests."""


def dbt_env(settings: Settings, project_dir: Path = DBT_PROJECT_DIR) -> dict[str, str]:
    """The environment variables dbt needs, for this module and for Cosmos alike.

    The committed profile reads the DuckDB path from REPORTFLOW_WAREHOUSE; target and log
    folders live under the data home so the repository stays clean and one installation's
    manifest never leaks into another's. ``project_dir`` is another copy of the project only
    for the scale benchmark, which swaps in synthetic reference seeds without touching these.
    """
    return {
        "REPORTFLOW_WAREHOUSE": str(settings.warehouse_path),
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_PROJECT_DIR": str(project_dir),
        "DBT_TARGET_PATH": str(settings.dbt_target_dir),
        "DBT_LOG_PATH": str(settings.home / "dbt" / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _dbt_executable() -> str:
    """The dbt installed beside this interpreter, so Airflow workers use the project's venv."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if found is None:
        raise TransformError("dbt is not installed in this environment")
    return found


def _failed_nodes(run_results: Path) -> list[str]:
    """Names of the nodes and tests that failed in the run that wrote ``run_results``."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    return [
        node_name(result["unique_id"])
        for result in results
        if result.get("status") in FAILED_STATUSES
    ]


def node_name(unique_id: str) -> str:
    """``model.reportflow.x`` → ``x``, without a test's hash; a unit test reads ``model::test``."""
    resource_type, _package, name, *rest = unique_id.split(".")
    return f"{name}::{rest[0]}" if resource_type == "unit_test" and rest else name


def _last_error_line(output: str) -> str:
    """The most telling line of dbt's output when no node failed (a parse or compile error)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1]


def failure_summary(command: str, run_results: Path, output: str) -> str:
    """One line that says which dbt command failed and on what."""
    failed = _failed_nodes(run_results)
    if not failed:
        return f"dbt {command} failed: {_last_error_line(output)}"
    named = ", ".join(failed[:SUMMARY_NODES])
    more = f" and {len(failed) - SUMMARY_NODES} more" if len(failed) > SUMMARY_NODES else ""
    return f"dbt {command} failed on {len(failed)} node(s): {named}{more}"


def run_dbt(settings: Settings, args: list[str], *, project_dir: Path = DBT_PROJECT_DIR) -> None:
    """Run one dbt command against the project; raise TransformError if it fails.

    dbt's own output goes to the log (so Airflow task logs show it); the exception carries a
    one-line summary that names what failed, for alerts and the CLI.
    """
    env = {**os.environ, **dbt_env(settings, project_dir)}
    run_results = settings.dbt_target_dir / "run_results.json"
    run_results.unlink(missing_ok=True)
    completed = subprocess.run(
        [_dbt_executable(), *args],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    logger.info("dbt %s\n%s", " ".join(args), output)
    if completed.returncode != 0:
        raise TransformError(failure_summary(" ".join(args[:1]), run_results, output))


#: Columns of ``raw.reporting_periods``, in table order.
REPORTING_PERIOD_COLUMNS: tuple[str, ...] = (
    "period",
    "period_start",
    "period_end",
    "prev_month",
    "prev_year",
    "deadline_day",
    "deadline_at",
)


def reporting_period_row(period: Period, deadline_day: int) -> dict[str, str | int | date]:
    """One row of ``raw.reporting_periods``: the month's bounds, neighbours and deadline.

    This is how the marts learn the deadline rule: dbt reads ``deadline_at`` (naive UTC, like
    ``received_at``) instead of computing it, so they judge on-time exactly as the status grid
    does, with :meth:`Period.deadline`. The dbt unit test of the rule is checked against this.
    """
    return {
        "period": period.key,
        "period_start": period.first_day,
        "period_end": period.last_day,
        "prev_month": period.shift(-1).key,
        "prev_year": period.shift(-12).key,
        "deadline_day": deadline_day,
        "deadline_at": to_naive_utc(period.deadline(deadline_day)),
    }


def calendar_periods(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> list[Period]:
    """Every month from the earliest submitted period to the current (or latest submitted) one.

    Covering every period a submission names means every period a model can meet has its row.
    """
    first, last = con.execute(
        "select min(period), max(period) from raw.submissions where period is not null"
    ).fetchone() or (None, None)
    current = Period.current(now)
    start = min(Period.parse(first), current) if first else current
    end = max(Period.parse(last), current) if last else current
    return start.through(end)


def write_reporting_periods(
    con: duckdb.DuckDBPyConnection, deadline_day: int, now: datetime | None = None
) -> int:
    """Replace ``raw.reporting_periods`` in one transaction; return how many months it holds."""
    rows = [
        tuple(reporting_period_row(period, deadline_day).values())
        for period in calendar_periods(con, now)
    ]
    placeholders = ", ".join("?" for _ in REPORTING_PERIOD_COLUMNS)
    con.begin()
    con.execute("delete from raw.reporting_periods")
    con.executemany(
        f"insert into raw.reporting_periods ({', '.join(REPORTING_PERIOD_COLUMNS)})"
        f" values ({placeholders})",
        rows,
    )
    con.commit()
    return len(rows)


def prepare_build(settings: Settings, now: datetime | None = None) -> int:
    """What every dbt build needs first: the raw schema and a fresh reporting calendar.

    The raw schema is created so a build on a brand-new, empty warehouse succeeds and yields
    empty marts instead of failing on missing sources; the calendar is rewritten because the
    current month and the configured deadline day may have changed since the last build.
    """
    with connect(settings.warehouse_path, timeout_seconds=settings.lock_timeout_seconds) as con:
        ensure_raw_schema(con)
        return write_reporting_periods(con, settings.deadline_day, now)


def build(settings: Settings) -> None:
    """Prepare the raw schema and calendar, then seed, build and test everything (``dbt build``).

    One dbt process for the whole project, with the configured threads: the same command the
    Airflow producer task runs, so the CLI and the DAG do the same work.
    """
    prepare_build(settings)
    run_dbt(settings, ["build", *threads_flag(settings)])


def threads_flag(settings: Settings) -> list[str]:
    """``--threads N`` from the settings, on every parse and build.

    The thread count is part of the profile dbt checks before reusing its partial parse: a
    parse and a build that disagree on it re-parse the whole project (seconds per run).
    """
    return ["--threads", str(settings.dbt_threads)]


def parse_manifest(settings: Settings) -> Path:
    """Parse the project; return the manifest that Cosmos loads instead of running ``dbt ls``.

    The manifest describes code, not data, so it lives beside the project (where the DAG file
    finds it at parse time) rather than in one data home.
    """
    run_dbt(
        settings,
        ["parse", "--target-path", str(MANIFEST_PATH.parent), *threads_flag(settings)],
    )
    return MANIFEST_PATH


def docs_dir(settings: Settings) -> Path:
    """Where the generated dbt documentation lives under the data home."""
    return settings.home / "dbt" / "docs"


def generate_docs(settings: Settings) -> Path:
    """Generate the dbt docs as one self-contained page and publish it as ``docs/index.html``.

    ``--static`` embeds the manifest and catalog in the page, so it opens from the file system
    or any static web server. It is generated in the usual target folder (reusing the parse)
    and then copied into place with an atomic rename.
    """
    run_dbt(settings, ["docs", "generate", "--static"])
    target = docs_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    partial = target / ".index.html.partial"
    shutil.copyfile(settings.dbt_target_dir / "static_index.html", partial)
    return partial.replace(target / "index.html")


def current_snapshot_version(settings: Settings) -> str | None:
    """The version the pointer names (what readers use), or None before the first snapshot."""
    try:
        version = settings.snapshot_pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not VERSION_PATTERN.fullmatch(version):
        pointer = settings.snapshot_pointer
        raise TransformError(f"snapshot pointer {pointer} is corrupt: {version!r}")
    return version


def _export_table(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> Path:
    """Write one mart to Parquet in the (hidden) staging folder of a new version."""
    final = folder / f"{table}.parquet"
    target = str(final).replace("'", "''")
    con.execute(f"copy (select * from marts.{table} order by all) to '{target}' (format parquet)")
    crash_point("snapshot_table")
    return final


def clean_snapshot_leftovers(settings: Settings) -> list[Path]:
    """Remove what a killed export left: staging folders, pointer temporaries, orphan versions.

    Kept: the current version and the one before it (a reader that read the pointer just
    before the last switch may still be reading it). Everything else under the snapshot root
    goes, including versions newer than the pointer, which a kill between the folder rename
    and the pointer switch leaves behind, and Parquet files of the old flat layout.
    """
    root = settings.snapshot_root
    if not root.is_dir():
        return []
    current = current_snapshot_version(settings)
    older = [v for v in versions(root) if current is not None and v < current]
    keep = {settings.snapshot_pointer.name, *([current] if current else []), *older[-1:]}
    removed = []
    for entry in sorted(root.iterdir()):
        if entry.name in keep:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(entry)
    if removed:
        logger.info("snapshot: removed leftovers %s", ", ".join(p.name for p in removed))
    return removed


def stage_snapshot(settings: Settings) -> str:
    """Export every reporting mart into a new, complete version folder; return its version.

    The tables are written into a hidden ``.<version>.tmp`` folder which is renamed to its
    version name only once all of them are on disk: a version folder is always complete.
    Readers do not see it until :func:`switch_snapshot` points at it.
    """
    clean_snapshot_leftovers(settings)
    root = settings.snapshot_root
    root.mkdir(parents=True, exist_ok=True)
    version = new_version(root)
    staging = root / f".{version}.tmp"
    staging.mkdir()
    try:
        with connect(
            settings.warehouse_path, read_only=True, timeout_seconds=settings.lock_timeout_seconds
        ) as con:
            for table in SNAPSHOT_TABLES:
                _export_table(con, table, staging)
    except BaseException:
        shutil.rmtree(staging)  # a failure (not a kill) cleans up at once
        raise
    staging.rename(root / version)
    fsync_dir(root)
    crash_point("snapshot_staged")
    return version


def switch_snapshot(settings: Settings, version: str) -> Path:
    """Point readers at ``version`` with one atomic rename of the pointer file.

    This is the single step at which the whole set changes: before it readers get every table
    of the previous version, after it every table of the new one.
    """
    folder = settings.snapshot_root / version
    if not VERSION_PATTERN.fullmatch(version) or not folder.is_dir():
        raise TransformError(f"no complete snapshot version {version!r} to switch to")
    pointer = settings.snapshot_pointer
    temporary = pointer.with_name(f".{pointer.name}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(version + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    crash_point("snapshot_pointer_written")
    temporary.replace(pointer)
    fsync_dir(pointer.parent)
    return folder


def export_snapshot(settings: Settings) -> list[Path]:
    """Export the reporting marts as a new snapshot version and switch readers to it."""
    folder = switch_snapshot(settings, stage_snapshot(settings))
    return [folder / f"{table}.parquet" for table in SNAPSHOT_TABLES]
