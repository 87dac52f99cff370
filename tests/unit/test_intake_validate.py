"""Cell conventions and row rules of forms.md, checked without touching a warehouse."""

from __future__ import annotations

import pytest

from reportflow import contract
from reportflow.intake.model import Limits
from reportflow.intake.validate import (
    EMPTY_REASON,
    INVALID,
    ProblemLog,
    check_file,
    enum_normaliser,
    normalise_date,
    normalise_decimal,
    normalise_identifier,
    normalise_text,
    normalise_whole,
    normalise_yesno,
    normaliser_for,
    town_normaliser,
)
from reportflow.periods import Period

LIMITS = Limits(max_bytes=50 * 1024 * 1024, max_data_rows=1_000_000, max_listed_errors=200)
OCT = Period.parse("2026-10")
FORMS = contract.forms()
D_HEAD = "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期"


def check(form: str, text: str, *, county: str = "440802", period: str = "2026-10", limits=LIMITS):
    return check_file(
        text.encode("utf-8"), form=FORMS[form], county_code=county, period=period, limits=limits
    )


# ------------------------------------------------------------------ single cells


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2026-10-05", "2026-10-05"),
        ("2026/10/5", "2026-10-05"),
        ("2026-1-5", "2026-01-05"),
        ("2026年10月5日", "2026-10-05"),
        (" 2026/1/31 ", "2026-01-31"),
        ("２０２６-１０-０５", "2026-10-05"),
        ("２０２６／１０／５", "2026-10-05"),
        ("２０２６－１０－０５", "2026-10-05"),
        ("2026-10-31", "2026-10-31"),
        ("1999-12-31", "1999-12-31"),
        ("2026/10/5 0:00", "2026-10-05"),  # a date cell with a time format, at midnight
        ("2026-10-05 00:00:00", "2026-10-05"),
        ("", None),
        ("   ", None),
    ],
)
def test_dates_accepted(raw: str, iso: str | None) -> None:
    assert normalise_date(raw, OCT) == (iso, None)


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("2026.10.05", "格式无法识别"),
        ("05/10/2026", "格式无法识别"),
        ("2026-10/5", "格式无法识别"),
        ("2026/10/5 8:30", "日期带有时间；请把单元格格式设为只有年月日的「日期」格式"),
        ("2026-10-05 08:30:15", "日期带有时间"),
        ("46300", "是 Excel 的日期序号"),
        ("46300.5", "是 Excel 的日期序号"),
        ("20261005", "格式无法识别"),
        ("2026年10月5号", "格式无法识别"),
        ("2026-02-30", "没有这一天"),
        ("2026-13-01", "没有这一天"),
        ("2026-11-01", "晚于本期最后一天（2026-10-31）"),
        ("٢٠٢٦-١٠-٠٥", "格式无法识别"),  # Arabic-Indic digits are not dates here
    ],
)
def test_dates_rejected(raw: str, hint: str) -> None:
    value, reason = normalise_date(raw, OCT)
    assert value is INVALID and reason is not None and hint in reason


def test_inside_period() -> None:
    assert normalise_date("2026-10-01", OCT, inside_period=True) == ("2026-10-01", None)
    value, reason = normalise_date("2026-09-30", OCT, inside_period=True)
    assert value is INVALID and "不在本期" in (reason or "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", "0"),
        ("12", "12"),
        ("007", "7"),
        ("1,234", "1234"),
        ("1，234", "1234"),
        ("1,234,567", "1234567"),
        ("１２３", "123"),
        ("１，２３４", "1234"),
        (" 42 ", "42"),
        ("", None),
    ],
)
def test_whole_numbers_accepted(raw: str, expected: str | None) -> None:
    assert normalise_whole(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("12.5", "不能带小数"),
        ("12.0", "不能带小数"),
        ("-3", "不能为负数"),
        ("#N/A", "应填写整数"),
        ("约30", "应填写整数"),
        ("=1+1", "应填写整数"),
        ("1 234", "应填写整数"),
        ("12,34", "应填写整数"),
        ("+5", "应填写整数"),
        ("1e5", "应填写整数"),
        ("9" * 16, "过大"),
    ],
)
def test_whole_numbers_rejected(raw: str, hint: str) -> None:
    value, reason = normalise_whole(raw)
    assert value is INVALID and hint in (reason or "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", "0"),
        ("12.5", "12.5"),
        ("12.50", "12.50"),
        ("1,234.56", "1234.56"),
        ("００１２．３", "12.3"),
        ("", None),
    ],
)
def test_decimals_accepted(raw: str, expected: str | None) -> None:
    assert normalise_decimal(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("12.505", "两位小数"),
        ("-1.5", "不能为负数"),
        ("1.2.3", "应填写数字"),
        ("abc", "应填写数字"),
        (".5", "应填写数字"),
        ("9" * 17, "过大"),
    ],
)
def test_decimals_rejected(raw: str, hint: str) -> None:
    value, reason = normalise_decimal(raw)
    assert value is INVALID and hint in (reason or "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", "true"),
        ("否", "false"),
        ("yes", "true"),
        ("NO", "false"),
        ("1", "true"),
        ("0", "false"),
        ("１", "true"),
        ("", None),
    ],
)
def test_yes_no(raw: str, expected: str | None) -> None:
    assert normalise_yesno(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["对", "Y", "true", "2", "是的"])
