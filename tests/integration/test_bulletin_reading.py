"""What a leader reads: summary, trends, appendix, stable dates, safe rendering (issue 12).

Real snapshot Parquet (tests.bulletin_snapshot), real WeasyPrint PDFs read back with pdftotext,
a real local HTTP server for the fetcher test. The summary's figures are checked against
``indicators.csv`` by the Chinese name the export now carries, not against the view objects
that produced them.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from reportflow.bulletin import BulletinError, publish, render_city, render_county
from reportflow.bulletin.fetcher import BulletinFetcher
from reportflow.bulletin.publish import html_to_pdf, write_archive_index
from reportflow.config import Settings
from reportflow.contract import counties, indicators
from tests.bulletin_snapshot import CHIKAN, CITY, PERIOD, ZONE, write_snapshot

#: Twelve months of data except 2026-04: every line has a gap there.
MONTHS = [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11) if m != 4]
NAMES = {c.code: c.name for c in counties()} | {CITY: "全市"}
SPECS = {spec.label: spec for spec in indicators()}


def pdftotext(path: Path) -> str:
    """The PDF's text as poppler extracts it (reading order, no layout)."""
    result = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
    return result.stdout.decode("utf-8")


def export(path: Path) -> dict[tuple[str, str], str]:
    """``indicators.csv`` keyed by (unit name, indicator_name) → value text."""
    rows = csv.DictReader(io.StringIO(path.read_bytes()[3:].decode("utf-8"), newline=""))
    return {(r["county_name"], r["indicator_name"]): r["value"] for r in rows}


def as_displayed(text: str, kind: str) -> str:
    """An export value as the bulletin prints it (the reading a person compares)."""
    value = Decimal(text)
    if kind in ("rate", "ratio"):
        return f"{(value * 100).quantize(Decimal('0.1')):,}%"
    if kind == "amount":
        return f"{value:,.2f}"
    return f"{int(value):,}"


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data home with a year of snapshot (2026-04 missing) and the set for 2026-10 published."""
    home = Settings(home=tmp_path_factory.mktemp("year") / "home")
    write_snapshot(home.snapshot_dir, dict.fromkeys(MONTHS, True))
    publish(home, PERIOD)
    return home


def summary_text(pdf_text: str) -> str:
    """The 总体情况 section of a bulletin's text (with its tiles, which state nothing as 为)."""
    start = pdf_text.index("一、总体情况")
    return re.sub(r"\s+", "", pdf_text[start : pdf_text.index("二、报送情况", start)])


def stated_figures(summary: str, subject: str) -> list[tuple[str, str, str]]:
    """Every (unit, indicator name, value) the summary states, in either of its two shapes."""
    units = "|".join(sorted(map(re.escape, NAMES.values()), key=len, reverse=True))
    labels = "|".join(sorted(map(re.escape, SPECS), key=len, reverse=True))
    number = r"-?[\d,]+(?:\.\d+)?%?"
    found = [
        (m["unit"] or subject, m["label"], m["value"])
        for m in re.finditer(
            rf"(?P<unit>{units})?(?P<label>{labels})为(?P<value>{number})", summary
        )
    ]
    for m in re.finditer(
        rf"(?P<label>{labels})以(?P<a>{units})最[高低多少]（(?P<va>{number})[^）]*）"
        rf"，(?P<b>{units})最[高低多少]（(?P<vb>{number})[^）]*）",
        summary,
    ):
        found += [(m["a"], m["label"], m["va"]), (m["b"], m["label"], m["vb"])]
    return found


LABEL_OF = {spec.key: spec.label for spec in indicators()}


def edition_pdf(home: Settings, edition: str) -> Path:
    """The city PDF (``edition`` = ``city``) or a county's, found by the name it is sent under."""
    folder = home.period_bulletin_dir(PERIOD)
    if edition == "city":
        return folder / "湛江市党建指导员工作月报_2026-10.pdf"
    return folder / f"湛江市党建指导员工作月报_{NAMES[edition]}_2026-10.pdf"


