"""Intake in real processes: killed with SIGKILL at every step, and two runs started at once.

``reportflow ingest`` runs as a subprocess. ``REPORTFLOW_TEST_CRASH_AT=<step>[:N]`` makes it
kill itself with SIGKILL the N-th time it reaches a step (``reportflow.crash``): no
exception handler, ``finally`` or DuckDB rollback runs, as with the OOM killer or a power cut.
At that moment every upload must still be in drop/ (perhaps with its private copy in work/ or
already archived) or in exactly one of archive/ and quarantine/, and the warehouse must hold
all of a file's rows or none. A plain re-run must then converge to
exactly the state of a clean run on the same files: the same rows in every raw table and the
same submission log (compared by an order-independent digest, timestamps and generated ids
left out).

The input mixes what a run meets: a big file (bulk path), small files (exact path), a
correction replacing an earlier file in the same run, and a rejected file.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.intake import disputes_file
from reportflow import contract
from reportflow.crash import CRASH_ENV, GROW_ENV, STEPS
from reportflow.intake import pipeline
from reportflow.warehouse import connect

D_HEAD = "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期\r\n"
O_HEAD = "活动编号,镇街代码,活动日期,形式,主题,受众人数,方言宣讲\r\n"


@dataclass(frozen=True)
class Upload:
    county: str
    name: str
    data: bytes
    accepted: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _uploads() -> list[Upload]:
    """Processed in this order: county folders by code, files in the order written (one run
    sees them all at once, so the first sighting ties and the ctime decides)."""
    big = disputes_file(25_000)
    assert len(big) >= pipeline.BULK_MIN_BYTES
    first = D_HEAD + "A1,440803001,2026-10-05,邻里纠纷,其他,调解中,\r\n"
    corrected = first + "A2,440803002,2026-10-06,其他,其他,移交,2026-10-09\r\n"
    return [
        Upload("440802", "disputes_2026-10.csv", big, True),
        Upload(
            "440802",
            "outreach_2026-10.csv",
            (O_HEAD + "X1,440802001,2026-10-01,其他,夜话,30,是\r\n").encode(),
            True,
        ),
        Upload("440803", "矛盾纠纷_202610.csv", first.encode(), True),
        Upload("440803", "disputes_2026-10.csv", corrected.encode(), True),
        Upload(
            "440804",
            "disputes_2026-10.csv",
            (D_HEAD + "B1,440802001,2026-10-05,其他,其他,调解中,\r\n").encode("gb18030"),
            False,
        ),
    ]


UPLOADS = _uploads()


def _drop_all(home: Path, uploads: list[Upload]) -> None:
    for upload in uploads:
        folder = home / "drop" / upload.county
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / upload.name
        path.write_bytes(upload.data)


def _run_ingest(
    home: Path, crash_at: str | None = None, grow_at: str | None = None
) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(
        REPORTFLOW_HOME=str(home),
        REPORTFLOW_STABLE_SECONDS="0",
        REPORTFLOW_LOCK_TIMEOUT_SECONDS="60",
    )
    env.pop(CRASH_ENV, None)
    env.pop(GROW_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    if grow_at:
        env[GROW_ENV] = grow_at
    return subprocess.run(
        [sys.executable, "-m", "reportflow.cli", "ingest"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _places(home: Path, upload: Upload) -> list[str]:
    """Every place among drop/, work/, archive/, quarantine/ holding this upload's bytes."""
    found = []
    for area in ("drop", "work", "archive", "quarantine"):
        for path in (home / area).rglob("*"):
            ours = path.is_file() and not path.is_symlink() and path.suffix != ".json"
            same = ours and path.stat().st_size == len(upload.data)
            if same and path.read_bytes() == upload.data:
                found.append(area)
    return found


