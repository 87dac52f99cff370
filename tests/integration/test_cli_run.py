"""``reportflow run`` on a fresh data home: the exported indicators equal the reference's.

The demo's files (with their arrivals replayed into intake's log) are generated into a data
home that was never initialised, as a checker with its own submissions would drop them; the
expected values come from tests/reference.py, which reads copies of the same files, told when
each arrived, without any of reportflow's intake or dbt code.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from reportflow.config import Settings
from reportflow.demo_data import generate_demo_data
from tests.reference import expected_export, read_export
from tests.reportflow_cli import run_reportflow

PERIOD = "2026-10"


def test_run_on_a_fresh_home_matches_the_reference(tmp_path: Path) -> None:
    home = tmp_path / "home"
    staged = tmp_path / "staged"
    demo = generate_demo_data(
        Settings(home=home), end_period=PERIOD, months=13, now=datetime(2026, 11, 20, tzinfo=UTC)
    )
    shutil.copytree(demo.drop_dir, staged)
    arrivals = {staged / p.relative_to(demo.drop_dir): t for p, t in demo.arrivals().items()}
    rejected = [staged / p.relative_to(demo.drop_dir) for p in demo.rejected_paths()]

    result = run_reportflow(home, "run", "--period", PERIOD)
    assert result.returncode == 4, result.stderr  # done, with the demo's bad files rejected
    assert "Traceback" not in result.stderr

    exported = read_export(home / "bulletins" / PERIOD / "indicators.csv")
    expected = expected_export(staged, PERIOD, arrivals=arrivals, rejected=rejected)
    assert len(exported) == 11 * 39
    assert {k: exported.get(k) for k in expected if exported.get(k) != expected[k]} == {}
    assert (home / "bulletins" / PERIOD / f"湛江市党建指导员工作月报_{PERIOD}.pdf").stat().st_size
