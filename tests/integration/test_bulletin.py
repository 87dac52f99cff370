"""Bulletin end to end on a hand-made snapshot: real DuckDB Parquet, real Jinja, real WeasyPrint.

The snapshot is written here (columns exactly as docs/architecture.md defines the marts) so
these tests do not depend on the dbt models. Fixture story for 2026-10:

- 湛江经济技术开发区 (440871) did not submit 矛盾纠纷: its dispute figures are missing and the
  city's dispute figures are incomplete (9/10).
- 吴川市 (440883) submitted 宣讲活动 late; 雷州市 (440882) only had 苗头性问题 files rejected.
- 赤坎区: mediation success 0.98976 (→ 99.0% / 0.9898), investment 12.345 (→ 12.35),
  dispute YoY −0.12345 (→ −0.1235), outreach audience 12,345; its instructors file name is
  hostile markup, which must come out escaped.
- 霞山区 closed no disputes: its mediation rate is missing although it submitted (→ "—").
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from reportflow.bulletin import (
    BulletinError,
    city_file_stem,
    export_indicators_csv,
    load_period_data,
    publish,
    render_city,
    render_county,
    write_archive_index,
)
from reportflow.config import Settings
from reportflow.contract import city, counties, forms, indicators

PERIOD = "2026-10"
CITY = "440800"
CHIKAN, XIASHAN, LEIZHOU, WUCHUAN, ZONE = "440802", "440803", "440882", "440883", "440871"
HOSTILE_FILE = "<script>alert(1)</script>党建指导员_2026-10.xlsx"

INDICATOR_DDL = """
create table fct_indicators (
    period varchar, county_code varchar, county_name varchar, sort_order integer,
    indicator varchar, indicator_label varchar, indicator_kind varchar, indicator_order integer,
    form varchar, value double, value_prev_month double, value_prev_year double,
    mom_change double, yoy_change double, submitted_units integer, is_complete boolean
)"""
STATUS_DDL = """
create table submission_status (
    period varchar, county_code varchar, county_name varchar, sort_order integer,
    form varchar, form_label varchar, status varchar, on_time boolean,
    first_accepted_at timestamp, last_accepted_at timestamp, deadline_at timestamp,
    file_name varchar, rejected_files integer
)"""

#: (county, form) pairs without an accepted file in the fixture period.
NOT_SUBMITTED = {(ZONE, "disputes"), (LEIZHOU, "early_warnings")}
LATE = {(WUCHUAN, "outreach")}
#: Hand-picked county values; everything else is generated.
PINNED: dict[tuple[str, str], float | None] = {
    (CHIKAN, "mediation_success_rate"): 0.98976,
    (CHIKAN, "investment_to_date"): 12.345,
    (CHIKAN, "disputes_received_yoy"): -0.12345,
    (CHIKAN, "outreach_audience"): 12345.0,
    (XIASHAN, "mediation_success_rate"): None,
}


def _generated(index: int, key: str, kind: str) -> float:
    """Deterministic, plausible county values: counts grow with the index, rates stay < 1."""
    seed = sum(ord(ch) for ch in key)
    if kind == "rate":
        return round(0.55 + ((seed * 7 + index * 13) % 40) / 100, 4)
    if kind == "ratio":
        return round(((seed + index * 11) % 50 - 20) / 100, 4)
    if kind == "amount":
        return round(1.5 + ((seed + index * 17) % 300) / 37, 2)
    return float((seed * 3 + index * 29) % 180 + index)


def _county_value(code: str, index: int, spec) -> float | None:
    if spec.form is not None and (code, spec.form) in NOT_SUBMITTED:
        return None
    if spec.key == "forms_submitted":
        return float(sum(1 for f in forms() if (code, f) not in NOT_SUBMITTED))
    if spec.key == "forms_on_time":
        return float(sum(1 for f in forms() if (code, f) not in NOT_SUBMITTED | LATE))
    if (code, spec.key) in PINNED:
        return PINNED[(code, spec.key)]
    return _generated(index, spec.key, spec.kind)


INDICATOR_COLUMNS = (
    "period", "county_code", "county_name", "sort_order", "indicator", "indicator_label",
    "indicator_kind", "indicator_order", "form", "value", "value_prev_month", "value_prev_year",
    "mom_change", "yoy_change", "submitted_units", "is_complete",
)  # fmt: skip
STATUS_COLUMNS = (
    "period", "county_code", "county_name", "sort_order", "form", "form_label", "status",
    "on_time", "first_accepted_at", "last_accepted_at", "deadline_at", "file_name",
    "rejected_files",
)  # fmt: skip


def _unit_row(period: str, unit, spec, order: int, value: float | None) -> dict:
    """The columns every fct_indicators row shares, with month/year bases derived from value."""
    prev_month = None if value is None else value * 0.9
    prev_year = None if value is None else value * 0.8
    return {
        "period": period,
        "county_code": unit.code,
        "county_name": unit.name,
        "sort_order": unit.sort_order,
        "indicator": spec.key,
        "indicator_label": spec.label,
        "indicator_kind": spec.kind,
        "indicator_order": order,
        "form": spec.form,
        "value": value,
        "value_prev_month": prev_month,
        "value_prev_year": prev_year,
        "mom_change": None if value is None else value - prev_month,
        "yoy_change": None if not prev_year else (value - prev_year) / prev_year,
    }


def indicator_rows(period: str) -> list[dict]:
    """All 11 × 39 rows of fct_indicators for one period, the city summed over submitters."""
    rows: list[dict] = []
    by_unit: dict[tuple[str, str], float | None] = {}
    for index, county in enumerate(counties(), start=1):
        for order, spec in enumerate(indicators(), start=1):
            value = _county_value(county.code, index, spec)
            by_unit[(county.code, spec.key)] = value
            submitted = spec.form is None or (county.code, spec.form) not in NOT_SUBMITTED
            row = _unit_row(period, county, spec, order, value)
            rows.append(row | {"submitted_units": int(submitted), "is_complete": submitted})
    for order, spec in enumerate(indicators(), start=1):
        present = [by_unit[(c.code, spec.key)] for c in counties()]
        present = [v for v in present if v is not None]
        submitters = sum(
            1 for c in counties() if spec.form is None or (c.code, spec.form) not in NOT_SUBMITTED
        )
        if spec.kind in ("rate", "ratio"):
            value = round(sum(present) / len(present), 6) if present else None
        else:
            value = sum(present) if present else None
        row = _unit_row(period, city(), spec, order, value) | {"sort_order": 0}
        row |= {"value_prev_year": None, "yoy_change": None}  # no city base a year ago
        complete = spec.form is None or submitters == len(counties())
        rows.append(row | {"submitted_units": submitters, "is_complete": complete})
    return rows


def status_rows(period: str) -> list[dict]:
    """All 10 × 7 rows of submission_status for one period."""
    rows = []
    deadline = datetime(2026, 11, 5, 16, 0)
    for county in counties():
        for form in forms().values():
            key = (county.code, form.key)
            row = {
                "period": period,
                "county_code": county.code,
                "county_name": county.name,
                "sort_order": county.sort_order,
                "form": form.key,
                "form_label": form.label,
                "deadline_at": deadline,
            }
            if key in NOT_SUBMITTED:
                rejected = 2 if county.code == LEIZHOU else 0
                row |= {
                    "status": "rejected" if rejected else "missing",
                    "on_time": None,
                    "first_accepted_at": None,
                    "last_accepted_at": None,
                    "file_name": None,
                    "rejected_files": rejected,
                }
            else:
                late = key in LATE
                accepted = datetime(2026, 11, 7 if late else 3, 2, 30)
                hostile = key == (CHIKAN, "instructors")
                row |= {
                    "status": "late" if late else "accepted",
                    "on_time": not late,
                    "first_accepted_at": accepted,
                    "last_accepted_at": accepted,
                    "file_name": HOSTILE_FILE if hostile else f"{form.label}_{period}.xlsx",
                    "rejected_files": 0,
                }
            rows.append(row)
    return rows


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns, rows: list[dict]) -> None:
    marks = ", ".join("?" * len(columns))
    con.executemany(
        f"insert into {table} ({', '.join(columns)}) values ({marks})",
        [[row[c] for c in columns] for row in rows],
    )


def write_snapshot(snapshot_dir: Path, periods: dict[str, bool]) -> None:
    """Write both snapshot files; ``periods`` maps period → whether it has any rows."""
    snapshot_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(":memory:") as con:
        con.execute(INDICATOR_DDL)
        con.execute(STATUS_DDL)
        for period, has_rows in periods.items():
            if has_rows:
                _insert(con, "fct_indicators", INDICATOR_COLUMNS, indicator_rows(period))
                _insert(con, "submission_status", STATUS_COLUMNS, status_rows(period))
        for table in ("fct_indicators", "submission_status"):
            target = str(snapshot_dir / f"{table}.parquet").replace("'", "''")
            con.execute(f"copy {table} to '{target}' (format parquet)")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A data home whose snapshot holds 2026-10 (and 2026-09); 2026-11 is not in it."""
    home = Settings(home=tmp_path / "home")
    write_snapshot(home.snapshot_dir, {PERIOD: True, "2026-09": True})
    return home


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory):
    """One full publish shared by the read-only checks below (PDF rendering is the slow part)."""
    home = Settings(home=tmp_path_factory.mktemp("published") / "home")
    write_snapshot(home.snapshot_dir, {PERIOD: True})
    started = time.perf_counter()
    result = publish(home, PERIOD)
    return result, time.perf_counter() - started


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def pdf_text(path: Path) -> str:
    """Text of a PDF as a reader would copy it (pypdf: no external tool needed)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


# ---------------------------------------------------------------- loading


def test_load_period_data_reads_snapshot_into_contract_grid(settings: Settings) -> None:
    data = load_period_data(settings, PERIOD)
    assert [u.code for u in data.units][:2] == [CITY, CHIKAN]
    assert len(data.units) == 11
    assert data.figure(CHIKAN, "mediation_success_rate").value == pytest.approx(0.98976)
    zone = data.figure(ZONE, "disputes_received")
    assert zone.value is None and not zone.reported
    assert data.figure(XIASHAN, "mediation_success_rate").reported
    assert data.status(WUCHUAN, "outreach").status == "late"
    assert not data.nothing_submitted


def test_missing_snapshot_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(BulletinError, match="run build first"):
        load_period_data(Settings(home=tmp_path), PERIOD)


def test_snapshot_missing_a_column_is_reported(tmp_path: Path) -> None:
    home = Settings(home=tmp_path)
    write_snapshot(home.snapshot_dir, {PERIOD: True})
    target = str(home.snapshot_dir / "fct_indicators.parquet")
    with duckdb.connect(":memory:") as con:
        con.execute(
            f"copy (select * exclude (yoy_change) from read_parquet('{target}')) "
            f"to '{target}.new' (format parquet)"
        )
    Path(f"{target}.new").replace(target)
    with pytest.raises(BulletinError, match="lacks columns yoy_change"):
        load_period_data(home, PERIOD)


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "26-10", "../x", ""])
def test_bad_period_rejected_before_any_io(tmp_path: Path, period: str) -> None:
    with pytest.raises(BulletinError, match="YYYY-MM"):
        render_city(Settings(home=tmp_path), period)


def test_unknown_county_rejected(settings: Settings) -> None:
    with pytest.raises(BulletinError, match="not one of the ten"):
        render_county(settings, PERIOD, CITY)


# ---------------------------------------------------------------- CSV export


def test_csv_export_exact_shape_and_values(settings: Settings) -> None:
    path = export_indicators_csv(settings, PERIOD)
    assert path == settings.bulletins_dir / PERIOD / "indicators.csv"
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") == 1 + 11 * 39  # CRLF throughout
    rows = read_csv(path)
    assert rows[0] == ["period", "county_code", "county_name", "indicator", "value"]
    body = rows[1:]
    assert len(body) == 11 * len(indicators()) == 11 * 39
    units = list(dict.fromkeys(r[1] for r in body))
    assert units == [CITY] + [c.code for c in sorted(counties(), key=lambda c: c.sort_order)]
    assert [r[3] for r in body[:39]] == [i.key for i in indicators()]
    value = {(r[1], r[3]): r[4] for r in body}
    names = {r[1]: r[2] for r in body}
    assert names[CITY] == "湛江市" and names[CHIKAN] == "赤坎区"
    assert value[(CHIKAN, "mediation_success_rate")] == "0.9898"
    assert value[(CHIKAN, "investment_to_date")] == "12.35"
    assert value[(CHIKAN, "disputes_received_yoy")] == "-0.1235"  # numeric: not quoted
    assert value[(CHIKAN, "outreach_audience")] == "12345"
    assert value[(ZONE, "disputes_received")] == ""  # missing, not 0
    assert value[(XIASHAN, "mediation_success_rate")] == ""
    assert value[(ZONE, "forms_submitted")] == "6"
    assert all(r[0] == PERIOD for r in body)
    for (_, key), text in value.items():
        kind = next(i.kind for i in indicators() if i.key == key)
        if text and kind in ("rate", "ratio"):
            assert len(text.split(".")[1]) == 4, (key, text)
        elif text and kind == "count":
            assert text.lstrip("-").isdigit(), (key, text)


def test_csv_for_period_without_rows_is_full_and_empty(settings: Settings) -> None:
    rows = read_csv(export_indicators_csv(settings, "2026-11"))[1:]
    assert len(rows) == 11 * 39
    assert {r[4] for r in rows} == {""}
    assert {r[0] for r in rows} == {"2026-11"}


# ---------------------------------------------------------------- HTML and PDF


def test_publish_writes_every_file(published) -> None:
    result, _ = published
    folder = result.directory
    assert result.city_html.name == f"{city_file_stem(PERIOD)}.html"
    assert result.city_html.name == "湛江市党建指导员工作月报_2026-10.html"
    assert result.city_pdf.read_bytes().startswith(b"%PDF")
    assert set(result.counties) == {c.code for c in counties()}
    assert result.counties[CHIKAN] == (folder / "county_440802.html", folder / "county_440802.pdf")
    assert result.indicators_csv == folder / "indicators.csv"
    assert result.index_html == folder.parent / "index.html"
    assert all(p.is_file() and p.stat().st_size > 0 for p in result.paths())
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp files left


def test_city_html_content(published) -> None:
    result, _ = published
    html = result.city_html.read_text(encoding="utf-8")
    assert "湛江市党建指导员工作月报" in html and "2026年10月" in html
    assert "99.0%" in html  # 赤坎区 mediation success
    assert "12.35" in html and "12,345" in html
    assert "未报送" in html
    assert "数据不完整（已报送9/10）" in html  # city disputes figures
    assert "湛江经济技术开发区" in html
    assert "雷州市（被退回）" in html  # early warnings: only rejected files
    assert "<svg" in html and "</svg>" in html
    assert "吴川市" in html.split("逾期报送", 1)[1]


def test_county_html_escapes_county_text(published) -> None:
    result, _ = published
    html = result.counties[CHIKAN][0].read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "赤坎区" in html and "按时报送" in html
    zone_html = result.counties[ZONE][0].read_text(encoding="utf-8")
    assert "本县（市、区）本月未报送矛盾纠纷报表" in zone_html
    assert "全市数据不完整：湛江经济技术开发区未报送" in html  # 赤坎区 sees the city gap


def test_pdfs_contain_chinese_text(published) -> None:
    result, _ = published
    text = pdf_text(result.city_pdf)
    for name in ("赤坎区", "霞山区", "湛江经济技术开发区", "湛江市党建指导员工作月报", "未报送"):
        assert name in text, name
    assert "99.0%" in text
    county_text = pdf_text(result.counties[XIASHAN][1])
    assert "霞山区" in county_text and "全市" in county_text


def test_pdftotext_sees_chinese_and_page_numbers(published) -> None:
    result, _ = published
    text = subprocess.run(
        ["pdftotext", "-layout", str(result.city_pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "赤坎区" in text and "报送情况" in text
    assert re.search(r"—\s*1\s*/\s*\d+\s*—", text)  # page numbers in the footer


def test_publish_time_is_reasonable(published) -> None:
    _, seconds = published
    assert seconds < 60, f"publish took {seconds:.1f} s"


def test_archive_index_lists_periods(published, settings: Settings) -> None:
    result, _ = published
    html = result.index_html.read_text(encoding="utf-8")
    assert "2026年10月" in html
    assert "2026-10/%E6%B9%9B" in html  # URL-quoted Chinese file name
    assert "county_440802.pdf" in html
    empty = write_archive_index(settings)
    assert "尚未发布任何月报" in empty.read_text(encoding="utf-8")


def test_period_without_rows_renders_nothing_submitted(settings: Settings) -> None:
    html_path, pdf_path = render_city(settings, "2026-11")
    html = html_path.read_text(encoding="utf-8")
    assert "本月各县（市、区）均未报送数据" in html
    assert "应报送报表70份，已报送0份" in html
    assert "三、县（市、区）排名" not in html  # no empty rankings, charts or tables
    assert pdf_path.is_file()
    county_html, _ = render_county(settings, "2026-11", LEIZHOU)
    assert "雷州市本月未报送任何报表" in county_html.read_text(encoding="utf-8")


def test_rerender_replaces_files_atomically(settings: Settings) -> None:
    first_html, _ = render_county(settings, PERIOD, CHIKAN)
    first_inode = first_html.stat().st_ino
    second_html, _ = render_county(settings, PERIOD, CHIKAN)
    assert second_html == first_html
    assert second_html.stat().st_ino != first_inode  # replaced by rename, not rewritten in place


def test_weasyprint_reports_no_css_problems(settings: Settings, caplog) -> None:
    """Unsupported CSS is only logged by WeasyPrint; a warning here means a silent layout loss."""
    caplog.set_level("WARNING", logger="weasyprint")
    render_county(settings, PERIOD, CHIKAN)
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]
