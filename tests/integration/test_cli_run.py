"""``reportflow run`` on a fresh data home: the exported indicators equal the reference's.

The files are dropped into county folders of a data home that was never initialised, as a
checker with its own submissions would do; the expected values come from tests/reference.py,
which reads the same files without any of reportflow's intake or dbt code.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from reportflow.demo_data import generate_demo_data
from tests.reference import expected_export, read_export

PERIOD = "2026-10"


def test_run_on_a_fresh_home_matches_the_reference(tmp_path: Path) -> None:
    home = tmp_path / "home"
    staged = tmp_path / "staged"
    demo = generate_demo_data(
        staged, end_period=PERIOD, months=13, now=datetime(2026, 11, 20, tzinfo=UTC)
    )
    shutil.copytree(staged, home / "drop", copy_function=shutil.copy2)

    result = subprocess.run(
        [str(Path(sys.executable).parent / "reportflow"), "run", "--period", PERIOD],
        capture_output=True,
        text=True,
        env={
            "REPORTFLOW_HOME": str(home),
            "REPORTFLOW_STABLE_SECONDS": "0",
            "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        },
        timeout=900,
    )
    assert result.returncode == 4, result.stderr  # done, with the demo's bad files rejected
    assert "Traceback" not in result.stderr

    exported = read_export(home / "bulletins" / PERIOD / "indicators.csv")
    expected = expected_export(staged, PERIOD, rejected=demo.rejected_paths())
    assert len(exported) == 11 * 39
    assert {k: exported.get(k) for k in expected if exported.get(k) != expected[k]} == {}
    assert (home / "bulletins" / PERIOD / f"湛江市党建指导员工作月报_{PERIOD}.pdf").stat().st_size
