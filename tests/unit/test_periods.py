"""Periods: the month a scheduled bulletin reports on, and argument checking."""

from __future__ import annotations

from datetime import date, datetime

import pendulum
import pytest

from reportflow.periods import (
    PeriodError,
    parse_period,
    period_label,
    previous_period,
    shift_period,
)
from reportflow.pipeline import period_for_run


@pytest.mark.parametrize("text", ["2026-10", "1999-01", "2026-12"])
def test_valid_periods_pass_unchanged(text: str) -> None:
    assert parse_period(text) == text


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "202610", "", "2026-10 ", "26-10"])
def test_invalid_periods_are_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_previous_period_crosses_the_year() -> None:
    assert previous_period(date(2026, 1, 6)) == "2025-12"
    assert previous_period(date(2026, 11, 6)) == "2026-10"


def test_shift_period_both_ways() -> None:
    assert shift_period("2026-10", -12) == "2025-10"
    assert shift_period("2025-12", 1) == "2026-01"


def test_period_label_is_chinese() -> None:
    assert period_label("2026-01") == "2026年1月"


def test_scheduled_run_reports_on_the_previous_month() -> None:
    # publish_bulletin runs on the 6th at 08:00 Asia/Shanghai, i.e. 00:00 UTC on the 6th
    logical = pendulum.datetime(2026, 11, 6, 8, tz="Asia/Shanghai").in_timezone("UTC")
    assert period_for_run("", logical) == "2026-10"
    assert period_for_run(None, datetime(2026, 1, 6)) == "2025-12"


def test_manual_param_wins_and_is_checked() -> None:
    assert period_for_run("2025-07", datetime(2026, 11, 6)) == "2025-07"
    with pytest.raises(PeriodError):
        period_for_run("2025-7", datetime(2026, 11, 6))
