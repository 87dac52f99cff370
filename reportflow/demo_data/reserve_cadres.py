"""Form reserve_cadres (村(社区)后备干部): a pool that loses people in village election years."""

from __future__ import annotations

from datetime import date, timedelta

from reportflow.demo_data.county import County, Row, days, rand_day, weighted, ym


def simulate(county: County) -> dict[str, list[Row]]:
    rng = county.rng("reserve_cadres")
    target = min(140, max(20, round(5.5 * len(county.towns) + 12 + rng.gauss(0, 4))))
    window_start = days(county.periods[0])[0]
    pool: list[Row] = []
    number = 0
    sources = {"veteran": 20, "graduate": 34, "entrepreneur": 30, "other": 16}

    def add(added: date) -> None:
        nonlocal number
        number += 1
        town = rng.choice(county.town_codes)
        pool.append(
            {
                "cadre_id": f"HB{county.code}{number:04d}",
                "town_code": town,
                "village": rng.choice(county.villages[town]),
                "source": weighted(rng, sources),
                "added_on": added,
            }
        )

    for _ in range(target):
        add(rand_day(rng, date(window_start.year - 4, 6, 1), window_start - timedelta(days=1)))
    result: dict[str, list[Row]] = {}
    for period in county.periods:
        year, month = ym(period)
        first, last = days(period)
        election = year % 5 == 1 and month <= 4
        leave = 0.03 if election else 0.004
        pool = [c for c in pool if rng.random() >= leave]
        for _ in range(rng.choice([0, 1, 1, 2, 3]) + (2 if len(pool) < target - 5 else 0)):
            add(rand_day(rng, first, last))
        result[period] = [dict(c) for c in pool]
    return result
