"""The only code that writes intake's results to the warehouse.

An accepted file is one transaction: delete the (county, period) partition of ``raw.<form>``,
insert every row, mark the previous accepted submission superseded, log the submission.
Values travel as bound parameters, through an appender into a temporary staging table, or
(bulk path) straight from the file through DuckDB's CSV reader into one; never inside SQL
text. Identifiers and the few literals in SQL come only from the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb

from reportflow.config import Settings
from reportflow.contract import FormSpec, forms
from reportflow.crash import crash_point
from reportflow.intake.model import SourceChanged
from reportflow.intake.staged import Staged, drop_stage
from reportflow.warehouse import connect, ensure_raw_schema

_STAGE = "intake_stage"

#: SQL expression turning a normalised VARCHAR staging column into the raw column type.
_CASTS = {
    "text": "{c}",
    "code": "{c}",
    "enum": "{c}",
    "date": "cast({c} as date)",
    "whole": "cast({c} as bigint)",
    "decimal": "cast({c} as decimal(18, 2))",
    "yesno": "cast({c} as boolean)",
}


@dataclass(frozen=True)
class Submission:
    """One row of ``raw.submissions``."""

    submission_id: str
    county_code: str
    form: str | None
    period: str | None
    file_name: str
    sha256: str
    size_bytes: int
    row_count: int | None
    status: str
    reasons: str | None
    error_count: int
    replaced_earlier: bool
    received_at: datetime
    processed_at: datetime
    superseded_by: str | None
    archived_as: str | None


_COLUMNS = tuple(Submission.__dataclass_fields__)


class Warehouse:
    """A writer connection opened on first use, so a run with nothing to do takes no lock."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stack = ExitStack()
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            con = self._stack.enter_context(
                connect(
                    self._settings.warehouse_path,
                    timeout_seconds=self._settings.lock_timeout_seconds,
                )
            )
            if not _has_raw_schema(con):
                ensure_raw_schema(con)
            self._con = con
        return self._con

    def close(self) -> None:
        self._con = None
        self._stack.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _has_raw_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """True if every raw table exists: one catalog query instead of nine DDL statements."""
    tables = {
        f"raw.{name}"
        for (name,) in _rows(
            con, "select table_name from information_schema.tables where table_schema = 'raw'"
        )
    }
    wanted = {form.raw_table for form in forms().values()} | {"raw.submissions"}
    return wanted <= tables


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> list[tuple]:
    """Run a query and fetch everything (DuckDB 2 refuses new work while a result is open)."""
    return con.execute(sql, params).fetchall()


def submission_by_id(con: duckdb.DuckDBPyConnection, submission_id: str) -> Submission | None:
    rows = _rows(
        con,
        f"select {', '.join(_COLUMNS)} from raw.submissions where submission_id = ?",
        [submission_id],
    )
    return Submission(*rows[0]) if rows else None


def superseded_by(con: duckdb.DuckDBPyConnection, submission_id: str) -> Submission | None:
    """The submission that ``submission_id`` replaced, if any."""
    rows = _rows(
        con,
        f"select {', '.join(_COLUMNS)} from raw.submissions where superseded_by = ?",
        [submission_id],
    )
    return Submission(*rows[0]) if rows else None


def current_accepted(
    con: duckdb.DuckDBPyConnection, county_code: str, form: str, period: str
) -> Submission | None:
    """The accepted, not superseded submission of (county, form, period), if any."""
    rows = _rows(
        con,
        f"select {', '.join(_COLUMNS)} from raw.submissions "
        "where county_code = ? and form = ? and period = ? "
        "and status = 'accepted' and superseded_by is null "
        "order by processed_at desc",
        [county_code, form, period],
    )
    return Submission(*rows[0]) if rows else None


def _insert_submission(con: duckdb.DuckDBPyConnection, sub: Submission) -> None:
    placeholders = ", ".join("?" for _ in _COLUMNS)
    con.execute(
        f"insert into raw.submissions ({', '.join(_COLUMNS)}) values ({placeholders})",
        [getattr(sub, c) for c in _COLUMNS],
    )


