"""Bulletin figures for ``make bench``: each edition's render time and PDF size, the whole set.

Run on the data home of the demo run (real intake, dbt and snapshot). Printed, never asserted.
The whole set is timed twice: :func:`publish` in this process (parallel workers, imports
already loaded) and ``reportflow publish`` as a fresh CLI process, which is what an operator
waits for (interpreter start, imports, the quality gate and the archive page included).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from reportflow.config import Settings


def _megabytes(path: Path) -> str:
    return f"{path.stat().st_size / 1_000_000:.2f} MB"


def print_bulletin_benchmark(settings: Settings, period: str) -> None:
    """Time the city and every county edition alone, then the whole set two ways."""
    from reportflow.bulletin import publish, render_city, render_county
    from reportflow.contract import counties

    print(f"bulletins, period {period} (demo data, {os.cpu_count()} cores)")
    started = time.perf_counter()
    _, pdf = render_city(settings, period)
    print(f"  {'city edition (HTML+PDF)':<40} {time.perf_counter() - started:8.2f} s  "
          f"PDF {_megabytes(pdf)}")  # fmt: skip
    for county in counties():
        started = time.perf_counter()
        _, pdf = render_county(settings, period, county.code)
        print(f"  {county.name + ' edition':<40} {time.perf_counter() - started:8.2f} s  "
              f"PDF {_megabytes(pdf)}")  # fmt: skip
    started = time.perf_counter()
    publish(settings, period)
    print(f"  {'whole set, publish() in parallel':<40} {time.perf_counter() - started:8.2f} s  "
          "11 editions HTML+PDF, indicators.csv, index")  # fmt: skip
    cli = Path(sys.executable).with_name("reportflow")
    started = time.perf_counter()
    subprocess.run(
        [str(cli), "publish", "--period", period],
        check=True,
        capture_output=True,
        env={**os.environ, "REPORTFLOW_HOME": str(settings.home)},
    )
    print(f"  {'whole set, reportflow publish (CLI)':<40} {time.perf_counter() - started:8.2f} s")