def _digest(rows: list[tuple]) -> tuple[int, str]:
    """Order-independent digest of a table's rows (and their count, for readable failures)."""
    lines = sorted(repr(row) for row in rows)
    return len(rows), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def warehouse_state(home: Path) -> dict[str, tuple[int, str]]:
    """Digest of every raw table and of the submission log, without ids and processing times.

    A submission's ``superseded_by`` (an id) is replaced by the sha256 of the file that
    superseded it; ``received_at`` (the clock of the run that first saw the upload) and
    ``archived_as`` (stamped with it) are left out.
    """
    with connect(home / "warehouse" / "reportflow.duckdb", read_only=True) as con:
        state = {
            form.raw_table: _digest(
                con.execute(f"select * exclude (submission_id) from {form.raw_table}").fetchall()
            )
            for form in contract.forms().values()
        }
        state["raw.submissions"] = _digest(
            con.execute(
                "select s.county_code, s.form, s.period, s.file_name, s.sha256, s.size_bytes, "
                "s.row_count, s.status, s.reasons, s.error_count, s.replaced_earlier, "
                "later.sha256 "
                "from raw.submissions s "
                "left join raw.submissions later on later.submission_id = s.superseded_by"
            ).fetchall()
        )
    return state


def _assert_all_or_nothing(home: Path) -> None:
    """Every row belongs to a logged accepted file, and each such file has all its rows."""
    path = home / "warehouse" / "reportflow.duckdb"
    if not path.exists():
        return
    with connect(path, read_only=True) as con:
        logged = dict(
            con.execute(
                "select submission_id, row_count from raw.submissions "
                "where status = 'accepted' and superseded_by is null"
            ).fetchall()
        )
        for form in contract.forms().values():
            counts = dict(
                con.execute(
                    f"select submission_id, count(*) from {form.raw_table} group by all"
                ).fetchall()
            )
            for submission_id, count in counts.items():
                assert submission_id in logged, f"{form.key}: rows of an unlogged file"
                assert count == logged[submission_id], f"{form.key}: {count} rows of a file"


@pytest.fixture(scope="module")
def clean_state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    home = tmp_path_factory.mktemp("clean")
    _drop_all(home, UPLOADS)
    done = _run_ingest(home)
    assert done.returncode == 4, done.stderr  # 4: done, some files rejected
    state = warehouse_state(home)
    assert state["raw.disputes"][0] == 25_000 + 2 and state["raw.submissions"][0] == 5
    return state


@pytest.mark.parametrize(
    "crash_at",
    [
        "before_claim:1",  # the big file found stable, not yet read
        "after_claim:1",  # the big file copied into work/, nothing checked yet
        "after_claim:4",  # the correction copied into work/, three files done
        "mid_check:2",  # a small file about to be checked
        "mid_load:1",  # inside the transaction of the big file (bulk path), rows inserted
        "mid_load:2",  # inside the transaction of a small file (exact path)
        "mid_load:4",  # inside the correction's transaction (superseding the earlier file)
        "after_commit:1",  # committed, no receipt, file still in work/
        "after_commit:5",  # the rejected file logged, not yet quarantined
        "after_receipt:2",  # receipt written, file not yet archived
        "after_receipt:5",  # rejection receipt written, file not yet quarantined
        "after_archive:1",  # archived, claim not yet forgotten
        "after_archive:5",  # quarantined, claim not yet forgotten
    ],
)
def test_killed_at_any_step_a_rerun_converges_to_the_clean_state(
    tmp_path: Path, clean_state: dict[str, tuple[int, str]], crash_at: str
) -> None:
    _drop_all(tmp_path, UPLOADS)

    crashed = _run_ingest(tmp_path, crash_at)

    assert crashed.returncode == -signal.SIGKILL, (crashed.returncode, crashed.stderr)
    for upload in UPLOADS:
        found = _places(tmp_path, upload)
        assert len(found) == len(set(found)) and not {"archive", "quarantine"} <= set(found)
        assert "drop" in found or found in (["archive"], ["quarantine"]), (upload.name, found)
    _assert_all_or_nothing(tmp_path)

    rerun = _run_ingest(tmp_path)

    assert rerun.returncode in (0, 4), rerun.stderr
    assert warehouse_state(tmp_path) == clean_state
    assert not [p for p in (tmp_path / "work").iterdir() if p.name != "arrivals"]
    for upload in UPLOADS:
        assert _places(tmp_path, upload) == ["archive" if upload.accepted else "quarantine"]
        stem = upload.name.rsplit(".", 1)[0]
        receipts = tmp_path / "drop" / upload.county / "回执"
        assert {p.name for p in receipts.glob(f"{stem}.回执.*")} == {
            f"{stem}.回执.txt",
            f"{stem}.回执.html",
        }


