"""County intake end to end against a real DuckDB file in a temporary data home."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reportflow.config import Settings
from reportflow.intake import IntakeError, ingest, init_home, status_grid
from reportflow.warehouse import connect

D_HEAD = "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期"
V1 = (
    D_HEAD + "\r\n"
    "JF-001,440802001,2026-10-05,邻里纠纷,五老调解工作室,调解成功,2026/10/8\r\n"
    "JF-002,440802002,2026-10-06,family,村（社区）调委会,调解中,\r\n"
)
V2 = (
    D_HEAD + "\r\n"
    "JF-001,440802001,2026-10-05,邻里纠纷,五老调解工作室,调解成功,2026/10/8\r\n"
    "JF-002,440802002,2026-10-06,family,村（社区）调委会,移交,2026-10-20\r\n"
    "JF-003,440802003,2026-10-07,land,other,调解中,\r\n"
)
BAD = D_HEAD + "\r\nJF-001,440803001,2026-10-05,邻里纠纷,其他,调解中,\r\n"
OUTREACH = (
    "活动编号,镇街代码,活动日期,形式,主题,受众人数,方言宣讲\n"
    "XJ-1,440802001,2026-10-01,其他,t,5,否\n"
)
MTIME = datetime(2026, 11, 3, 1, 0, 0)  # naive UTC
NOW = datetime(2026, 11, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(home=tmp_path / "home", stable_seconds=0, lock_timeout_seconds=1)
    init_home(s, now=NOW)
    return s


def drop(
    settings: Settings,
    name: str,
    content: str | bytes,
    *,
    county: str = "440802",
    mtime: datetime = MTIME,
    encoding: str = "utf-8",
) -> Path:
    path = settings.drop_dir / county / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    stamp = mtime.replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(sql, params).fetchall()


def submissions(settings: Settings) -> list[dict]:
    with connect(settings.warehouse_path, read_only=True) as con:
        cur = con.execute("select * from raw.submissions order by processed_at, submission_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def places(settings: Settings, digest: str) -> list[str]:
    """Where a file with this content lives among drop/work/archive/quarantine."""
    found = []
    for area in ("drop", "work", "archive", "quarantine"):
        for path in (settings.home / area).rglob("*"):
            ours = "回执" in path.parts or "模板" in path.parts or path.suffix == ".json"
            if ours or not path.is_file() or path.is_symlink():
                continue
            if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                found.append(area)
    return found


# ------------------------------------------------------------------ accept / replace / duplicate


def test_accepted_file_is_loaded_archived_and_acknowledged(settings: Settings) -> None:
    drop(settings, "disputes_2026-10.csv", V1)
    report = ingest(settings, now=NOW)

    assert report.loaded_any
    [result] = report.results
    assert (result.status, result.form, result.period, result.row_count) == (
        "accepted",
        "disputes",
        "2026-10",
        2,
    )
    assert not result.replaced_earlier and result.errors == []
    rows = query(
        settings,
        "select county_code, period, source_row, case_id, town_code, received_on, category, "
        "mediator, status, closed_on, submission_id from raw.disputes order by source_row",
    )
    assert [r[:10] for r in rows] == [
        (
            "440802",
            "2026-10",
            2,
            "JF-001",
            "440802001",
            date(2026, 10, 5),
            "neighbour",
            "elders_studio",
            "agreement",
            date(2026, 10, 8),
        ),
        (
            "440802",
            "2026-10",
            3,
            "JF-002",
            "440802002",
            date(2026, 10, 6),
            "family",
            "village_committee",
            "in_progress",
            None,
        ),
    ]
    [sub] = submissions(settings)
    assert rows[0][10] == sub["submission_id"] == result.submission_id
    assert sub["status"] == "accepted" and sub["superseded_by"] is None
    assert sub["sha256"] == sha(V1) and sub["size_bytes"] == len(V1.encode())
    assert sub["received_at"] == NOW.replace(tzinfo=None)  # first seen, not the mtime
    assert sub["processed_at"] == NOW.replace(tzinfo=None)
    assert sub["file_name"] == "disputes_2026-10.csv" and sub["row_count"] == 2
    archived = settings.home / sub["archived_as"]
    assert archived == result.archived_as
    assert archived.relative_to(settings.archive_dir).as_posix() == (
        f"440802/disputes/2026-10/20261103T020000Z_{sha(V1)[:12]}.csv"
    )
    assert archived.read_bytes() == V1.encode()
    assert places(settings, sha(V1)) == ["archive"]
    assert [p.name for p in settings.work_dir.iterdir()] == ["arrivals"]
    assert [p.name for p in (settings.work_dir / "arrivals").iterdir()] == [".lock"]  # forgotten
    receipt = (settings.drop_dir / "440802" / "回执" / "disputes_2026-10.回执.txt").read_text(
        encoding="utf-8-sig"
    )
    assert "文件已接收" in receipt and "导入行数：2 行" in receipt and sha(V1) in receipt
    assert "否，这是本月此表第一次报送的文件" in receipt


def test_correction_replaces_rows_and_archive_keeps_both(settings: Settings) -> None:
    drop(settings, "disputes_2026-10.csv", V1)
    first = ingest(settings, now=NOW).results[0]
    drop(settings, "矛盾纠纷_202610.csv", V2, mtime=datetime(2026, 11, 4))
    second = ingest(settings, now=datetime(2026, 11, 4, 1, tzinfo=UTC)).results[0]

    assert second.status == "accepted" and second.replaced_earlier and second.row_count == 3
    assert query(settings, "select case_id, status from raw.disputes order by case_id") == [
        ("JF-001", "agreement"),
        ("JF-002", "referred"),
        ("JF-003", "in_progress"),
    ]
    assert {r[0] for r in query(settings, "select distinct submission_id from raw.disputes")} == {
        second.submission_id
    }
    subs = {s["submission_id"]: s for s in submissions(settings)}
    assert subs[first.submission_id]["superseded_by"] == second.submission_id
    assert subs[second.submission_id]["superseded_by"] is None
    assert subs[second.submission_id]["replaced_earlier"] is True
    assert places(settings, sha(V1)) == ["archive"] and places(settings, sha(V2)) == ["archive"]
    assert len(list((settings.archive_dir / "440802" / "disputes" / "2026-10").iterdir())) == 2
    receipt = (settings.drop_dir / "440802" / "回执" / "矛盾纠纷_202610.回执.txt").read_text(
        encoding="utf-8-sig"
    )
    assert "是，本文件已整体替换" in receipt and "disputes_2026-10.csv" in receipt


def test_same_bytes_again_change_nothing(settings: Settings) -> None:
    drop(settings, "disputes_2026-10.csv", V1)
    ingest(settings, now=NOW)
    before_subs = submissions(settings)
    before_rows = query(settings, "select * from raw.disputes order by source_row")

    drop(settings, "矛盾纠纷_2026-10.csv", V1, mtime=datetime(2026, 11, 5))
    report = ingest(settings, now=datetime(2026, 11, 5, 1, tzinfo=UTC))

    [result] = report.results
    assert result.status == "ignored" and result.duplicate and not report.loaded_any
    assert submissions(settings) == before_subs
    assert query(settings, "select * from raw.disputes order by source_row") == before_rows
    assert not (settings.drop_dir / "440802" / "矛盾纠纷_2026-10.csv").exists()
    assert places(settings, sha(V1)) == ["archive", "archive"]
    receipt = (settings.drop_dir / "440802" / "回执" / "矛盾纠纷_2026-10.回执.txt").read_text(
        encoding="utf-8-sig"
    )
    assert "此前已接收" in receipt and "没有作任何改动" in receipt


def test_earlier_version_dropped_again_is_a_correction(settings: Settings) -> None:
    drop(settings, "disputes_2026-10.csv", V1)
    ingest(settings, now=NOW)
    drop(settings, "disputes_2026-10.csv", V2, mtime=datetime(2026, 11, 4))
    ingest(settings, now=datetime(2026, 11, 4, 1, tzinfo=UTC))
    drop(settings, "disputes_2026-10.csv", V1, mtime=datetime(2026, 11, 5))
    result = ingest(settings, now=datetime(2026, 11, 5, 1, tzinfo=UTC)).results[0]
    assert result.status == "accepted" and result.replaced_earlier
    assert query(settings, "select count(*) from raw.disputes") == [(2,)]
    current = query(
        settings,
        "select sha256 from raw.submissions where superseded_by is null and status = 'accepted'",
    )
    assert current == [(sha(V1),)]


def test_two_versions_in_one_cycle_the_later_one_stays(settings: Settings) -> None:
    # Written in this order, both first seen by the same run; their mtimes say the opposite
    # and are ignored.
    drop(settings, "disputes_2026-10.csv", V1, mtime=datetime(2026, 11, 3, 1, 30))
    drop(settings, "矛盾纠纷_2026-10.csv", V2, mtime=datetime(2026, 11, 3, 1, 0))
    report = ingest(settings, now=NOW)
    assert [r.file_name for r in report.accepted] == [
        "disputes_2026-10.csv",
        "矛盾纠纷_2026-10.csv",
    ]
    assert query(settings, "select count(*) from raw.disputes") == [(3,)]


def test_counties_and_periods_are_separate_partitions(settings: Settings) -> None:
    other = V1.replace("440802001", "440803001").replace("440802002", "440803002")
    drop(settings, "disputes_2026-10.csv", V1)
    drop(settings, "disputes_2026-10.csv", other, county="440803")
    drop(
        settings,
        "disputes_2026-09.csv",
        V1.replace("2026-10-0", "2026-09-0").replace("2026/10/8", "2026/9/8"),
    )
    report = ingest(settings, now=NOW)
    assert len(report.accepted) == 3
    assert query(
        settings, "select county_code, period, count(*) from raw.disputes group by all order by all"
    ) == [("440802", "2026-09", 2), ("440802", "2026-10", 2), ("440803", "2026-10", 2)]


# ------------------------------------------------------------------ rejection


def test_rejected_file_leaves_no_trace_in_raw_tables(settings: Settings) -> None:
    drop(settings, "disputes_2026-10.csv", V1)
    ingest(settings, now=NOW)
    rows_before = query(settings, "select * from raw.disputes order by source_row")

    drop(settings, "disputes_2026-10.csv", BAD, mtime=datetime(2026, 11, 4))
    report = ingest(settings, now=datetime(2026, 11, 4, 1, tzinfo=UTC))

    [result] = report.results
    assert result.status == "rejected" and not report.loaded_any
    assert result.error_count == 1 and result.errors[0].row == 2
    assert query(settings, "select * from raw.disputes order by source_row") == rows_before
    rejected = [s for s in submissions(settings) if s["status"] == "rejected"]
    assert len(rejected) == 1
    assert rejected[0]["error_count"] == 1 and "不属于本单位" in rejected[0]["reasons"]
    assert rejected[0]["archived_as"].startswith("quarantine/440802/disputes/2026-10/")
    assert places(settings, sha(BAD)) == ["quarantine"]
    accepted = [s for s in submissions(settings) if s["status"] == "accepted"]
    assert accepted[0]["superseded_by"] is None  # a rejected file replaces nothing
    html = (settings.drop_dir / "440802" / "回执" / "disputes_2026-10.回执.html").read_text(
        encoding="utf-8"
    )
    assert "文件未被接收" in html and "440803001" in html and "不属于本单位（赤坎区）" in html


def test_rejected_first_file_loads_nothing(settings: Settings) -> None:
    drop(
        settings, "disputes_2026-10.csv", V1 + "JF-003,440802001,2026-10-05,其他,其他,调解中,x\r\n"
    )
    report = ingest(settings, now=NOW)
    assert report.rejected and not report.accepted
    for table in ("disputes", "instructors", "outreach"):
        assert query(settings, f"select count(*) from raw.{table}") == [(0,)]


def test_bad_name_is_logged_without_form_or_period(settings: Settings) -> None:
    drop(settings, "十月纠纷.csv", V1)
    [result] = ingest(settings, now=NOW).results
    assert result.status == "rejected" and result.form is None
    [sub] = submissions(settings)
    assert sub["form"] is None and sub["period"] is None and sub["status"] == "rejected"
    assert sub["archived_as"].startswith("quarantine/440802/_unrecognised/_/")
    text = (settings.drop_dir / "440802" / "回执" / "十月纠纷.回执.txt").read_text(
        encoding="utf-8-sig"
    )
    assert text.count("文件名应为「报表名_年月.csv」") == 1  # in 下一步 only, not twice


def test_hostile_text_is_stored_exactly(settings: Settings) -> None:
    values = [
        '=HYPERLINK("http://evil.example","点我")',
        "<script>alert(1)</script>",
        "'; drop table raw.early_warnings; --",
        "多行\r\n内容, 带逗号",
        "\\N",
        "NULL",
    ]
    head = "问题编号,镇街代码,上报日期,类别,处置日期,简要情况"
    body = "".join(
        f'WT-{i},440802001,2026-10-03,其他,,"{v.replace(chr(34), chr(34) * 2)}"\r\n'
        for i, v in enumerate(values)
    )
    drop(settings, "early_warnings_2026-10.csv", head + "\r\n" + body)
    assert ingest(settings, now=NOW).accepted
    stored = query(settings, "select summary from raw.early_warnings order by source_row")
    assert [s[0] for s in stored] == values


def test_hostile_values_are_escaped_in_the_written_receipt(settings: Settings) -> None:
    drop(
        settings,
        "disputes_2026-10.csv",
        D_HEAD + "\r\n"
        "JF-1,440802001,<script>alert(1)</script>,其他,其他,调解中,\r\n"
        'JF-2,440802001,"=HYPERLINK(""http://evil"",""x"")",其他,其他,调解中,\r\n'
        "JF-3,440802001,'; drop table raw.disputes; --,其他,其他,调解中,\r\n",
    )
    [result] = ingest(settings, now=NOW).results
    assert result.status == "rejected" and result.error_count == 3
    assert [p.value for p in result.errors] == [
        "<script>alert(1)</script>",
        '=HYPERLINK("http://evil","x")',
        "'; drop table raw.disputes; --",
    ]
    folder = settings.drop_dir / "440802" / "回执"
    html = (folder / "disputes_2026-10.回执.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=HYPERLINK(&#34;http://evil&#34;,&#34;x&#34;)" in html
    assert "&#39;; drop table raw.disputes; --" in html
    text = (folder / "disputes_2026-10.回执.txt").read_text(encoding="utf-8-sig")
    assert "<script>alert(1)</script>" in text
    assert query(settings, "select count(*) from raw.disputes") == [(0,)]


def test_typed_columns_of_every_type(settings: Settings) -> None:
    drop(
        settings,
        "project_orgs_2026-10.csv",
        "项目编号,项目名称,镇街代码,项目状态,临时党组织成立日期,党员人数,党员突击队数,党员责任区数,"
        "累计完成投资(亿元)\n"
        'XM-1,项目,440802001,在建,2026年3月1日,"1,234",１２,0,"1,234.5"\n'
        "XM-2,项目,440802001,preparing,,0,0,0,0.07\n",
    )
    drop(
        settings,
        "outreach_2026-10.csv",
        "活动编号,镇街代码,活动日期,形式,主题,受众人数,方言宣讲\nXJ-1,440802001,2026-10-01,其他,t,5,否\n"
        "XJ-2,440802001,2026-10-31,night_talk,t,100000,YES\n",
    )
    assert len(ingest(settings, now=NOW).accepted) == 2
    assert query(
        settings,
        "select project_status, temp_org_on, party_members, commando_teams, investment_to_date "
        "from raw.project_orgs order by source_row",
    ) == [
        ("under_construction", date(2026, 3, 1), 1234, 12, Decimal("1234.50")),
        ("preparing", None, 0, 0, Decimal("0.07")),
    ]
    assert query(settings, "select format, audience, dialect from raw.outreach order by 1") == [
        ("night_talk", 100000, True),
        ("other", 5, False),
    ]


# ------------------------------------------------------------------ discovery and safety


def test_unstable_and_temporary_files_wait(settings: Settings) -> None:
    settings = dataclasses.replace(settings, stable_seconds=3600)
    drop(settings, "disputes_2026-10.csv", V1, mtime=datetime(2020, 1, 1))  # an old mtime too
    drop(settings, "outreach_2026-10.csv.part", "x")
    drop(settings, "~$矛盾纠纷.csv", "x")
    drop(settings, ".DS_Store", "x")
    report = ingest(settings)
    statuses = {r.file_name: r.status for r in report.results}
    assert statuses == {
        "disputes_2026-10.csv": "waiting",
        "outreach_2026-10.csv.part": "ignored",
        "~$矛盾纠纷.csv": "ignored",
        ".DS_Store": "ignored",
    }
    assert (settings.drop_dir / "440802" / "disputes_2026-10.csv").exists()
    assert not settings.warehouse_path.exists()  # nothing to do: the warehouse is not even opened


def test_symlink_is_refused_and_never_followed(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "secret.csv"
    target.write_text(V1, encoding="utf-8")
    link = settings.drop_dir / "440802" / "disputes_2026-10.csv"
    os.symlink(target, link)
    [result] = ingest(settings, now=NOW).results
    assert result.status == "rejected" and "快捷方式" in result.errors[0].reason
    assert target.read_bytes() == V1.encode()
    assert not os.path.lexists(link)
    assert result.archived_as is not None and result.archived_as.is_symlink()
    assert result.archived_as.is_relative_to(settings.quarantine_dir / "440802" / "_refused")
    assert query(settings, "select count(*) from raw.disputes") == [(0,)]
    assert submissions(settings) == []  # refused before anything was read
    assert (settings.drop_dir / "440802" / "回执" / "disputes_2026-10.回执.html").exists()


def test_hard_link_is_refused(settings: Settings, tmp_path: Path) -> None:
    original = tmp_path / "elsewhere.csv"
    original.write_text(V1, encoding="utf-8")
    os.link(original, settings.drop_dir / "440802" / "disputes_2026-10.csv")
    [result] = ingest(settings, now=NOW).results
    assert result.status == "rejected" and "硬链接" in result.errors[0].reason
    assert original.read_bytes() == V1.encode()


def test_directory_is_refused(settings: Settings) -> None:
    folder = settings.drop_dir / "440802" / "十月"
    folder.mkdir()
    (folder / "disputes_2026-10.csv").write_text(V1, encoding="utf-8")
    [result] = ingest(settings, now=NOW).results
    assert result.status == "rejected" and "文件夹" in result.errors[0].reason
    assert not folder.exists()
    assert (result.archived_as / "disputes_2026-10.csv").read_bytes() == V1.encode()


@pytest.mark.parametrize(
    "name", ["disputes\n_2026-10.csv", "disputes_2026-10\u202ecsv.exe", "x\x1b[2J.csv"]
)
def test_names_with_control_characters_are_refused(settings: Settings, name: str) -> None:
    drop(settings, name, V1)
    [result] = ingest(settings, now=NOW).results
    assert result.status == "rejected"
    assert "控制字符" in result.errors[0].reason
    receipts = [p.name for p in (settings.drop_dir / "440802" / "回执").iterdir()]
    assert len(receipts) == 2
    assert all(ch.isprintable() for r in receipts for ch in r)


def test_undecodable_file_name_is_refused(settings: Settings) -> None:
    raw_name = os.fsencode(settings.drop_dir / "440802") + b"/bad\xff_2026-10.csv"
    with open(raw_name, "wb") as handle:
        handle.write(V1.encode())
    os.utime(raw_name, (MTIME.replace(tzinfo=UTC).timestamp(),) * 2)
    [result] = ingest(settings, now=NOW).results
    assert result.status == "rejected" and "无法识别的字符" in result.errors[0].reason
    assert not os.path.lexists(raw_name)


def test_files_outside_county_folders_are_left_alone(settings: Settings) -> None:
    stray = settings.drop_dir / "disputes_2026-10.csv"
    stray.write_text(V1, encoding="utf-8")
    unknown = settings.drop_dir / "999999"
    unknown.mkdir()
    (unknown / "disputes_2026-10.csv").write_text(V1, encoding="utf-8")
    report = ingest(settings, now=NOW)
    assert {(r.file_name, r.status) for r in report.results} == {
        ("disputes_2026-10.csv", "ignored"),
        ("999999", "ignored"),
    }
    assert stray.exists() and (unknown / "disputes_2026-10.csv").exists()


def test_symlinked_county_folder_is_not_followed(settings: Settings, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "disputes_2026-10.csv").write_text(V1, encoding="utf-8")
    county = settings.drop_dir / "440881"
    for child in county.iterdir():
        for f in child.iterdir():
            f.unlink()
        child.rmdir()
    county.rmdir()
    os.symlink(real, county)
    report = ingest(settings, now=NOW)
    assert [(r.file_name, r.status) for r in report.results] == [("440881", "ignored")]
    assert (real / "disputes_2026-10.csv").exists()


# ------------------------------------------------------------------ crashes and recovery


# Crashes are proven with real SIGKILLs of a subprocess at every step, in
# test_intake_processes.py; here, what an exception (a bug) inside one file does.


def test_internal_error_keeps_the_file_for_the_next_run(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(settings, "disputes_2026-10.csv", V1)
    drop(
        settings,
        "outreach_2026-10.csv",
        "活动编号,镇街代码,活动日期,形式,主题,受众人数,方言宣讲\nXJ-1,440802001,2026-10-01,其他,t,5,否\n",
    )

    def boom(data: bytes, **kwargs: object):
        if kwargs["form"].key == "disputes":  # type: ignore[attr-defined]
            raise ValueError("bug")
        return real(data, **kwargs)

    import reportflow.intake.pipeline as pipeline

    real = pipeline.check_file
    monkeypatch.setattr(pipeline, "check_file", boom)
    report = ingest(settings, now=NOW)
    assert {r.file_name: r.status for r in report.results} == {
        "disputes_2026-10.csv": "waiting",
        "outreach_2026-10.csv": "accepted",
    }
    assert report.internal_errors and "bug" in report.internal_errors[0]
    assert places(settings, sha(V1)) == ["drop"]  # nothing committed: it waits where it was
    monkeypatch.setattr(pipeline, "check_file", real)
    assert ingest(settings, now=NOW).accepted
    assert places(settings, sha(V1)) == ["archive"]


def test_locked_warehouse_is_a_clear_error_and_the_file_waits(settings: Settings) -> None:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
            " print('ready', flush=True); time.sleep(30)",
            str(settings.warehouse_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        drop(settings, "disputes_2026-10.csv", V1)
        with pytest.raises(IntakeError, match="locked"):
            ingest(settings, now=NOW)
    finally:
        holder.kill()
        holder.wait()
    assert places(settings, sha(V1)) == ["drop"]  # the lock is taken before claiming
    time.sleep(0.1)
    assert ingest(settings, now=NOW).accepted
    assert places(settings, sha(V1)) == ["archive"]


# ------------------------------------------------------------------ status grid


def test_status_grid(settings: Settings) -> None:
    # Received = the run that first saw the file; the mtimes (all before the deadline) are
    # the sender's and say nothing. Deadline: 5 November 24:00 Beijing = 16:00 UTC.
    ok = V1
    drop(settings, "disputes_2026-10.csv", ok, mtime=datetime(2026, 10, 20))
    ingest(settings, now=datetime(2026, 11, 5, 15, 59, 59, tzinfo=UTC))
    drop(
        settings,
        "disputes_2026-10.csv",
        ok.replace("440802", "440803"),
        county="440803",
        mtime=datetime(2026, 10, 20),
    )
    drop(
        settings,
        "disputes_2026-10.csv",
        BAD.replace("440803001", "x"),
        county="440804",
        mtime=datetime(2026, 11, 1),
    )
    ingest(settings, now=datetime(2026, 11, 5, 16, 0, 1, tzinfo=UTC))

    grid = status_grid(settings, "202610", now=datetime(2026, 11, 6, tzinfo=UTC))
    assert [row["county_code"] for row in grid][:3] == ["440802", "440803", "440804"]
    assert len(grid) == 10 and all(len(row["forms"]) == 7 for row in grid)
    rows = {row["county_code"]: row for row in grid}
    assert rows["440802"]["county_name"] == "赤坎区"
    assert rows["440802"]["forms"]["disputes"] == "accepted"
    assert rows["440802"]["forms"]["outreach"] == "missing"
    assert rows["440803"]["forms"]["disputes"] == "late"
    assert rows["440804"]["forms"]["disputes"] == "rejected"
    on_time = rows["440802"]["cells"]["disputes"]
    assert on_time["on_time"] is True and on_time["file_name"] == "disputes_2026-10.csv"
    assert on_time["deadline_at"] == datetime(2026, 11, 5, 16, 0)
    assert on_time["first_accepted_at"] == datetime(2026, 11, 5, 15, 59, 59)
    assert rows["440803"]["cells"]["disputes"]["on_time"] is False
    assert rows["440804"]["cells"]["disputes"]["rejected_files"] == 1
    assert rows["440804"]["cells"]["disputes"]["on_time"] is None
    late = (settings.drop_dir / "440803" / "回执" / "disputes_2026-10.回执.txt").read_text(
        encoding="utf-8-sig"
    )
    assert "是否按时：逾期" in late and "收到时间：2026年11月6日 00:00:01" in late

    before = status_grid(settings, "2026-10", now=datetime(2026, 11, 5, 15, tzinfo=UTC))
    assert {row["county_code"]: row["forms"]["disputes"] for row in before}["440811"] == "not_due"
    assert {row["county_code"]: row["forms"]["disputes"] for row in before}["440803"] == "late"


def test_future_or_ancient_mtime_changes_nothing(settings: Settings) -> None:
    drop(settings, "disputes_2026-10.csv", V1, mtime=datetime(2099, 1, 1))
    drop(settings, "outreach_2026-10.csv", OUTREACH, mtime=datetime(1980, 1, 1))
    report = ingest(settings, now=NOW)
    assert [r.status for r in report.results] == ["accepted", "accepted"]
    assert {s["received_at"] for s in submissions(settings)} == {NOW.replace(tzinfo=None)}
    receipt = (settings.drop_dir / "440802" / "回执" / "disputes_2026-10.回执.txt").read_text(
        encoding="utf-8-sig"
    )
    assert "2099" not in receipt and "收到时间：2026年11月3日 10:00:00" in receipt


def test_a_file_seen_while_still_arriving_keeps_its_first_sighting(settings: Settings) -> None:
    slow = dataclasses.replace(settings, stable_seconds=3600)
    path = drop(settings, "disputes_2026-10.csv", V1)
    [waiting] = ingest(slow, now=datetime(2026, 11, 5, 15, tzinfo=UTC)).results
    assert waiting.status == "waiting"
    path.write_bytes(V2.encode())  # the copy goes on after the deadline
    [result] = ingest(settings, now=datetime(2026, 11, 5, 17, tzinfo=UTC)).results
    assert result.status == "accepted" and result.row_count == 3
    [sub] = submissions(settings)
    assert sub["received_at"] == datetime(2026, 11, 5, 15)  # seen arriving before the deadline


def test_status_grid_without_a_warehouse_is_all_missing(settings: Settings) -> None:
    grid = status_grid(settings, "2026-10")
    assert {status for row in grid for status in row["forms"].values()} == {"missing"}


def test_status_grid_rejects_a_bad_period(settings: Settings) -> None:
    with pytest.raises(IntakeError, match="YYYY-MM"):
        status_grid(settings, "October")
