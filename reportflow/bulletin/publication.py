"""The publication time of a period, recorded once, so that a re-render is byte-identical.

The masthead and the archive page print when a bulletin was issued. Taking "now" at every
render made two renders of the same data differ; instead the first render of a period records
its time in ``bulletins/<period>/publication.json`` and every later render reads it back.

A data correction is a new publication: the record keeps the fingerprint of the data
(:attr:`PeriodData.fingerprint`) behind each issue, and a render whose data differs from the
latest issue's appends a new issue with the current time (the masthead then says 修订). Re-
rendering unchanged data, in any process and in any order, reuses the latest issue.

The city and the ten county renders may run at the same time (Airflow mapped tasks, the
process pool of :func:`reportflow.bulletin.publish.publish`): the read-decide-write runs under
an exclusive ``flock`` on the period folder itself (no lock file left among the bulletins), so
exactly one of them records a new issue and the others read it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportflow.bulletin.files import atomic_write_text
from reportflow.periods import beijing_now, to_beijing

RECORD_NAME = "publication.json"


@dataclass(frozen=True)
class Issue:
    """One publication of a period: when, and from which data."""

    issued_at: datetime
    fingerprint: str
    number: int  # 1 for the first publication, 2 for the first revision, …

    @property
    def is_revision(self) -> bool:
        return self.number > 1


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the period folder's lock exclusively: one writer of the record at a time."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def read_issues(directory: Path) -> list[Issue]:
    """Every issue recorded for the period folder, oldest first; empty if never published."""
    path = directory / RECORD_NAME
    if not path.is_file():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        Issue(datetime.fromisoformat(item["issued_at"]), item["fingerprint"], number)
        for number, item in enumerate(document["issues"], start=1)
    ]


def latest_issue(directory: Path) -> Issue | None:
    """The issue a re-render would print, or None for a period never published."""
    issues = read_issues(directory)
    return issues[-1] if issues else None


def issue_for(directory: Path, fingerprint: str, now: datetime | None = None) -> Issue:
    """The issue for data with ``fingerprint``: the latest if the data is unchanged, else a new one.

    ``now`` (Beijing time if aware, UTC if naive) is only used when a new issue is recorded.
    """
    with locked(directory):
        issues = read_issues(directory)
        if issues and issues[-1].fingerprint == fingerprint:
            return issues[-1]
        moment = to_beijing(now or beijing_now()).replace(microsecond=0)
        issues.append(Issue(moment, fingerprint, len(issues) + 1))
        document = {
            "issues": [
                {"issued_at": i.issued_at.isoformat(), "fingerprint": i.fingerprint} for i in issues
            ]
        }
        atomic_write_text(
            directory / RECORD_NAME, json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        )
        return issues[-1]