def test_two_runs_started_at_once_load_every_file_exactly_once(tmp_path: Path) -> None:
    """Both runs see the same files; one takes the warehouse lock and claims them, the
    other waits for the lock, looks again and finds nothing left to do."""
    uploads = list(UPLOADS)
    for county in ("440811", "440823", "440825", "440881", "440882", "440883", "440871"):
        town = next(t.code for t in contract.towns().values() if t.county_code == county)
        body = D_HEAD + "".join(
            f"{county}-{i},{town},2026-10-0{i % 9 + 1},其他,其他,调解中,\r\n" for i in range(40)
        )
        uploads.append(Upload(county, "disputes_2026-10.csv", body.encode(), True))
    _drop_all(tmp_path, uploads)
    env = dict(
        os.environ,
        REPORTFLOW_HOME=str(tmp_path),
        REPORTFLOW_STABLE_SECONDS="0",
        REPORTFLOW_LOCK_TIMEOUT_SECONDS="60",
    )
    env.pop(CRASH_ENV, None)
    command = [sys.executable, "-m", "reportflow.cli", "ingest"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in "ab"]
    outputs = [run.communicate(timeout=120)[0] for run in runs]

    assert sorted(run.returncode for run in runs) in ([0, 4], [4, 4]), outputs
    for upload in uploads:
        assert _places(tmp_path, upload) == ["archive" if upload.accepted else "quarantine"]
    with connect(tmp_path / "warehouse" / "reportflow.duckdb", read_only=True) as con:
        per_file = con.execute(
            "select sha256, count(*) from raw.submissions group by sha256"
        ).fetchall()
        cases = con.execute(
            "select county_code, case_id, count(*) from raw.disputes "
            "group by all having count(*) > 1"
        ).fetchall()
        rows = dict(
            con.execute("select county_code, count(*) from raw.disputes group by all").fetchall()
        )
    assert sorted(per_file) == sorted((u.sha256, 1) for u in uploads)  # one log row per file
    assert cases == []  # no case loaded twice
    assert rows == {"440802": 25_000, "440803": 2} | {u.county: 40 for u in uploads[5:]}
    processed = [line for out in outputs for line in out.splitlines() if "440" in line]
    assert len(processed) == len(uploads)  # every file handled by exactly one of the runs


