"""A big disputes file loads exactly through the bulk path; its speed is measured elsewhere.

Speed is judged by ``make bench`` (``benchmarks.intake`` prints rows/s against DuckDB's
bare ``read_csv`` and the peak memory of a 1,000,000-row file), never asserted here: a timed
test fails on a busy machine and passes on a fast one without saying anything about the code.
These tests check what must hold at any size: every row loaded, in its Excel row, with the
same values the exact Python path stores, across DuckDB row groups (122,880 rows each).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.intake import _child_floor, _prepared_home, disputes_file
from reportflow.config import Settings
from reportflow.intake import ingest, pipeline
from reportflow.warehouse import connect

NOW = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
ROWS = 200_000


def _ingest(home: Path, data: bytes) -> list[tuple]:
    settings = Settings(home=home, stable_seconds=0)
    folder = settings.drop_dir / "440802"
    folder.mkdir(parents=True)
    (folder / "disputes_2026-10.csv").write_bytes(data)
    report = ingest(settings, now=NOW)
    [result] = report.results
    assert result.status == "accepted", [p.as_text() for p in result.errors[:3]]
    assert result.row_count == ROWS
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(
            "select * exclude (submission_id) from raw.disputes order by source_row"
        ).fetchall()


@pytest.fixture(scope="module")
def exact_rows(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """The rows the exact Python path stores for the UTF-8 file (the reference)."""
    old = pipeline.BULK_MIN_BYTES
    pipeline.BULK_MIN_BYTES = sys.maxsize
    try:
        return _ingest(tmp_path_factory.mktemp("exact"), disputes_file(ROWS))
    finally:
        pipeline.BULK_MIN_BYTES = old


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_big_file_loads_exactly_like_the_exact_path(
    tmp_path: Path, exact_rows: list[tuple], encoding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = []
    real = pipeline.stage_bulk
    monkeypatch.setattr(
        pipeline, "stage_bulk", lambda *a, **k: staged.append(real(*a, **k)) or staged[-1]
    )
    data = disputes_file(ROWS).decode("utf-8").encode(encoding)
    assert len(data) >= pipeline.BULK_MIN_BYTES

    rows = _ingest(tmp_path, data)

    assert len(staged) == 1 and staged[0] is not None, "the bulk path was not taken"
    assert len(rows) == ROWS
    assert [r[2] for r in rows] == list(range(2, ROWS + 2))  # source_row: Excel row numbers
    assert all(int(r[3]) == r[2] - 2 for r in rows)  # case id i is on Excel row i + 2
    assert rows == exact_rows
    assert [p.name for p in (tmp_path / "work").iterdir()] == ["arrivals"]  # no scratch copy


@pytest.mark.parametrize("passes", ["one", "two"])
def test_benchmark_floors_load_what_ingest_loads(
    tmp_path: Path, exact_rows: list[tuple], passes: str
) -> None:
    """``make bench`` compares ingest with two floors; they must load the very rows ingest
    stores (two passes: in their Excel rows too), or the comparison would flatter intake."""
    source = tmp_path / "disputes_2026-10.csv"
    source.write_bytes(disputes_file(ROWS))
    home = tmp_path / "home"
    _prepared_home(home)

    figures = _child_floor(source, home, passes)

    assert figures["rows"] == ROWS
    with connect(Settings(home=home).warehouse_path, read_only=True) as con:
        rows = con.execute(
            "select * exclude (submission_id) from raw.disputes order by source_row, case_id"
        ).fetchall()
    if passes == "one":  # no row numbers: the same rows in any order
        assert {r[2] for r in rows} == {0}
        assert sorted(r[3:] for r in rows) == sorted(r[3:] for r in exact_rows)
    else:
        assert rows == exact_rows
