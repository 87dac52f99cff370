"""Writing the planned files into the drop folders and replaying their arrivals.

Arrivals are replayed, not faked with mtimes (intake never reads them): each file's planned
arrival instant goes into intake's own arrival log (``work/arrivals/``, through
``arrivals.replay``), which then holds what a system running through those months would have
recorded. An arrival later than "now" is pulled back to shortly before it, keeping the order
of a county's files for one form and period.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reportflow.config import Settings
from reportflow.contract import FormSpec, deadline_day_default
from reportflow.demo_data.summary import DemoFile
from reportflow.intake.arrivals import replay
from reportflow.periods import Period, to_beijing, to_naive_utc


@dataclass
class Plan:
    """A file to write: its bytes and its intended submission time."""

    county: str
    form: str
    period: str
    name: str
    payload: bytes
    rows: int
    encoding: str
    submitted: datetime
    expected: str = "accepted"
    note: str = ""
    bad: dict[str, Any] | None = None
    order: int = 0


def file_name(form: FormSpec, period: str, *, label: bool, compact: bool) -> str:
    stem = form.label if label else form.key
    return f"{stem}_{period.replace('-', '') if compact else period}.csv"


def write(
    settings: Settings, plans: list[Plan], now: datetime
) -> tuple[list[DemoFile], list[tuple[Path, Path]]]:
    """Write the planned files and replay their arrivals into intake's arrival log."""
    drop_dir = settings.drop_dir
    ceiling = to_beijing(now) - timedelta(minutes=5)
    groups: dict[tuple[str, str, str], list[Plan]] = {}
    for plan in plans:
        groups.setdefault((plan.county, plan.form, plan.period), []).append(plan)
    stamps: dict[int, datetime] = {}
    for group in groups.values():
        previous: datetime | None = None
        for plan in sorted(group, key=lambda p: p.order):
            when = min(plan.submitted, ceiling)
            if previous is not None and when <= previous:
                when = previous + timedelta(seconds=1)
            stamps[id(plan)] = previous = when
    arrived: dict[str, dict[str, datetime]] = {}
    for plan in plans:
        folder = drop_dir / plan.county
        folder.mkdir(parents=True, exist_ok=True)
        (folder / plan.name).write_bytes(plan.payload)
        arrived.setdefault(plan.county, {})[plan.name] = to_naive_utc(stamps[id(plan)])
    for county, files_arrived in arrived.items():
        replay(settings, county, files_arrived)  # intake's arrival log, as runs then saw them
    files: list[DemoFile] = []
    corrections: list[tuple[Path, Path]] = []
    for plan in plans:
        when = stamps[id(plan)]
        files.append(
            DemoFile(
                path=drop_dir / plan.county / plan.name,
                county_code=plan.county,
                form=plan.form,
                period=plan.period,
                rows=plan.rows,
                encoding=plan.encoding,
                submitted_at=when,
                on_time=Period.parse(plan.period).is_on_time(when, deadline_day_default()),
                expected=plan.expected,
                note=plan.note,
            )
        )
    for group in groups.values():
        accepted = sorted((p for p in group if p.expected == "accepted"), key=lambda p: p.order)
        for old, new in itertools.pairwise(accepted):
            corrections.append((drop_dir / old.county / old.name, drop_dir / new.county / new.name))
    return files, corrections
