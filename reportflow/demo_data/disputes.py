"""Form disputes (矛盾纠纷): a case register; a case received ``in_progress`` reappears in the
month it closes, with its outcome.
"""

from __future__ import annotations

from datetime import date, timedelta

from reportflow.demo_data.county import WARM_UP, County, Row, days, rand_day, weighted, ym
from reportflow.periods import shift_period


def simulate(county: County) -> dict[str, list[Row]]:
    rng = county.rng("disputes")
    base = 7 * len(county.towns) + 20
    trend = rng.uniform(-0.12, 0.10)
    season = {
        1: 1.2,
        2: 1.3,
        3: 1.0,
        4: 0.95,
        5: 0.95,
        6: 0.9,
        7: 0.95,
        8: 1.0,
        9: 0.95,
        10: 1.0,
        11: 1.05,
        12: 1.12,
    }
    category_weights = {
        "neighbour": 30,
        "family": 20,
        "land": 24 if county.rural else 8,
        "labour": 10,
        "contract": 12 if county.rural else 22,
        "other": 8,
    }
    mediator_weights = {
        "elders_studio": 30 if county.rural else 18,
        "village_committee": 38,
        "town_committee": 20,
        "instructor": 9,
        "other": 5,
    }
    result: dict[str, list[Row]] = {p: [] for p in county.periods}
    for index in range(-WARM_UP, county.n):
        period = county.period_at(index)
        year, month = ym(period)
        first, last = days(period)
        mean = base * season[month] * (1 + trend * (index + WARM_UP) / 12)
        weights = dict(category_weights)
        if month in (12, 1, 2):
            weights["labour"] *= 2.5
            weights["family"] *= 1.3
        count = min(200, max(30, round(rng.gauss(mean, mean * 0.08))))
        for number in range(1, count + 1):
            received = rand_day(rng, first, last)
            category = weighted(rng, weights)
            same_month = rng.random() < (0.62 if received.day <= 20 else 0.3)
            if same_month:
                closed: date | None = min(last, received + timedelta(days=rng.randint(0, 10)))
            else:
                delay = rng.choices([1, 2, 3, 99], weights=[60, 25, 10, 5])[0]
                cfirst, clast = days(shift_period(period, delay))
                closed = None if delay == 99 else rand_day(rng, cfirst, clast)
            hard = category in ("land", "labour")
            outcome = weighted(
                rng,
                {
                    "agreement": 78 if hard else 88,
                    "no_agreement": 13 if hard else 7,
                    "referred": 9 if hard else 5,
                },
            )
            case = {
                "case_id": f"JF{county.code}{year}{month:02d}{number:04d}",
                "town_code": rng.choice(county.town_codes),
                "received_on": received,
                "category": category,
                "mediator": weighted(rng, mediator_weights),
            }
            if index >= 0:
                open_now = closed is None or closed > last
                result[period].append(
                    {
                        **case,
                        "status": "in_progress" if open_now else outcome,
                        "closed_on": None if open_now else closed,
                    }
                )
            if closed is not None and closed > last:
                later = f"{closed.year:04d}-{closed.month:02d}"
                if later in result:
                    result[later].append({**case, "status": outcome, "closed_on": closed})
    return result
