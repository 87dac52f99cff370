"""``make bench`` (Airflow part): the build through Airflow beside the CLI, and DAG parse time.

Why: the DAG must not cost much more than the command line for the same work (goal: the
``build_indicators`` run at most 1.5× ``reportflow build`` on the same data), dbt should cost
little more than its own SQL (goal: ``reportflow build`` at most 3× the compiled SQL replayed
in one DuckDB process), and the DAG folder must parse in under 2 s. Figures are printed, never
asserted. Every command runs as its own process, as an operator would start it, on its own
copy of one prepared data home.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from reportflow.config import PROJECT_ROOT, Settings

#: Parses the DAG folder the way the DAG processor does (Airflow already imported) and prints
#: the seconds the DagBag took.
_PARSE_SCRIPT = """
import time
from airflow.dag_processing.dagbag import DagBag
start = time.perf_counter()
bag = DagBag(dag_folder={folder!r})
assert not bag.import_errors, bag.import_errors
print(time.perf_counter() - start)
"""


@dataclass(frozen=True)
class BuildComparison:
    """Wall times of the same build through the CLI and through ``airflow dags test``."""

    cli_seconds: float
    dag_seconds: float
    dbt_seconds: float
    replay_seconds: float
    replay_failed: int

    @property
    def dag_ratio(self) -> float:
        return self.dag_seconds / self.cli_seconds

    @property
    def cli_replay_ratio(self) -> float:
        return self.cli_seconds / self.replay_seconds

    @property
    def dbt_replay_ratio(self) -> float:
        return self.dbt_seconds / self.replay_seconds


def _timed_command(settings: Settings, command: list[str], log_name: str) -> float:
    """Run one command with the data home's environment; its output goes to a log file."""
    from reportflow.orchestration.local import airflow_environment

    log = settings.home / log_name
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        completed = subprocess.run(
            command,
            env={**airflow_environment(settings), "REPORTFLOW_STABLE_SECONDS": "0"},
            cwd=PROJECT_ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed; see {log}")
    return seconds


def _dbt_elapsed(settings: Settings) -> float:
    """dbt's own wall time of its last build, from run_results.json."""
    import json

    results = settings.dbt_target_dir / "run_results.json"
    return float(json.loads(results.read_text(encoding="utf-8"))["elapsed_time"])


def compare_builds(prepared: Path, workspace: Path) -> BuildComparison:
    """Copy the prepared (ingested) data home twice; build one with the CLI, one with Airflow.

    The Airflow metadata database and pool are set up first and not timed: an operator does
    that once. The replay of dbt's compiled SQL uses the CLI build's results.
    """
    from benchmarks.dbt_scale import replay_compiled_sql
    from reportflow.orchestration.local import prepare_airflow

    bin_dir = Path(sys.executable).parent
    cli = Settings(home=workspace / "cli")
    dag = Settings(home=workspace / "dag")
    for settings in (cli, dag):
        shutil.copytree(prepared, settings.home)
    prepare_airflow(dag)
    cli_seconds = _timed_command(cli, [str(bin_dir / "reportflow"), "build"], "build.log")
    dag_seconds = _timed_command(
        dag, [str(bin_dir / "airflow"), "dags", "test", "build_indicators"], "dags-test.log"
    )
    replay, _statements, failed = replay_compiled_sql(cli.dbt_target_dir, cli.warehouse_path)
    return BuildComparison(cli_seconds, dag_seconds, _dbt_elapsed(cli), replay, failed)


def parse_seconds(settings: Settings) -> float:
    """Seconds the DagBag takes to parse the DAG folder in a fresh process (Airflow imported)."""
    from reportflow.orchestration.local import airflow_environment

    script = _PARSE_SCRIPT.format(folder=str(PROJECT_ROOT / "dags"))
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env={**airflow_environment(settings), "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(completed.stdout.strip().splitlines()[-1])


def print_airflow_benchmark(prepared: Path, workspace: Path) -> None:
    """Print the DAG-vs-CLI and dbt-vs-SQL ratios, and the DAG folder's parse time."""
    comparison = compare_builds(prepared, workspace)
    print("build through Airflow beside the CLI, same data (demo)")
    print(f"  reportflow build                         {comparison.cli_seconds:8.2f} s")
    print(
        f"  airflow dags test build_indicators       {comparison.dag_seconds:8.2f} s"
        f"  {comparison.dag_ratio:.2f}× the CLI (goal ≤ 1.5×)"
    )
    print(f"  dbt build inside it (dbt's elapsed)      {comparison.dbt_seconds:8.2f} s")
    print(
        f"  its compiled SQL replayed in one DuckDB  {comparison.replay_seconds:8.2f} s"
        f"  ({comparison.replay_failed} statements failed)"
    )
    print(
        f"  reportflow build / replayed SQL          {comparison.cli_replay_ratio:8.2f}×"
        " (goal ≤ 3×)"
    )
    print(f"  dbt build / replayed SQL                 {comparison.dbt_replay_ratio:8.2f}×")
    parse = parse_seconds(Settings(home=workspace / "dag"))
    print(f"  DAG folder parse (DagBag, Airflow loaded) {parse:7.2f} s (goal < 2 s)")
