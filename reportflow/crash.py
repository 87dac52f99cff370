"""Test hooks at named steps of a run: die by SIGKILL, or make an upload grow.

Shared by every stage whose outputs must survive a kill: intake (the steps of one file,
``STEPS``), the snapshot swap in ``transform`` and mail delivery name their own steps.

The crash tests start a command (``reportflow ingest``, ``build``, ...) in a subprocess with
``REPORTFLOW_TEST_CRASH_AT`` set to a step, optionally with ``:N`` to stop the N-th time the
step is reached (the N-th file there) instead of the first. The run then kills itself with
SIGKILL: no exception, no ``finally``, no DuckDB rollback, exactly like the OOM killer or a
power cut, and the next run must finish the job.

The growth tests set ``REPORTFLOW_TEST_GROW_AT=<step>:<path>:<bytes file>`` instead: the first
time the step is reached, the bytes of ``<bytes file>`` are appended to the upload at
``<path>``, as a copy that stalled and then went on would do while the file is processed.

When the variables are unset (always, outside those tests) a step costs two dictionary
lookups and does nothing.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

CRASH_ENV = "REPORTFLOW_TEST_CRASH_AT"
GROW_ENV = "REPORTFLOW_TEST_GROW_AT"

#: The steps of one file, in order: discovered stable, not yet read; read and copied into
#: ``work/``; about to be checked; raw rows inserted and logged but not committed; committed;
#: receipts written; copy moved to archive/quarantine (upload and claim not yet removed).
STEPS = (
    "before_claim",
    "after_claim",
    "mid_check",
    "mid_load",
    "after_commit",
    "after_receipt",
    "after_archive",
)


_reached: dict[str, int] = {}
_grown: set[str] = set()


def crash_point(step: str) -> None:
    """Kill this process with SIGKILL if ``REPORTFLOW_TEST_CRASH_AT`` names ``step`` (and this
    is the N-th time it is reached, for ``step:N``); append to an upload if
    ``REPORTFLOW_TEST_GROW_AT`` names it."""
    grow = os.environ.get(GROW_ENV)
    if grow:
        _grow(step, grow)
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != step:
        return
    _reached[step] = _reached.get(step, 0) + 1
    if _reached[step] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def _grow(step: str, spec: str) -> None:
    name, target, extra = spec.split(":", 2)
    if name != step or step in _grown:
        return
    _grown.add(step)
    with open(target, "ab") as handle:
        handle.write(Path(extra).read_bytes())
