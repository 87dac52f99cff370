"""Bulletin end to end on a hand-made snapshot: real DuckDB Parquet, real Jinja, real WeasyPrint.

The snapshot and its story are in :mod:`tests.bulletin_snapshot`, so these tests do not depend
on the dbt models.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path
from urllib.parse import quote

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
from reportflow.bulletin.release import staging_dir
from reportflow.config import Settings
from reportflow.contract import counties, indicators
from tests.bulletin_snapshot import (
    CHIKAN,
    CITY,
    LEIZHOU,
    PERIOD,
    WUCHUAN,
    XIASHAN,
    ZONE,
    write_snapshot,
)


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
    return publish(home, PERIOD)


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
    assert path == staging_dir(settings, PERIOD) / "indicators.csv"  # published with the set
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") == 1 + 11 * 39  # CRLF throughout
    rows = read_csv(path)
    # indicators.md's five columns in its order, then the Chinese name and the unit
    assert rows[0] == [
        "period",
        "county_code",
        "county_name",
        "indicator",
        "value",
        "indicator_name",
        "unit",
    ]
    body = rows[1:]
    assert len(body) == 11 * len(indicators()) == 11 * 39
    units = list(dict.fromkeys(r[1] for r in body))
    assert units == [CITY] + [c.code for c in sorted(counties(), key=lambda c: c.sort_order)]
    assert [r[3] for r in body[:39]] == [i.key for i in indicators()]
    value = {(r[1], r[3]): r[4] for r in body}
    names = {r[1]: r[2] for r in body}
    assert names[CITY] == "湛江市" and names[CHIKAN] == "赤坎区"
    name_unit = {r[3]: (r[5], r[6]) for r in body}
    assert name_unit["disputes_received"] == ("本月受理纠纷数", "件")
    assert name_unit["mediation_success_rate"] == ("调解成功率", "比例")
    assert name_unit["investment_to_date"][1] == "亿元"
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
    result = published
    folder = result.directory
    assert result.city_html.name == f"{city_file_stem(PERIOD)}.html"
    assert result.city_html.name == "湛江市党建指导员工作月报_2026-10.html"
    assert result.city_pdf.read_bytes().startswith(b"%PDF")
    assert set(result.counties) == {c.code for c in counties()}
    chikan = folder / "湛江市党建指导员工作月报_赤坎区_2026-10"
    assert result.counties[CHIKAN] == (chikan.with_suffix(".html"), chikan.with_suffix(".pdf"))
    assert result.indicators_csv == folder / "indicators.csv"
    assert result.index_html == folder.parent / "index.html"
    assert all(p.is_file() and p.stat().st_size > 0 for p in result.paths())
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp files left


def test_city_html_content(published) -> None:
    result = published
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
    result = published
    html = result.counties[CHIKAN][0].read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "赤坎区" in html and "按时报送" in html
    zone_html = result.counties[ZONE][0].read_text(encoding="utf-8")
    assert "本县（市、区）本月未报送矛盾纠纷报表" in zone_html
    assert "全市数据不完整：湛江经济技术开发区未报送" in html  # 赤坎区 sees the city gap


def test_pdfs_contain_chinese_text(published) -> None:
    result = published
    text = pdf_text(result.city_pdf)
    for name in ("赤坎区", "霞山区", "湛江经济技术开发区", "湛江市党建指导员工作月报", "未报送"):
        assert name in text, name
    assert "99.0%" in text
    county_text = pdf_text(result.counties[XIASHAN][1])
    assert "霞山区" in county_text and "全市" in county_text


def test_pdftotext_sees_chinese_and_page_numbers(published) -> None:
    result = published
    text = subprocess.run(
        ["pdftotext", "-layout", str(result.city_pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "赤坎区" in text and "报送情况" in text
    pages = len(re.findall("\f", text)) or 1
    # page X of Y in the footer of every page; the period in the running header from page 2
    assert len(re.findall(rf"第\s*\d+\s*页\s*共\s*{pages}\s*页", text)) == pages
    running = re.findall(r"湛江市党建指导员工作月报\s*2026年10月\s*全市综合", text)
    assert len(running) == pages - 1


def test_archive_index_lists_periods(published, settings: Settings) -> None:
    result = published
    html = result.index_html.read_text(encoding="utf-8")
    assert "2026年10月" in html
    assert "2026-10/%E6%B9%9B" in html  # URL-quoted Chinese file name
    assert quote("湛江市党建指导员工作月报_赤坎区_2026-10.pdf") in html
    assert "最新一期" in html
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