@pytest.mark.parametrize("edition", ["city", CHIKAN, ZONE])
def test_summary_numbers_equal_the_export(year: Settings, edition: str) -> None:
    summary = summary_text(pdftotext(edition_pdf(year, edition)))
    values = export(year.period_bulletin_dir(PERIOD) / "indicators.csv")
    subject = "全市" if edition == "city" else NAMES[edition]
    stated = stated_figures(summary, subject)
    assert len(stated) >= 8, summary
    for unit, label, shown in stated:
        exported = values[("湛江市" if unit == "全市" else unit, label)]
        assert as_displayed(exported, SPECS[label].kind) == shown, (unit, label, summary)
    counts = re.search(r"已报送(\d+)份（按时(\d+)份", summary)
    assert counts is not None, summary
    unit_name = "湛江市" if edition == "city" else NAMES[edition]
    assert counts[1] == values[(unit_name, LABEL_OF["forms_submitted"])]
    assert counts[2] == values[(unit_name, LABEL_OF["forms_on_time"])]


def test_city_summary_names_who_is_late_missing_leading_and_rectified(year: Settings) -> None:
    summary = summary_text(pdftotext(edition_pdf(year, "city")))
    assert "未报送：雷州市（苗头性问题）；湛江经济技术开发区（矛盾纠纷）" in summary
    assert "逾期报送：吴川市（宣讲活动）" in summary
    assert "与上月相比，变化较大的是" in summary
    assert "分领域看" in summary and "调解成功率以赤坎区最高（99.0%）" in summary
    assert "全市本月摘帽数为" in summary


def test_county_summary_gives_its_place(year: Settings) -> None:
    summary = summary_text(pdftotext(edition_pdf(year, CHIKAN)))
    assert "在全市10个县（市、区）中" in summary
    assert summary.count("赤坎区镇街覆盖率为") == 1  # the county is named once per sentence
    assert re.search(r"调解成功率为99\.0%，居第1位", summary)


def test_trends_and_appendix_are_in_the_pdf(year: Settings) -> None:
    for edition in ("city", CHIKAN):
        text = re.sub(r"\s+", "", pdftotext(edition_pdf(year, edition)))
        assert "三、主要指标走势" in text
        for title in ("镇街覆盖率", "本月受理纠纷数（件）", "未处置问题数（件）"):
            assert title in text, title
        assert "2026" in text.split("三、主要指标走势")[1][:400]  # the time axis names the year
        assert "折线中断处为当月未报送或无法计算，不按零计。" in text
        appendix = text[text.rindex("附录") :]  # the running header may sit between the words
        assert "指标说明" in appendix[:60]
        for spec in indicators():  # every indicator the tables show is explained
            assert spec.label in appendix, spec.label
        assert "下降为好" in appendix and "上升为好" in appendix


def test_trend_line_breaks_at_a_month_not_reported(year: Settings) -> None:
    html = edition_pdf(year, CHIKAN).with_suffix(".html").read_text(encoding="utf-8")
    section = html.split("三、主要指标走势", 1)[1].split("四、", 1)[0]
    assert section.count('<svg class="trend"') == 6
    # the county's own line (first path drawn with its colour) has two pieces: before and
    # after 2026-04, which is not in the snapshot; a zero there would make it one piece
    first = section.split("</svg>", 1)[0]
    county_line = re.search(r'<path d="([^"]+)"[^>]*stroke="#1f5fa8"', first)
    assert county_line is not None
    assert county_line[1].count("M") == 2


def test_rerender_gives_identical_html_and_pdf_text(year: Settings) -> None:
    html_path, pdf_path = render_city(year, PERIOD)
    before_html, before_text = html_path.read_bytes(), pdftotext(pdf_path)
    record = (year.period_bulletin_dir(PERIOD) / "publication.json").read_text()
    index_before = write_archive_index(year).read_bytes()
    html_path, pdf_path = render_city(year, PERIOD)
    assert html_path.read_bytes() == before_html
    assert pdftotext(pdf_path) == before_text
    assert write_archive_index(year).read_bytes() == index_before
    assert (year.period_bulletin_dir(PERIOD) / "publication.json").read_text() == record
    issued = json.loads(record)["issues"][0]["issued_at"]
    assert f"更新于 {issued[:10]} {issued[11:16]}" in index_before.decode("utf-8")


