"""One simulated county: its towns and villages, and the sampling helpers every form uses.

Why a class of its own: every form of a county draws from the same geography (the official
towns, invented villages) and from random streams keyed by county and topic, so that one form's
numbers never shift when another form's simulation changes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from reportflow.contract import towns_of
from reportflow.periods import Period, shift_period

Row = dict[str, Any]

#: Disputes and early warnings are simulated from a few months before the first written
#: period, so the first files already carry closures of older cases, as real registers do.
WARM_UP = 3


def ym(period: str) -> tuple[int, int]:
    """Year and month of ``period``, for the generators that index lists by them."""
    parsed = Period.parse(period)
    return parsed.year, parsed.month


def days(period: str) -> tuple[date, date]:
    """First and last day of ``period``: the window a generated date of that month falls in."""
    parsed = Period.parse(period)
    return parsed.first_day, parsed.last_day


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def rand_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


_VILLAGE_FIRST = "东西南北上下新大小龙凤石水山田塘岭坡沙林黄陈李何梁杨吴谭邓庞"
_VILLAGE_SECOND = list("头尾岭塘坑屋园湾沟墩仔埇寮坡")
_COMMUNITY = [
    "海滨",
    "建设",
    "友谊",
    "东风",
    "解放",
    "南华",
    "椹川",
    "霞湖",
    "文明",
    "鸿运",
    "园林",
    "新村",
    "金沙",
    "绿塘",
    "龙潮",
    "幸福",
]

_RURAL = {"440804", "440811", "440823", "440825", "440881", "440882", "440883"}


class County:
    """A county over the whole window: towns, villages, and one random stream per topic."""

    def __init__(self, code: str, periods: list[str], seed: int) -> None:
        self.code = code
        self.periods = periods
        self.n = len(periods)
        self.seed = seed
        self.towns = towns_of(code)
        self.town_codes = [t.code for t in self.towns]
        self.rural = code in _RURAL
        rng = self.rng("villages")
        self.villages: dict[str, list[str]] = {}
        for town in self.towns:
            if town.kind == "street":
                names = [f"{c}社区" for c in rng.sample(_COMMUNITY, rng.randint(3, 6))]
            else:
                names = sorted(
                    {
                        rng.choice(_VILLAGE_FIRST) + rng.choice(_VILLAGE_SECOND) + "村"
                        for _ in range(rng.randint(6, 12))
                    }
                )
            self.villages[town.code] = names

    def rng(self, topic: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.code}:{topic}")

    def period_at(self, index: int) -> str:
        return shift_period(self.periods[0], index)
