"""Test hook: die by SIGKILL at a named step of an ingest run, to prove crash safety for real.

The crash tests start ``reportflow ingest`` in a subprocess with ``REPORTFLOW_TEST_CRASH_AT``
set to one of ``STEPS``, optionally with ``:N`` to stop the N-th time the step is reached (the
N-th file there) instead of the first. The run then kills itself with SIGKILL: no exception,
no ``finally``, no DuckDB rollback, exactly like the OOM killer or a power cut, and the next
run must finish the job. When the variable is unset (always, outside those tests) a step
costs one dictionary lookup and does nothing.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "REPORTFLOW_TEST_CRASH_AT"

#: The steps of one file, in order: moved into ``work/``; raw rows inserted and logged but
#: not committed; committed; receipts written; moved to archive/quarantine (claim not yet
#: forgotten).
STEPS = ("after_claim", "mid_load", "after_commit", "after_receipt", "after_archive")


_reached: dict[str, int] = {}


def crash_point(step: str) -> None:
    """Kill this process with SIGKILL if ``REPORTFLOW_TEST_CRASH_AT`` names ``step`` (and this
    is the N-th time it is reached, for ``step:N``)."""
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != step:
        return
    _reached[step] = _reached.get(step, 0) + 1
    if _reached[step] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
