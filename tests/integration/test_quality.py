"""Great Expectations suites on the marts, run for real against a DuckDB file."""

from __future__ import annotations

import json

import duckdb
import pytest

from reportflow.config import Settings
from reportflow.contract import counties, forms
from reportflow.quality import QualityCheckFailed, check_marts, latest_report_passed


def _write_marts(settings: Settings, rate_value: float) -> None:
    """Minimal marts: one county's rate and count, and a full submission grid."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_indicators (period varchar, county_code varchar,"
        " indicator varchar, indicator_kind varchar, value double)"
    )
    con.executemany(
        "insert into marts.fct_indicators values (?, ?, ?, ?, ?)",
        [
            ("2026-10", "440802", "town_coverage_rate", "rate", rate_value),
            ("2026-10", "440802", "instructors_full_time", "count", 12.0),
            ("2026-10", "440800", "disputes_received_yoy", "ratio", -0.25),
        ],
    )
    con.execute(
        "create table marts.submission_status (period varchar, county_code varchar,"
        " form varchar, status varchar)"
    )
    con.executemany(
        "insert into marts.submission_status values ('2026-10', ?, ?, 'accepted')",
        [(county.code, form) for county in counties() for form in forms()],
    )
    con.close()


def test_valid_marts_pass_and_open_the_gate(data_home: Settings) -> None:
    _write_marts(data_home, rate_value=0.75)
    report = check_marts(data_home)
    assert report.success
    assert latest_report_passed(data_home)
    saved = json.loads((data_home.quality_dir / "latest.json").read_text(encoding="utf-8"))
    assert saved["success"] is True and saved["outcomes"]


def test_rate_above_one_fails_naming_the_expectation(data_home: Settings) -> None:
    _write_marts(data_home, rate_value=1.5)
    with pytest.raises(QualityCheckFailed) as failure:
        check_marts(data_home)
    message = str(failure.value)
    assert "expect_column_values_to_be_between" in message
    assert "value" in message and "1.5" in message
    assert not latest_report_passed(data_home)


def test_gate_is_closed_before_any_check(data_home: Settings) -> None:
    assert not latest_report_passed(data_home)