def test_yes_no_rejected(raw: str) -> None:
    assert normalise_yesno(raw)[0] is INVALID


def test_enums_by_label_or_key() -> None:
    mediator = enum_normaliser(FORMS["disputes"].field_by_key("mediator"))
    assert mediator("村(社区)调委会") == ("village_committee", None)
    assert mediator("村（社区）调委会") == ("village_committee", None)
    assert mediator(" elders_studio ") == ("elders_studio", None)
    assert mediator("Elders_Studio") == ("elders_studio", None)
    value, reason = mediator("居委会")
    assert value is INVALID and "五老调解工作室" in (reason or "")


def test_text_is_kept_exactly_after_trimming() -> None:
    for raw in [
        '=HYPERLINK("http://x","y")',
        "<script>alert(1)</script>",
        "'; drop table x; --",
        "a\r\nb",
        "  padded  ",
    ]:
        assert normalise_text(raw) == (raw.strip(), None)
    assert normalise_text(" \u3000 ") == (None, None)


def test_town_must_exist_and_belong_to_the_county() -> None:
    town = town_normaliser("440802")
    assert town("440802001") == ("440802001", None)
    assert town("４４０８０２００１") == ("440802001", None)
    value, reason = town("440803001")
    assert (
        value is INVALID
        and "不属于本单位（赤坎区）" in (reason or "")
        and "霞山区" in (reason or "")
    )
    value, reason = town("440802999")
    assert value is INVALID and "不在全市镇街代码表中" in (reason or "")


def test_town_belongs_to_the_unit_the_list_names_not_its_code_prefix() -> None:
    """经开区 administers 东山街道 and 硇洲镇, which keep their 麻章区 codes (forms.md v1.1)."""
    mazhang, zone = town_normaliser("440811"), town_normaliser("440871")
    assert zone("440811070") == ("440811070", None)
    assert zone("440811173") == ("440811173", None)
    assert mazhang("440811100") == ("440811100", None)
    value, reason = mazhang("440811070")
    assert value is INVALID
    assert reason == (
        "是湛江经济技术开发区东山街道的代码，不属于本单位（麻章区），本单位只能报送本辖区的镇街"
    )
    value, reason = zone("440811100")
    assert value is INVALID and "是麻章区麻章镇的代码" in (reason or "")
    assert town_normaliser("440804")("440804401") == ("440804401", None)  # 官渡工业园


def test_max_rule() -> None:
    audience = normaliser_for(FORMS["outreach"].field_by_key("audience"), "440802", OCT)
    assert audience("100,000") == ("100000", None)
    value, reason = audience("100001")
    assert value is INVALID and "不能超过 100,000" in (reason or "")


# ------------------------------------------------------------------ rows and files


def test_valid_file_gives_normalised_columns_and_excel_rows() -> None:
    result = check(
        "disputes",
        D_HEAD + "\n"
        "JF-1,440802001,2026/10/5,邻里纠纷,other,调解成功,2026年10月8日\n"
        ",,,,,,\n"
        "JF-2,440802002,2026-9-30,family,村（社区）调委会,in_progress,\n",
    )
    assert result.ok, result.problems
    assert result.row_count == 2
    assert result.source_rows == [2, 4]
    assert result.columns["received_on"] == ["2026-10-05", "2026-09-30"]
    assert result.columns["category"] == ["neighbour", "family"]
    assert result.columns["closed_on"] == ["2026-10-08", None]


