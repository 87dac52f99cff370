"""The scale benchmark on a tiny N: its synthetic data passes every dbt test, at demo volumes.

Timing is not asserted (that is for reading ``make bench``); this keeps the benchmark honest:
if the models or tests change so that the synthetic data no longer builds, or its volumes drift
away from a real county's, this fails instead of the benchmark silently measuring something else.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks import dbt_scale
from reportflow.config import Settings
from reportflow.transform import run_dbt

UNITS, MONTHS = 3, 14


def test_synthetic_data_builds_and_passes_every_test(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    project = dbt_scale.copy_project(tmp_path, UNITS)
    raw_rows, submissions = dbt_scale.generate_raw(
        settings.warehouse_path, UNITS, MONTHS, dbt_scale.DEFAULT_END_PERIOD
    )
    # about 350 rows per unit and month (demo_data's volumes), seven forms, ~1 % extra files
    assert 330 <= raw_rows / (UNITS * MONTHS) <= 380
    assert 0.97 <= submissions / (UNITS * MONTHS * 7) <= 1.03
    run_dbt(settings, ["build"], project_dir=project)  # raises on any failed model or test
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        facts = con.execute(
            "select count(*), count(value), count(distinct county_code) from marts.fct_indicators"
        ).fetchone()
        ytd = con.execute(
            "select max(value) from marts.fct_indicators"
            " where indicator = 'disputes_received_ytd' and county_code <> '440800'"
        ).fetchone()
    assert facts is not None and ytd is not None
    assert facts[0] == MONTHS * (UNITS + 1) * 39
    assert facts[1] > 0.9 * facts[0]  # nearly every figure present
    assert facts[2] == UNITS + 1
    assert ytd[0] > 1000  # twelve months of about 125 new cases each