def test_corrected_data_is_a_new_issue_marked_revised(tmp_path: Path) -> None:
    home = Settings(home=tmp_path / "home")
    write_snapshot(home.snapshot_dir, {PERIOD: True})
    first_html, _ = render_county(home, PERIOD, CHIKAN)
    assert "（修订）" not in first_html.read_text(encoding="utf-8")
    target = str(home.snapshot_dir / "fct_indicators.parquet")
    with duckdb.connect(":memory:") as con:  # a county corrects one figure
        con.execute(
            f"copy (select * replace (case when county_code = '{CHIKAN}' and indicator = "
            f"'outreach_events' then value + 1 else value end as value) "
            f"from read_parquet('{target}')) to '{target}.new' (format parquet)"
        )
    Path(f"{target}.new").replace(target)
    html, _ = render_county(home, PERIOD, CHIKAN)
    assert "（修订）" in html.read_text(encoding="utf-8")
    issues = json.loads((html.parent / "publication.json").read_text())  # the staging set's
    assert len(issues["issues"]) == 2


def test_a_month_not_ended_is_refused(tmp_path: Path) -> None:
    home = Settings(home=tmp_path / "home")
    write_snapshot(home.snapshot_dir, {PERIOD: True, "2099-01": True})
    for attempt in (
        lambda: publish(home, "2099-01"),
        lambda: render_city(home, "2099-01"),
        lambda: render_county(home, "2099-01", CHIKAN),
    ):
        with pytest.raises(BulletinError, match="2099-01 has not ended yet"):
            attempt()
    assert not (home.bulletins_dir / "2099-01").exists()
    (home.bulletins_dir / "2099-01").mkdir(parents=True)  # e.g. left by an older version
    (home.bulletins_dir / "2099-01" / "湛江市党建指导员工作月报_2099-01.pdf").write_bytes(b"%PDF")
    index = publish(home, PERIOD).index_html.read_text(encoding="utf-8")
    assert "2099" not in index
    assert index.index("最新一期") > index.index("2026年10月")


def test_cli_publish_of_a_future_month_says_why(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        [".venv/bin/reportflow", "publish", "--period", "2099-01"],
        capture_output=True,
        text=True,
        env={"REPORTFLOW_HOME": str(home), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "2099-01 has not ended yet" in result.stderr


def test_bulletin_links_back_to_archive_and_other_editions(year: Settings) -> None:
    html = edition_pdf(year, CHIKAN).with_suffix(".html").read_text(encoding="utf-8")
    nav = html.split('<nav class="editions"', 1)[1].split("</nav>", 1)[0]
    assert 'href="../index.html"' in nav
    assert "%E6%B9%9B%E6%B1%9F" in nav  # the city edition, URL-quoted Chinese name
    assert '<span class="current">赤坎区</span>' in nav
    assert nav.count("<a ") == 1 + 1 + 9  # archive, city, the nine other counties
    for name in re.findall(r'href="([^"]+\.html)"', nav)[1:]:
        from urllib.parse import unquote

        assert (year.period_bulletin_dir(PERIOD) / unquote(name)).is_file()


# ---------------------------------------------------------------- the URL fetcher


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on localhost that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def pixel(path: Path) -> None:
    """A 1×1 RGB PNG (no alpha, so it is one image object in the PDF)."""
    from PIL import Image

    Image.new("RGB", (1, 1), "red").save(path)


def test_renderer_fetches_nothing_outside_the_bulletin_folder(
    tmp_path: Path, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    folder = tmp_path / "bulletins" / PERIOD
    folder.mkdir(parents=True)
    pixel(folder / "inside.png")
    outside = tmp_path / "secret.png"
    pixel(outside)
    (folder / "escape.png").symlink_to(outside)  # a link out of the folder counts as outside
    hostile = f"""<html><head>
      <link rel="stylesheet" href="{url}/a.css">
      <style>@import url("{url}/b.css"); body {{ background: url("{url}/c.png") }}</style>
      </head><body><p>赤坎区</p>
      <img src="{url}/d.png"><img src="file://{outside}"><img src="escape.png">
      <img src="file:///etc/hostname"><img src="../../secret.png"><img src="inside.png">
      </body></html>"""
    pdf = html_to_pdf(hostile, folder)
    assert hits == []
    assert pdf.count(b"/Subtype /Image") == 1  # only the picture inside the folder
    fetcher = BulletinFetcher([folder])
    assert fetcher.allows((folder / "inside.png").as_uri())
    assert fetcher.allows("data:image/png;base64,AAAA")
    refused = (
        f"{url}/x",
        outside.as_uri(),
        (folder / "escape.png").as_uri(),
        "file:///etc/passwd",
        "ftp://example.org/x",
        "file://host/share/x",
    )
    for address in refused:
        assert not fetcher.allows(address), address