def record_rejected(
    con: duckdb.DuckDBPyConnection, sub: Submission, *, unchanged: Callable[[], bool]
) -> None:
    """Log a rejected file; the raw tables are not touched. Raises SourceChanged (nothing
    logged) if ``unchanged()`` says the upload changed since its bytes were read."""
    if not unchanged():
        raise SourceChanged(sub.submission_id)
    _insert_submission(con, sub)


def record_accepted(
    con: duckdb.DuckDBPyConnection,
    form: FormSpec,
    sub: Submission,
    columns: dict[str, list],
    source_rows: list[int],
    staged: Staged | None = None,
    *,
    unchanged: Callable[[], bool],
) -> tuple[Submission, Submission | None]:
    """Replace the (county, period) partition of ``raw.<form>`` in one transaction.

    The rows come from ``columns``/``source_rows`` (exact path) or, for a file checked by the
    bulk path, from its ``staged`` temporary table. Returns the submission as logged
    (``replaced_earlier`` filled in) and the one it replaced, if any. On any error the
    transaction is rolled back, so the warehouse holds all of the file's rows or none of them.
    ``unchanged()`` is asked last, just before the commit: if the upload changed since its
    bytes were read, SourceChanged is raised and nothing is committed.
    """
    keys = [f.key for f in form.fields]
    con.execute("begin transaction")
    try:
        previous = current_accepted(con, sub.county_code, form.key, sub.period or "")
        con.execute(
            f"delete from {form.raw_table} where county_code = ? and period = ?",
            [sub.county_code, sub.period],
        )
        params = {"county": sub.county_code, "period": sub.period, "sid": sub.submission_id}
        if staged is not None:
            # Row order on disk means nothing (source_row says it); not keeping it lets
            # DuckDB write the row groups in parallel, about a third cheaper.
            con.execute("set preserve_insertion_order = false")
            try:
                con.execute(staged.insert_sql(form.raw_table), params)
            finally:
                con.execute("reset preserve_insertion_order")
        else:
            _insert_columns(con, form, keys, columns, source_rows, params)
        if previous is not None:
            con.execute(
                "update raw.submissions set superseded_by = ? where submission_id = ?",
                [sub.submission_id, previous.submission_id],
            )
        sub = replace(sub, replaced_earlier=previous is not None)
        _insert_submission(con, sub)
        crash_point("mid_load")
        if not unchanged():
            raise SourceChanged(sub.submission_id)
        con.execute("commit")
    except BaseException:
        _rollback(con)
        raise
    finally:
        if staged is not None:
            with suppress(duckdb.Error):
                drop_stage(con)
    return sub, previous


def _insert_columns(
    con: duckdb.DuckDBPyConnection,
    form: FormSpec,
    keys: list[str],
    columns: dict[str, list],
    source_rows: list[int],
    params: dict[str, str | None],
) -> None:
    """Append the exact path's normalised text into a staging table, then cast it in SQL."""
    con.execute(f"drop table if exists {_STAGE}")
    stage_cols = ", ".join(f"c{i} varchar" for i in range(len(keys)))
    con.execute(f"create temp table {_STAGE} (source_row integer, {stage_cols})")
    appender = con.appender(_STAGE)
    appender.append_rows(_stage_rows(source_rows, [columns[k] for k in keys]))
    appender.flush()
    del appender
    selects = ", ".join(_CASTS[f.type].format(c=f"c{i}") for i, f in enumerate(form.fields))
    con.execute(
        f"insert into {form.raw_table} "
        f"(county_code, period, submission_id, source_row, {', '.join(keys)}) "
        f"select $county, $period, $sid, source_row, {selects} "
        f"from {_STAGE} order by source_row",
        params,
    )
    con.execute(f"drop table {_STAGE}")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.Error):  # the failed statement may already have ended it
        con.execute("rollback")


def _stage_rows(source_rows: list[int], columns: list[list]) -> Iterator[tuple]:
    return zip(source_rows, *columns, strict=True)
