"""The Parquet snapshot swaps as one unit, even when the exporting process is SIGKILLed.

Why: publishing reads the snapshot while a build may be writing the next one. Before
versioning, a kill between two renames left four old tables beside one new one, and a bulletin
and its ``indicators.csv`` disagreed. Now the tables go into a hidden staging folder, the
folder is renamed to its version, and one pointer file is switched. These tests start a real
``export_snapshot`` in a child process and kill it with SIGKILL at each file of the set (after
each table, after the folder rename, after the pointer's temporary file is written): readers
must see every table of the old version, and the next export must finish the job and remove
every leftover.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from reportflow import transform
from reportflow.config import Settings
from reportflow.crash import CRASH_ENV

KILL_POINTS = [
    *(f"snapshot_table:{n}" for n in range(1, len(transform.SNAPSHOT_TABLES) + 1)),
    "snapshot_staged",
    "snapshot_pointer_written",
]


def _write_marts(settings: Settings, generation: int) -> None:
    """Every snapshot table with one row naming its generation."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema if not exists marts")
        for table in transform.SNAPSHOT_TABLES:
            con.execute(f"create or replace table marts.{table} as select {generation} as gen")


def _generations(settings: Settings) -> dict[str, int]:
    """What a reader sees: the generation of each table in the current snapshot folder."""
    folder = settings.snapshot_dir
    return {
        table: duckdb.sql(f"select gen from read_parquet('{folder / table}.parquet')").fetchall()[
            0
        ][0]
        for table in transform.SNAPSHOT_TABLES
    }


def _export_killed_at(settings: Settings, point: str) -> None:
    """Run export_snapshot in a child process that SIGKILLs itself at ``point``."""
    code = (
        "from reportflow.config import load_settings\n"
        "from reportflow.transform import export_snapshot\n"
        "export_snapshot(load_settings())\n"
    )
    environment = {**os.environ, "REPORTFLOW_HOME": str(settings.home), CRASH_ENV: point}
    completed = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    assert completed.returncode == -signal.SIGKILL, completed.stderr


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_during_export_leaves_the_old_set_whole_and_the_next_run_cleans_up(
    tmp_path: Path, point: str
) -> None:
    settings = Settings(home=tmp_path)
    _write_marts(settings, generation=1)
    transform.export_snapshot(settings)
    first = transform.current_snapshot_version(settings)
    _write_marts(settings, generation=2)

    _export_killed_at(settings, point)

    assert transform.current_snapshot_version(settings) == first
    assert set(_generations(settings).values()) == {1}
    leftovers = [
        p.name for p in settings.snapshot_root.iterdir() if p.name not in {"CURRENT", first}
    ]
    assert leftovers, "the kill should have left something behind for the next run"

    transform.export_snapshot(settings)
    second = transform.current_snapshot_version(settings)
    assert second != first
    assert set(_generations(settings).values()) == {2}
    assert sorted(p.name for p in settings.snapshot_root.iterdir()) == ["CURRENT", first, second]
    assert not [p for p in settings.snapshot_root.rglob("*") if p.name.startswith(".")]


def test_only_the_current_and_previous_versions_are_kept(tmp_path: Path) -> None:
    """A reader that read the pointer just before a switch can finish; older versions go."""
    settings = Settings(home=tmp_path)
    versions = []
    for generation in (1, 2, 3):
        _write_marts(settings, generation)
        transform.export_snapshot(settings)
        versions.append(transform.current_snapshot_version(settings))
    transform.clean_snapshot_leftovers(settings)
    assert sorted(p.name for p in settings.snapshot_root.iterdir()) == ["CURRENT", *versions[1:]]
    assert set(_generations(settings).values()) == {3}


def test_the_gate_reads_only_the_verdict_of_the_current_version(tmp_path: Path) -> None:
    """A verdict approves the version it sits in: a newer version without one is refused."""
    from reportflow.pipeline import GateClosed, publication_gate
    from reportflow.quality.history import SNAPSHOT_FILE, export_verdicts

    settings = Settings(home=tmp_path)
    _write_marts(settings, generation=1)
    checked = transform.stage_snapshot(settings)
    export_verdicts(settings.snapshot_root / checked, [])
    transform.switch_snapshot(settings, checked)
    _write_marts(settings, generation=2)
    transform.export_snapshot(settings)  # a new version that no quality run has judged

    assert (settings.snapshot_root / checked / SNAPSHOT_FILE).is_file()
    with pytest.raises(GateClosed, match="no quality check"):
        publication_gate("2026-10", settings)
