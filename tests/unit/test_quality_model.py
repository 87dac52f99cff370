"""How a failing row reads in the bulletin, and how a period's verdict is decided."""

from __future__ import annotations

from datetime import datetime

from reportflow.quality.model import BLOCKING, INFO, WARNING, Outcome, Verdict, readable_observed


def test_failing_values_read_with_contract_and_suite_labels() -> None:
    observed = (
        "robust_z=5.73, indicator=outreach_events, value=46, band_low=18.62, band_high=39.38; "
        "mentor_on_roster=False, mentor_id=ZDY1"
    )
    assert readable_observed(observed) == (
        "稳健z值=5.73，指标=宣讲活动场次，本月数=46，预期下限=18.62，预期上限=39.38；"
        "在指导员名册中=否，结对指导员编号=ZDY1"
    )
    assert readable_observed(None) == ""


def _outcome(severity: str, success: bool, county: str | None = "440882") -> Outcome:
    return Outcome(
        run_id="r",
        checked_at=datetime(2026, 11, 6),
        period="2026-10",
        suite="consistency.investment_to_date",
        expectation="expect_column_pair_values_a_to_be_greater_than_b",
        description="重点项目累计完成投资不应比上月减少",
        county_code=county,
        severity=severity,
        success=success,
        failed_rows=0 if success else 1,
        observed=None if success else "investment_to_date=1, previous_investment=2",
    )


def test_only_a_failed_blocking_result_holds_the_period_back() -> None:
    passing = Verdict("2026-10", "r", (_outcome(BLOCKING, True), _outcome(WARNING, False)))
    assert passing.publishable and len(passing.warnings) == 1
    blocked = Verdict("2026-10", "r", (_outcome(BLOCKING, False), _outcome(INFO, False)))
    assert not blocked.publishable and blocked.warnings == []
    assert "雷州市 (440882)" in blocked.blocking[0].describe()
    assert not Verdict("2026-10", None, ()).publishable  # nothing checked, nothing published
    assert _outcome(WARNING, False, None).place == "whole period"
