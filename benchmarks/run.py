"""``make bench``: wall time of each stage of one demo run, on a fresh temporary data home.

Figures are printed, never asserted: speed goals are judged by reading them.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from reportflow.config import Settings
from reportflow.periods import Period


@contextmanager
def _timed(label: str, figures: list[tuple[str, float, str]], note: Callable[[], str]):
    start = time.perf_counter()
    yield
    figures.append((label, time.perf_counter() - start, note()))


def _count_rows(settings: Settings) -> int:
    from reportflow.contract import forms
    from reportflow.warehouse import connect

    with connect(settings.warehouse_path, read_only=True) as con:
        return sum(
            con.execute(f"select count(*) from {form.raw_table}").fetchone()[0]
            for form in forms().values()
        )


def bench_demo_run(
    home: Path, period: str, ingested_copy: Path | None = None
) -> list[tuple[str, float, str]]:
    """Run every stage once, as the CLI does, and time each.

    With ``ingested_copy``, the data home is copied there right after ingest, so the build can
    be timed again elsewhere on exactly the same data.
    """
    from reportflow import pipeline
    from reportflow.demo_data import generate_demo_data

    settings = Settings(home=home, stable_seconds=0)
    figures: list[tuple[str, float, str]] = []
    with _timed("init (dirs, templates, dbt parse)", figures, lambda: ""):
        pipeline.initialise_home(settings)
    files: list = []
    with _timed("demo data generation", figures, lambda: f"{len(files)} files"):
        files.extend(generate_demo_data(settings, end_period=period).files)
    from benchmarks.quality import GX_CHECKS_LABEL, GX_IMPORT_LABEL
    from reportflow.intake import ingest
    from reportflow.quality.checks import gx_module

    # GX first, once, as the first task that needs it pays for it: the acceptance check is the
    # first user now, and the stage beside the hand-written query is timed without it.
    with _timed(GX_IMPORT_LABEL, figures, lambda: ""):
        gx_module()
    accepted: list = []
    with _timed("ingest (intake)", figures, lambda: f"{_count_rows(settings):,} raw rows"):
        accepted.extend(ingest(settings).accepted)
    with _timed("acceptance check (raw suites)", figures, lambda: f"{len(accepted)} files"):
        pipeline.check_accepted_once(accepted, settings)
    if ingested_copy is not None:
        shutil.copytree(home, ingested_copy)
    from reportflow.transform import build

    with _timed("dbt build", figures, lambda: ""):
        build(settings)
    versions: list[str] = []
    with _timed("snapshot export (staged)", figures, lambda: ""):
        versions.append(pipeline.stage_snapshot_once(settings))
    with _timed(GX_CHECKS_LABEL, figures, lambda: ""):
        pipeline.check_quality_once(versions[0], settings)
    with _timed("snapshot switch", figures, lambda: ""):
        pipeline.switch_snapshot_once(versions[0], settings)
    with _timed("dbt docs generate (on demand)", figures, lambda: ""):
        pipeline.publish_docs_once(settings)
    with _timed("publish (11 bulletins HTML+PDF, csv)", figures, lambda: ""):
        pipeline.publish_once(period, settings)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--period", default=Period.reporting().key)
    args = parser.parse_args()
    from benchmarks.bulletin import print_bulletin_benchmark
    from benchmarks.dags import print_airflow_benchmark
    from benchmarks.quality import quality_comparison

    with tempfile.TemporaryDirectory(prefix="reportflow-bench-") as tmp:
        run_home = Path(tmp) / "run"
        figures = bench_demo_run(run_home, args.period, Path(tmp) / "ingested")
        quality_lines = quality_comparison(Settings(home=run_home, stable_seconds=0), figures)
        total = sum(seconds for _, seconds, _ in figures)
        print(f"one demo run, period {args.period} (fresh data home)")
        for label, seconds, note in figures:
            print(f"  {label:<40} {seconds:8.2f} s  {note}")
        print(f"  {'total':<40} {total:8.2f} s")
        print("\n".join(quality_lines), flush=True)
        print_bulletin_benchmark(Settings(home=run_home, stable_seconds=0), args.period)
        print_airflow_benchmark(Path(tmp) / "ingested", Path(tmp) / "compare")
    from benchmarks.dbt_scale import print_scale_benchmark

    print_scale_benchmark()
    from benchmarks.intake import main as bench_intake

    bench_intake([])  # 1,000,000-row intake vs DuckDB's bare read_csv, memory, latency


if __name__ == "__main__":
    main()
