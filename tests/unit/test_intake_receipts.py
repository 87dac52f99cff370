"""Receipts: plain Chinese, every problem in a table, cell contents shown as text only."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from reportflow.intake.model import Problem
from reportflow.intake.receipts import (
    ReceiptContext,
    deadline_text,
    render,
    shown_value,
    write_receipts,
)
from reportflow.periods import Period
from reportflow.templating import environment

NOW = datetime(2026, 11, 3, 2, 0, 0)


def _rejected(problems: list[Problem], count: int | None = None) -> ReceiptContext:
    return ReceiptContext(
        kind="rejected",
        county_code="440802",
        file_name="disputes_2026-10.csv",
        received_at=datetime(2026, 11, 3, 1, 59, 0),
        processed_at=NOW,
        form="disputes",
        period="2026-10",
        sha256="ab" * 32,
        problems=problems,
        error_count=count if count is not None else len(problems),
        advice=["请改正后重新报送。"],
    )


def test_environment_escapes_html_but_not_text() -> None:
    env = environment()  # the project's shared environment
    assert env.autoescape("receipt.html") is True
    assert env.autoescape("receipt.txt") is False
    assert env.autoescape("county_template_guide.txt") is False


def test_hostile_values_are_escaped_in_html_and_exact_in_text() -> None:
    values = ["<script>alert(1)</script>", '=HYPERLINK("http://evil","x")', "'; drop table t; --"]
    html, text = render(
        _rejected([Problem(2, "受理日期（C列）", v, "格式无法识别") for v in values])
    )
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=HYPERLINK(&#34;http://evil&#34;,&#34;x&#34;)" in html
    assert "&#39;; drop table t; --" in html
    for v in values:
        assert v in text


def test_hostile_file_name_is_escaped() -> None:
    context = _rejected([Problem(None, "", "", "x")])
    context.file_name = "<img src=x onerror=alert(1)>.csv"
    html, _text = render(context)
    assert "<img" not in html and "&lt;img src=x" in html


def test_rejected_receipt_lists_rows_and_counts_the_rest() -> None:
    problems = [Problem(i + 2, "镇街代码（B列）", "440803001", "不属于本单位") for i in range(200)]
    html, text = render(_rejected(problems, count=250))
    assert html.count("<tr><td>") == 200
    assert "另有 50 处错误未列出" in html and "另有 50 处错误未列出" in text
    assert "<th>行号</th><th>列</th><th>值</th><th>问题</th>" in html
    assert "发现问题：250 处" in text
    assert "整个文件没有导入任何数据" in text
    assert "请改正后重新报送。" in text


def test_file_level_problem_shows_whole_file() -> None:
    _html, text = render(_rejected([Problem(None, "", "", "这是 PDF 文件，不是 CSV 文件。")]))
    assert "整个文件 | - | - | 这是 PDF 文件" in text


def test_accepted_receipt() -> None:
    context = ReceiptContext(
        kind="accepted",
        county_code="440881",
        file_name="矛盾纠纷_202610.csv",
        received_at=datetime(2026, 11, 3, 1, 0),
        processed_at=NOW,
        form="disputes",
        period="2026-10",
        row_count=12345,
        replaced_earlier=True,
        previous_name="disputes_2026-10.csv",
        previous_received_at=datetime(2026, 11, 1, 1, 0),
        sha256="c" * 64,
        advice=["无需其他操作。"],
    )
    html, text = render(context)
    assert "文件已接收" in html
    for expected in [
        "廉江市（440881）",
        "矛盾纠纷",
        "2026年10月",
        "导入行数：12,345 行\r\n是否更正：",  # each fact on its own line of the text receipt
        "是，本文件已整体替换",
        "disputes_2026-10.csv",
        "c" * 64,
        "2026年11月3日 09:00:00",
    ]:
        assert expected in text


def test_an_accepted_file_without_rows_is_a_nil_return_and_says_so() -> None:
    html, text = render(replace(_accepted(datetime(2026, 11, 3, 1, 0)), row_count=0))
    for receipt in (html, text):
        assert "零报告已接收" in receipt and "各项数量计为 0" in receipt
        assert "数据已全部导入" not in receipt
    assert "导入行数：0 行（零报告）\r\n是否更正：" in text
    html, text = render(_accepted(datetime(2026, 11, 3, 1, 0)))
    assert "零报告" not in html and "零报告" not in text


def test_duplicate_receipt() -> None:
    context = ReceiptContext(
        kind="duplicate",
        county_code="440802",
        file_name="x.csv",
        received_at=NOW,
        processed_at=NOW,
        form="disputes",
        period="2026-10",
        previous_name="first.csv",
        previous_received_at=NOW,
        sha256="d" * 64,
    )
    _html, text = render(context)
    assert "此前已接收" in text and "没有作任何改动" in text and "first.csv" in text


def test_shown_value_is_one_bounded_line() -> None:
    assert shown_value("a\r\nb\nc") == "a↵b↵c"
    assert shown_value("x\x1by\u202e") == "x�y�"
    long = shown_value("字" * 100)
    assert len(long) == 60 and long.endswith("…")
    assert shown_value(None) == ""


def test_deadline_is_said_as_the_rule_says_it() -> None:
    assert deadline_text(Period.parse("2026-10").deadline(5)) == "2026年11月5日 24:00"
    assert deadline_text(Period.parse("2027-01").deadline(31)) == "2027年2月28日 24:00"


def _accepted(received_at: datetime) -> ReceiptContext:
    return ReceiptContext(
        kind="accepted",
        county_code="440802",
        file_name="disputes_2026-10.csv",
        received_at=received_at,
        processed_at=NOW,
        form="disputes",
        period="2026-10",
        row_count=1234,
        sha256="ab" * 32,
        deadline_day=5,
    )


def test_receipt_states_deadline_rows_and_on_time() -> None:
    # 5 November 24:00 Beijing time is 16:00 UTC.
    html, text = render(_accepted(datetime(2026, 11, 5, 15, 59, 59)))
    assert "报送截止：2026年11月5日 24:00（北京时间" in text
    assert "收到时间：2026年11月5日 23:59:59（北京时间）" in text
    assert "是否按时：按时" in text and "逾期" not in text
    assert "本次导入 1,234 行数据。请与 Excel 表中的数据行数核对" in text
    assert "隐藏或筛选掉的行" in text and "本次导入 1,234 行数据。" in html
    late_html, late = render(_accepted(datetime(2026, 11, 5, 16, 0, 1)))
    assert "是否按时：逾期（截止时间后才收到）" in late and "逾期" in late_html


def test_receipts_are_written_beside_the_drop_folder(tmp_path: Path) -> None:
    county = tmp_path / "440802"
    county.mkdir()
    paths = write_receipts(county, "disputes_2026-10.csv", _rejected([Problem(None, "", "", "x")]))
    assert [p.name for p in paths] == ["disputes_2026-10.回执.html", "disputes_2026-10.回执.txt"]
    assert paths[1].read_bytes().startswith(b"\xef\xbb\xbf")
    assert all(p.parent == county / "回执" for p in paths)


def test_receipt_never_written_through_a_planted_link(tmp_path: Path) -> None:
    county = tmp_path / "440802"
    (county / "回执").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, county / "回执" / "disputes_2026-10.回执.txt")
    write_receipts(county, "disputes_2026-10.csv", _rejected([Problem(None, "", "", "x")]))
    assert victim.read_text() == "keep me"
    assert not (county / "回执" / "disputes_2026-10.回执.txt").is_symlink()


def test_receipt_folder_that_is_a_link_is_not_used(tmp_path: Path) -> None:
    county = tmp_path / "440802"
    county.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, county / "回执")
    assert write_receipts(county, "x.csv", _rejected([Problem(None, "", "", "x")])) == []
    assert list(elsewhere.iterdir()) == []


def test_receipt_for_a_traversal_name_stays_in_the_receipt_folder(tmp_path: Path) -> None:
    county = tmp_path / "440802"
    county.mkdir()
    paths = write_receipts(county, "../../evil.csv", _rejected([Problem(None, "", "", "x")]))
    assert all(p.parent == county / "回执" for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["440802"]
