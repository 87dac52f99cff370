"""Periods: the month a scheduled bulletin reports on, argument checking, and the deadline rule.

The deadline cases are those of indicators.md v1.1: 24:00 Beijing time on the configured day of
the following month, a day beyond that month's length meaning its last day.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pendulum
import pytest

from reportflow.periods import (
    BEIJING,
    OPTIONAL_PERIOD_PATTERN,
    Period,
    PeriodError,
    parse_period,
    period_label,
    shift_period,
    to_naive_utc,
)
from reportflow.pipeline import period_for_run


@pytest.mark.parametrize("text", ["2026-10", "1999-01", "2026-12"])
def test_valid_periods_pass_unchanged(text: str) -> None:
    assert parse_period(text) == text


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-1", "202610", "", "2026-10 ", "2026-10\n", "26-10"]
)
def test_invalid_periods_are_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_reporting_period_is_the_previous_month_and_crosses_the_year() -> None:
    assert Period.reporting(date(2026, 1, 6)).key == "2025-12"
    assert Period.reporting(date(2026, 11, 6)).key == "2026-10"
    # 23:30 UTC on 31 October is already 1 November in Beijing
    assert Period.reporting(datetime(2026, 10, 31, 23, 30)).key == "2026-10"


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


def test_optional_pattern_accepts_a_period_or_nothing() -> None:
    assert re.match(OPTIONAL_PERIOD_PATTERN, "")
    assert re.match(OPTIONAL_PERIOD_PATTERN, "2026-10")
    assert not re.match(OPTIONAL_PERIOD_PATTERN, "2026-13")


def test_through_lists_every_month_inclusive() -> None:
    keys = [p.key for p in Period(2025, 11).through(Period(2026, 2))]
    assert keys == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert Period(2026, 2).through(Period(2026, 1)) == []


@pytest.mark.parametrize(
    ("period", "day", "deadline_utc"),
    [
        ("2025-03", 5, datetime(2025, 4, 5, 16)),  # 24:00 on 5 April Beijing
        ("2025-03", 28, datetime(2025, 4, 28, 16)),
        ("2025-03", 31, datetime(2025, 4, 30, 16)),  # April has 30 days: its last day
        ("2025-01", 31, datetime(2025, 2, 28, 16)),  # February, common year
        ("2024-01", 31, datetime(2024, 2, 29, 16)),  # February, leap year
        ("2025-02", 28, datetime(2025, 3, 28, 16)),  # a February period
        ("2025-12", 5, datetime(2026, 1, 5, 16)),  # across the year
    ],
)
def test_deadline_is_the_end_of_the_day_clamped_to_the_month(
    period: str, day: int, deadline_utc: datetime
) -> None:
    deadline = Period.parse(period).deadline(day)
    assert to_naive_utc(deadline) == deadline_utc
    assert deadline.tzinfo is BEIJING


def test_on_time_is_at_or_before_the_deadline() -> None:
    period = Period(2025, 1)
    assert period.is_on_time(datetime(2025, 2, 28, 16), 31)  # naive = UTC: exactly 24:00
    assert not period.is_on_time(datetime(2025, 2, 28, 16, 0, 1), 31)
    assert period.is_due(31, now=datetime(2025, 3, 1, 0, 0, 1, tzinfo=BEIJING))
    assert not period.is_due(31, now=datetime(2025, 3, 1, 0, 0, 0, tzinfo=BEIJING))


def test_begun_and_ended_follow_beijing_time() -> None:
    now = datetime(2026, 10, 31, 16, 30)  # naive UTC: 00:30 on 1 November in Beijing
    assert Period(2026, 11).has_begun(now) and not Period(2026, 12).has_begun(now)
    assert Period(2026, 10).has_ended(now) and not Period(2026, 11).has_ended(now)
