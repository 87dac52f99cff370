"""The command line as a data engineer meets it: help, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPORTFLOW = str(Path(sys.executable).parent / "reportflow")


def _run(
    *args: str, home: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [REPORTFLOW, *args],
        capture_output=True,
        text=True,
        env={
            "REPORTFLOW_HOME": str(home),
            "PATH": str(Path(sys.executable).parent),
            **(extra_env or {}),
        },
        timeout=300,
    )


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = _run("--help", home=tmp_path)
    assert result.returncode == 0
    for command in ("init", "demo-data", "ingest", "build", "publish", "run", "status", "quality"):
        assert command in result.stdout


def test_bad_period_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("publish", "--period", "2026-13", home=tmp_path)
    assert result.returncode == 2
    assert "YYYY-MM" in result.stderr
    assert "Traceback" not in result.stderr


def test_publish_before_any_build_is_one_clear_line(tmp_path: Path) -> None:
    result = _run("publish", "--period", "2026-10", home=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reportflow: error:")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("ingest",),
        ("build",),
        ("publish", "--period", "2026-10"),
        ("run", "--period", "2026-10"),
        ("status", "--period", "2026-10"),
    ],
)
def test_missing_home_stops_the_command_with_exit_code_2(tmp_path: Path, args: tuple) -> None:
    missing = tmp_path / "no-such-home"
    result = _run(*args, home=missing)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "REPORTFLOW_HOME" in lines[0] and "does not exist" in lines[0]
    assert not missing.exists()  # nothing was created or written on the way


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("REPORTFLOW_DEADLINE_DAY", "32", "whole number from 1 to 31"),
        ("REPORTFLOW_STABLE_SECONDS", "two", "number of seconds, 0 or more"),
        ("REPORTFLOW_LOCK_TIMEOUT_SECONDS", "-5", "number of seconds, 0 or more"),
    ],
)
def test_malformed_setting_stops_the_command_with_exit_code_2(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    result = _run("ingest", home=tmp_path, extra_env={name: value})
    assert result.returncode == 2, result.stderr
    assert f"{name}={value!r}" in result.stderr and expected in result.stderr
    assert "Traceback" not in result.stderr


def test_init_creates_a_missing_home(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    result = _run("init", home=home)
    assert result.returncode == 0, result.stderr
    assert (home / "drop").is_dir()


def test_locked_warehouse_gives_exit_code_3(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse" / "reportflow.duckdb"
    warehouse.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = subprocess.run(
            [REPORTFLOW, "build"],
            capture_output=True,
            text=True,
            env={
                "REPORTFLOW_HOME": str(tmp_path),
                "REPORTFLOW_LOCK_TIMEOUT_SECONDS": "1",
                "PATH": str(Path(sys.executable).parent),
            },
            timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stderr
    assert "locked" in result.stderr
    assert "Traceback" not in result.stderr
    duckdb.connect(str(warehouse)).close()


def test_demo_data_is_not_generated_twice_into_an_ingested_home(tmp_path: Path) -> None:
    env = {"REPORTFLOW_STABLE_SECONDS": "0"}
    assert (
        _run("demo-data", "--end-period", "2026-10", "--months", "2", home=tmp_path).returncode == 0
    )
    first = _run("ingest", home=tmp_path, extra_env=env)
    assert first.returncode == 4, first.stderr  # the demo's deliberately bad files
    again = _run("demo-data", "--end-period", "2026-10", "--months", "2", home=tmp_path)
    assert again.returncode == 0
    assert "already ingested" in again.stdout
    assert not [p for p in (tmp_path / "drop").glob("*/*.csv")]
    second = _run("ingest", home=tmp_path, extra_env=env)
    assert second.returncode == 0 and "0 accepted, 0 rejected" in second.stdout
