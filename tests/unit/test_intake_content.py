"""Bytes → text → records → header, each step refusing what it cannot read faithfully."""

from __future__ import annotations

import pytest

from reportflow import contract
from reportflow.intake.content import (
    ContentError,
    column_letter,
    decode,
    map_header,
    parse_records,
    sniff,
)
from reportflow.intake.model import Limits

LIMITS = Limits(max_bytes=50 * 1024 * 1024, max_data_rows=1_000_000, max_listed_errors=200)
DISPUTES = contract.forms()["disputes"]
HEADER = "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期"
TEXT = HEADER + "\nJF-1,440802001,2026-10-05,邻里纠纷,其他,调解中,\n"


# ------------------------------------------------------------------ decoding


def test_utf8_without_bom() -> None:
    assert decode(TEXT.encode("utf-8")) == (TEXT, "utf-8")


def test_utf8_with_bom_drops_the_bom() -> None:
    assert decode(TEXT.encode("utf-8-sig")) == (TEXT, "utf-8-sig")


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_gbk_and_gb18030(codec: str) -> None:
    assert decode(TEXT.encode(codec)) == (TEXT, "gb18030")


def test_gbk_with_everyday_punctuation_is_read() -> None:
    text = HEADER + "\n“张·三”——湛江市、霞山区。￥１２３（全角）…\r\n"
    assert decode(text.encode("gbk")) == (text, "gb18030")


@pytest.mark.parametrize(
    "data",
    [
        # A file mixing lines saved as UTF-8 and lines saved as GBK.
        (HEADER + "\n").encode("gbk") + "JF-1,440802001,其他,湛江市霞山区解放街道\n".encode(),
        # Whole UTF-8 text with one stray GBK byte pair: GB18030 would "decode" it all.
        "湛江市霞山区解放街道".encode() + "否".encode("gbk") + b"\n",
        # Windows-1252: curly quotes and accented letters.
        "“Smith”s café’s Müller".encode("cp1252"),
        # GBK's user-defined area: never typed by a clerk.
        HEADER.encode("gbk") + b"\n\xaa\xa1\n",
    ],
    ids=["utf8-and-gbk-lines", "utf8-with-gbk-pair", "windows-1252", "user-area"],
)
def test_mixed_or_misdeclared_encodings_are_refused(data: bytes) -> None:
    data.decode("gb18030")  # it all "decodes": that proves nothing
    with pytest.raises(ContentError) as caught:
        decode(data)
    assert "混有不同编码" in str(caught.value) and "CSV UTF-8（逗号分隔）" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "440883001,梅菉街道,石塱村,埇头村,二〇二六年,堃,珺,昇\r\n",  # GBK beyond GB2312
        "𠀀 is outside GBK,€\r\n",  # GB18030's four-byte characters
    ],
)
def test_rare_characters_of_real_names_are_read(text: str) -> None:
    data = (HEADER + "\r\n" + text).encode("gb18030")
    assert decode(data) == (HEADER + "\r\n" + text, "gb18030")


def test_every_gb2312_character_is_read() -> None:
    """Every assigned GB2312 code, as Excel's GBK saves it, is read (none taken for mojibake)."""
    pairs = []
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            pair = bytes([lead, trail])
            try:
                pair.decode("gb2312")
            except UnicodeDecodeError:
                continue
            pairs.append(pair)
    data = b"x,".join(pairs) + b"\r\n"
    assert len(pairs) > 7000
    assert decode(data) == (data.decode("gb18030"), "gb18030")


def test_undecodable_is_refused_with_a_reason() -> None:
    with pytest.raises(ContentError) as caught:
        decode(HEADER.encode() + b"\n\xff\xfe\xff\n")
    assert "无法识别文件的文字编码" in str(caught.value)


def test_bom_announcing_utf8_is_not_reread_as_gbk() -> None:
    with pytest.raises(ContentError) as caught:
        decode(b"\xef\xbb\xbf" + TEXT.encode("gbk"))
    assert "UTF-8" in str(caught.value)


# ------------------------------------------------------------------ sniffing


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"PK\x03\x04rest-of-xlsx", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "xls"),
        (b"%PDF-1.4\n", "PDF"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"\x89PNG\r\n", "图片"),
        ("案件编号".encode("utf-16"), "UTF-16"),
        (b"abc,def\n\x00\x00", "空字节"),
        (b"", "空的"),
        (b"\xef\xbb\xbf\r\n  \r\n", "空的"),
    ],
)
def test_non_csv_content_is_recognised(data: bytes, hint: str) -> None:
    reason = sniff(data)
    assert reason is not None and hint in reason


def test_csv_content_passes_sniffing() -> None:
    assert sniff(TEXT.encode("utf-8")) is None
    assert sniff(TEXT.encode("gbk")) is None


# ------------------------------------------------------------------ parsing


