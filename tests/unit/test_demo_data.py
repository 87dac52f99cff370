"""The demo submissions: deterministic, complete, realistic, and their flaws as documented.

Why: the demo drop folder feeds the end-to-end tests and every bulletin preview. If it drifted
(a good file that breaks the contract, a bad file that is accidentally fine, a scenario that
no longer matches :class:`DemoSummary`), those tests would assert the wrong things. The
independent reference (``tests/reference.py``) is used as the judge of validity.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from reportflow.config import Settings
from reportflow.contract import counties, forms
from reportflow.demo_data import DemoSummary, generate_demo_data
from reportflow.intake.files import discover
from reportflow.periods import BEIJING, Period, shift_period, to_naive_utc
from tests.reference import Reference, parse_file_name

END = "2026-10"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=BEIJING)
COUNTY_CODES = [c.code for c in counties()]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoSummary, float]:
    home = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    summary = generate_demo_data(Settings(home=home), end_period=END, now=NOW)
    return summary, time.perf_counter() - started


@pytest.fixture(scope="module")
def summary(demo: tuple[DemoSummary, float]) -> DemoSummary:
    return demo[0]


@pytest.fixture(scope="module")
def reference(summary: DemoSummary) -> Reference:
    return Reference(summary.drop_dir, arrivals=summary.arrivals())


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_generation_is_fast(demo: tuple[DemoSummary, float]) -> None:
    assert demo[1] < 10


def test_deterministic_given_the_seed(summary: DemoSummary, tmp_path: Path) -> None:
    again = generate_demo_data(Settings(home=tmp_path / "a"), end_period=END, now=NOW)
    assert _tree(again.drop_dir) == _tree(summary.drop_dir)
    assert again.describe().replace(str(again.drop_dir), "X") == summary.describe().replace(
        str(summary.drop_dir), "X"
    )
    assert [(f.path.name, f.submitted_at) for f in again.files] == [
        (f.path.name, f.submitted_at) for f in summary.files
    ]
    other = generate_demo_data(Settings(home=tmp_path / "b"), end_period=END, now=NOW, seed=7)
    assert _tree(other.drop_dir) != _tree(summary.drop_dir)


def test_every_county_and_form_for_every_month(summary: DemoSummary) -> None:
    assert summary.latest_period == END
    assert len(summary.periods) == 14
    assert summary.periods[0] == shift_period(END, -13)
    present = {(f.county_code, f.form, f.period) for f in summary.files}
    expected = {(c, f, p) for c in COUNTY_CODES for f in forms() for p in summary.periods} - set(
        summary.not_submitted
    )
    assert present == expected
    assert sorted(p.name for p in summary.drop_dir.iterdir()) == sorted(COUNTY_CODES)
    assert set(summary.not_submitted) == {
        ("440825", "disputes", shift_period(END, -12)),
        ("440811", "instructors", shift_period(END, -1)),
        ("440883", "outreach", shift_period(END, -3)),
        ("440825", "reserve_cadres", END),
        ("440871", "early_warnings", END),
    }


def test_file_names_mix_keys_labels_and_period_styles(summary: DemoSummary) -> None:
    names = [f.path.name for f in summary.files]
    for file in summary.files:
        assert parse_file_name(file.path.name) == (file.form, file.period), file.path
    assert any("_202610.csv" in n for n in names)
    assert any("_2026-10.csv" in n for n in names)
    assert any(n.startswith("矛盾纠纷_") for n in names)
    assert any(n.startswith("disputes_") for n in names)


def test_encodings_line_endings_and_headers(summary: DemoSummary) -> None:
    by_encoding = Counter(f.encoding for f in summary.files)
    assert {"gb18030", "utf-8-sig", "utf-8"} <= set(by_encoding)
    for file in summary.files:
        data = file.path.read_bytes()
        if file.encoding == "binary":
            continue
        text = data.decode(file.encoding)
        header = text.splitlines()[0].strip("\ufeff")
        if file.encoding == "gb18030":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert b"\r\n" in data
        elif file.encoding == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
            assert b"\r\n" in data
        else:
            assert not data.startswith(b"\xef\xbb\xbf")
            assert b"\r\n" not in data
        english = file.county_code in ("440802", "440871")
        assert header.isascii() == english, (file.path, header)
    # 遂溪 changed clerk half-way: GB18030 first, UTF-8 with BOM later.
    suixi = Counter(f.encoding for f in summary.files if f.county_code == "440823")
    assert set(suixi) == {"gb18030", "utf-8-sig"}


def test_good_files_are_valid_and_bad_files_are_rejected_as_documented(
    summary: DemoSummary, reference: Reference
) -> None:
    rejected = reference.rejected()
    assert set(rejected) == set(summary.rejected_paths())
    assert {b.path for b in summary.bad_files} == set(summary.rejected_paths())
    assert len(summary.bad_files) == 4
    keywords = {
        "outreach": "another county",
        "reserve_cadres": "missing required column 纳入日期",
        "disputes": "after the end of the period",
        "project_orgs": "Excel",
    }
    for bad in summary.bad_files:
        assert bad.period == END
        errors = rejected[bad.path]
        assert len(errors) == 1, errors
        assert keywords[bad.form] in errors[0], errors
        if bad.row is not None:
            assert errors[0].startswith(f"row {bad.row} {bad.column} {bad.value!r}"), errors
    xlsx = next(b for b in summary.bad_files if b.form == "project_orgs")
    data = xlsx.path.read_bytes()
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)


def test_without_bad_files_everything_is_accepted(tmp_path: Path) -> None:
    clean = generate_demo_data(Settings(home=tmp_path), end_period=END, now=NOW, bad_files=False)
    assert clean.bad_files == ()
    assert clean.rejected_paths() == frozenset()
    assert Reference(clean.drop_dir, arrivals=clean.arrivals()).rejected() == {}
    assert clean.missing() == {
        ("440825", "reserve_cadres"): "not_submitted",
        ("440871", "early_warnings"): "not_submitted",
    }


def test_latest_period_scenario(summary: DemoSummary, reference: Reference) -> None:
    assert summary.missing() == {
        ("440803", "outreach"): "rejected",
        ("440804", "project_orgs"): "rejected",
        ("440825", "reserve_cadres"): "not_submitted",
        ("440871", "early_warnings"): "not_submitted",
    }
    values = reference.indicators(END)
    assert values[("440803", "outreach_events")] is None
    assert values[("440804", "projects_total")] is None
    assert values[("440825", "reserve_cadres")] is None
    assert values[("440871", "warnings_open")] is None
    # 赤坎's correction replaces its first disputes file but the form still counts as on time.
    old, new = next(c for c in summary.corrections if c[0].parent.name == "440802")
    assert (old.name, new.name) == (f"disputes_{END}.csv", f"矛盾纠纷_{END}.csv")
    assert summary.arrivals()[new] > summary.arrivals()[old]
    current = reference.current("440802", "disputes", END)
    assert current is not None and current.path == new
    draft = {r["case_id"] for r in next(f for f in reference.files if f.path == old).rows}
    assert len({r["case_id"] for r in current.rows} - draft) == 3
    assert values[("440802", "forms_on_time")] == 7
    # 廉江: rejected on time, accepted late -> late.
    assert values[("440881", "forms_submitted")] == 7
    assert values[("440881", "forms_on_time")] == 6
    # 雷州's failed correction leaves its first disputes file current.
    leizhou = reference.current("440882", "disputes", END)
    assert leizhou is not None and leizhou.path.name == "矛盾纠纷_202610.csv"
    assert values[("440882", "forms_on_time")] == 6  # instructors late
    assert values[("440883", "forms_on_time")] == 6  # weak_orgs late
    assert values[("440823", "forms_on_time")] == 7  # 23:41 on the 5th is on time
    assert values[("440811", "forms_on_time")] == 6  # 00:12 on the 6th is late
    assert values[("440825", "disputes_received_yoy")] is None  # base month not submitted
    assert values[("440871", "weak_orgs_listed")] == 0
    assert values[("440871", "weak_orgs_rectification_rate")] is None
    assert values[("440800", "forms_submitted")] == 66
    earlier = reference.indicators(shift_period(END, -1))
    assert earlier[("440811", "instructors_full_time")] is None  # not carried forward


def test_intake_sees_each_file_arrive_at_its_planned_time(summary: DemoSummary) -> None:
    """The received time intake's own discovery gives each file is the replayed arrival,
    not the moment it looks (nor any mtime), whatever the real clock says."""
    settings = Settings(home=summary.drop_dir.parent)
    received = {e.path: e.received_at for e in discover(settings, datetime.now(BEIJING))}
    assert received == {f.path: to_naive_utc(f.submitted_at) for f in summary.files}


def test_nothing_to_list_is_sent_as_a_nil_return(
    summary: DemoSummary, reference: Reference
) -> None:
    """开发区 has no weak organisations: it sends 零报告 files, never header-only ones."""
    nil = [f for f in summary.files if f.rows == 0 and f.encoding != "binary"]
    assert {(f.county_code, f.form) for f in nil if f.period == END} >= {("440871", "weak_orgs")}
    parsed = {f.path: f for f in reference.files}
    for file in nil:
        lines = file.path.read_bytes().decode(file.encoding).splitlines()
        assert lines[1].split(",")[0] == "零报告" and not lines[1].strip("零报告,"), file.path
        assert parsed[file.path].ok and parsed[file.path].rows == (), file.path


def test_submission_times(summary: DemoSummary) -> None:
    for file in summary.files:
        period = Period.parse(file.period)
        assert file.on_time == (file.submitted_at <= period.deadline(5))
        assert file.submitted_at > period.end  # after period end
        assert file.submitted_at < NOW
    late = summary.late_files()
    assert 5 <= len(late) <= 0.08 * len(summary.files)
    latest_late = {(f.county_code, f.form) for f in late if f.period == END}
    assert latest_late == {
        ("440802", "disputes"),
        ("440811", "early_warnings"),
        ("440881", "reserve_cadres"),
        ("440882", "instructors"),
        ("440883", "weak_orgs"),
    }


def test_future_submission_times_are_pulled_back_in_order(tmp_path: Path) -> None:
    early_now = datetime(2026, 11, 4, 12, 0, tzinfo=BEIJING)
    clamped = generate_demo_data(Settings(home=tmp_path), end_period=END, now=early_now)
    assert all(f.submitted_at < early_now for f in clamped.files)
    for old, new in clamped.corrections:
        assert clamped.arrivals()[new] > clamped.arrivals()[old]


def test_sizes_are_plausible(summary: DemoSummary, reference: Reference) -> None:
    for period in summary.periods:
        values = reference.indicators(period)
        for county in COUNTY_CODES:
            staff = values[(county, "instructors_full_time")]
            if staff is not None:
                total = staff + values[(county, "instructors_part_time")]
                assert 20 <= total <= 125, (county, period, total)
            received = values[(county, "disputes_received")]
            if received is not None:
                assert 30 <= received <= 200, (county, period, received)
            events = values[(county, "outreach_events")]
            if events is not None:
                assert 5 <= events <= 60
            listed = values[(county, "weak_orgs_listed")]
            if listed is not None:
                assert listed <= 8
        rate = values[("440800", "mediation_success_rate")]
        assert rate is not None and 0.75 < rate < 0.98


def test_case_registers_carry_cases_into_later_months(reference: Reference) -> None:
    reappearing = 0
    for county in COUNTY_CODES:
        seen: dict[str, str] = {}
        files = sorted(
            (
                f
                for f in reference.files
                if f.ok and f.county_code == county and f.form == "disputes"
            ),
            key=lambda f: (f.period or "", reference.arrived(f)),
        )
        for file in files:
            for row in file.rows:
                if seen.get(row["case_id"]) == "in_progress" and row["status"] != "in_progress":
                    reappearing += 1
                seen[row["case_id"]] = row["status"]
    assert reappearing > 200


def test_content_reads_like_zhanjiang(summary: DemoSummary) -> None:
    text = "\n".join(
        f.path.read_bytes().decode(f.encoding)
        for f in summary.files
        if f.period == END and f.encoding != "binary"
    )
    for needle in (
        "雷州话",
        "白话",
        "客家话",
        "宝钢湛江钢铁三高炉",
        "中科炼化",
        "巴斯夫(广东)一体化基地",
        "围农夜话",
        "五老调解工作室",
    ):
        assert needle in text, needle


def test_rejects_a_bad_period(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate_demo_data(Settings(home=tmp_path), end_period="2026-13")
