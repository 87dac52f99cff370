"""Trend lines, the recorded issue and the summary's wording, without a snapshot."""

from __future__ import annotations

import re
import threading
from datetime import datetime
from pathlib import Path

from reportflow.bulletin.data import Figure
from reportflow.bulletin.publication import issue_for, latest_issue
from reportflow.bulletin.summary import change_phrase, fact
from reportflow.bulletin.trends import Series, marked_points, month_ticks, trend_svg
from reportflow.contract import indicators
from reportflow.periods import BEIJING

SPECS = {spec.key: spec for spec in indicators()}
MONTHS = ("2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04")


def test_a_month_not_reported_is_a_gap_not_a_zero() -> None:
    svg = trend_svg(
        MONTHS,
        [Series("赤坎区", (3.0, 4.0, None, 5.0, 6.0, 7.0), "#1f5fa8")],
        kind="count",
        title="本月受理纠纷数",
    )
    line = re.search(r'<path d="([^"]+)"[^>]*stroke="#1f5fa8"', svg)
    assert line is not None
    assert line[1].count("M") == 2  # two pieces, nothing drawn for the missing month
    assert "<text" in svg and "Noto Sans CJK SC" in svg  # text stays text, in the CJK font
    assert "style=" not in svg and "<style" not in svg and "<metadata" not in svg


def test_trend_svg_is_deterministic_and_escapes_its_title() -> None:
    series = [Series("全市", (0.5, 0.6, 0.7, None, 0.8, 0.9), "#c8161d")]
    first = trend_svg(MONTHS, series, kind="rate", title="<b>率</b>")
    assert first == trend_svg(MONTHS, series, kind="rate", title="<b>率</b>")
    assert "&lt;b&gt;" in first and "<b>" not in first
    other = trend_svg(MONTHS, series, kind="rate", title="另一个")
    ids = set(re.findall(r' id="([^"]+)"', first))
    assert ids and not ids & set(re.findall(r' id="([^"]+)"', other))  # unique per chart


def test_lone_and_latest_months_are_dots() -> None:
    nan = float("nan")
    assert marked_points([1.0, nan, 2.0, nan, 3.0, 4.0]) == [0, 2, 5]
    assert marked_points([nan, nan]) == []


def test_month_ticks_name_the_year_at_start_and_january() -> None:
    assert month_ticks(MONTHS) == ["11月\n2025", "12月", "1月\n2026", "2月", "3月", "4月"]


def test_issue_is_recorded_once_and_renewed_on_corrected_data(tmp_path: Path) -> None:
    first = issue_for(tmp_path, "aaa", datetime(2026, 11, 6, 8, 0, tzinfo=BEIJING))
    again = issue_for(tmp_path, "aaa", datetime(2026, 11, 9, 8, 0, tzinfo=BEIJING))
    assert again == first and first.number == 1 and not first.is_revision
    corrected = issue_for(tmp_path, "bbb", datetime(2026, 11, 9, 8, 0, tzinfo=BEIJING))
    assert corrected.number == 2 and corrected.is_revision
    assert corrected.issued_at.day == 9
    assert latest_issue(tmp_path) == corrected


def test_concurrent_renders_record_one_issue(tmp_path: Path) -> None:
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(issue_for(tmp_path, "same")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({(r.issued_at, r.number) for r in results}) == 1


def test_summary_wording_follows_kind_and_unit() -> None:
    disputes = Figure("440800", SPECS["disputes_received"], value=1234.0, mom_change=-56.0)
    assert fact("全市", disputes) == "全市本月受理纠纷数为1,234件"
    assert change_phrase(disputes) == "比上月减少56件"
    rate = Figure("440800", SPECS["town_coverage_rate"], value=0.95, mom_change=0.012)
    assert fact("", rate) == "镇街覆盖率为95.0%"
    assert change_phrase(rate) == "比上月提高1.2个百分点"
    flat = Figure("440800", SPECS["town_coverage_rate"], value=0.95, mom_change=0.0004)
    assert change_phrase(flat) == "与上月持平"
    money = Figure("440800", SPECS["investment_to_date"], value=12.345, mom_change=1.5)
    assert fact("全市", money) == "全市累计完成投资(亿元)为12.35"  # the label names the unit


def test_summary_counts_quality_warnings_per_edition() -> None:
    from reportflow.bulletin.data import PeriodData, contract_units
    from reportflow.bulletin.summary import quality_sentence
    from reportflow.quality.model import Outcome

    def warning(county: str) -> Outcome:
        return Outcome(
            "run", datetime(2026, 11, 6), "2026-10", "plausibility", "expect", "本月数异常",
            county, "warning", False, 1, "indicator=outreach_events, value=46",
        )  # fmt: skip

    units = contract_units()
    data = PeriodData(
        period="2026-10",
        units=units,
        indicators=indicators(),
        figures={},
        statuses={},
        quality_warnings=(warning("440802"), warning("440802"), warning("440882")),
        months=("2026-10",),
    )
    city, chikan, xiashan = units[0], units[1], units[2]
    assert quality_sentence(data, city) == (
        "本期有3条数据质量提示，涉及赤坎区、雷州市，请核实（详见“数据质量提示”）。"
    )
    assert quality_sentence(data, chikan).startswith("本期有2条数据质量提示，请核实")
    assert quality_sentence(data, xiashan) == ""


def test_submission_sentence_counts_instead_of_listing_many_forms() -> None:
    from reportflow.bulletin.data import PeriodData, SubmissionStatus, contract_units
    from reportflow.bulletin.summary import submission_sentence
    from reportflow.contract import forms

    units = contract_units()
    chikan, xiashan = units[1].code, units[2].code
    statuses = {(chikan, f): SubmissionStatus(chikan, f, "late") for f in forms()}
    statuses[(xiashan, "disputes")] = SubmissionStatus(xiashan, "disputes", "late")
    data = PeriodData("2026-10", units, indicators(), {}, statuses, months=("2026-10",))
    text = submission_sentence(data, units[0], "全市")
    assert "逾期报送：赤坎区（7份）；霞山区（矛盾纠纷）。" in text
