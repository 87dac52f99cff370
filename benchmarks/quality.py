"""Quality stage vs one DuckDB query doing the same checks on the same data (``make bench``).

The query is the suites of ``expectations/`` translated into SQL predicates, expectation by
expectation (same rows, same rules, same row conditions), run as one statement: one count of
failing rows per expectation. Both sides' failing-row totals are printed so the comparison is
visibly like for like. Times are printed, never asserted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from reportflow.config import Settings
from reportflow.warehouse import connect


def _literal(value: object) -> str:
    """A SQL literal for a contract constant (value sets and bounds come from the contract)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _condition(expectation: Any) -> str:
    """The suites' pandas row conditions (``a in [...]``, ``a >= n``) as SQL."""
    condition = getattr(expectation, "row_condition", None)
    if not condition:
        return "true"
    text = getattr(condition, "pass_through_filter", condition)  # GX wraps the pandas string
    return str(text).replace("[", "(").replace("]", ")").replace("==", "=")


def failing_rows_sql(expectation: Any) -> str:
    """SQL counting the rows of ``f`` (the suite's frame) that fail one expectation."""
    kind, when = expectation.expectation_type, _condition(expectation)
    if kind == "expect_compound_columns_to_be_unique":
        columns = ", ".join(expectation.column_list)
        return (
            f"(select coalesce(sum(n), 0) from (select count(*) as n from f"
            f" group by {columns} having count(*) > 1))"
        )
    if kind == "expect_table_columns_to_match_set":
        return "0"  # a schema check: DuckDB's binder already enforces it
    if kind == "expect_column_values_to_not_be_null":
        failing = f"{expectation.column} is null"
    elif kind == "expect_column_values_to_be_null":
        failing = f"{expectation.column} is not null"
    elif kind == "expect_column_values_to_be_in_set":
        values = ", ".join(_literal(v) for v in expectation.value_set)
        failing = f"{expectation.column} not in ({values})"
    elif kind == "expect_column_values_to_be_between":
        bounds = []
        if expectation.min_value is not None:
            bounds.append(f"{expectation.column} < {_literal(expectation.min_value)}")
        if expectation.max_value is not None:
            bounds.append(f"{expectation.column} > {_literal(expectation.max_value)}")
        failing = " or ".join(bounds)
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        operator = "<" if expectation.or_equal else "<="
        failing = f"{expectation.column_A} {operator} {expectation.column_B}"
    elif kind == "expect_column_pair_values_to_be_equal":
        failing = f"{expectation.column_A} is distinct from {expectation.column_B}"
    else:
        raise ValueError(f"no SQL translation for {kind}")
    return f"(select count(*) from f where ({when}) and coalesce({failing}, false))"


def suite_sql(spec: Any) -> str:
    """One statement: the suite's frame, then a failing-row count per expectation."""
    counts = ", ".join(failing_rows_sql(e) for e in spec.expectations())
    return f"with f as ({spec.frame_sql}) select {counts}"


def run_query_checks(settings: Settings, specs: Sequence[Any]) -> dict[str, int]:
    """Failing rows per suite, all suites in one DuckDB statement (a union of the suites)."""
    parts, params = [], {}
    for number, spec in enumerate(specs):
        body = suite_sql(spec)
        for name, value in spec.params.items():
            body = body.replace(f"${name}", f"${name}_{number}")
            params[f"{name}_{number}"] = value
        parts.append(f"select {number} as suite, list_value(*COLUMNS(*)) as c from ({body})")
    query = " union all ".join(parts)
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute(query, params).fetchall()
    return {specs[i].name: sum(v or 0 for v in c) for i, c in rows}


GX_IMPORT_LABEL = "GX import (once per task)"
GX_CHECKS_LABEL = "quality (GX suites, history, Data Docs)"


def _gx_failing(settings: Settings) -> dict[str, int]:
    """Failing rows per suite in the latest quality run, from the history table."""
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute(
            "select suite, sum(failed_rows) from quality.results"
            " where run_id = (select max(run_id) from quality.results) group by suite"
        ).fetchall()
    return {suite: int(total) for suite, total in rows}


def quality_comparison(settings: Settings, figures: Sequence[tuple[str, float, str]]) -> list[str]:
    """The query twin timed on the home the demo run just checked, beside the GX stage."""
    from expectations import all_suites

    seconds = {label: value for label, value, _ in figures}
    gx_import, gx_checks = seconds[GX_IMPORT_LABEL], seconds[GX_CHECKS_LABEL]
    start = time.perf_counter()
    sql_failing = run_query_checks(settings, all_suites())
    query = time.perf_counter() - start
    gx_failing = _gx_failing(settings)
    alike = all(gx_failing.get(suite, 0) == n for suite, n in sql_failing.items())
    return [
        "quality stage vs one DuckDB query doing the same checks (same warehouse)",
        f"  {GX_IMPORT_LABEL:<44} {gx_import:8.2f} s",
        f"  {GX_CHECKS_LABEL:<44} {gx_checks:8.2f} s",
        f"  {'DuckDB query, same checks':<44} {query:8.2f} s",
        f"  {'ratio, checks only':<44} {gx_checks / query:8.1f} ×",
        f"  {'ratio, with the import':<44} {(gx_import + gx_checks) / query:8.1f} ×",
        f"  failing rows: GX {sum(gx_failing.values())}, query {sum(sql_failing.values())}"
        f" (equal per suite: {'yes' if alike else 'no'})",
    ]