@pytest.mark.parametrize("step", STEPS)
def test_a_file_growing_during_any_step_ends_loaded_whole(tmp_path: Path, step: str) -> None:
    """A copy that stalled long enough to look finished goes on while intake processes it:
    whatever the step, nothing partial is ever current, and once the file is stable all of
    it is loaded, archived byte for byte and described by its receipt."""
    rows = [f"G{i},440802001,2026-10-05,其他,其他,调解中,\r\n" for i in range(100)]
    first, rest = (D_HEAD + "".join(rows[:51])).encode(), "".join(rows[51:]).encode()
    folder = tmp_path / "drop" / "440802"
    folder.mkdir(parents=True)
    upload = folder / "disputes_2026-10.csv"
    upload.write_bytes(first)
    extra = tmp_path / "rest.bin"
    extra.write_bytes(rest)

    grown = _run_ingest(tmp_path, grow_at=f"{step}:{upload}:{extra}")
    assert grown.returncode == 0, grown.stderr
    assert not upload.exists() or upload.read_bytes() == first + rest
    _assert_all_or_nothing(tmp_path)
    with connect(tmp_path / "warehouse" / "reportflow.duckdb", read_only=True) as con:
        logged = [n for (n,) in con.execute("select row_count from raw.submissions").fetchall()]
    # Grown before it was read: loaded whole at once. Grown after it was read but before the
    # commit: nothing is logged or loaded in this cycle. Grown after the commit: the 51 rows
    # read are what was loaded and archived, and the upload stays for the next cycle.
    before_read, after_commit = STEPS.index("after_claim"), STEPS.index("after_commit")
    position = STEPS.index(step)
    expected = [100] if position < before_read else [] if position < after_commit else [51]
    assert logged == expected
    for _ in range(2):  # the next cycle(s) take the file whole once it is stable
        if upload.exists():
            assert _run_ingest(tmp_path).returncode == 0

    assert not upload.exists()
    with connect(tmp_path / "warehouse" / "reportflow.duckdb", read_only=True) as con:
        [(sid, sha, count, archived)] = con.execute(
            "select submission_id, sha256, row_count, archived_as from raw.submissions "
            "where status = 'accepted' and superseded_by is null"
        ).fetchall()
        loaded = con.execute(
            "select count(*), count(distinct case_id) from raw.disputes where submission_id = ?",
            [sid],
        ).fetchall()
    whole = first + rest
    assert count == 100 and loaded == [(100, 100)]
    assert (tmp_path / archived).read_bytes() == whole
    assert sha == hashlib.sha256(whole).hexdigest()
    receipt = (folder / "回执" / "disputes_2026-10.回执.txt").read_text(encoding="utf-8-sig")
    assert sha in receipt and "导入行数：100 行" in receipt
    assert not [p for p in (tmp_path / "work").iterdir() if p.name != "arrivals"]


def test_a_file_written_by_another_process_while_ingest_runs_ends_loaded_whole(
    tmp_path: Path,
) -> None:
    """A real writer process appends to an upload, row by row, while ingest runs again and
    again (every file looks stable at once: stable_seconds 0). Runs may load nothing or a
    part that is then replaced, but once the writer is done and one more run has passed,
    the warehouse holds every row, and the archived copy of the current file is its bytes."""
    folder = tmp_path / "drop" / "440802"
    folder.mkdir(parents=True)
    upload = folder / "disputes_2026-10.csv"
    upload.write_bytes(D_HEAD.encode())
    rows = 400
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "with open(sys.argv[1], 'ab', buffering=0) as f:\n"
            "    for i in range(int(sys.argv[2])):\n"
            "        f.write(f'W{i},440802001,2026-10-05,其他,其他,调解中,\\r\\n'.encode())\n"
            "        time.sleep(0.005)\n",
            str(upload),
            str(rows),
        ]
    )
    runs = 0
    while writer.poll() is None:
        assert _run_ingest(tmp_path).returncode in (0, 4)
        runs += 1
    assert writer.wait() == 0
    while upload.exists():
        assert _run_ingest(tmp_path).returncode == 0
    whole = D_HEAD.encode() + b"".join(
        f"W{i},440802001,2026-10-05,其他,其他,调解中,\r\n".encode() for i in range(rows)
    )
    with connect(tmp_path / "warehouse" / "reportflow.duckdb", read_only=True) as con:
        [(sha, count, archived)] = con.execute(
            "select sha256, row_count, archived_as from raw.submissions "
            "where status = 'accepted' and superseded_by is null"
        ).fetchall()
        loaded = con.execute("select count(*) from raw.disputes").fetchall()[0][0]
    assert runs >= 1 and count == rows == loaded
    assert (tmp_path / archived).read_bytes() == whole
    assert sha == hashlib.sha256(whole).hexdigest()
    _assert_all_or_nothing(tmp_path)