def test_quoted_commas_and_newlines_stay_in_their_cell() -> None:
    text = 'a,b\r\n"x, y","line1\r\nline2"\r\n"say ""hi""",\n'
    assert parse_records(text, LIMITS) == [["a", "b"], ["x, y", "line1\r\nline2"], ['say "hi"', ""]]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(newline: str) -> None:
    text = newline.join(["a,b", "1,2", "3,4"]) + newline
    assert parse_records(text, LIMITS) == [["a", "b"], ["1", "2"], ["3", "4"]]


def test_blank_trailing_rows_are_dropped() -> None:
    text = "a,b\n1,2\n,\n\n , \n"
    assert parse_records(text, LIMITS) == [["a", "b"], ["1", "2"]]


@pytest.mark.parametrize(
    ("text", "row", "hint"),
    [
        ('a,b\n1,2\n1,"2\n3,4\n', 3, "引号没有成对"),
        ('a,b\n1,"2"x\n', 2, "使用有误"),
    ],
)
def test_broken_quoting_names_the_row(text: str, row: int, hint: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_records(text, LIMITS)
    assert caught.value.problem.row == row
    assert hint in caught.value.problem.reason


def test_row_limit_counts_data_rows_only() -> None:
    limits = Limits(max_bytes=10**6, max_data_rows=3, max_listed_errors=200)
    ok = "a\n1\n2\n\n3\n,\n\n"  # three data rows, blank rows around them
    assert parse_records(ok, limits) == [["a"], ["1"], ["2"], [], ["3"]]
    with pytest.raises(ContentError) as caught:
        parse_records("a\n1\n2\n3\n4\n", limits)
    assert "3 行的上限" in str(caught.value)


def test_row_limit_stops_reading_at_the_first_row_too_many() -> None:
    limits = Limits(max_bytes=10**6, max_data_rows=2, max_listed_errors=200)
    # the broken quote after the limit is never reached
    with pytest.raises(ContentError) as caught:
        parse_records('a\n1\n2\n3\n4,"unterminated\n', limits)
    assert "上限" in str(caught.value)


def test_huge_cell_is_refused() -> None:
    with pytest.raises(ContentError) as caught:
        parse_records('a\n"' + "x" * 200_000 + '"\n', LIMITS)
    assert "过长" in str(caught.value)


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 6, 25, 26, 27, 701)] == ["A", "G", "Z", "AA", "AB", "ZZ"]


# ------------------------------------------------------------------ header


def _records(header: str, *rows: str) -> list[list[str]]:
    return parse_records("\n".join([header, *rows]) + "\n", LIMITS)


def test_chinese_labels_map_in_any_order() -> None:
    mapped = map_header(
        _records("办结日期,案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态"), DISPUTES
    )
    assert mapped.ok
    assert mapped.keys == [
        "closed_on",
        "case_id",
        "town_code",
        "received_on",
        "category",
        "mediator",
        "status",
    ]


def test_english_keys_and_surrounding_spaces() -> None:
    mapped = map_header(
        _records(" Case_ID ,town_code,received_on ,category,mediator,status,　closed_on　"),
        DISPUTES,
    )
    assert mapped.ok
    assert mapped.keys[0] == "case_id" and mapped.keys[-1] == "closed_on"


def test_full_width_brackets_in_labels() -> None:
    cadres = contract.forms()["reserve_cadres"]
    mapped = map_header(_records("后备干部编号,镇街代码,村（社区）,来源,纳入日期"), cadres)
    assert mapped.ok and mapped.keys[2] == "village"


def test_missing_unknown_and_duplicated_columns_are_all_reported() -> None:
    mapped = map_header(
        _records("案件编号,镇街代码,受理日期,纠纷类型,调解组织,备注,case_id"), DISPUTES
    )
    reasons = [(p.column, p.reason) for p in mapped.problems]
    assert any(col == "F列" and "不是「矛盾纠纷」表的列名" in r for col, r in reasons)
    assert any(col == "G列" and "与A列重复" in r for col, r in reasons)
    assert any("缺少必填列「办理状态」" in r for _c, r in reasons)
    # closed_on is optional as a column (required only conditionally): not reported missing
    assert not any("缺少必填列「办结日期」" in r for _c, r in reasons)


def test_empty_header_column_without_data_is_skipped() -> None:
    mapped = map_header(
        _records(HEADER + ",,", "JF-1,440802001,2026-10-05,其他,其他,调解中,,,"), DISPUTES
    )
    assert mapped.ok
    assert mapped.keys[-2:] == [None, None]


def test_empty_header_column_with_data_is_a_problem() -> None:
    mapped = map_header(
        _records(HEADER + ",", "JF-1,440802001,2026-10-05,其他,其他,调解中,,x"), DISPUTES
    )
    assert [p.column for p in mapped.problems] == ["H列"]


def test_title_row_above_the_header_gets_one_clear_problem() -> None:
    mapped = map_header(_records("赤坎区矛盾纠纷表,,,,,,", HEADER), DISPUTES)
    assert len(mapped.problems) == 1
    assert "请删除表头上方的第1行" in mapped.problems[0].reason


def test_wrong_delimiter_is_explained() -> None:
    mapped = map_header(_records(HEADER.replace(",", ";")), DISPUTES)
    assert "不是用逗号分隔" in mapped.problems[0].reason
