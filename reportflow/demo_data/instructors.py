"""Form instructors (党建指导员名册): each county's roster, month by month.

Returns the roster before the window too: weak organisations pick their mentors from it.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from reportflow.demo_data.county import County, Row, days, rand_day, weighted


def _new_instructor(
    county: County, rng: random.Random, number: int, town: str, assigned: date, project: str | None
) -> Row:
    if project:
        source = rng.choice(["agency", "agency", "new_org"])
        employment = "full_time"
        orgs = rng.randint(1, 3)
    else:
        source = weighted(
            rng,
            {"agency": 38, "institution": 24, "new_org": 10, "retired_cadre": 20, "other": 8},
        )
        full = {"agency": 0.4, "institution": 0.35, "new_org": 0.15}.get(source, 0.0)
        employment = "full_time" if rng.random() < full else "part_time"
        orgs = rng.randint(3, 8) if employment == "full_time" else rng.randint(1, 4)
    return {
        "instructor_id": f"ZDY{county.code}{number:04d}",
        "town_code": town,
        "employment": employment,
        "source": source,
        "assigned_on": assigned,
        "orgs_covered": orgs,
        "project_code": project,
    }


def simulate(
    county: County, projects: list[dict[str, Any]]
) -> tuple[dict[str, list[Row]], list[Row]]:
    rng = county.rng("instructors")
    codes = county.town_codes
    target = min(118, max(20, round(4.4 * len(codes) + 12 + rng.gauss(0, 3))))
    uncovered = rng.sample(codes, rng.choice([0, 1, 1, 2])) if len(codes) >= 7 else []
    covered = [c for c in codes if c not in uncovered]
    cover_at = {town: rng.randint(2, county.n + 4) for town in uncovered}
    window_start = days(county.periods[0])[0]
    history_start = date(window_start.year - 7, 3, 1)
    roster: list[Row] = []
    number = 0

    def add(town: str, assigned: date, project: str | None = None) -> None:
        nonlocal number
        number += 1
        roster.append(_new_instructor(county, rng, number, town, assigned, project))

    for spec in projects:
        if spec["build_index"] <= 0:
            for _ in range(rng.randint(1, 2)):
                start = min(spec["temp_org_on"], window_start - timedelta(days=1))
                add(spec["town"], start, spec["code"])
    for town in covered:
        add(town, rand_day(rng, history_start, window_start - timedelta(days=1)))
    before_window = window_start - timedelta(days=1)
    while len(roster) < target:
        add(rng.choice(covered), rand_day(rng, history_start, before_window))
    initial = [dict(r) for r in roster]

    result: dict[str, list[Row]] = {}
    for index, period in enumerate(county.periods):
        first, last = days(period)
        per_town: dict[str, int] = {}
        for row in roster:
            per_town[row["town_code"]] = per_town.get(row["town_code"], 0) + 1
        for row in list(roster):
            town = row["town_code"]
            if row["project_code"] is None and rng.random() < 0.01 and per_town[town] > 1:
                roster.remove(row)
                per_town[row["town_code"]] -= 1
        joiners = rng.choice([0, 0, 1, 1, 2]) + (1 if len(roster) < target - 3 else 0)
        for _ in range(joiners):
            if len(roster) < 120:
                add(rng.choice(covered), rand_day(rng, first, last))
        for town, at in cover_at.items():
            if at == index:
                covered.append(town)
                add(town, rand_day(rng, first, last))
        for spec in projects:
            if spec["build_index"] == index and index > 0:
                add(spec["town"], spec["temp_org_on"], spec["code"])
        for row in roster:
            if rng.random() < 0.03:
                row["orgs_covered"] = max(1, row["orgs_covered"] + rng.choice([-1, 1]))
        result[period] = [dict(r) for r in sorted(roster, key=lambda r: r["instructor_id"])]
    return result, initial
