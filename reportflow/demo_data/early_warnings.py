"""Form early_warnings (苗头性问题): issues by season, resolved in the month or later."""

from __future__ import annotations

from datetime import date, timedelta

from reportflow.demo_data.county import WARM_UP, County, Row, days, rand_day, weighted, ym
from reportflow.periods import shift_period

_WARNING_SUMMARIES: dict[str, tuple[str, ...]] = {
    "village_election": (
        "个别候选人资格存在争议，已由镇纪委核查",
        "有村民反映拉票现象，已约谈相关人员",
        "外出务工党员返乡参选意愿摸排，涉及群众<10人",
    ),
    "epidemic": (
        "出现登革热散发病例，已开展灭蚊清积水",
        "学校周边蚊媒密度偏高，已联合卫生院处置",
    ),
    "safety": (
        "台风前渔船回港避风排查，发现隐患2处",
        "在建工地临时用电不规范，已责令整改",
        "农村自建房安全隐患排查,已建立台账",
    ),
    "petition": (
        "征地补偿款分配存在分歧，已组织村民代表协商",
        "拖欠农民工工资苗头，已联系劳动监察",
        "宅基地边界争议，镇调委会介入",
    ),
    "other": ("山林防火巡查发现野外用火", "网络舆情苗头，已及时回应"),
}


def simulate(county: County) -> dict[str, list[Row]]:
    rng = county.rng("early_warnings")
    result: dict[str, list[Row]] = {p: [] for p in county.periods}
    for index in range(-WARM_UP, county.n):
        period = county.period_at(index)
        year, month = ym(period)
        first, last = days(period)
        weights = {
            "village_election": 4.0,
            "epidemic": 6.0,
            "safety": 14.0,
            "petition": 18.0,
            "other": 6.0,
        }
        if year % 5 == 1 and month <= 4:
            weights["village_election"] = 40.0
        if 6 <= month <= 10:
            weights["epidemic"] = 22.0
        if 7 <= month <= 9:
            weights["safety"] = 24.0
        count = max(1, round(rng.gauss(2 + len(county.towns) / 3.5, 1.5)))
        for number in range(1, count + 1):
            reported = rand_day(rng, first, last)
            category = weighted(rng, weights)
            delay = rng.choices([0, 1, 2, 4, 99], weights=[52, 28, 10, 6, 4])[0]
            if delay == 0:
                resolved: date | None = min(last, reported + timedelta(days=rng.randint(0, 12)))
            elif delay == 99:
                resolved = None
            else:
                rfirst, rlast = days(shift_period(period, delay))
                resolved = rand_day(rng, rfirst, rlast)
            summary = rng.choice(_WARNING_SUMMARIES[category])
            if rng.random() < 0.04:
                summary = f"{summary}。\n下一步：持续跟踪，每周报告进展"
            issue = {
                "issue_id": f"MT{county.code}{year}{month:02d}{number:03d}",
                "town_code": rng.choice(county.town_codes),
                "reported_on": reported,
                "category": category,
                "summary": summary,
            }
            if index >= 0:
                done = resolved is not None and resolved <= last
                result[period].append({**issue, "resolved_on": resolved if done else None})
            if resolved is not None and resolved > last:
                later = f"{resolved.year:04d}-{resolved.month:02d}"
                if later in result:
                    result[later].append({**issue, "resolved_on": resolved})
    return result
