"""Form project_orgs (重点项目党建): the party organisations of each county's major projects.

The projects are a fixed table (real-sounding names, towns, start and production months),
simulated backwards from today's investment; instructors assigned to projects come from here.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from reportflow.demo_data.county import County, Row, days, rand_day

_PROJECT_TABLE: dict[str, tuple[tuple[str, str, int, int | None, str, str, int], ...]] = {
    # (name, town, construction start offset, production offset, 亿元 now, 亿元/month, members)
    "440802": (
        ("调顺岛科技创新产业园", "440802006", -20, None, "36.50", "0.85", 42),
        ("赤坎老城历史文化街区活化提升工程", "440802001", -9, None, "4.20", "0.32", 18),
    ),
    "440803": (
        ("湛江港霞山港区30万吨级航道扩建工程", "440803006", -26, -2, "58.30", "1.40", 65),
        ("宝满港区集装箱码头二期工程", "440803012", -14, None, "27.80", "1.10", 48),
        ("霞山观海长廊品质提升工程", "440803006", 2, None, "0.60", "0.05", 9),
    ),
    "440804": (
        ("南三岛滨海旅游示范区", "440804100", -18, None, "22.40", "0.70", 31),
        ("海东新区市民服务中心", "440804001", -11, None, "9.80", "0.45", 22),
        ("官渡镇现代农业产业园", "440804104", -6, None, "2.10", "0.18", 12),
    ),
    "440811": (
        ("湛江综合保税区二期", "440811100", -15, None, "18.60", "0.75", 28),
        ("湖光岩景区提升工程", "440811102", -8, None, "3.40", "0.25", 14),
    ),
    "440823": (
        ("北坡甘蔗产业园", "440823111", -16, -3, "7.90", "0.30", 16),
        ("河头镇国家级海洋牧场示范区", "440823114", -10, None, "5.60", "0.35", 19),
        ("城月镇农产品冷链物流中心", "440823107", 1, None, "0.40", "0.04", 7),
    ),
    "440825": (
        ("徐闻港区南山作业区扩建工程", "440825108", -22, None, "31.20", "0.95", 44),
        ("外罗海上风电项目（二期）", "440825107", -12, None, "46.70", "2.60", 37),
        ("“菠萝的海”现代农业产业园", "440825104", -30, -12, "12.30", "0.10", 21),
    ),
    "440881": (
        ("廉江高新区家电产业园", "440881001", -24, None, "41.50", "1.20", 58),
        ("九洲江流域水环境综合治理工程", "440881116", -13, None, "8.70", "0.40", 20),
        ("安铺港区综合整治工程", "440881107", -4, None, "1.90", "0.30", 11),
    ),
    "440882": (
        ("乌石港扩建工程", "440882115", -19, None, "15.40", "0.60", 26),
        ("南渡河流域综合治理工程", "440882001", -9, None, "6.80", "0.50", 17),
        ("企水镇海上风电配套项目", "440882105", 3, None, "0.90", "0.08", 8),
    ),
    "440883": (
        ("湛江吴川机场配套交通工程", "440883106", -17, None, "13.60", "0.55", 24),
        ("吴川羽绒服装产业园", "440883002", -28, -6, "19.20", "0.12", 33),
        ("鉴江吴川段防洪提升工程", "440883101", -7, None, "3.10", "0.27", 13),
    ),
    "440871": (
        ("宝钢湛江钢铁三高炉系统项目", "440811070", -40, -16, "168.40", "0.80", 312),
        ("中科炼化一体化项目（二期）", "440811071", -21, None, "211.70", "6.80", 268),
        ("巴斯夫(广东)一体化基地", "440811071", -44, -10, "612.50", "4.50", 405),
        ("东海岛石化产业园公共管廊", "440811072", -12, None, "14.80", "0.90", 36),
        ("硇洲岛中心渔港升级改造", "440811173", -5, None, "2.30", "0.22", 10),
    ),
}

_CENT = Decimal("0.01")


def project_specs(county: County) -> list[dict[str, Any]]:
    rng = county.rng("project_specs")
    specs = []
    for number, (name, town, build, prod, now, rate, members) in enumerate(
        _PROJECT_TABLE[county.code], start=1
    ):
        build_index = county.n - 1 + build
        first, last = days(county.period_at(build_index))
        specs.append(
            {
                "code": f"XM{county.code}{number:02d}",
                "name": name,
                "town": town,
                "build_index": build_index,
                "prod_index": None if prod is None else county.n - 1 + prod,
                "temp_org_on": rand_day(rng, first + timedelta(days=4), last - timedelta(days=3)),
                "now": Decimal(now),
                "rate": Decimal(rate),
                "members": members,
            }
        )
    return specs


def simulate(county: County, projects: list[dict[str, Any]]) -> dict[str, list[Row]]:
    rng = county.rng("project_orgs")
    result: dict[str, list[Row]] = {p: [] for p in county.periods}
    for spec in projects:
        investment = spec["now"]
        members = spec["members"]
        per_index: dict[int, Row] = {}
        for index in range(county.n - 1, -1, -1):
            status = _status(spec, index)
            rows_members = max(3, members)
            if status == "under_construction":
                commando = max(1, rows_members // 30 + 1)
            elif status == "in_production":
                commando = max(1, rows_members // 60)
            else:
                commando = 1 if rows_members >= 8 else 0
            per_index[index] = {
                "project_code": spec["code"],
                "project_name": spec["name"],
                "town_code": spec["town"],
                "project_status": status,
                "temp_org_on": spec["temp_org_on"] if index >= spec["build_index"] else None,
                "party_members": rows_members,
                "commando_teams": commando,
                "responsibility_zones": rows_members // 6 + 1,
                "investment_to_date": max(Decimal("0.00"), investment).quantize(_CENT),
            }
            factor = Decimal(str(round(rng.uniform(0.6, 1.4), 2)))
            if status == "under_construction":
                investment -= spec["rate"] * factor
                if rng.random() < 0.35:
                    members -= rng.randint(1, 3)
            elif status == "in_production":
                investment -= Decimal("0.05") * factor
            else:
                investment -= Decimal("0.02") * factor
        for index, row in per_index.items():
            result[county.periods[index]].append(row)
    return result


def _status(spec: dict[str, Any], index: int) -> str:
    if index < spec["build_index"]:
        return "preparing"
    if spec["prod_index"] is not None and index >= spec["prod_index"]:
        return "in_production"
    return "under_construction"
