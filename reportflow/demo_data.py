"""Realistic demo submissions from the ten county-level units of 湛江市.

Why this exists: the demo, the end-to-end tests and every preview of the leaders' bulletin need
drop folders that look like what county staff really upload, warts included. A tidy UTF-8 file
per county would hide exactly the problems intake must survive, so the generator reproduces the
mess of real submissions while keeping every *good* file valid under the contract (forms.md):

* headers in Chinese for most counties, English keys for two (their figures come out of a system);
  one county pads header cells with spaces, one reorders columns, one leaves out an optional column;
* file names with the form key or its Chinese name, and ``YYYY-MM`` or ``YYYYMM``;
* GB18030 with CRLF (what Excel on Chinese Windows saves), UTF-8 with BOM and CRLF (Excel's
  "CSV UTF-8"), UTF-8 without BOM and LF (system exports); one county switches from GB18030 to
  UTF-8 half-way through, as happens when the clerk changes;
* all four accepted date styles, enum labels or keys, 是/否 or yes/no or 1/0, full-width digits,
  thousands separators (ASCII and full-width comma), quoted cells with commas and line breaks,
  Excel's blank trailing rows, 零报告 files (a county with nothing to list that month);
* case forms (disputes, early warnings) that behave like case registers: a case received
  ``in_progress`` reappears in the month it closes, with its new status;
* arrival times spread like real submissions (mostly before the deadline, the 5th of the
  following month 24:00 Asia/Shanghai, a few late), a correction, forms not submitted, and, on
  request, deliberately bad files, each documented in :class:`DemoSummary` with what the system
  is expected to make of it.

Arrivals are replayed, not faked with mtimes (intake never reads them): each file's planned
arrival instant goes into intake's own arrival log (``work/arrivals/``, through
``arrivals.replay``), which then holds what a system running through those months would have
recorded. Whatever ingests the files later (the ingest DAG on the real clock, ``reportflow
run``) takes their received times from that log like any other first sighting.

Everything is deterministic given the seed (file bytes and, unless clamped to "now", arrival
times), so tests can pin expectations and bulletins are reproducible.

Scenario of the latest period ``L`` (see :func:`generate_demo_data`):

* 徐闻县 (440825) does not submit reserve_cadres; 湛江经济技术开发区 (440871) does not submit
  early_warnings (the bulletin shows 未报送).
* 赤坎区 (440802) submits ``disputes_L.csv`` on time, then a correction ``矛盾纠纷_L.csv`` after
  the deadline: three cases were missing and two closed cases were still marked 调解中. The later
  file replaces the earlier; the form still counts as on time (its *first* accepted file was).
* 雷州市 (440882) instructors and 吴川市 (440883) weak_orgs arrive late; 遂溪县 (440823) outreach
  lands at 23:41 on the deadline day (on time) and 麻章区 (440811) early_warnings 12 minutes after
  midnight (late).
* 湛江经济技术开发区 lists no weak organisations this year: its weak_orgs files are 零报告
  (nil returns), so the rectification rate is 0/0, i.e. missing.
* With ``bad_files``: 霞山区 outreach carries a town code of 赤坎区 (rejected, outreach missing);
  廉江市 reserve_cadres lacks the 纳入日期 column (rejected), the fixed file follows after the
  deadline (accepted, late); 雷州市 sends a "correction" of disputes with a 受理日期 after the
  period end (rejected; the earlier file stands); 坡头区 project_orgs is an ``.xlsx`` renamed to
  ``.csv`` (rejected, project_orgs missing). Without ``bad_files`` the first two and the last are
  replaced by good files (the 廉江 fixed file is still written, late) and the 雷州 one is left out.
* Earlier history: 徐闻县 disputes are missing for ``L-12`` (so its year-on-year is missing),
  麻章区 instructors for ``L-1`` (nothing is carried forward), 吴川市 outreach for ``L-3``;
  about 3 % of earlier files are late.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportflow.config import Settings
from reportflow.contract import FieldSpec, FormSpec, counties, deadline_day_default, forms, towns_of
from reportflow.intake.arrivals import replay
from reportflow.intake.validate import NIL_RETURN_MARKS
from reportflow.periods import Period, beijing_now, shift_period, to_beijing, to_naive_utc

Row = dict[str, Any]


# --------------------------------------------------------------------------- periods


def _ym(period: str) -> tuple[int, int]:
    """Year and month of ``period``, for the generators that index lists by them."""
    parsed = Period.parse(period)
    return parsed.year, parsed.month


def _days(period: str) -> tuple[date, date]:
    """First and last day of ``period``: the window a generated date of that month falls in."""
    parsed = Period.parse(period)
    return parsed.first_day, parsed.last_day


# --------------------------------------------------------------------------- summary types


@dataclass(frozen=True)
class DemoFile:
    """One file the generator wrote, with what the system is expected to do with it."""

    path: Path
    county_code: str
    form: str
    period: str
    rows: int
    encoding: str
    submitted_at: datetime  # when it arrived: the instant replayed into intake's arrival log
    on_time: bool
    expected: str
    note: str = ""


@dataclass(frozen=True)
class BadFile:
    """A deliberately invalid file and the rejection it must produce.

    ``row`` is the row number as Excel shows it (header = 1), ``column`` the Chinese label of
    the offending column; both are None for file-level problems.
    """

    path: Path
    county_code: str
    form: str
    period: str
    problem: str
    expected_reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate_demo_data` wrote, so tests and the demo can state expectations."""

    drop_dir: Path
    latest_period: str
    periods: tuple[str, ...]
    files: tuple[DemoFile, ...]
    bad_files: tuple[BadFile, ...]
    not_submitted: tuple[tuple[str, str, str], ...]
    corrections: tuple[tuple[Path, Path], ...]
    seed: int
    deadline_day: int = field(default_factory=deadline_day_default)

    def rejected_paths(self) -> frozenset[Path]:
        """Files the intake must reject."""
        return frozenset(f.path for f in self.files if f.expected == "rejected")

    def files_for(self, period: str) -> tuple[DemoFile, ...]:
        return tuple(f for f in self.files if f.period == period)

    def arrivals(self) -> dict[Path, datetime]:
        """When each file arrived (the replayed instant intake recorded), for the reference."""
        return {f.path: f.submitted_at for f in self.files}

    def late_files(self) -> tuple[DemoFile, ...]:
        return tuple(f for f in self.files if not f.on_time)

    def missing(self, period: str | None = None) -> dict[tuple[str, str], str]:
        """(county, form) without an accepted file for ``period`` (default latest) and why."""
        period = period or self.latest_period
        result: dict[tuple[str, str], str] = {}
        for county in counties():
            for form in forms():
                mine = [
                    f
                    for f in self.files
                    if f.county_code == county.code and f.form == form and f.period == period
                ]
                if not mine:
                    result[(county.code, form)] = "not_submitted"
                elif all(f.expected == "rejected" for f in mine):
                    result[(county.code, form)] = "rejected"
        return result

    def describe(self) -> str:
        """Plain-text account of the scenario, for the demo command's output."""
        lines = [
            f"Demo submissions in {self.drop_dir} (seed {self.seed}): "
            f"{len(self.files)} files, periods {self.periods[0]} .. {self.latest_period}.",
            f"Latest period {self.latest_period}:",
        ]
        for (county, form), why in sorted(self.missing().items()):
            lines.append(f"  missing {county} {form}: {why}")
        for old, new in self.corrections:
            lines.append(f"  correction: {new.name} replaces {old.name} ({old.parent.name})")
        for bad in self.bad_files:
            lines.append(
                f"  bad file {bad.county_code}/{bad.path.name}: {bad.problem} "
                f"-> {bad.expected_reason}"
            )
        late = [f for f in self.late_files() if f.period == self.latest_period]
        for f in late:
            when = f"{f.submitted_at:%Y-%m-%d %H:%M}"
            lines.append(f"  late: {f.county_code}/{f.path.name} at {when}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- county styles


@dataclass(frozen=True)
class _Style:
    """How one county's clerk saves files; the variety intake must accept."""

    english_headers: bool = False
    enum_keys: bool = False
    label_names: bool = False
    compact_period: bool = False
    encoding: str = "gb18030"
    crlf: bool = True
    date_style: str = "iso"
    yes_no: tuple[str, str] = ("是", "否")
    thousands: str = ""
    fullwidth: bool = False
    reorder: bool = False
    padded_header: bool = False
    trailing_blank_rows: bool = False
    omit_optional: tuple[str, ...] = ()
    submit_day: int = 3


_STYLES: dict[str, _Style] = {
    # 赤坎: figures come out of the district's own system: English keys, UTF-8, LF.
    "440802": _Style(
        english_headers=True,
        enum_keys=True,
        encoding="utf-8",
        crlf=False,
        yes_no=("yes", "no"),
        submit_day=2,
    ),
    "440803": _Style(label_names=True, compact_period=True, date_style="slash", submit_day=4),
    "440804": _Style(encoding="utf-8-sig", padded_header=True, submit_day=3),
    "440811": _Style(
        compact_period=True,
        date_style="dash_short",
        yes_no=("1", "0"),
        omit_optional=("summary",),
        submit_day=4,
    ),
    # 遂溪 switches from GB18030/YYYYMM to UTF-8 BOM/YYYY-MM half-way (see _style_for).
    "440823": _Style(
        label_names=True,
        encoding="utf-8-sig",
        date_style="cn",
        thousands=",",
        submit_day=3,
    ),
    "440825": _Style(date_style="slash", submit_day=5),
    "440881": _Style(
        compact_period=True,
        date_style="slash",
        thousands=",",
        reorder=True,
        submit_day=4,
    ),
    "440882": _Style(
        label_names=True,
        compact_period=True,
        encoding="utf-8-sig",
        fullwidth=True,
        submit_day=5,
    ),
    "440883": _Style(
        label_names=True,
        compact_period=True,
        date_style="cn",
        thousands="，",
        trailing_blank_rows=True,
        submit_day=4,
    ),
    # 开发区: English column names from a system, but the values keep the Chinese labels.
    "440871": _Style(
        english_headers=True,
        encoding="utf-8",
        crlf=False,
        yes_no=("yes", "no"),
        submit_day=2,
    ),
}

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _style_for(county_code: str, index: int, n_periods: int) -> _Style:
    style = _STYLES[county_code]
    if county_code == "440823" and index < n_periods // 2:
        return replace(style, encoding="gb18030", compact_period=True)
    return style


def _fmt_date(value: date, style: str) -> str:
    if style == "slash":
        return f"{value.year}/{value.month}/{value.day}"
    if style == "dash_short":
        return f"{value.year}-{value.month}-{value.day}"
    if style == "cn":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def _fmt_cell(spec: FieldSpec, value: Any, style: _Style, rng: random.Random) -> str:
    if value is None:
        return ""
    if spec.type == "date":
        return _fmt_date(value, style.date_style)
    if spec.type == "enum":
        return str(value) if style.enum_keys else spec.values[value]
    if spec.type == "yesno":
        return style.yes_no[0] if value else style.yes_no[1]
    if spec.type == "whole":
        text = str(value)
        if style.thousands and value >= 1000:
            text = f"{value:,}".replace(",", style.thousands)
        if style.fullwidth and rng.random() < 0.08:
            text = text.translate(_FULLWIDTH)
        return text
    if spec.type == "decimal":
        return f"{value:.2f}"
    return str(value)


def _render_csv(
    form: FormSpec,
    rows: Sequence[Row],
    style: _Style,
    rng: random.Random,
    *,
    drop_columns: tuple[str, ...] = (),
) -> bytes:
    """Bytes of one CSV file as this county's clerk would save it; with no rows, a 零报告
    (the nil return a county sends for "nothing this month", as Excel saves it)."""
    specs = [
        f
        for f in form.fields
        if f.key not in drop_columns and not (not f.required and f.key in style.omit_optional)
    ]
    if style.reorder:
        specs.sort(key=lambda f: f.key != "town_code")
    header = [f.key if style.english_headers else f.label for f in specs]
    if style.padded_header:
        header = [f" {h} " if i % 2 else h for i, h in enumerate(header)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if style.crlf else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_fmt_cell(f, row.get(f.key), style, rng) for f in specs])
    if not rows:
        writer.writerow([NIL_RETURN_MARKS[0]] + [""] * (len(specs) - 1))
    if style.trailing_blank_rows:
        for _ in range(2):
            writer.writerow([""] * len(specs))
    return buffer.getvalue().encode(style.encoding)


