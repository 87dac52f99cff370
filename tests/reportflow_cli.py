"""Run the installed ``reportflow`` command as a county office would, on one data home."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_reportflow(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``reportflow *args`` in a clean environment: only the data home, no stability wait, and
    ``env`` (e.g. a crash-test hook)."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "reportflow"), *args],
        capture_output=True,
        text=True,
        env={
            "REPORTFLOW_HOME": str(home),
            "REPORTFLOW_STABLE_SECONDS": "0",
            "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
            **(env or {}),
        },
        timeout=900,
    )
