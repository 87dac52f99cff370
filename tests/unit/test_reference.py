"""The reference implementation against expectations computed by hand on tiny files.

Why: ``tests/reference.py`` is the yardstick for the warehouse's indicators, so each contract
rule it encodes (cell conventions, missing is not zero, no carry forward, latest row per case,
city rates from summed parts, zero denominators, year-on-year, corrections, deadlines) is pinned
here on files small enough to check with a pencil.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from reportflow.contract import counties, indicators
from reportflow.periods import BEIJING, Period
from tests.reference import (
    Reference,
    compute_indicators,
    expected_export,
    format_export_value,
    parse_amount,
    parse_date,
    parse_file_name,
    parse_whole,
    parse_yes_no,
    validate_file,
)

P = "2026-10"
PREV = "2026-09"
CITY = "440800"
MAZHANG = "440811"  # 3 towns: 440811100, 440811101, 440811102
ZONE = "440871"  # 4 towns with 麻章区 codes: 440811070, 071, 072, 173
CHIKAN = "440802"  # 8 towns

INSTRUCTORS_EN = [
    "instructor_id",
    "town_code",
    "employment",
    "source",
    "assigned_on",
    "orgs_covered",
]
DISPUTES = ["case_id", "town_code", "received_on", "category", "mediator", "status", "closed_on"]
WARNINGS = ["issue_id", "town_code", "reported_on", "category", "resolved_on", "summary"]
WEAK = ["org_code", "org_name", "town_code", "listed_on", "status", "rectified_on", "mentor_id"]
CADRES = ["cadre_id", "town_code", "village", "source", "added_on"]
OUTREACH = ["event_id", "town_code", "held_on", "format", "topic", "audience", "dialect"]


#: When each file written by :func:`drop` arrived (the reference is told, never reads mtimes).
ARRIVALS: dict[Path, datetime] = {}


def on_time_stamp(period: str) -> datetime:
    """The 3rd of the following month, 10:00 in Shanghai: comfortably on time."""
    return Period.parse(period).deadline(5) - timedelta(days=2, hours=14)


def drop(
    root: Path,
    county: str,
    name: str,
    header: list[str],
    rows: list[list[str]],
    *,
    encoding: str = "utf-8",
    crlf: bool = False,
    at: datetime | None = None,
    trailer: str = "",
) -> Path:
    """Write one submission the way a county would and note when it arrived (``at``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    folder = root / county
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes((buffer.getvalue() + trailer).encode(encoding))
    period = parse_file_name(name)
    ARRIVALS[path] = at or on_time_stamp(period[1] if period else P)
    return path


def value(values: dict, unit: str, key: str) -> Decimal | None:
    return values[(unit, key)]


# --------------------------------------------------------------------------- cell rules


def test_cell_parsers_follow_the_contract() -> None:
    assert parse_date("2026-10-03") == parse_date("2026/10/3") == parse_date("2026-10-3")
    assert parse_date("2026年10月3日") == parse_date("2026-10-03")
    assert parse_date("2026-02-30") is None
    assert parse_date("03/10/2026") is None
    assert parse_whole("１２３") == 123
    assert parse_whole("1,234") == parse_whole("1，234") == 1234
    assert parse_whole("１，２３４") == 1234
    for bad in ("12.5", "#N/A", "约30", "-3", "12,34", ""):
        assert parse_whole(bad) is None, bad
    assert parse_amount("12.5") == Decimal("12.5")
    assert parse_amount("1,234.56") == Decimal("1234.56")
    assert parse_amount("1.234") is None
    for text, flag in (("是", True), ("yes", True), ("1", True), ("否", False), ("no", False)):
        assert parse_yes_no(text) is flag
    assert parse_yes_no("0") is False
    assert parse_yes_no("Y") is None
    assert parse_file_name("矛盾纠纷_202610.csv") == ("disputes", "2026-10")
    assert parse_file_name("disputes_2026-10.csv") == ("disputes", "2026-10")
    assert parse_file_name("村(社区)后备干部_2026-10.csv") == ("reserve_cadres", "2026-10")
    assert parse_file_name("disputes_2026-13.csv") is None
    assert parse_file_name("disputes_2026-10.xlsx") is None


def test_headers_encodings_and_cell_conventions(tmp_path: Path) -> None:
    """GB18030 + Chinese labels in any order, BOM + English keys, every accepted cell form."""
    header = [
        " 镇街代码 ",
        "指导员编号",
        "类型",
        "来源",
        "派驻日期",
        "联系党组织数",
        "派驻重大项目编号",
    ]
    drop(
        tmp_path,
        MAZHANG,
        "党建指导员_202610.csv",
        header,
        [
            ["440811100", "A1", "专职", "机关", "2026-10-31", "１２", ""],
            ["440811100", "A2", "part_time", "retired_cadre", "2026/1/5", "1，000", ""],
            ["440811101", "A3", "兼职", "退休老干部", "2025年3月9日", "3", "XM01"],
            ["440811101", "A4", "full_time", "other", "2024-2-9", " 4 ", ""],
        ],
        encoding="gb18030",
        crlf=True,
        trailer=",,,,,,\r\n,,,,,,\r\n",
    )
    drop(
        tmp_path,
        MAZHANG,
        "outreach_2026-10.csv",
        ["event_id", "town_code", "held_on", "format", "topic", "audience", "dialect"],
        [
            ["E1", "440811100", "2026-10-01", "围农夜话", "村规民约, 红白理事会", "30", "是"],
            ["E2", "440811101", "2026/10/15", "night_school", "两行\n主题", "1,200", "yes"],
            ["E3", "440811102", "2026年10月31日", "方言宣讲团", "政策（雷州话）", "１５０", "1"],
            ["E4", "440811102", "2026-10-2", "other", "=1+1", "5", "0"],
            ["E5", "440811100", "2026-10-20", "田间课堂", "<b>菠萝</b>", "20", "否"],
        ],
        encoding="utf-8-sig",
        crlf=True,
    )
    assert validate_file(tmp_path / MAZHANG / "党建指导员_202610.csv") == []
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(values, MAZHANG, "instructors_full_time") == 2
    assert value(values, MAZHANG, "instructors_part_time") == 2
    assert value(values, MAZHANG, "instructors_retired_cadre") == 2
    assert value(values, MAZHANG, "towns_with_instructor") == 2
    assert value(values, MAZHANG, "town_coverage_rate") == Decimal(2) / Decimal(3)
    assert value(values, MAZHANG, "orgs_covered") == 12 + 1000 + 3 + 4
    assert value(values, MAZHANG, "outreach_events") == 5
    assert value(values, MAZHANG, "outreach_audience") == 30 + 1200 + 150 + 5 + 20
    assert value(values, MAZHANG, "outreach_dialect_events") == 3


@pytest.mark.parametrize(
    ("header", "row", "reason"),
    [
        (INSTRUCTORS_EN, ["A", "440802001", "full_time", "agency", "2026-10-01", "1"], "another"),
        # 东山街道 keeps its 麻章区 code but reports under 经开区
        (INSTRUCTORS_EN, ["A", "440811070", "full_time", "agency", "2026-10-01", "1"], "another"),
        (INSTRUCTORS_EN, ["A", "440811999", "full_time", "agency", "2026-10-01", "1"], "unknown"),
        (INSTRUCTORS_EN, ["A", "440811100", "full_time", "agency", "2026-11-01", "1"], "after"),
        (INSTRUCTORS_EN, ["A", "440811100", "全职", "agency", "2026-10-01", "1"], "option"),
        (INSTRUCTORS_EN, ["A", "440811100", "full_time", "agency", "2026-10-01", "约3"], "whole"),
        (INSTRUCTORS_EN, ["A", "440811100", "full_time", "agency", "", "1"], "required"),
        (INSTRUCTORS_EN[:-1], ["A", "440811100", "full_time", "agency", "2026-10-01"], "missing"),
        (
            [*INSTRUCTORS_EN, "备注"],
            ["A", "440811100", "part_time", "agency", "2026-10-1", "1", ""],
            "unknown column",
        ),
        (
            [*INSTRUCTORS_EN, "类型"],
            ["A", "440811100", "part_time", "agency", "2026-10-1", "1", ""],
            "duplicated",
        ),
    ],
)
def test_a_file_with_any_error_loads_nothing(
    tmp_path: Path, header: list[str], row: list[str], reason: str
) -> None:
    good = ["B", "440811101", "part_time", "agency", "2026-10-01", "2"]
    rows = [good + [""] * (len(header) - len(good)), row] if len(header) >= 6 else [row]
    path = drop(tmp_path, MAZHANG, "instructors_2026-10.csv", header, rows)
    errors = validate_file(path)
    assert any(reason in e for e in errors), errors
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(values, MAZHANG, "instructors_part_time") is None
    assert value(values, MAZHANG, "forms_submitted") == 0


def test_row_rules_iff_and_not_before(tmp_path: Path) -> None:
    def check(rows: list[list[str]]) -> list[str]:
        path = drop(tmp_path, MAZHANG, "disputes_2026-10.csv", DISPUTES, rows)
        return validate_file(path)

    base = ["C1", "440811100", "2026-10-05", "family", "elders_studio"]
    assert check([[*base, "in_progress", ""]]) == []
    assert check([[*base, "agreement", "2026-10-05"]]) == []
    assert check([[*base, "agreement", ""]])
    assert check([[*base, "in_progress", "2026-10-06"]])
    assert check([[*base, "agreement", "2026-10-04"]])
    assert check([[*base, "in_progress", ""], [*base, "in_progress", ""]])  # duplicate id


def test_broken_files_and_ignored_names(tmp_path: Path) -> None:
    folder = tmp_path / MAZHANG
    folder.mkdir()
    (folder / "instructors_2026-10.csv").write_bytes(b"PK\x03\x04\x14\x00\xff\xd8\xff")
    (folder / "outreach_2026-10.csv").write_bytes("活动编号,镇街代码".encode("utf-16"))
    (folder / "disputes_2026-10.csv.tmp").write_text("garbage")
    (folder / "~$weak_orgs_2026-10.csv").write_text("garbage")
    (folder / "回执").mkdir()
    reference = Reference(tmp_path, arrivals=ARRIVALS)
    assert {p.name for p in reference.rejected()} == {
        "instructors_2026-10.csv",
        "outreach_2026-10.csv",
    }
    assert reference.indicators(P)[(MAZHANG, "forms_submitted")] == 0


# --------------------------------------------------------------------------- indicator rules


def test_missing_is_not_zero_and_nothing_is_carried_forward(tmp_path: Path) -> None:
    drop(
        tmp_path,
        CHIKAN,
        "instructors_2026-09.csv",
        INSTRUCTORS_EN,
        [["A1", "440802001", "full_time", "agency", "2026-01-01", "3"]],
    )
    drop(
        tmp_path,
        MAZHANG,
        "instructors_2026-10.csv",
        INSTRUCTORS_EN,
        [
            ["B1", "440811100", "full_time", "agency", "2026-01-01", "2"],
            ["B2", "440811100", "part_time", "agency", "2026-01-01", "1"],
        ],
    )
    drop(
        tmp_path,
        ZONE,
        "instructors_2026-10.csv",
        INSTRUCTORS_EN,
        [["Z1", "440811070", "part_time", "retired_cadre", "2026-01-01", "0"]],
    )
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    for spec in indicators():
        if spec.form == "instructors":
            assert value(values, CHIKAN, spec.key) is None, spec.key  # Sept is not carried
    assert value(values, MAZHANG, "instructors_retired_cadre") == 0  # submitted: 0 is 0
    assert value(values, CITY, "instructors_full_time") == 1
    assert value(values, CITY, "instructors_part_time") == 2
    assert value(values, CITY, "towns_with_instructor") == 2
    # Coverage over the towns of the submitting counties only: 2 / (3 + 4).
    assert value(values, CITY, "town_coverage_rate") == Decimal(2) / Decimal(7)
    for form_key in ("weak_orgs", "disputes", "outreach"):
        keys = [s.key for s in indicators() if s.form == form_key]
        assert all(value(values, CITY, k) is None for k in keys)
    assert value(values, CHIKAN, "forms_submitted") == 0
    assert value(values, MAZHANG, "forms_submitted") == 1
    assert value(values, CITY, "forms_submitted") == 2
    assert (
        compute_indicators(tmp_path, PREV, arrivals=ARRIVALS)[(CHIKAN, "instructors_full_time")]
        == 1
    )


def test_case_forms_keep_the_latest_row_up_to_the_period(tmp_path: Path) -> None:
    drop(
        tmp_path,
        MAZHANG,
        "disputes_2026-09.csv",
        DISPUTES,
        [
            ["C1", "440811100", "2026-09-20", "land", "elders_studio", "in_progress", ""],
            [
                "C2",
                "440811101",
                "2026-09-02",
                "family",
                "village_committee",
                "agreement",
                "2026-09-10",
            ],
        ],
    )
    drop(
        tmp_path,
        MAZHANG,
        "disputes_2026-10.csv",
        DISPUTES,
        [
            ["C1", "440811100", "2026-09-20", "land", "elders_studio", "agreement", "2026-10-08"],
            ["C3", "440811100", "2026-10-11", "labour", "elders_studio", "in_progress", ""],
            [
                "C4",
                "440811102",
                "2026-10-12",
                "contract",
                "instructor",
                "no_agreement",
                "2026-10-30",
            ],
        ],
    )
    drop(  # a later month must not leak into October
        tmp_path,
        MAZHANG,
        "disputes_2026-11.csv",
        DISPUTES,
        [["C3", "440811100", "2026-10-11", "labour", "elders_studio", "agreement", "2026-11-02"]],
    )
    october = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(october, MAZHANG, "disputes_received") == 2
    assert value(october, MAZHANG, "disputes_received_ytd") == 4
    assert value(october, MAZHANG, "disputes_closed") == 2
    assert value(october, MAZHANG, "disputes_agreement") == 1
    assert value(october, MAZHANG, "mediation_success_rate") == Decimal("0.5")
    assert value(october, MAZHANG, "disputes_elders_studio") == 1
    september = compute_indicators(tmp_path, PREV, arrivals=ARRIVALS)
    assert value(september, MAZHANG, "disputes_received") == 2
    assert value(september, MAZHANG, "disputes_closed") == 1
    assert value(september, MAZHANG, "mediation_success_rate") == 1
    assert value(september, MAZHANG, "disputes_elders_studio") == 1


def test_early_warnings_resolved_and_open(tmp_path: Path) -> None:
    drop(
        tmp_path,
        ZONE,
        "early_warnings_2026-09.csv",
        WARNINGS,
        [["I1", "440811070", "2026-09-28", "epidemic", "", "登革热"]],
    )
    drop(
        tmp_path,
        ZONE,
        "苗头性问题_202610.csv",
        WARNINGS,
        [
            ["I1", "440811070", "2026-09-28", "epidemic", "2026-10-03", "登革热"],
            ["I2", "440811071", "2026-10-09", "village_election", "", ""],
            ["I3", "440811173", "2026-10-15", "疫情防控", "2026-10-15", "蚊媒"],
        ],
    )
    october = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(october, ZONE, "warnings_reported") == 2
    assert value(october, ZONE, "warnings_village_election") == 1
    assert value(october, ZONE, "warnings_epidemic") == 1
    assert value(october, ZONE, "warnings_resolved") == 2
    assert value(october, ZONE, "warnings_open") == 1
    september = compute_indicators(tmp_path, PREV, arrivals=ARRIVALS)
    assert value(september, ZONE, "warnings_resolved") == 0
    assert value(september, ZONE, "warnings_open") == 1


def test_ytd_restarts_in_january(tmp_path: Path) -> None:
    drop(
        tmp_path,
        MAZHANG,
        "disputes_2025-12.csv",
        DISPUTES,
        [["C1", "440811100", "2025-12-20", "land", "other", "in_progress", ""]],
    )
    drop(
        tmp_path,
        MAZHANG,
        "disputes_2026-01.csv",
        DISPUTES,
        [
            ["C1", "440811100", "2025-12-20", "land", "other", "referred", "2026-01-05"],
            ["C2", "440811100", "2026-01-06", "land", "other", "in_progress", ""],
        ],
    )
    january = compute_indicators(tmp_path, "2026-01", arrivals=ARRIVALS)
    assert value(january, MAZHANG, "disputes_received_ytd") == 1
    assert value(january, MAZHANG, "disputes_closed") == 1
    assert value(january, MAZHANG, "mediation_success_rate") is None  # referred only: 0/0


def test_city_rates_are_recomputed_from_summed_parts(tmp_path: Path) -> None:
    drop(
        tmp_path,
        MAZHANG,
        "disputes_2026-10.csv",
        DISPUTES,
        [["M1", "440811100", "2026-10-01", "land", "other", "agreement", "2026-10-02"]],
    )
    closed = "2026-10-20"
    drop(
        tmp_path,
        ZONE,
        "disputes_2026-10.csv",
        DISPUTES,
        [
            ["Z1", "440811070", "2026-10-01", "land", "other", "agreement", closed],
            ["Z2", "440811070", "2026-10-01", "land", "other", "no_agreement", closed],
            ["Z3", "440811070", "2026-10-01", "land", "other", "no_agreement", closed],
            ["Z4", "440811070", "2026-10-01", "land", "other", "no_agreement", closed],
            ["Z5", "440811070", "2026-10-01", "land", "other", "referred", closed],
        ],
    )
    drop(
        tmp_path,
        MAZHANG,
        "weak_orgs_2026-10.csv",
        WEAK,
        [["W1", "麻章镇某村党支部", "440811100", "2026-02-01", "rectified", "2026-10-09", "A1"]],
    )
    drop(
        tmp_path,
        ZONE,
        "weak_orgs_2026-10.csv",
        WEAK,
        [
            ["W2", "民安街道某社区党支部", "440811072", "2026-02-01", "rectifying", "", ""],
            ["W3", "硇洲镇某村党支部", "440811173", "2026-02-01", "rectifying", "", ""],
            ["W4", "东山街道某社区党支部", "440811070", "2026-02-01", "已摘帽", "2026/6/1", ""],
        ],
    )
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(values, MAZHANG, "mediation_success_rate") == 1
    assert value(values, ZONE, "mediation_success_rate") == Decimal("0.25")
    assert value(values, CITY, "mediation_success_rate") == Decimal("0.4")  # 2/5, not 0.625
    assert value(values, CITY, "disputes_closed") == 6
    assert value(values, CITY, "weak_orgs_rectification_rate") == Decimal("0.5")  # 2/4
    assert value(values, CITY, "weak_orgs_rectified_in_period") == 1
    assert value(values, CITY, "weak_orgs_paired") == 1


def test_zero_denominator_is_missing_not_zero(tmp_path: Path) -> None:
    drop(tmp_path, ZONE, "weak_orgs_2026-10.csv", WEAK, [["零报告"] + [""] * 6])
    drop(
        tmp_path,
        ZONE,
        "disputes_2026-10.csv",
        DISPUTES,
        [["Z1", "440811070", "2026-10-01", "land", "other", "in_progress", ""]],
    )
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(values, ZONE, "weak_orgs_listed") == 0
    assert value(values, ZONE, "weak_orgs_rectified") == 0
    assert value(values, ZONE, "weak_orgs_rectification_rate") is None
    assert value(values, CITY, "weak_orgs_rectification_rate") is None
    assert value(values, ZONE, "disputes_closed") == 0
    assert value(values, ZONE, "mediation_success_rate") is None
    assert value(values, ZONE, "forms_submitted") == 2


def test_year_on_year(tmp_path: Path) -> None:
    def disputes(county: str, period: str, count: int) -> None:
        town = {MAZHANG: "440811100", ZONE: "440811070", CHIKAN: "440802001"}[county]
        day = f"{period}-05"
        rows = [
            [f"{county}-{period}-{i}", town, day, "family", "other", "in_progress", ""]
            for i in range(count)
        ]
        drop(tmp_path, county, f"disputes_{period}.csv", DISPUTES, rows)

    base = "2025-10"
    disputes(MAZHANG, base, 4)
    disputes(MAZHANG, P, 6)
    disputes(ZONE, base, 0)  # base submitted but zero
    disputes(ZONE, P, 3)
    disputes(CHIKAN, P, 5)  # base never submitted
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(values, MAZHANG, "disputes_received_yoy") == Decimal("0.5")
    assert value(values, ZONE, "disputes_received_yoy") is None
    assert value(values, CHIKAN, "disputes_received_yoy") is None
    # City: (6 + 3 + 5) against (4 + 0): 14 / 4 - 1.
    assert value(values, CITY, "disputes_received_yoy") == Decimal("2.5")
    assert (
        value(
            compute_indicators(tmp_path, base, arrivals=ARRIVALS), MAZHANG, "disputes_received_yoy"
        )
        is None
    )
    # A negative change.
    disputes(MAZHANG, "2027-10", 3)
    later = compute_indicators(tmp_path, "2027-10", arrivals=ARRIVALS)
    assert value(later, MAZHANG, "disputes_received_yoy") == Decimal("-0.5")
    assert value(later, ZONE, "disputes_received_yoy") is None  # not submitted in 2027-10


def test_header_only_is_empty_and_a_nil_return_counts_as_submitted(tmp_path: Path) -> None:
    empty = drop(tmp_path, MAZHANG, "outreach_2026-10.csv", OUTREACH, [])
    drop(tmp_path, MAZHANG, "disputes_2026-10.csv", DISPUTES, [[" 本月无 "]])
    drop(tmp_path, ZONE, "disputes_2026-10.csv", DISPUTES, [["无", "", "", "", "", "", ""], []])
    drop(tmp_path, ZONE, "outreach_2026-10.csv", OUTREACH, [["零报告", "", "", "", "", "", "有"]])
    drop(tmp_path, CHIKAN, "outreach_2026-10.csv", OUTREACH, [[], ["零报告"]])
    reference = Reference(tmp_path, arrivals=ARRIVALS)
    rejected = {(p.parent.name, p.name) for p in reference.rejected()}
    assert rejected == {
        (MAZHANG, empty.name),
        (ZONE, "outreach_2026-10.csv"),  # something beside the mark: validated as data
        (CHIKAN, "outreach_2026-10.csv"),  # the mark not in the first row under the header
    }
    assert reference.rejected()[empty] == ("empty file: header only (a nil return needs 零报告)",)
    values = reference.indicators(P)
    assert value(values, MAZHANG, "disputes_received") == 0
    assert value(values, MAZHANG, "mediation_success_rate") is None
    assert value(values, MAZHANG, "outreach_events") is None  # refused: missing, not zero
    assert value(values, ZONE, "disputes_received") == 0
    assert value(values, MAZHANG, "forms_submitted") == 1
    assert value(values, CITY, "disputes_received") == 0
    assert value(values, CITY, "forms_submitted") == 2


def test_correction_arriving_later_wins_and_on_time_uses_first_file(tmp_path: Path) -> None:
    row = ["R1", "440811100", "町", "veteran", "2026-10-01"]
    deadline = Period.parse(P).deadline(5)
    drop(
        tmp_path,
        MAZHANG,
        "reserve_cadres_2026-10.csv",
        CADRES,
        [row],
        at=deadline - timedelta(days=1),
    )
    correction = drop(
        tmp_path,
        MAZHANG,
        "村(社区)后备干部_202610.csv",
        CADRES,
        [row, ["R2", "440811101", "村", "graduate", "2026-10-02"]],
        at=deadline + timedelta(days=2),
    )
    os.utime(correction, (0, 0))  # a copied file's old mtime: only the arrival counts
    # 开发区: first accepted file only after a rejected on-time one -> late.
    drop(
        tmp_path,
        ZONE,
        "reserve_cadres_2026-10.csv",
        CADRES,
        [["Z", "440811100", "村", "veteran", "2026-10-01"]],
        at=deadline - timedelta(days=1),
    )
    drop(
        tmp_path,
        ZONE,
        "村(社区)后备干部_2026-10.csv",
        CADRES,
        [["Z", "440811173", "村", "veteran", "2026-10-01"]],
        at=deadline + timedelta(seconds=1),
    )
    reference = Reference(tmp_path, arrivals=ARRIVALS)
    current = reference.current(MAZHANG, "reserve_cadres", P)
    assert current is not None and current.path.name == "村(社区)后备干部_202610.csv"
    values = reference.indicators(P)
    assert value(values, MAZHANG, "reserve_cadres") == 2
    assert value(values, MAZHANG, "reserve_cadres_graduate") == 1
    assert value(values, MAZHANG, "forms_on_time") == 1
    assert value(values, ZONE, "forms_submitted") == 1
    assert value(values, ZONE, "forms_on_time") == 0
    assert value(values, CITY, "reserve_cadres") == 3


def test_deadline_is_the_5th_at_midnight_shanghai(tmp_path: Path) -> None:
    row = [["R1", "440811100", "村", "veteran", "2026-10-01"]]
    just_in = datetime(2026, 11, 6, 0, 0, 0, tzinfo=BEIJING)  # 24:00 on the 5th: still on time
    drop(tmp_path, MAZHANG, "reserve_cadres_2026-10.csv", CADRES, row, at=just_in)
    drop(
        tmp_path,
        ZONE,
        "reserve_cadres_2026-10.csv",
        CADRES,
        [["R1", "440811173", "村", "veteran", "2026-10-01"]],
        at=datetime(2026, 11, 6, 0, 0, 1, tzinfo=BEIJING),
    )
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(values, MAZHANG, "forms_on_time") == 1
    assert value(values, ZONE, "forms_on_time") == 0
    assert (
        compute_indicators(tmp_path, P, arrivals=ARRIVALS, deadline_day=6)[(ZONE, "forms_on_time")]
        == 1
    )


def test_caller_can_force_a_rejection(tmp_path: Path) -> None:
    path = drop(
        tmp_path,
        MAZHANG,
        "reserve_cadres_2026-10.csv",
        CADRES,
        [["R1", "440811100", "村", "veteran", "2026-10-01"]],
    )
    assert compute_indicators(tmp_path, P, arrivals=ARRIVALS)[(MAZHANG, "reserve_cadres")] == 1
    assert (
        compute_indicators(tmp_path, P, arrivals=ARRIVALS, rejected=[path])[
            (MAZHANG, "reserve_cadres")
        ]
        is None
    )


def test_projects_temp_orgs_and_investment(tmp_path: Path) -> None:
    header = [
        "项目编号",
        "项目名称",
        "镇街代码",
        "项目状态",
        "临时党组织成立日期",
        "党员人数",
        "党员突击队数",
        "党员责任区数",
        "累计完成投资(亿元)",
    ]
    drop(
        tmp_path,
        ZONE,
        "重点项目党建_2026-10.csv",
        header,
        [
            [
                "X1",
                "巴斯夫(广东)一体化基地",
                "440811071",
                "在建",
                "2024/3/1",
                "405",
                "12",
                "60",
                "612.5",
            ],
            ["X2", "硇洲岛中心渔港", "440811173", "前期", "", "8", "0", "1", "0.25"],
            [
                "X3",
                "管廊",
                "440811072",
                "under_construction",
                "2026-10-31",
                "30",
                "1",
                "5",
                "1,234.05",
            ],
        ],
    )
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    assert value(values, ZONE, "projects_total") == 3
    assert value(values, ZONE, "projects_under_construction") == 2
    assert value(values, ZONE, "temp_party_orgs") == 2
    assert value(values, ZONE, "project_party_members") == 443
    assert value(values, ZONE, "commando_teams") == 13
    assert value(values, ZONE, "responsibility_zones") == 66
    assert value(values, ZONE, "investment_to_date") == Decimal("1846.80")
    assert format_export_value("investment_to_date", values[(CITY, "investment_to_date")]) == (
        "1846.80"
    )


def test_every_unit_and_indicator_is_present(tmp_path: Path) -> None:
    (tmp_path / MAZHANG).mkdir()
    values = compute_indicators(tmp_path, P, arrivals=ARRIVALS)
    units = {CITY} | {c.code for c in counties()}
    assert set(values) == {(u, s.key) for u in units for s in indicators()}
    assert all(
        v is None for (_, k), v in values.items() if k not in ("forms_submitted", "forms_on_time")
    )
    assert {values[(u, "forms_submitted")] for u in units} == {0}
    export = expected_export(tmp_path, P, arrivals=ARRIVALS)
    assert export[(CITY, "forms_on_time")] == "0"
    assert export[(CITY, "disputes_received")] == ""


def test_format_export_value() -> None:
    assert format_export_value("disputes_received", None) == ""
    assert format_export_value("disputes_received", Decimal(1234)) == "1234"
    assert format_export_value("town_coverage_rate", Decimal(2) / Decimal(3)) == "0.6667"
    assert format_export_value("town_coverage_rate", Decimal(1)) == "1.0000"
    assert format_export_value("disputes_received_yoy", Decimal(-1) / Decimal(3)) == "-0.3333"
    assert format_export_value("disputes_received_yoy", Decimal("-0.00001")) == "0.0000"
    assert format_export_value("investment_to_date", Decimal("1846.8")) == "1846.80"
    tie = Decimal(1) / Decimal(32)  # 0.03125
    assert format_export_value("mediation_success_rate", tie) == "0.0313"
    assert format_export_value("mediation_success_rate", tie, rounding=ROUND_HALF_EVEN) == (
        "0.0312"
    )
    with pytest.raises(ValueError, match="count"):
        format_export_value("disputes_received", Decimal("1.5"))
