"""Realistic demo submissions from the ten county-level units of 湛江市.

Why this exists: the demo, the end-to-end tests and every preview of the leaders' bulletin need
drop folders that look like what county staff really upload, warts included. A tidy UTF-8 file
per county would hide exactly the problems intake must survive, so the generator reproduces the
mess of real submissions while keeping every *good* file valid under the contract (forms.md).

Where each part lives:

* one module per form (``instructors``, ``weak_orgs``, ``disputes``, ``outreach``,
  ``project_orgs``, ``reserve_cadres``, ``early_warnings``) simulates that form's rows for one
  :class:`~reportflow.demo_data.county.County`; the case forms behave like case registers (a
  case received ``in_progress`` reappears in the month it closes, with its new status);
* ``styles``: how each county's clerk saves them (encodings, headers, date styles, 零报告, ...);
* ``scenario``: when each file arrives, and which are late, missing, corrected or bad (the story
  of the latest period is told there);
* ``writer``: writes the files and replays their arrivals into intake's own arrival log (intake
  never reads mtimes), which then holds what a system running through those months would have
  recorded;
* ``summary``: :class:`DemoSummary`, what the system is expected to make of every file.

Everything is deterministic given the seed (file bytes and, unless clamped to "now", arrival
times), so tests can pin expectations and bulletins are reproducible.
"""

from __future__ import annotations

import random
from datetime import datetime

from reportflow.config import Settings
from reportflow.contract import counties, forms
from reportflow.demo_data import (
    disputes,
    early_warnings,
    instructors,
    outreach,
    project_orgs,
    reserve_cadres,
    weak_orgs,
)
from reportflow.demo_data.county import County, Row, ym
from reportflow.demo_data.scenario import (
    SPECIAL_LATEST,
    latest_specials,
    latest_time,
    not_submitted,
    submission_time,
)
from reportflow.demo_data.styles import render_csv, style_for
from reportflow.demo_data.summary import BadFile, DemoFile, DemoSummary
from reportflow.demo_data.writer import Plan, file_name, write
from reportflow.periods import beijing_now, shift_period


def _simulate(county: County) -> dict[str, dict[str, list[Row]]]:
    """Every form's rows for one county, per period (each form draws its own random stream)."""
    projects = project_orgs.project_specs(county)
    instructor_rows, initial_instructors = instructors.simulate(county, projects)
    return {
        "instructors": instructor_rows,
        "weak_orgs": weak_orgs.simulate(county, initial_instructors),
        "disputes": disputes.simulate(county),
        "outreach": outreach.simulate(county),
        "project_orgs": project_orgs.simulate(county, projects),
        "reserve_cadres": reserve_cadres.simulate(county),
        "early_warnings": early_warnings.simulate(county),
    }


def generate_demo_data(
    settings: Settings,
    *,
    end_period: str,
    months: int = 14,
    seed: int = 20261,
    bad_files: bool = True,
    now: datetime | None = None,
) -> DemoSummary:
    """Write ``months`` months of submissions ending at ``end_period`` into the drop folders.

    Files go to ``drop/<county_code>/<form>_<period>.csv`` in the data home, and intake's
    arrival log records each one at its planned arrival instant (see the module docstring),
    because the received time, which decides on-time, is when intake first saw a
    file. An arrival later than ``now`` (default: the real clock) is pulled back to shortly
    before ``now`` (keeping the order of a county's files for one form and period): the
    system cannot have seen a file in the future. Existing files of the same name are
    overwritten; nothing else in the drop folders is touched.
    """
    ym(end_period)
    if months < 1:
        raise ValueError("months must be at least 1")
    periods = [shift_period(end_period, i - months + 1) for i in range(months)]
    latest = end_period
    all_forms = forms()
    plans: list[Plan] = []
    bad: list[BadFile] = []
    missing: list[tuple[str, str, str]] = []
    skip = not_submitted(latest)
    for county in counties():
        truth = _simulate(County(county.code, periods, seed))
        timing = random.Random(f"{seed}:{county.code}:timing")
        for index, period in enumerate(periods):
            style = style_for(county.code, index, len(periods))
            for form_key, form in all_forms.items():
                if (county.code, form_key, period) in skip:
                    missing.append((county.code, form_key, period))
                    continue
                rows = truth[form_key][period]
                cell_rng = random.Random(f"{seed}:{county.code}:{form_key}:{period}:cells")
                name = file_name(
                    form, period, label=style.label_names, compact=style.compact_period
                )
                late = period != latest and timing.random() < 0.03
                plan = Plan(
                    county.code,
                    form_key,
                    period,
                    name,
                    render_csv(form, rows, style, cell_rng),
                    len(rows),
                    style.encoding,
                    submission_time(timing, period, style.submit_day, late=late),
                )
                if period == latest and (county.code, form_key) in SPECIAL_LATEST:
                    plans.extend(
                        latest_specials(plan, form, rows, style, cell_rng, bad_files=bad_files)
                    )
                    continue
                if period == latest:
                    plan.submitted = latest_time(county.code, form_key, period, plan.submitted)
                plans.append(plan)
    drop_dir = settings.drop_dir
    files, corrections = write(settings, plans, now or beijing_now())
    by_path = {f.path: f for f in files}
    for plan in plans:
        if plan.bad is not None:
            path = drop_dir / plan.county / plan.name
            bad.append(
                BadFile(
                    path=path,
                    county_code=plan.county,
                    form=plan.form,
                    period=plan.period,
                    **plan.bad,
                )
            )
            assert by_path[path].expected == "rejected"
    return DemoSummary(
        drop_dir=drop_dir,
        latest_period=latest,
        periods=tuple(periods),
        files=tuple(files),
        bad_files=tuple(bad),
        not_submitted=tuple(sorted(missing)),
        corrections=tuple(corrections),
        seed=seed,
    )


__all__: list[str] = [
    "BadFile",
    "DemoFile",
    "DemoSummary",
    "generate_demo_data",
]
