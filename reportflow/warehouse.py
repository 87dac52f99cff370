"""DuckDB access: one writer at a time, bounded waits on the lock, raw schema from the contract.

DuckDB allows one writing process per file. Airflow serialises writers with the
``warehouse_writer`` pool; outside Airflow (CLI, a second ingest) a writer that finds the
file locked waits a bounded time and then fails with one clear message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from reportflow.contract import FormSpec, forms

#: Columns every raw table carries in front of the form's own fields.
RAW_META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("county_code", "VARCHAR NOT NULL"),
    ("period", "VARCHAR NOT NULL"),
    ("submission_id", "VARCHAR NOT NULL"),
    ("source_row", "INTEGER NOT NULL"),
)

SUBMISSIONS_DDL = """
create table if not exists raw.submissions (
    submission_id varchar primary key,
    county_code varchar not null,
    form varchar,
    period varchar,
    file_name varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    row_count integer,
    status varchar not null,
    reasons varchar,
    error_count integer not null default 0,
    replaced_earlier boolean not null default false,
    received_at timestamp not null,
    processed_at timestamp not null,
    superseded_by varchar,
    archived_as varchar
)
"""

#: The reporting calendar, rewritten by ``transform.prepare_build`` before every dbt build:
#: dbt reads each month's bounds and deadline from here instead of computing them, so the
#: deadline rule has one definition (``Period.deadline``). Instants are naive UTC.
REPORTING_PERIODS_DDL = """
create table if not exists raw.reporting_periods (
    period varchar primary key,
    period_start date not null,
    period_end date not null,
    prev_month varchar not null,
    prev_year varchar not null,
    deadline_day integer not null,
    deadline_at timestamp not null
)
"""


class WarehouseBusy(RuntimeError):
    """Another process held the warehouse lock for longer than the allowed wait."""


def raw_table_ddl(form: FormSpec) -> str:
    """CREATE TABLE for ``raw.<form>``: metadata columns, then the form fields in contract order."""
    columns = [f"{name} {sql_type}" for name, sql_type in RAW_META_COLUMNS]
    columns += [f"{f.key} {f.duckdb_type}" for f in form.fields]
    return f"create table if not exists {form.raw_table} (\n    " + ",\n    ".join(columns) + "\n)"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, one table per form, the submission log and the calendar, if absent."""
    con.execute("create schema if not exists raw")
    con.execute(SUBMISSIONS_DDL)
    con.execute(REPORTING_PERIODS_DDL)
    for form in forms().values():
        con.execute(raw_table_ddl(form))


def _is_lock_error(error: duckdb.Error) -> bool:
    message = str(error).lower()
    return "lock" in message or "conflicting" in message


@contextmanager
def connect(
    path: Path, *, read_only: bool = False, timeout_seconds: float = 60.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, retrying while another process holds its lock, then close it.

    Waits up to ``timeout_seconds`` with growing pauses; past that raises WarehouseBusy
    naming the file, so the caller reports it instead of skipping or half-loading.
    """
    deadline = time.monotonic() + timeout_seconds
    pause = 0.2
    while True:
        try:
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as error:
            if not _is_lock_error(error) or time.monotonic() + pause > deadline:
                if _is_lock_error(error):
                    raise WarehouseBusy(
                        f"warehouse {path} is locked by another process "
                        f"(waited {timeout_seconds:.0f} s); try again when it has finished"
                    ) from error
                raise
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
    try:
        yield con
    finally:
        con.close()
