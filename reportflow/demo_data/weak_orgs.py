"""Form weak_orgs (软弱涣散党组织): the year's list of weak organisations, their rectification
and mentors (from the roster before the window).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from reportflow.demo_data.county import County, Row, days, rand_day, ym
from reportflow.periods import shift_period


def simulate(county: County, initial_instructors: list[Row]) -> dict[str, list[Row]]:
    rng = county.rng("weak_orgs")
    by_town: dict[str, list[str]] = {}
    for row in initial_instructors:
        by_town.setdefault(row["town_code"], []).append(row["instructor_id"])
    town_names = {t.code: t.name for t in county.towns}
    latest_year = ym(county.periods[-1])[0]
    lists: dict[int, list[dict[str, Any]]] = {}
    for year in sorted({ym(p)[0] for p in county.periods}):
        size = max(0, min(8, round(len(county.towns) / 4 + rng.uniform(-1, 1.5))))
        if county.code == "440871":
            # The development zone has nothing listed in the latest year: an honest 0/0.
            size = 0 if year == latest_year else 1
        orgs = []
        for number in range(1, size + 1):
            town = rng.choice(county.town_codes)
            village = rng.choice(county.villages[town])
            late_listing = rng.random() < 0.25
            listed = rand_day(
                rng,
                date(year, 5, 1) if late_listing else date(year, 1, 10),
                date(year, 8, 31) if late_listing else date(year, 3, 31),
            )
            fix_month = None if rng.random() < 0.2 else rng.randint(min(12, listed.month + 3), 12)
            fixed = None
            if fix_month is not None:
                first, last = days(f"{year}-{fix_month:02d}")
                fixed = rand_day(rng, max(first, listed + timedelta(days=60)), last)
                if fixed > last:
                    fixed = None
            mentor = None
            mentor_from = None
            if rng.random() < 0.75:
                everyone = [r["instructor_id"] for r in initial_instructors]
                mentor = rng.choice(by_town.get(town) or everyone)
                mentor_from = shift_period(f"{year}-{listed.month:02d}", rng.randint(0, 2))
            suffix = "党总支部" if rng.random() < 0.2 else "党支部"
            orgs.append(
                {
                    "org_code": f"RS{county.code}{year}{number:02d}",
                    "org_name": f"{town_names[town]}{village}{suffix}",
                    "town_code": town,
                    "listed_on": listed,
                    "rectified": fixed,
                    "mentor_id": mentor,
                    "mentor_from": mentor_from,
                }
            )
        lists[year] = orgs
    result: dict[str, list[Row]] = {}
    for period in county.periods:
        _, last = days(period)
        rows = []
        for org in lists[ym(period)[0]]:
            if org["listed_on"] > last:
                continue
            fixed = org["rectified"] if org["rectified"] and org["rectified"] <= last else None
            paired = org["mentor_from"] is not None and org["mentor_from"] <= period
            rows.append(
                {
                    "org_code": org["org_code"],
                    "org_name": org["org_name"],
                    "town_code": org["town_code"],
                    "listed_on": org["listed_on"],
                    "status": "rectified" if fixed else "rectifying",
                    "rectified_on": fixed,
                    "mentor_id": org["mentor_id"] if paired else None,
                }
            )
        result[period] = rows
    return result