def _fake_xlsx() -> bytes:
    """A small Excel workbook: what arrives when someone renames ``报表.xlsx`` to ``.csv``.

    It carries a JPEG thumbnail stored uncompressed, so its bytes contain 0xFF, which is valid
    in neither UTF-8 nor GB18030: the file can never be mistaken for text.
    """
    buffer = io.BytesIO()
    stamp = (2026, 1, 1, 0, 0, 0)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types/>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook/>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet><sheetData/></worksheet>',
    }
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
        thumb = zipfile.ZipInfo("docProps/thumbnail.jpeg", date_time=stamp)
        archive.writestr(thumb, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    return buffer.getvalue()


# --------------------------------------------------------------------------- static colour

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
_RURAL = {"440804", "440811", "440823", "440825", "440881", "440882", "440883"}

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

# Disputes and early warnings are simulated from a few months before the first written
# period, so the first files already carry closures of older cases, as real registers do.
_WARM_UP = 3
_CENT = Decimal("0.01")


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _rand_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


# --------------------------------------------------------------------------- simulation


class _County:
    """Simulated truth for one county over the whole window: rows per form per period."""

    def __init__(self, code: str, periods: list[str], seed: int) -> None:
        self.code = code
        self.periods = periods
        self.n = len(periods)
        self.seed = seed
        self.towns = towns_of(code)
        self.town_codes = [t.code for t in self.towns]
        self.rural = code in _RURAL
        rng = self._rng("villages")
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
        self.projects = self._project_specs()
        self.instructor_rows, self.initial_instructors = self._instructors()

    def _rng(self, topic: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.code}:{topic}")

    def _period_at(self, index: int) -> str:
        return shift_period(self.periods[0], index)

    # -- projects ----------------------------------------------------------------------

    def _project_specs(self) -> list[dict[str, Any]]:
        rng = self._rng("project_specs")
        specs = []
        for number, (name, town, build, prod, now, rate, members) in enumerate(
            _PROJECT_TABLE[self.code], start=1
        ):
            build_index = self.n - 1 + build
            first, last = _days(self._period_at(build_index))
            specs.append(
                {
                    "code": f"XM{self.code}{number:02d}",
                    "name": name,
                    "town": town,
                    "build_index": build_index,
                    "prod_index": None if prod is None else self.n - 1 + prod,
                    "temp_org_on": _rand_day(
                        rng, first + timedelta(days=4), last - timedelta(days=3)
                    ),
                    "now": Decimal(now),
                    "rate": Decimal(rate),
                    "members": members,
                }
            )
        return specs

    def project_orgs(self) -> dict[str, list[Row]]:
        rng = self._rng("project_orgs")
        result: dict[str, list[Row]] = {p: [] for p in self.periods}
        for spec in self.projects:
            investment = spec["now"]
            members = spec["members"]
            per_index: dict[int, Row] = {}
            for index in range(self.n - 1, -1, -1):
                status = self._project_status(spec, index)
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
                result[self.periods[index]].append(row)
        return result

    @staticmethod
    def _project_status(spec: dict[str, Any], index: int) -> str:
        if index < spec["build_index"]:
            return "preparing"
        if spec["prod_index"] is not None and index >= spec["prod_index"]:
            return "in_production"
        return "under_construction"

    # -- instructors -------------------------------------------------------------------

    def _new_instructor(
        self, rng: random.Random, number: int, town: str, assigned: date, project: str | None
    ) -> Row:
        if project:
            source = rng.choice(["agency", "agency", "new_org"])
            employment = "full_time"
            orgs = rng.randint(1, 3)
        else:
            source = _weighted(
                rng,
                {"agency": 38, "institution": 24, "new_org": 10, "retired_cadre": 20, "other": 8},
            )
            full = {"agency": 0.4, "institution": 0.35, "new_org": 0.15}.get(source, 0.0)
            employment = "full_time" if rng.random() < full else "part_time"
            orgs = rng.randint(3, 8) if employment == "full_time" else rng.randint(1, 4)
        return {
            "instructor_id": f"ZDY{self.code}{number:04d}",
            "town_code": town,
            "employment": employment,
            "source": source,
            "assigned_on": assigned,
            "orgs_covered": orgs,
            "project_code": project,
        }

    def _instructors(self) -> tuple[dict[str, list[Row]], list[Row]]:
        rng = self._rng("instructors")
        codes = self.town_codes
        target = min(118, max(20, round(4.4 * len(codes) + 12 + rng.gauss(0, 3))))
        uncovered = rng.sample(codes, rng.choice([0, 1, 1, 2])) if len(codes) >= 7 else []
        covered = [c for c in codes if c not in uncovered]
        cover_at = {town: rng.randint(2, self.n + 4) for town in uncovered}
        window_start = _days(self.periods[0])[0]
        history_start = date(window_start.year - 7, 3, 1)
        roster: list[Row] = []
        number = 0

        def add(town: str, assigned: date, project: str | None = None) -> None:
            nonlocal number
            number += 1
            roster.append(self._new_instructor(rng, number, town, assigned, project))

        for spec in self.projects:
            if spec["build_index"] <= 0:
                for _ in range(rng.randint(1, 2)):
                    start = min(spec["temp_org_on"], window_start - timedelta(days=1))
                    add(spec["town"], start, spec["code"])
        for town in covered:
            add(town, _rand_day(rng, history_start, window_start - timedelta(days=1)))
        before_window = window_start - timedelta(days=1)
        while len(roster) < target:
            add(rng.choice(covered), _rand_day(rng, history_start, before_window))
        initial = [dict(r) for r in roster]

        result: dict[str, list[Row]] = {}
        for index, period in enumerate(self.periods):
            first, last = _days(period)
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
                    add(rng.choice(covered), _rand_day(rng, first, last))
            for town, at in cover_at.items():
                if at == index:
                    covered.append(town)
                    add(town, _rand_day(rng, first, last))
            for spec in self.projects:
                if spec["build_index"] == index and index > 0:
                    add(spec["town"], spec["temp_org_on"], spec["code"])
            for row in roster:
                if rng.random() < 0.03:
                    row["orgs_covered"] = max(1, row["orgs_covered"] + rng.choice([-1, 1]))
            result[period] = [dict(r) for r in sorted(roster, key=lambda r: r["instructor_id"])]
        return result, initial

    # -- weak organisations ------------------------------------------------------------

    def weak_orgs(self) -> dict[str, list[Row]]:
        rng = self._rng("weak_orgs")
        by_town: dict[str, list[str]] = {}
        for row in self.initial_instructors:
            by_town.setdefault(row["town_code"], []).append(row["instructor_id"])
        town_names = {t.code: t.name for t in self.towns}
        latest_year = _ym(self.periods[-1])[0]
        lists: dict[int, list[dict[str, Any]]] = {}
        for year in sorted({_ym(p)[0] for p in self.periods}):
            size = max(0, min(8, round(len(self.towns) / 4 + rng.uniform(-1, 1.5))))
            if self.code == "440871":
                # The development zone has nothing listed in the latest year: an honest 0/0.
                size = 0 if year == latest_year else 1
            orgs = []
            for number in range(1, size + 1):
                town = rng.choice(self.town_codes)
                village = rng.choice(self.villages[town])
                late_listing = rng.random() < 0.25
                listed = _rand_day(
                    rng,
                    date(year, 5, 1) if late_listing else date(year, 1, 10),
                    date(year, 8, 31) if late_listing else date(year, 3, 31),
                )
                fix_month = (
                    None if rng.random() < 0.2 else rng.randint(min(12, listed.month + 3), 12)
                )
                fixed = None
                if fix_month is not None:
                    first, last = _days(f"{year}-{fix_month:02d}")
                    fixed = _rand_day(rng, max(first, listed + timedelta(days=60)), last)
                    if fixed > last:
                        fixed = None
                mentor = None
                mentor_from = None
                if rng.random() < 0.75:
                    everyone = [r["instructor_id"] for r in self.initial_instructors]
                    mentor = rng.choice(by_town.get(town) or everyone)
                    mentor_from = shift_period(f"{year}-{listed.month:02d}", rng.randint(0, 2))
                suffix = "党总支部" if rng.random() < 0.2 else "党支部"
                orgs.append(
                    {
                        "org_code": f"RS{self.code}{year}{number:02d}",
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
        for period in self.periods:
            _, last = _days(period)
            rows = []
            for org in lists[_ym(period)[0]]:
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

    # -- disputes ----------------------------------------------------------------------

    def disputes(self) -> dict[str, list[Row]]:
        rng = self._rng("disputes")
        base = 7 * len(self.towns) + 20
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
            "land": 24 if self.rural else 8,
            "labour": 10,
            "contract": 12 if self.rural else 22,
            "other": 8,
        }
        mediator_weights = {
            "elders_studio": 30 if self.rural else 18,
            "village_committee": 38,
            "town_committee": 20,
            "instructor": 9,
            "other": 5,
        }
        result: dict[str, list[Row]] = {p: [] for p in self.periods}
        for index in range(-_WARM_UP, self.n):
            period = self._period_at(index)
            year, month = _ym(period)
            first, last = _days(period)
            mean = base * season[month] * (1 + trend * (index + _WARM_UP) / 12)
            weights = dict(category_weights)
            if month in (12, 1, 2):
                weights["labour"] *= 2.5
                weights["family"] *= 1.3
            count = min(200, max(30, round(rng.gauss(mean, mean * 0.08))))
            for number in range(1, count + 1):
                received = _rand_day(rng, first, last)
                category = _weighted(rng, weights)
                same_month = rng.random() < (0.62 if received.day <= 20 else 0.3)
                if same_month:
                    closed: date | None = min(last, received + timedelta(days=rng.randint(0, 10)))
                else:
                    delay = rng.choices([1, 2, 3, 99], weights=[60, 25, 10, 5])[0]
                    cfirst, clast = _days(shift_period(period, delay))
                    closed = None if delay == 99 else _rand_day(rng, cfirst, clast)
                hard = category in ("land", "labour")
                outcome = _weighted(
                    rng,
                    {
                        "agreement": 78 if hard else 88,
                        "no_agreement": 13 if hard else 7,
                        "referred": 9 if hard else 5,
                    },
                )
                case = {
                    "case_id": f"JF{self.code}{year}{month:02d}{number:04d}",
                    "town_code": rng.choice(self.town_codes),
                    "received_on": received,
                    "category": category,
                    "mediator": _weighted(rng, mediator_weights),
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

    # -- outreach ----------------------------------------------------------------------

    def outreach(self) -> dict[str, list[Row]]:
        rng = self._rng("outreach")
        dialects = _DIALECTS[self.code]
        formats = {
            "night_talk": 26 if self.rural else 10,
            "night_school": 14 if self.rural else 6,
            "field_class": 12 if self.rural else 3,
            "border_talk": 8 if self.rural else 4,
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
        for period in self.periods:
            year, month = _ym(period)
            first, last = _days(period)
            mean = 1.1 * len(self.towns) + 6
            count = max(5, round(rng.gauss(mean * (1.25 if month in (1, 2) else 1.0), mean * 0.15)))
            rows = []
            for number in range(1, count + 1):
                fmt = _weighted(rng, formats)
                topic = rng.choice(_TOPICS[fmt])
                if month in _SEASONAL_TOPICS and rng.random() < 0.2:
                    topic = _SEASONAL_TOPICS[month]
                dialect = fmt == "dialect_troupe" or rng.random() < (0.3 if self.rural else 0.1)
                if dialect:
                    topic = f"{topic}（{rng.choice(dialects)}）"
                low, high = audience_range[fmt]
                audience = rng.randint(low, high)
                if fmt == "dialect_troupe" and rng.random() < 0.15:
                    audience = rng.randint(1000, 3200)
                rows.append(
                    {
                        "event_id": f"XJ{self.code}{year}{month:02d}{number:03d}",
                        "town_code": rng.choice(self.town_codes),
                        "held_on": _rand_day(rng, first, last),
                        "format": fmt,
                        "topic": topic,
                        "audience": audience,
                        "dialect": dialect,
                    }
                )
            result[period] = rows
        return result

    # -- reserve cadres ----------------------------------------------------------------

    def reserve_cadres(self) -> dict[str, list[Row]]:
        rng = self._rng("reserve_cadres")
        target = min(140, max(20, round(5.5 * len(self.towns) + 12 + rng.gauss(0, 4))))
        window_start = _days(self.periods[0])[0]
        pool: list[Row] = []
        number = 0
        sources = {"veteran": 20, "graduate": 34, "entrepreneur": 30, "other": 16}

        def add(added: date) -> None:
            nonlocal number
            number += 1
            town = rng.choice(self.town_codes)
            pool.append(
                {
                    "cadre_id": f"HB{self.code}{number:04d}",
                    "town_code": town,
                    "village": rng.choice(self.villages[town]),
                    "source": _weighted(rng, sources),
                    "added_on": added,
                }
            )

        for _ in range(target):
            add(_rand_day(rng, date(window_start.year - 4, 6, 1), window_start - timedelta(days=1)))
        result: dict[str, list[Row]] = {}
        for period in self.periods:
            year, month = _ym(period)
            first, last = _days(period)
            election = year % 5 == 1 and month <= 4
            leave = 0.03 if election else 0.004
            pool = [c for c in pool if rng.random() >= leave]
            for _ in range(rng.choice([0, 1, 1, 2, 3]) + (2 if len(pool) < target - 5 else 0)):
                add(_rand_day(rng, first, last))
            result[period] = [dict(c) for c in pool]
        return result

    # -- early warnings ----------------------------------------------------------------

    def early_warnings(self) -> dict[str, list[Row]]:
        rng = self._rng("early_warnings")
        result: dict[str, list[Row]] = {p: [] for p in self.periods}
        for index in range(-_WARM_UP, self.n):
            period = self._period_at(index)
            year, month = _ym(period)
            first, last = _days(period)
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
            count = max(1, round(rng.gauss(2 + len(self.towns) / 3.5, 1.5)))
            for number in range(1, count + 1):
                reported = _rand_day(rng, first, last)
                category = _weighted(rng, weights)
                delay = rng.choices([0, 1, 2, 4, 99], weights=[52, 28, 10, 6, 4])[0]
                if delay == 0:
                    resolved: date | None = min(last, reported + timedelta(days=rng.randint(0, 12)))
                elif delay == 99:
                    resolved = None
                else:
                    rfirst, rlast = _days(shift_period(period, delay))
                    resolved = _rand_day(rng, rfirst, rlast)
                summary = rng.choice(_WARNING_SUMMARIES[category])
                if rng.random() < 0.04:
                    summary = f"{summary}。\n下一步：持续跟踪，每周报告进展"
                issue = {
                    "issue_id": f"MT{self.code}{year}{month:02d}{number:03d}",
                    "town_code": rng.choice(self.town_codes),
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

    def all_forms(self) -> dict[str, dict[str, list[Row]]]:
        return {
            "instructors": self.instructor_rows,
            "weak_orgs": self.weak_orgs(),
            "disputes": self.disputes(),
            "outreach": self.outreach(),
            "project_orgs": self.project_orgs(),
            "reserve_cadres": self.reserve_cadres(),
            "early_warnings": self.early_warnings(),
        }


# --------------------------------------------------------------------------- writing


@dataclass
class _Plan:
    """A file to write: its bytes and its intended submission time."""

    county: str
    form: str
    period: str
    name: str
    payload: bytes
    rows: int
    encoding: str
    submitted: datetime
    expected: str = "accepted"
    note: str = ""
    bad: dict[str, Any] | None = None
    order: int = 0


def _file_name(form: FormSpec, period: str, *, label: bool, compact: bool) -> str:
    stem = form.label if label else form.key
    return f"{stem}_{period.replace('-', '') if compact else period}.csv"


def _submission_time(rng: random.Random, period: str, day: int, *, late: bool = False) -> datetime:
    jitter = rng.choice([-2, -1, -1, 0, 0, 0, 1])
    day = rng.randint(6, 11) if late else min(5, max(1, day + jitter))
    hour = rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17, 17, 21, 22])
    return _at(period, day, hour, rng.randint(0, 59)) + timedelta(seconds=rng.randint(0, 59))


def _at(period: str, day: int, hour: int, minute: int) -> datetime:
    """Beijing time on day ``day`` of the month after ``period``, when submissions arrive."""
    return Period.parse(period).end + timedelta(days=day - 1, hours=hour, minutes=minute)


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
    _ym(end_period)
    if months < 1:
        raise ValueError("months must be at least 1")
    periods = [shift_period(end_period, i - months + 1) for i in range(months)]
    latest = end_period
    all_forms = forms()
    plans: list[_Plan] = []
    bad: list[BadFile] = []
    not_submitted: list[tuple[str, str, str]] = []
    skip = {
        ("440825", "disputes", shift_period(latest, -12)),
        ("440811", "instructors", shift_period(latest, -1)),
        ("440883", "outreach", shift_period(latest, -3)),
        ("440825", "reserve_cadres", latest),
        ("440871", "early_warnings", latest),
    }
    special_latest = {
        ("440803", "outreach"),
        ("440881", "reserve_cadres"),
        ("440804", "project_orgs"),
        ("440802", "disputes"),
        ("440882", "disputes"),
    }
    for county in counties():
        world = _County(county.code, periods, seed)
        truth = world.all_forms()
        timing = random.Random(f"{seed}:{county.code}:timing")
        for index, period in enumerate(periods):
            style = _style_for(county.code, index, len(periods))
            for form_key, form in all_forms.items():
                if (county.code, form_key, period) in skip:
                    not_submitted.append((county.code, form_key, period))
                    continue
                rows = truth[form_key][period]
                cell_rng = random.Random(f"{seed}:{county.code}:{form_key}:{period}:cells")
                name = _file_name(
                    form, period, label=style.label_names, compact=style.compact_period
                )
                late = period != latest and timing.random() < 0.03
                plan = _Plan(
                    county.code,
                    form_key,
                    period,
                    name,
                    _render_csv(form, rows, style, cell_rng),
                    len(rows),
                    style.encoding,
                    _submission_time(timing, period, style.submit_day, late=late),
                )
                if period == latest and (county.code, form_key) in special_latest:
                    plans.extend(
                        _latest_specials(plan, form, rows, style, cell_rng, bad_files=bad_files)
                    )
                    continue
                if period == latest:
                    plan.submitted = _latest_time(county.code, form_key, period, plan.submitted)
                plans.append(plan)
    drop_dir = settings.drop_dir
    files, corrections = _write(settings, plans, now or beijing_now())
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
        not_submitted=tuple(sorted(not_submitted)),
        corrections=tuple(corrections),
        seed=seed,
    )


def _latest_time(county: str, form: str, period: str, default: datetime) -> datetime:
    """Hand-picked submission times for the latest period, so lateness is part of the story."""
    special = {
        ("440882", "instructors"): (8, 10, 24),
        ("440883", "weak_orgs"): (9, 15, 2),
        ("440823", "outreach"): (5, 23, 41),
        ("440811", "early_warnings"): (6, 0, 12),
    }
    if (county, form) in special:
        return _at(period, *special[(county, form)])
    # Regular files of the latest period are all on time.
    return min(default, _at(period, 5, 17, 30))


def _latest_specials(
    plan: _Plan,
    form: FormSpec,
    rows: list[Row],
    style: _Style,
    rng: random.Random,
    *,
    bad_files: bool,
) -> list[_Plan]:
    """The corrections and bad files of the latest period (see the module docstring)."""
    period = plan.period
    _, last = _days(period)
    key = (plan.county, plan.form)
    other_name = _file_name(form, period, label=not style.label_names, compact=False)

    def label(field_key: str) -> str:
        return form.field_by_key(field_key).label

    def render(changed: list[Row], drop_columns: tuple[str, ...] = ()) -> bytes:
        return _render_csv(
            form, changed, style, random.Random(rng.random()), drop_columns=drop_columns
        )

    if key == ("440802", "disputes"):
        received_here = [r for r in rows if r["received_on"] >= last.replace(day=1)]
        newest = sorted(received_here, key=lambda r: (r["received_on"], r["case_id"]))[-3:]
        closed = [r for r in received_here if r["status"] == "agreement" and r not in newest][:2]
        draft = []
        for row in rows:
            if row in newest:
                continue
            if row in closed:
                row = {**row, "status": "in_progress", "closed_on": None}
            draft.append(row)
        first = replace(
            plan,
            payload=render(draft),
            rows=len(draft),
            submitted=_at(period, 3, 10, 15),
            note="replaced by the correction",
        )
        fixed = replace(
            plan,
            name=other_name,
            submitted=_at(period, 7, 16, 5),
            note=f"correction of {plan.name}: 3 cases added, 2 closed",
            order=1,
        )
        return [first, fixed]
    if key == ("440882", "disputes"):
        plan.submitted = _at(period, 4, 11, 20)
        if not bad_files:
            return [plan]
        victim = next(r for r in rows if r["status"] == "in_progress")
        wrong_day = last + timedelta(days=2)
        broken = [{**r, "received_on": wrong_day} if r is victim else r for r in rows]
        position = rows.index(victim) + 2
        value = _fmt_date(wrong_day, style.date_style)
        bad_plan = replace(
            plan,
            name=other_name,
            payload=render(broken),
            rows=len(broken),
            submitted=_at(period, 5, 9, 40),
            expected="rejected",
            order=1,
            note=f"failed correction of {plan.name}; the earlier file stands",
            bad={
                "problem": "a correction with a 受理日期 after the end of the period",
                "expected_reason": "date later than the last day of the period "
                "(日期晚于报送期末); the earlier accepted file stays current",
                "row": position,
                "column": label("received_on"),
                "value": value,
            },
        )
        return [plan, bad_plan]
    if key == ("440803", "outreach"):
        plan.submitted = _at(period, 4, 9, 5)
        if not bad_files:
            return [plan]
        position = len(rows) // 2
        foreign = "440802003"
        broken = [{**r, "town_code": foreign} if i == position else r for i, r in enumerate(rows)]
        plan.payload = render(broken)
        plan.expected = "rejected"
        plan.note = "only file for the period: outreach stays missing"
        plan.bad = {
            "problem": "one row's 镇街代码 belongs to 赤坎区 (440802), not 霞山区",
            "expected_reason": "town code of another county (镇街代码不属于本县区); "
            "霞山区 outreach has no accepted file",
            "row": position + 2,
            "column": label("town_code"),
            "value": foreign,
        }
        return [plan]
    if key == ("440881", "reserve_cadres"):
        fixed = replace(
            plan,
            name=other_name,
            submitted=_at(period, 7, 15, 45),
            order=1,
            note="resubmitted after the deadline: accepted but late",
        )
        if not bad_files:
            return [fixed]
        plan.payload = render(rows, drop_columns=("added_on",))
        plan.submitted = _at(period, 4, 16, 30)
        plan.expected = "rejected"
        plan.note = "rejected; the fixed file follows"
        plan.bad = {
            "problem": "the required column 纳入日期 (added_on) is missing",
            "expected_reason": "missing required column 纳入日期 (缺少必填列)",
            "column": label("added_on"),
        }
        return [plan, fixed]
    # 坡头 project_orgs: an Excel workbook renamed to .csv.
    plan.submitted = _at(period, 3, 14, 50)
    if not bad_files:
        return [plan]
    plan.payload = _fake_xlsx()
    plan.rows = 0
    plan.encoding = "binary"
    plan.expected = "rejected"
    plan.note = "only file for the period: project_orgs stays missing"
    plan.bad = {
        "problem": "an .xlsx workbook renamed to .csv",
        "expected_reason": "not a CSV text file: decodes as neither UTF-8 nor GB18030 "
        "(文件不是 CSV 文本，可能是 Excel 工作簿)",
    }
    return [plan]


def _write(
    settings: Settings, plans: list[_Plan], now: datetime
) -> tuple[list[DemoFile], list[tuple[Path, Path]]]:
    """Write the planned files and replay their arrivals into intake's arrival log."""
    drop_dir = settings.drop_dir
    ceiling = to_beijing(now) - timedelta(minutes=5)
    groups: dict[tuple[str, str, str], list[_Plan]] = {}
    for plan in plans:
        groups.setdefault((plan.county, plan.form, plan.period), []).append(plan)
    stamps: dict[int, datetime] = {}
    for group in groups.values():
        previous: datetime | None = None
        for plan in sorted(group, key=lambda p: p.order):
            when = min(plan.submitted, ceiling)
            if previous is not None and when <= previous:
                when = previous + timedelta(seconds=1)
            stamps[id(plan)] = previous = when
    arrived: dict[str, dict[str, datetime]] = {}
    for plan in plans:
        folder = drop_dir / plan.county
        folder.mkdir(parents=True, exist_ok=True)
        (folder / plan.name).write_bytes(plan.payload)
        arrived.setdefault(plan.county, {})[plan.name] = to_naive_utc(stamps[id(plan)])
    for county, files_arrived in arrived.items():
        replay(settings, county, files_arrived)  # intake's arrival log, as runs then saw them
    files: list[DemoFile] = []
    corrections: list[tuple[Path, Path]] = []
    for plan in plans:
        when = stamps[id(plan)]
        files.append(
            DemoFile(
                path=drop_dir / plan.county / plan.name,
                county_code=plan.county,
                form=plan.form,
                period=plan.period,
                rows=plan.rows,
                encoding=plan.encoding,
                submitted_at=when,
                on_time=Period.parse(plan.period).is_on_time(when, deadline_day_default()),
                expected=plan.expected,
                note=plan.note,
            )
        )
    for group in groups.values():
        accepted = sorted((p for p in group if p.expected == "accepted"), key=lambda p: p.order)
        for old, new in itertools.pairwise(accepted):
            corrections.append((drop_dir / old.county / old.name, drop_dir / new.county / new.name))
    return files, corrections


__all__: list[str] = [
    "BadFile",
    "DemoFile",
    "DemoSummary",
    "generate_demo_data",
]