def test_required_if_and_only_if() -> None:
    result = check(
        "disputes",
        D_HEAD + "\n"
        "JF-1,440802001,2026-10-05,其他,其他,调解成功,\n"
        "JF-2,440802001,2026-10-05,其他,其他,调解中,2026-10-06\n"
        "JF-3,440802001,2026-10-05,其他,其他,移交,2026-10-06\n",
    )
    assert [(p.row, p.reason) for p in result.problems] == [
        (2, "「办理状态」为「调解成功」时必须填写办结日期"),
        (3, "「办理状态」为「调解中」时不应填写办结日期，请留空"),
    ]


def test_not_before() -> None:
    result = check(
        "disputes",
        D_HEAD + "\nJF-1,440802001,2026-10-05,其他,其他,调解成功,2026-10-04\n"
        "JF-2,440802001,2026-10-05,其他,其他,调解成功,2026-10-05\n",
    )
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (2, "办结日期（G列）", "不能早于受理日期（2026-10-05）")
    ]


def test_a_bad_cell_is_not_reported_twice_by_row_rules() -> None:
    result = check(
        "disputes",
        D_HEAD + "\nJF-1,440802001,2026-10-05,其他,其他,搞定了,2026-10-06\n"
        "JF-2,440802001,2026-10-05,其他,其他,调解中,明天\n"
        "JF-3,440802001,昨天,其他,其他,调解成功,2026-10-06\n",
    )
    assert [(p.row, p.column[:4]) for p in result.problems] == [
        (2, "办理状态"),
        (3, "办结日期"),
        (4, "受理日期"),
    ]


def test_all_problems_are_counted_but_200_listed_in_row_order() -> None:
    rows = [f"JF-{i},440803001,2026-13-01,其他,其他,调解中," for i in range(150)]
    result = check("disputes", "\n".join([D_HEAD, *rows]) + "\n")
    assert result.error_count == 300
    assert len(result.problems) == 200
    assert [p.row for p in result.problems[:4]] == [2, 2, 3, 3]
    assert [p.column[:4] for p in result.problems[:2]] == ["镇街代码", "受理日期"]
    assert result.problems[-1].row == 101


def test_problem_log_merges_streams_in_row_then_column_order() -> None:
    log = ProblemLog(keep=3)
    late = log.stream()
    early = log.stream()
    for row in (2, 3, 4, 5):
        late(row, 5, "F", "", "f")
        early(row, 1, "B", "", "b")
    assert log.count == 8
    assert [(p.row, p.column) for p in log.listed()] == [(2, "B"), (2, "F"), (3, "B")]


def test_rows_shorter_than_the_header_are_padded_and_longer_ones_reported() -> None:
    result = check(
        "disputes",
        D_HEAD + "\nJF-1,440802001,2026-10-05,其他,其他,调解中\n"
        "JF-2,440802001,2026-10-05,其他,其他,调解中,,\n"
        "JF-3,440802001,2026-10-05,其他,其他,调解中,,x\n",
    )
    assert [(p.row, p.column) for p in result.problems] == [(4, "H列及以后")]


def test_check_file_refuses_oversized_data_before_looking_inside() -> None:
    small = Limits(max_bytes=10, max_data_rows=10, max_listed_errors=200)
    result = check("disputes", D_HEAD + "\n", limits=small)
    assert result.error_count == 1 and "文件过大" in result.problems[0].reason


def test_header_only_file_is_refused_as_empty_and_told_how_to_send_a_nil_return() -> None:
    result = check(
        "outreach", "活动编号,镇街代码,活动日期,形式,主题,受众人数,方言宣讲\r\n,,,,,,\r\n"
    )
    assert [p.reason for p in result.problems] == [EMPTY_REASON]
    assert "第一个单元格只填写「零报告」" in EMPTY_REASON and "「本月无」或「无」" in EMPTY_REASON


@pytest.mark.parametrize("mark", ["零报告", "本月无", "无", " 零报告 "])
@pytest.mark.parametrize("form", list(FORMS))
def test_a_nil_return_is_accepted_with_no_rows(form: str, mark: str) -> None:
    header = ",".join(f.label for f in FORMS[form].fields)
    for row in (mark, mark + "," * (len(FORMS[form].fields) - 1)):
        result = check(form, f"{header}\r\n{row}\r\n\r\n")
        assert result.ok and result.row_count == 0, result.problems
        assert result.columns == {f.key: [] for f in FORMS[form].fields}


