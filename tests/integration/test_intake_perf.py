"""Throughput: a big disputes file is validated and loaded in one pass, well within a minute.

The 1,000,000-row case (the contract's row limit, inside its 50 MB limit as Excel on Chinese
Windows would save it: GB18030) runs only with ``REPORTFLOW_PERF=1``; a 100,000-row case runs
always, as a guard against accidental per-row slowness.
"""

from __future__ import annotations

import dataclasses
import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reportflow.config import Settings
from reportflow.intake import Limits, ingest, pipeline
from reportflow.warehouse import connect

NOW = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
HEADER = "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期"
TOWNS = ["440802001", "440802002", "440802003", "440802004", "440802005", "440802006"]
CATEGORIES = ["邻里纠纷", "婚姻家庭", "土地山林", "劳资纠纷", "合同债务", "其他"]
MEDIATORS = ["五老调解工作室", "村(社区)调委会", "镇(街)调委会", "党建指导员", "其他"]
CLOSED = ["调解成功", "调解不成", "移交"]


def disputes_file(rows: int, *, compact: bool = False, seed: int = 7) -> bytes:
    """A disputes file in GB18030, a third of the cases still open.

    ``compact`` uses only the shortest options, so that 1,000,000 rows fit in 50 MB (a
    realistic mix of options needs about 62 MB for that many rows).
    """
    rng = random.Random(seed)
    categories = ["其他", "land"] if compact else CATEGORIES
    mediators = ["其他", "other"] if compact else MEDIATORS
    closed_states = ["移交"] if compact else CLOSED
    lines = [HEADER]
    for i in range(rows):
        day = rng.randint(1, 27)
        if rng.random() < (0.8 if compact else 0.34):
            status, closed = "调解中", ""
        else:
            status, closed = rng.choice(closed_states), f"2026/10/{day + rng.randint(0, 3)}"
        lines.append(
            f"{i},{rng.choice(TOWNS)},2026/10/{day},{rng.choice(categories)},"
            f"{rng.choice(mediators)},{status},{closed}"
        )
    return ("\n".join(lines) + "\n").encode("gb18030")


def _ingest_timed(tmp_path: Path, data: bytes) -> tuple[float, int]:
    settings = Settings(home=tmp_path, stable_seconds=0)
    folder = settings.drop_dir / "440802"
    folder.mkdir(parents=True)
    (folder / "disputes_2026-10.csv").write_bytes(data)
    started = time.perf_counter()
    report = ingest(settings, now=NOW)
    elapsed = time.perf_counter() - started
    assert [r.status for r in report.results] == ["accepted"], report.results[0].errors[:3]
    with connect(settings.warehouse_path, read_only=True) as con:
        count = con.execute("select count(*) from raw.disputes").fetchall()[0][0]
    return elapsed, count


def test_hundred_thousand_rows(tmp_path: Path) -> None:
    elapsed, count = _ingest_timed(tmp_path, disputes_file(100_000))
    assert count == 100_000
    assert elapsed < 20, f"100k rows took {elapsed:.1f} s"


@pytest.mark.skipif(os.environ.get("REPORTFLOW_PERF") != "1", reason="set REPORTFLOW_PERF=1")
def test_one_million_rows_within_the_contract_limits(tmp_path: Path) -> None:
    data = disputes_file(1_000_000, compact=True)
    assert len(data) <= Limits.from_contract().max_bytes, len(data)
    elapsed, count = _ingest_timed(tmp_path, data)
    print(f"\n1,000,000 rows, {len(data) / 1024 / 1024:.1f} MB: {elapsed:.1f} s")
    assert count == 1_000_000
    assert elapsed < 60


@pytest.mark.skipif(os.environ.get("REPORTFLOW_PERF") != "1", reason="set REPORTFLOW_PERF=1")
def test_one_million_realistic_rows_with_the_size_limit_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = disputes_file(1_000_000)
    limits = dataclasses.replace(Limits.from_contract(), max_bytes=100 * 1024 * 1024)
    monkeypatch.setattr(pipeline, "current_limits", lambda: limits)
    elapsed, count = _ingest_timed(tmp_path, data)
    print(f"\n1,000,000 realistic rows, {len(data) / 1024 / 1024:.1f} MB: {elapsed:.1f} s")
    assert count == 1_000_000
    assert elapsed < 60
