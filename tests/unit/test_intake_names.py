"""File-name rules: ignored, refused and meaningful names, and safe receipt names."""

from __future__ import annotations

import pytest

from reportflow.intake.names import (
    MAX_STEM_BYTES,
    NameProblem,
    is_ignored_name,
    parse_period,
    parse_submission_name,
    receipt_stem,
    unsafe_name_reason,
)


@pytest.mark.parametrize(
    "name",
    ["disputes_2026-10.csv.tmp", "x.PART", "~$矛盾纠纷_2026-10.csv", ".hidden.csv", ".~lock.x#"],
)
def test_files_being_written_are_ignored(name: str) -> None:
    assert is_ignored_name(name)


@pytest.mark.parametrize("name", ["disputes_2026-10.csv", "矛盾纠纷_202610.csv", "tmp.csv"])
def test_ordinary_names_are_not_ignored(name: str) -> None:
    assert not is_ignored_name(name)


@pytest.mark.parametrize(
    ("name", "form", "period"),
    [
        ("disputes_2026-10.csv", "disputes", "2026-10"),
        ("矛盾纠纷_202610.csv", "disputes", "2026-10"),
        ("DISPUTES_2026-10.CSV", "disputes", "2026-10"),
        ("weak_orgs_2026-01.csv", "weak_orgs", "2026-01"),
        ("软弱涣散党组织_2026-01.csv", "weak_orgs", "2026-01"),
        ("村(社区)后备干部_2026-12.csv", "reserve_cadres", "2026-12"),
        ("村（社区）后备干部_2026-12.csv", "reserve_cadres", "2026-12"),
        ("累计_early_warnings_2026-03.csv".removeprefix("累计_"), "early_warnings", "2026-03"),
        ("宣讲活动_２０２６-０３.csv", "outreach", "2026-03"),
    ],
)
def test_submission_names(name: str, form: str, period: str) -> None:
    parsed = parse_submission_name(name)
    assert (parsed.form, parsed.period) == (form, period)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("矛盾纠纷.csv", "下划线"),
        ("纠纷_2026-10.csv", "无法识别报表名"),
        ("disputes_2026-13.csv", "无法识别年月"),
        ("disputes_2026-1.csv", "无法识别年月"),
        ("disputes_26-10.csv", "无法识别年月"),
        ("disputes_1999-10.csv", "无法识别年月"),
        ("disputes_2026-10.xlsx", "只接收 .csv"),
        ("disputes_2026-10", "只接收 .csv"),
        ("disputes_2026-10(1).csv", "无法识别年月"),
        ("..\\..\\disputes_2026-10.csv", "无法识别报表名"),
    ],
)
def test_bad_names_say_what_is_wrong(name: str, hint: str) -> None:
    with pytest.raises(NameProblem) as caught:
        parse_submission_name(name)
    message = str(caught.value)
    assert hint in message
    # The naming rule with its example is the receipt's next step; said here, a clerk read it
    # twice (test_bad_name_is_logged_without_form_or_period counts it on the receipt).
    assert "矛盾纠纷_2026-10.csv" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10", "2026-10"),
        ("202610", "2026-10"),
        (" 2026-01 ", "2026-01"),
        ("2026-00", None),
        ("2026/10", None),
        ("2026年10月", None),
        ("", None),
    ],
)
def test_parse_period(text: str, expected: str | None) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "name",
    [
        "disputes\x00_2026-10.csv",
        "disputes\n_2026-10.csv",
        "disputes\x1b[31m_2026-10.csv",
        "disputes_2026-10\u202ecsv.exe",  # right-to-left override spoofing the extension
        "dis\u200bputes_2026-10.csv",  # zero-width space
        "bad\udcffbytes_2026-10.csv",  # undecodable byte (surrogateescape)
        "a\\b.csv",
        "矛" * 61 + ".csv",  # 187 bytes of UTF-8
    ],
)
def test_unsafe_names_are_refused(name: str) -> None:
    assert unsafe_name_reason(name)


@pytest.mark.parametrize(
    "name", ["disputes_2026-10.csv", "矛盾纠纷 (更正) _2026-10.csv", "a" * 170]
)
def test_safe_names_pass(name: str) -> None:
    assert unsafe_name_reason(name) is None


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("disputes_2026-10.csv", "disputes_2026-10"),
        ("a.b.csv", "a.b"),
        ("report.xlsx", "report"),
        ("../../etc/passwd", "_.._.._etc_passwd"),
        ("..", "_.."),
        ("x\ny\x00z.csv", "x_y_z"),
        ("\u202egnp.csv", "_gnp"),
    ],
)
def test_receipt_stem_is_a_plain_file_name(name: str, stem: str) -> None:
    result = receipt_stem(name)
    assert result == stem
    assert "/" not in result and "\\" not in result
    assert not result.startswith(".")


def test_receipt_stem_is_bounded() -> None:
    stem = receipt_stem("矛" * 300 + ".csv")
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert len((stem + ".回执.html").encode("utf-8")) < 255


@pytest.mark.parametrize(
    "text",
    ["२०२४-०४", "٢٠٢٤-٠٤", "2024-0４".replace("４", "٤"), "①②③④-⑤⑥", "²⁰²⁴⁻⁰⁴", "𝟐𝟎𝟐𝟒-𝟎𝟒"],
)
def test_only_ascii_and_full_width_digits_are_digits(text: str) -> None:
    assert parse_period(text) is None


def test_full_width_digits_are_digits() -> None:
    assert parse_period("２０２６－１０") == "2026-10" and parse_period("２０２６１０") == "2026-10"


@pytest.mark.parametrize(
    "name",
    [
        "inſtructors_2024-05.csv",  # long s: NFKC or casefold would make it "instructors"
        "ﬁeld_2024-05.csv",  # a ligature
    ],
)
def test_form_names_do_not_match_through_lookalikes(name: str) -> None:
    with pytest.raises(NameProblem, match="无法识别报表名"):
        parse_submission_name(name)


def test_future_periods_are_named_but_not_begun() -> None:
    from datetime import UTC, datetime

    from reportflow.intake.names import not_begun_reason

    now = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 1 November, 00:30 in Beijing
    assert not_begun_reason("2026-11", now) is None
    assert "2026年12月" in (not_begun_reason("2026-12", now) or "")
    assert "还没有开始" in (not_begun_reason("2099-01", now) or "")
