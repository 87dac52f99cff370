"""A file's checked rows waiting in DuckDB: the hand-off from the bulk check to the load.

Its own module because both sides of intake need it: ``bulk`` creates the staging table,
``validate`` carries a ``Staged`` in its ``Checked`` result, and ``load`` copies the rows into
the raw table in its one transaction. Kept apart, none of them imports another for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

#: Temporary table (writer connection only) holding a checked file's rows until the load.
STAGE_TABLE = "intake_bulk"


@dataclass(frozen=True)
class Staged:
    """A file's checked rows in ``STAGE_TABLE``: one ``v_<key>`` column per form field.

    ``records`` counts every row DuckDB read, ``row_count`` those with data: ``skip_blank``
    means some rows are entirely empty (Excel leaves such rows) and are not loaded.
    """

    keys: tuple[str, ...]
    row_count: int
    records: int
    skip_blank: bool = False

    def insert_sql(self, raw_table: str) -> str:
        """INSERT copying the staged rows into ``raw_table``; binds $county, $period, $sid.

        ``source_row`` is the staging table's row id + 2: the reader keeps the file's order,
        every record is one line (no quotes) and no line is empty, so record n is Excel row n+1.
        """
        where = f" where not ({blank_row(self.keys)})" if self.skip_blank else ""
        return insert_checked_sql(raw_table, self.keys, f"{STAGE_TABLE}{where}", "rowid + 2")


def insert_checked_sql(raw_table: str, keys: tuple[str, ...], source: str, source_row: str) -> str:
    """INSERT of checked rows (``v_<key>`` columns of ``source``) into ``raw_table``.

    Binds $county, $period, $sid; ``source_row`` is the SQL giving each row's Excel row.
    Shared with ``make bench``'s one-pass floor, so both write the same columns.
    """
    values = ", ".join(f"v_{k}" for k in keys)
    return (
        f"insert into {raw_table} "
        f"(county_code, period, submission_id, source_row, {', '.join(keys)}) "
        f"select $county, $period, $sid, {source_row}, {values} from {source}"
    )


def drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Forget a staged file (after its load, or when the exact path takes over)."""
    con.execute(f"drop table if exists {STAGE_TABLE}")


def blank_row(keys: tuple[str, ...]) -> str:
    """A row whose every value is empty: ignored, as the exact path ignores blank rows."""
    return " and ".join(f"v_{k} is null" for k in keys)
