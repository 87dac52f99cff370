"""Who has submitted what for a period: the county × form grid clerks and the city office watch.

Computed from the submission log alone, so it works before any dbt build has run; the
rules match ``marts.submission_status`` (late = first accepted file after the deadline).
"""

from __future__ import annotations

from datetime import datetime

from reportflow import contract
from reportflow.config import Settings
from reportflow.intake.model import IntakeError
from reportflow.intake.names import parse_period
from reportflow.periods import Period, to_naive_utc
from reportflow.warehouse import WarehouseBusy, connect


def status_grid(settings: Settings, period: str, now: datetime | None = None) -> list[dict]:
    """The county × form grid for ``period`` as of ``now`` (default: the clock), one dict per
    county, in contract order.

    Each row: ``period``, ``county_code``, ``county_name``, ``sort_order``, ``forms``
    (form key → ``accepted`` / ``late`` / ``rejected`` / ``missing``, or ``not_due`` for nothing
    accepted yet while the deadline has not passed) and ``cells`` (form key →
    the details behind that status: ``status``, ``form_label``, ``on_time``,
    ``first_accepted_at``, ``last_accepted_at``, ``deadline_at``, ``file_name`` of the current
    accepted file, ``rejected_files``). Timestamps are naive UTC.
    """
    key = parse_period(period)
    if key is None:
        raise IntakeError(f"invalid period {period!r}: use YYYY-MM, e.g. 2026-10")
    the_period = Period.parse(key)
    deadline = to_naive_utc(the_period.deadline(settings.deadline_day))
    due = the_period.is_due(settings.deadline_day, now)
    rows = _submissions(settings, key)
    grid: list[dict] = []
    for county in contract.counties():
        cells: dict[str, dict] = {}
        for form in contract.forms().values():
            mine = [r for r in rows if r[0] == county.code and r[1] == form.key]
            cells[form.key] = _cell(form.label, mine, deadline, due=due)
        grid.append(
            {
                "period": key,
                "county_code": county.code,
                "county_name": county.name,
                "sort_order": county.sort_order,
                "forms": {k: c["status"] for k, c in cells.items()},
                "cells": cells,
            }
        )
    return grid


def _cell(form_label: str, rows: list[tuple], deadline: datetime, *, due: bool) -> dict:
    """One county's form: accepted (on time), late, rejected (nothing accepted), missing
    (nothing at all, deadline passed) or not_due (nothing at all, deadline still ahead)."""
    accepted = [r for r in rows if r[2] == "accepted"]
    rejected = [r for r in rows if r[2] == "rejected"]
    first = min((r[3] for r in accepted), default=None)
    last = max((r[3] for r in accepted), default=None)
    current = next((r[4] for r in accepted if r[5] is None), None)
    on_time: bool | None = None
    if first is not None:
        on_time = first <= deadline
        status = "accepted" if on_time else "late"
    else:
        status = "rejected" if rejected else ("missing" if due else "not_due")
    return {
        "status": status,
        "form_label": form_label,
        "on_time": on_time,
        "first_accepted_at": first,
        "last_accepted_at": last,
        "deadline_at": deadline,
        "file_name": current,
        "rejected_files": len(rejected),
    }


def _submissions(settings: Settings, period: str) -> list[tuple]:
    path = settings.warehouse_path
    if not path.exists():
        return []
    try:
        with connect(path, read_only=True, timeout_seconds=settings.lock_timeout_seconds) as con:
            present = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'raw' and table_name = 'submissions'"
            ).fetchall()[0][0]
            if not present:
                return []
            return con.execute(
                "select county_code, form, status, received_at, file_name, superseded_by "
                "from raw.submissions where period = ? order by received_at",
                [period],
            ).fetchall()
    except WarehouseBusy as error:
        raise IntakeError(str(error)) from error
