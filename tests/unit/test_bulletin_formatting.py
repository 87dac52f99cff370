"""Bulletin rules that need no snapshot: number formats, CSV cells, charts, ranks, escaping."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest

from reportflow.bulletin import BulletinError, validate_period
from reportflow.bulletin.charts import Bar, bar_chart_svg
from reportflow.bulletin.data import Figure, PeriodData, SubmissionStatus, Unit, contract_units
from reportflow.bulletin.export import csv_value, indicators_csv_bytes, safe_text_cell
from reportflow.bulletin.files import atomic_write_bytes, city_file_stem, county_file_stem
from reportflow.bulletin.formatting import (
    NOT_SUBMITTED,
    format_mom,
    format_value,
    format_yoy,
    mom_of,
    value_cell,
    yoy_of,
)
from reportflow.bulletin.publication import Issue
from reportflow.bulletin.views import city_bulletin, headline, ranking
from reportflow.contract import indicators
from reportflow.periods import BEIJING
from reportflow.templating import (
    environment,
    format_count,
    format_datetime_zh,
    format_percent,
)

SPECS = {spec.key: spec for spec in indicators()}
RATE = SPECS["mediation_success_rate"]
COUNT = SPECS["outreach_events"]
AMOUNT = SPECS["investment_to_date"]
FORMS_SUBMITTED = SPECS["forms_submitted"]


def period_data(
    figures: dict[tuple[str, str], Figure] | None = None,
    statuses: dict[tuple[str, str], SubmissionStatus] | None = None,
    units: tuple[Unit, ...] | None = None,
) -> PeriodData:
    return PeriodData(
        period="2026-10",
        units=units or contract_units(),
        indicators=indicators(),
        figures=figures or {},
        statuses=statuses or {},
        months=("2026-09", "2026-10"),
    )


# ---------------------------------------------------------------- display formats


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (0.98976, "rate", "99.0%"),
        (0.9895, "rate", "99.0%"),  # half-up on the decimal the float prints as
        (0.99949, "rate", "99.9%"),
        (1.0, "rate", "100.0%"),
        (0.0, "rate", "0.0%"),
        (-0.12345, "ratio", "-12.3%"),
        (12.345, "amount", "12.35"),
        (1234.5, "amount", "1,234.50"),
        (12345.0, "count", "12,345"),
        (7.0, "count", "7"),
        (None, "count", "—"),
        (float("nan"), "rate", "—"),
    ],
)
def test_format_value(value: float | None, kind: str, expected: str) -> None:
    assert format_value(value, kind) == expected


def test_template_filters() -> None:
    assert format_count(1234567) == "1,234,567"
    assert format_percent(0.5) == "50.0%"
    assert environment().filters["period_zh"]("2026-01") == "2026年1月"
    # stored timestamps are naive UTC; people read Beijing time
    assert format_datetime_zh(datetime(2026, 11, 5, 16, 30)) == "2026-11-06 00:30"


@pytest.mark.parametrize(
    ("change", "kind", "expected"),
    [
        (12.0, "count", "+12"),
        (-3.0, "count", "-3"),
        (0.0, "count", "持平"),
        (0.012, "rate", "+1.2个百分点"),
        (-0.0004, "rate", "持平"),
        (0.35, "amount", "+0.35"),
        (None, "rate", "—"),
    ],
)
def test_format_mom(change: float | None, kind: str, expected: str) -> None:
    assert format_mom(change, kind) == expected


def test_format_yoy() -> None:
    assert format_yoy(0.1234, "count") == "+12.3%"
    assert format_yoy(-0.04, "amount") == "-4.0%"
    assert format_yoy(None, "count") == "—"
    assert format_yoy(0.035, "rate") == "+3.5个百分点"  # a rate moves by points, not "+3.5%"


def test_rate_yoy_is_the_difference_in_points_not_the_relative_change() -> None:
    figure = Figure("440800", RATE, value=0.80, prev_year=0.70, yoy_change=0.142857)
    assert yoy_of(figure).text == "+10.0个百分点"
    assert yoy_of(Figure("440800", RATE, value=0.80)).text == "—"
    count = Figure("440800", COUNT, value=110.0, prev_year=100.0, yoy_change=0.1)
    assert yoy_of(count).text == "+10.0%"


@pytest.mark.parametrize(
    ("key", "change", "arrow", "css"),
    [
        ("outreach_events", 5.0, "▲", "good"),  # more outreach: good news
        ("outreach_events", -5.0, "▼", "bad"),
        ("warnings_open", 5.0, "▲", "bad"),  # more open warnings: not good news
        ("warnings_open", -5.0, "▼", "good"),
        ("disputes_received", 3.0, "▲", "bad"),
        ("warnings_reported", 3.0, "▲", "neutral"),
        ("warnings_open", 0.0, "", "flat"),
        ("warnings_open", None, "", "na"),
    ],
)
def test_arrow_shows_direction_colour_shows_meaning(
    key: str, change: float | None, arrow: str, css: str
) -> None:
    figure = Figure("440800", SPECS[key], value=10.0, mom_change=change)
    result = mom_of(figure)
    assert (result.arrow, result.css) == (arrow, css)


def test_every_indicator_declares_unit_direction_and_explanation() -> None:
    for spec in indicators():
        assert spec.unit and spec.explanation, spec.key
        assert spec.better in ("higher", "lower", "neutral"), spec.key
    assert SPECS["warnings_open"].better == "lower"
    assert SPECS["disputes_received"].better == "lower"


def test_value_cell_separates_not_submitted_from_not_computable() -> None:
    absent = Figure("440871", RATE, value=None, submitted_units=0)
    zero_denominator = Figure("440803", RATE, value=None, submitted_units=1, is_complete=True)
    partial_city = Figure("440800", COUNT, value=780.0, submitted_units=9, is_complete=False)
    assert value_cell(absent).text == NOT_SUBMITTED
    assert value_cell(zero_denominator).text == "—"
    assert value_cell(partial_city).css == "num incomplete"


def test_headline_flags_incomplete_city_figure() -> None:
    figure = Figure("440800", RATE, value=0.784, mom_change=0.039, submitted_units=9)
    item = headline(figure)
    assert item.value.text == "78.4%"
    assert item.mom.text == "+3.9个百分点"
    assert item.mom.css == "good"
    assert item.note == "数据不完整（已报送9/10）"
    complete = headline(Figure("440800", RATE, value=0.5, submitted_units=10, is_complete=True))
    assert complete.note == ""


# ---------------------------------------------------------------- CSV cells


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("赤坎区", "赤坎区"),
        ("2026-10", "2026-10"),
    ],
)
def test_safe_text_cell(text: str, expected: str) -> None:
    assert safe_text_cell(text) == expected


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (0.98976, "rate", "0.9898"),
        (1.0, "rate", "1.0000"),
        (-0.12345, "ratio", "-0.1235"),
        (-0.00001, "ratio", "0.0000"),  # no negative zero
        (2.5, "ratio", "2.5000"),
        (12.345, "amount", "12.35"),
        (12345.0, "count", "12345"),
        (None, "count", ""),
        (float("inf"), "rate", ""),
    ],
)
def test_csv_value(value: float | None, kind: str, expected: str) -> None:
    assert csv_value(value, kind) == expected


def yoy_row_name_and_unit(rows: list[list[str]]) -> list[str]:
    return next(r for r in rows if r[3] == "disputes_received_yoy")[5:]


def test_csv_bytes_neutralise_text_but_keep_numbers_numeric() -> None:
    units = (Unit("440800", "湛江市", 0, is_city=True), Unit("440802", "=cmd|'/c calc'!A1", 1))
    figures = {
        ("440802", "disputes_received_yoy"): Figure(
            "440802", indicators()[13], value=-0.12345, submitted_units=1, is_complete=True
        )
    }
    payload = indicators_csv_bytes(period_data(figures, units=units))
    assert payload.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(payload[3:].decode("utf-8"), newline="")))
    assert len(rows) == 1 + 2 * 39
    assert rows[0][5:] == ["indicator_name", "unit"]
    hostile = [r for r in rows if r[1] == "440802"]
    assert yoy_row_name_and_unit(hostile) == ["受理纠纷同比", "比例"]
    assert {r[2] for r in hostile} == {"'=cmd|'/c calc'!A1"}
    yoy = next(r for r in hostile if r[3] == "disputes_received_yoy")
    assert yoy[4] == "-0.1235"  # a number, not neutralised into text
    assert b"\r\n" in payload and payload.count(b"\n") == payload.count(b"\r\n")


# ---------------------------------------------------------------- periods and files


@pytest.mark.parametrize("period", ["2026-10", "2027-01"])
def test_valid_periods(period: str) -> None:
    assert validate_period(period) == period


@pytest.mark.parametrize("period", ["2026-00", "2026-13", "202610", "2026-1", "2026-10 ", "x"])
def test_invalid_periods(period: str) -> None:
    with pytest.raises(BulletinError, match="YYYY-MM"):
        validate_period(period)


def test_file_names_say_what_the_file_is() -> None:
    assert city_file_stem("2026-10") == "湛江市党建指导员工作月报_2026-10"
    assert county_file_stem("440802", "2026-10") == "湛江市党建指导员工作月报_赤坎区_2026-10"
    with pytest.raises(ValueError, match="not a county-level code"):
        county_file_stem("440800", "2026-10")


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out" / "a.pdf"
    atomic_write_bytes(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("reportflow.bulletin.files.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["a.pdf"]


# ---------------------------------------------------------------- rankings and charts


def test_ranking_ties_and_missing_last() -> None:
    codes = [u.code for u in contract_units() if not u.is_city]
    figures = {
        (codes[0], RATE.key): Figure(codes[0], RATE, 0.90, submitted_units=1, is_complete=True),
        (codes[1], RATE.key): Figure(codes[1], RATE, 0.95, submitted_units=1, is_complete=True),
        (codes[2], RATE.key): Figure(codes[2], RATE, 0.90, submitted_units=1, is_complete=True),
        (codes[3], RATE.key): Figure(codes[3], RATE, 0.80, submitted_units=1, is_complete=True),
    }
    result = ranking(period_data(figures), RATE.key)
    assert [e.rank for e in result.entries[:4]] == ["1", "2", "2", "4"]
    assert [e.value.text for e in result.entries[:4]] == ["95.0%", "90.0%", "90.0%", "80.0%"]
    assert result.entries[-1].rank == "—"
    assert result.entries[-1].value.text == NOT_SUBMITTED
    assert len(result.entries) == 10


def test_bar_chart_escapes_and_writes_missing() -> None:
    svg = bar_chart_svg(
        [Bar("<b>赤坎区</b>", 0.5, "50.0%"), Bar("霞山区", None, NOT_SUBMITTED)],
        title="调解成功率 & 排名",
        max_value=1.0,
        reference=0.6,
        reference_text="全市 60.0%",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "&lt;b&gt;赤坎区&lt;/b&gt;" in svg and "<b>" not in svg
    assert "调解成功率 &amp; 排名" in svg
    assert svg.count("<rect") == 1  # the missing county gets text, not a zero bar
    assert "未报送" in svg and "Noto Sans CJK SC" in svg


def test_all_zero_chart_still_draws() -> None:
    svg = bar_chart_svg([Bar("赤坎区", 0.0, "0")], title="t")
    assert 'width="0"' in svg


# ---------------------------------------------------------------- templates and views


def test_environment_autoescapes_html_only() -> None:
    env = environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert env.autoescape("bulletin_city.html") is True
    assert env.autoescape("receipt.txt") is False
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ missing }}").render()


def test_empty_period_city_bulletin_view() -> None:
    issue = Issue(datetime(2026, 11, 6, 9, 0, tzinfo=BEIJING), "f", 1)
    view = city_bulletin(period_data(), issue)
    assert view.nothing_submitted
    assert view.summary == (
        "2026年10月，全市应报送报表70份，已报送0份（按时0份、逾期0份），未报送70份。各县（市、区）均有报表未报送。",
    )
    assert view.masthead.issue == "2026年第10期"
    assert view.masthead.issued_on == "2026年11月6日"
    assert not view.masthead.revised
    assert all(h.value.text == NOT_SUBMITTED for h in view.headlines)
    assert all(c.text == NOT_SUBMITTED for g in view.groups for r in g.rows for c in r.cells)
    assert view.form_status[0].missing_names == "全部10个县（市、区）"


def test_forms_submitted_zero_is_a_value_not_missing() -> None:
    figure = Figure("440802", FORMS_SUBMITTED, value=0.0, is_complete=True)
    assert value_cell(figure).text == "0"