@pytest.mark.parametrize(
    "body",
    [
        "零报告,,,,,,没有",  # something else in the row
        "零报告\r\nJF-001,440802001,2026-10-05,邻里纠纷,五老调解工作室,调解成功,2026-10-08",
        ",,,,,,\r\n零报告",  # not the first row under the header
        "零报告。",
        "无数据",
        "0",
    ],
)
def test_anything_else_is_validated_as_data(body: str) -> None:
    result = check("disputes", f"{D_HEAD}\r\n{body}\r\n")
    assert not result.ok and result.problems[0].row is not None, result.problems


def test_every_form_accepts_its_own_labels_and_rejects_blank_required_cells() -> None:
    for form in FORMS.values():
        header = ",".join(f.label for f in form.fields)
        result = check(form.key, header + "\n" + "," * (len(form.fields) - 1) + "x\n")
        required = [f for f in form.fields if f.required]
        assert result.error_count >= len(required) - (1 if form.fields[-1].required else 0)


# ------------------------------------------------------------------ Excel's habits


@pytest.mark.parametrize("raw", ["4.40811E+11", "1E+15", "4.40811e+11", " 4.4081E+11 ", "1.2E-05"])
def test_scientific_notation_is_refused_in_every_column_of_every_form(raw: str) -> None:
    for form in FORMS.values():
        for spec in form.fields:
            value, reason = normaliser_for(spec, "440802", OCT)(raw)
            assert value is INVALID and "科学计数法" in (reason or "") and "文本" in (reason or "")


def test_scientific_ids_in_a_text_column_reject_the_file() -> None:
    head = "党组织编号,党组织名称,镇街代码,列入日期,状态,摘帽日期,结对指导员编号\n"
    rows = "".join(f"D{i},某村党支部,440802001,2026-02-01,整顿中,,4.40811E+11\n" for i in range(2))
    result = check("weak_orgs", head + rows)
    assert [(p.row, p.value) for p in result.problems] == [(2, "4.40811E+11"), (3, "4.40811E+11")]
    assert all("科学计数法" in p.reason for p in result.problems)


def test_full_width_ids_are_folded_so_one_case_is_one_case() -> None:
    result = check(
        "disputes",
        "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期\n"
        "ＳＸ－ＪＦ－２０２６－１５０,440802001,2026-10-05,其他,其他,调解中,\n"
        "SX-JF-2026-150,440802001,2026-10-05,其他,其他,调解中,\n",
    )
    assert [p.reason for p in result.problems] == ["与第2行重复，同一文件中案件编号不能重复"]
    assert normalise_identifier("ＳＸ－ＪＦ－２０２６－１５０") == ("SX-JF-2026-150", None)


def test_the_templates_example_row_is_refused() -> None:
    value, reason = normalise_identifier("示例-JF-0001")
    assert value is INVALID and "请删除示例行" in (reason or "")


@pytest.mark.parametrize(
    ("row", "hint"),
    [
        ("合计,,,,,,", "合计/小计行"),
        (" 小 计 ,,,,,,", "合计/小计行"),
        ("总计：3件,,,,,,", "合计/小计行"),
        ("填表人：张三,,审核人：李四,,联系电话：0759-1234567,,", "填表人/审核人/联系电话"),
        (",,,,,,联系电话：0759-1234567", "填表人/审核人/联系电话"),
    ],
)
def test_totals_and_footers_get_one_line_each(row: str, hint: str) -> None:
    result = check(
        "disputes",
        "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期\n"
        "JF-1,440802001,2026-10-05,其他,其他,调解中,\n" + row + "\n",
    )
    [problem] = result.problems
    assert problem.row == 3 and hint in problem.reason and "请删除此行" in problem.reason


def test_data_that_mentions_totals_is_data() -> None:
    result = check(
        "early_warnings",
        "问题编号,镇街代码,上报日期,类别,处置日期,简要情况\n"
        "合计-1,440802001,2026-10-03,其他,,合计损失2万元，联系电话已登记\n",
    )
    assert result.ok and result.row_count == 1


@pytest.mark.parametrize("above", [1, 2, 4])
def test_title_rows_above_the_header_get_one_line(above: int) -> None:
    titles = ["赤坎区2026年10月矛盾纠纷统计表,,,,,,", "填报单位：赤坎区,,,,,填报日期：2026-11-02,"]
    titles += [",,,,,,"] * 2
    result = check(
        "disputes",
        "\n".join(titles[:above])
        + "\n案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期\n"
        "JF-1,440802001,2026-10-05,其他,其他,调解中,\n",
    )
    [problem] = result.problems
    assert problem.row == 1 and f"表头在第{above + 1}行" in problem.reason
    assert f"删除表头上方的第1至{above}行" in problem.reason or above == 1
