"""Form outreach (宣讲活动): events by format, with topics of the season and dialects of the
county.
"""

from __future__ import annotations

from reportflow.demo_data.county import County, Row, days, rand_day, weighted, ym

_DIALECTS: dict[str, tuple[str, ...]] = {
    "440802": ("白话", "雷州话"),
    "440803": ("白话", "雷州话"),
    "440804": ("白话",),
    "440811": ("雷州话", "白话"),
    "440823": ("雷州话", "客家话", "白话"),
    "440825": ("雷州话",),
    "440881": ("白话", "客家话"),
    "440882": ("雷州话",),
    "440883": ("白话",),
    "440871": ("雷州话", "白话"),
}

_TOPICS: dict[str, tuple[str, ...]] = {
    "night_talk": (
        "“百千万工程”政策解读",
        "村规民约和红白理事会章程解读",
        "移风易俗 树文明乡风",
        "农村人居环境整治",
        "宅基地与农房建设政策问答",
        "城乡居民医保缴费政策",
    ),
    "night_school": (
        "菠萝种植与水肥管理",
        "甘蔗机械化收割技术",
        "农产品电商直播入门",
        "对虾养殖病害防治",
        "良姜、番薯种植技术",
    ),
    "field_class": (
        "水稻病虫害绿色防控",
        "菠萝催花与采收",
        "火龙果田间管理",
        "红树林保护与海洋生态",
    ),
    "border_talk": (
        "边界山林土地纠纷化解",
        "边界村联防联治",
        "防范电信网络诈骗",
        "禁毒知识进村入户",
    ),
    "dialect_troupe": (
        "“百千万工程”政策解读",
        "民法典进农村",
        "防溺水安全教育",
        "台风防御与汛期安全",
        "森林防火与秸秆禁烧",
    ),
    "instructor_lecture": (
        "党建指导员开讲啦：党的创新理论进村居",
        "党建指导员开讲啦：村级集体经济发展",
        "党建指导员开讲啦：基层党组织标准化建设",
        "党建指导员开讲啦：乡村振兴实践",
    ),
    "other": (
        "退役军人优待政策",
        "反邪教宣传",
        "安全生产,从我做起",
        "垃圾分类进社区",
    ),
}
_SEASONAL_TOPICS: dict[int, str] = {
    6: "登革热、基孔肯雅热防控知识",
    7: "防溺水安全教育",
    8: "台风防御与汛期安全",
    9: "登革热、基孔肯雅热防控知识",
    12: "冬春森林防火",
}


def simulate(county: County) -> dict[str, list[Row]]:
    rng = county.rng("outreach")
    dialects = _DIALECTS[county.code]
    formats = {
        "night_talk": 26 if county.rural else 10,
        "night_school": 14 if county.rural else 6,
        "field_class": 12 if county.rural else 3,
        "border_talk": 8 if county.rural else 4,
        "dialect_troupe": 10,
        "instructor_lecture": 18,
        "other": 8,
    }
    audience_range = {
        "night_talk": (20, 90),
        "night_school": (25, 120),
        "field_class": (15, 70),
        "border_talk": (30, 160),
        "dialect_troupe": (120, 650),
        "instructor_lecture": (40, 260),
        "other": (30, 300),
    }
    result: dict[str, list[Row]] = {}
    for period in county.periods:
        year, month = ym(period)
        first, last = days(period)
        mean = 1.1 * len(county.towns) + 6
        count = max(5, round(rng.gauss(mean * (1.25 if month in (1, 2) else 1.0), mean * 0.15)))
        rows = []
        for number in range(1, count + 1):
            fmt = weighted(rng, formats)
            topic = rng.choice(_TOPICS[fmt])
            if month in _SEASONAL_TOPICS and rng.random() < 0.2:
                topic = _SEASONAL_TOPICS[month]
            dialect = fmt == "dialect_troupe" or rng.random() < (0.3 if county.rural else 0.1)
            if dialect:
                topic = f"{topic}（{rng.choice(dialects)}）"
            low, high = audience_range[fmt]
            audience = rng.randint(low, high)
            if fmt == "dialect_troupe" and rng.random() < 0.15:
                audience = rng.randint(1000, 3200)
            rows.append(
                {
                    "event_id": f"XJ{county.code}{year}{month:02d}{number:03d}",
                    "town_code": rng.choice(county.town_codes),
                    "held_on": rand_day(rng, first, last),
                    "format": fmt,
                    "topic": topic,
                    "audience": audience,
                    "dialect": dialect,
                }
            )
        result[period] = rows
    return result
