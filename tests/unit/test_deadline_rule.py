"""The dbt unit test of the deadline rule and the Python definition cannot drift apart.

The marts do not compute deadlines: reportflow.transform writes ``raw.reporting_periods`` from
:meth:`Period.deadline` and dbt reads it. The dbt unit test ``on_time_follows_the_deadline_rule``
pins the marts' on-time judgement on hand-written ``int_periods`` rows; here those rows are
checked against what the Python side really writes (through a real DuckDB), and its expected
verdicts against :meth:`Period.is_on_time`. Change the rule in one place and this fails.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import yaml

from reportflow.config import DBT_PROJECT_DIR
from reportflow.periods import Period
from reportflow.transform import REPORTING_PERIOD_COLUMNS, write_reporting_periods
from reportflow.warehouse import ensure_raw_schema

UNIT_TESTS = DBT_PROJECT_DIR / "models" / "intermediate" / "_unit_tests.yml"
TEST_NAME = "on_time_follows_the_deadline_rule"


def _unit_test() -> dict:
    document = yaml.safe_load(UNIT_TESTS.read_text(encoding="utf-8"))
    return next(test for test in document["unit_tests"] if test["name"] == TEST_NAME)


def _given(name: str) -> list[dict]:
    return next(g["rows"] for g in _unit_test()["given"] if g["input"] == f"ref('{name}')")


def _as_python(value: object) -> object:
    """A fixture cell as the value DuckDB returns: timestamps are written as quoted strings."""
    if isinstance(value, str) and len(value) == 19 and value[10] == " ":
        return datetime.fromisoformat(value)
    return value


def _written_row(con: duckdb.DuckDBPyConnection, period: str, deadline_day: int) -> dict:
    """The calendar row the build writes for ``period`` with ``deadline_day`` configured."""
    con.execute("delete from raw.submissions")
    con.execute(
        "insert into raw.submissions (submission_id, county_code, form, period, file_name,"
        " sha256, size_bytes, status, received_at, processed_at) values"
        " ('s', '440802', 'outreach', ?, 'f.csv', 'x', 1, 'accepted', now(), now())",
        [period],
    )
    write_reporting_periods(con, deadline_day, now=datetime(2026, 11, 1, 12))
    found = con.execute(
        f"select {', '.join(REPORTING_PERIOD_COLUMNS)} from raw.reporting_periods where period = ?",
        [period],
    ).fetchone()
    assert found is not None
    return dict(zip(REPORTING_PERIOD_COLUMNS, found, strict=True))


def test_fixture_covers_the_cases_of_the_issue() -> None:
    days = {row["deadline_day"] for row in _given("int_periods")}
    assert {5, 28, 31} <= days
    following = [Period.parse(row["period"]).shift(1).month for row in _given("int_periods")]
    assert 2 in following  # a deadline in February, where day 31 means the last day
    assert any(row["period"].endswith("-02") for row in _given("int_periods"))


def test_fixture_periods_are_what_the_build_writes() -> None:
    with duckdb.connect() as con:
        ensure_raw_schema(con)
        for row in _given("int_periods"):
            written = _written_row(con, row["period"], row["deadline_day"])
            for column, value in row.items():
                assert written[column] == _as_python(value), (row["period"], column)


def test_expected_verdicts_are_those_of_period() -> None:
    days = {row["period"]: row["deadline_day"] for row in _given("int_periods")}
    files, expected = _given("stg_submissions"), _unit_test()["expect"]["rows"]
    assert len(files) == len(expected)
    assert {row["is_on_time"] for row in expected} == {True, False}
    for file, verdict in zip(files, expected, strict=True):
        assert (file["period"], file["county_code"]) == (verdict["period"], verdict["county_code"])
        received = datetime.fromisoformat(file["received_at"])  # naive UTC, like received_at
        on_time = Period.parse(file["period"]).is_on_time(received, days[file["period"]])
        assert on_time is verdict["is_on_time"], file["submission_id"]
