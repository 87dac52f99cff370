"""View models: the bulletin's content decided and formatted in Python, laid out by Jinja.

Keeping the decisions here (what is a headline, how ranks tie, when a city figure is
incomplete, what 未报送 means) makes them unit-testable; the templates only place strings,
and autoescaping covers every one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from reportflow.bulletin.charts import Bar, bar_chart_svg
from reportflow.bulletin.data import Figure, PeriodData, SubmissionStatus, Unit
from reportflow.bulletin.formatting import (
    NOT_APPLICABLE,
    Cell,
    format_mom,
    format_value,
    format_yoy,
    trend_css,
    value_cell,
)
from reportflow.contract import IndicatorSpec, forms
from reportflow.periods import Period
from reportflow.quality.model import readable_observed
from reportflow.templating import format_date_zh, format_datetime_zh, is_number

#: Key figures on the first page, chosen to cover each line of work once.
HEADLINE_KEYS: tuple[str, ...] = (
    "instructors_full_time",
    "town_coverage_rate",
    "weak_orgs_rectification_rate",
    "disputes_received",
    "mediation_success_rate",
    "outreach_events",
    "investment_to_date",
    "warnings_open",
)
#: County rankings (higher is better for each of these).
RANKING_KEYS: tuple[str, ...] = ("mediation_success_rate", "outreach_events", "town_coverage_rate")
#: Charts of the city bulletin; the county bulletin uses the first two, its own bar highlighted.
CHART_KEYS: tuple[str, ...] = (
    "outreach_events",
    "mediation_success_rate",
    "disputes_received",
    "town_coverage_rate",
)
SUBMISSION_GROUP = "submission"
SUBMISSION_GROUP_TITLE = "报表报送"
CITY_ROW_NAME = "全市"
UNITS_NOUN = "县（市、区）"
CHINESE_NUMERALS = "一二三四五六七八九十"

STATUS_TEXT: dict[str, tuple[str, str]] = {
    "accepted": ("按时报送", "ok"),
    "late": ("逾期报送", "late"),
    "rejected": ("未报送（文件被退回）", "missing"),
    "missing": ("未报送", "missing"),
}


@dataclass(frozen=True)
class Masthead:
    """Title block shared by every page type."""

    title: str
    subtitle: str
    period: str
    period_label: str
    issue: str
    issued_on: str


@dataclass(frozen=True)
class FigureLine:
    """An indicator's value with its month-on-month and year-on-year changes, formatted."""

    label: str
    value: Cell
    mom: str
    mom_css: str
    yoy: str
    yoy_css: str


@dataclass(frozen=True)
class Headline(FigureLine):
    """One key figure with its comparisons and, for a county, the city figure beside it."""

    note: str = ""
    city_value: str = ""


@dataclass(frozen=True)
class FormStatusRow:
    """One form in the city's 报送情况 table."""

    form_label: str
    submitted: int
    expected: int
    on_time: int
    late_names: str
    missing_names: str


@dataclass(frozen=True)
class RankEntry:
    rank: str
    name: str
    value: Cell


@dataclass(frozen=True)
class Ranking:
    label: str
    entries: tuple[RankEntry, ...]


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup
    note: str = ""


@dataclass(frozen=True)
class GroupRow:
    name: str
    is_city: bool
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class GroupTable:
    """All counties × the indicators of one form (one 'indicator group')."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[GroupRow, ...]
    note: str = ""


@dataclass(frozen=True)
class SubmissionTotals:
    expected: int
    submitted: int
    on_time: int
    late: int
    missing: int

    @property
    def sentence(self) -> str:
        return (
            f"应报送报表{self.expected}份，已报送{self.submitted}份"
            f"（其中按时{self.on_time}份、逾期{self.late}份），未报送{self.missing}份。"
        )


@dataclass(frozen=True)
class QualityNote:
    """One county's failed warning-level quality checks: what to follow up (数据质量提示)."""

    county: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class CityBulletin:
    masthead: Masthead
    nothing_submitted: bool
    totals: SubmissionTotals
    headlines: tuple[Headline, ...]
    form_status: tuple[FormStatusRow, ...]
    rankings: tuple[Ranking, ...]
    charts: tuple[Chart, ...]
    groups: tuple[GroupTable, ...]
    quality_notes: tuple[QualityNote, ...] = ()


@dataclass(frozen=True)
class CountyStatusRow:
    form_label: str
    status: str
    css: str
    accepted_at: str
    file_name: str
    rejected_files: int


@dataclass(frozen=True)
class CountyRow(FigureLine):
    city_value: Cell


@dataclass(frozen=True)
class CountyGroup:
    title: str
    rows: tuple[CountyRow, ...]
    note: str = ""


@dataclass(frozen=True)
class CountyBulletin:
    masthead: Masthead
    county: Unit
    nothing_submitted: bool
    totals: SubmissionTotals
    headlines: tuple[Headline, ...]
    status_rows: tuple[CountyStatusRow, ...]
    charts: tuple[Chart, ...]
    groups: tuple[CountyGroup, ...] = field(default_factory=tuple)
    quality_notes: tuple[QualityNote, ...] = ()


def masthead(period: str, subtitle: str, issued: datetime) -> Masthead:
    """The 简报-style title block: red title, issue number, period and date of issue."""
    parsed = Period.parse(period)
    return Masthead(
        title="湛江市党建指导员工作月报",
        subtitle=subtitle,
        period=period,
        period_label=parsed.label,
        issue=f"{parsed.year}年第{parsed.month}期",
        issued_on=format_date_zh(issued),
    )


def chinese_ordinal(index: int) -> str:
    """Section numbering of Chinese documents: 1 → 一 … 10 → 十 (enough for our groups)."""
    return CHINESE_NUMERALS[index - 1] if 1 <= index <= len(CHINESE_NUMERALS) else str(index)


def join_names(names: Sequence[str]) -> str:
    """``赤坎区、霞山区``; ``无`` when the list is empty, so the cell is never blank."""
    return "、".join(names) if names else "无"


def _figure_line(figure: Figure) -> dict[str, Any]:
    """The :class:`FigureLine` fields of a figure, for a headline or a county row."""
    kind = figure.indicator.kind
    return {
        "label": figure.indicator.label,
        "value": value_cell(figure),
        "mom": format_mom(figure.mom_change, kind),
        "mom_css": trend_css(figure.mom_change),
        "yoy": format_yoy(figure.yoy_change),
        "yoy_css": trend_css(figure.yoy_change),
    }


def headline(
    figure: Figure, city_figure: Figure | None = None, expected_units: int = 10
) -> Headline:
    """A key figure with MoM/YoY and an incompleteness note that says how many reported."""
    note = ""
    if figure.reported and not figure.is_complete and figure.submitted_units is not None:
        note = f"数据不完整（已报送{figure.submitted_units}/{expected_units}）"
    elif figure.reported and not figure.is_complete:
        note = "数据不完整"
    city_text = ""
    if city_figure is not None:
        city_text = value_cell(city_figure).text
    return Headline(**_figure_line(figure), note=note, city_value=city_text)


def submission_totals(statuses: Sequence[SubmissionStatus]) -> SubmissionTotals:
    """Counts of forms expected / submitted / on time / late / missing."""
    late = sum(1 for s in statuses if s.status == "late")
    submitted = sum(1 for s in statuses if s.submitted)
    return SubmissionTotals(
        expected=len(statuses),
        submitted=submitted,
        on_time=submitted - late,
        late=late,
        missing=len(statuses) - submitted,
    )


def form_status_rows(data: PeriodData) -> tuple[FormStatusRow, ...]:
    """Per form: who submitted, who was late (逾期), who did not (未报送, incl. only rejected)."""
    rows = []
    for form in forms().values():
        statuses = [(c, data.status(c.code, form.key)) for c in data.counties]
        late = [c.name for c, s in statuses if s.status == "late"]
        missing = [
            f"{c.name}（被退回）" if s.status == "rejected" else c.name
            for c, s in statuses
            if not s.submitted
        ]
        submitted = sum(1 for _, s in statuses if s.submitted)
        if len(missing) == len(statuses) > 1:
            missing = [f"全部{len(statuses)}个{UNITS_NOUN}"]  # one line, not ten names
        rows.append(
            FormStatusRow(
                form_label=form.label,
                submitted=submitted,
                expected=len(statuses),
                on_time=submitted - len(late),
                late_names=join_names(late),
                missing_names=join_names(missing),
            )
        )
    return tuple(rows)


def ranking(data: PeriodData, key: str) -> Ranking:
    """Counties by value, best first; equal values share a rank (1, 2, 2, 4); missing last."""
    figures = [(c, data.figure(c.code, key)) for c in data.counties]
    ranked = sorted(
        (pair for pair in figures if is_number(pair[1].value)),
        key=lambda pair: (-float(pair[1].value), pair[0].sort_order),  # type: ignore[arg-type]
    )
    entries: list[RankEntry] = []
    previous: str | None = None
    rank = 0
    for position, (county, figure) in enumerate(ranked, start=1):
        shown = format_value(figure.value, figure.indicator.kind)
        if shown != previous:
            rank, previous = position, shown  # ties as displayed, so equal-looking ranks tie
        entries.append(RankEntry(str(rank), county.name, value_cell(figure)))
    entries += [
        RankEntry(NOT_APPLICABLE, county.name, value_cell(figure))
        for county, figure in figures
        if not is_number(figure.value)
    ]
    spec = figures[0][1].indicator
    return Ranking(spec.label, tuple(entries))


def chart(data: PeriodData, key: str, highlight: str | None = None) -> Chart:
    """Bar chart of one indicator across counties; rates get the city rate as a dashed line."""
    city_figure = data.figure(data.city.code, key)
    spec = city_figure.indicator
    bars = [
        Bar(
            label=c.name,
            value=data.figure(c.code, key).value,
            text=value_cell(data.figure(c.code, key)).text,
            highlight=c.code == highlight,
        )
        for c in data.counties
    ]
    is_rate = spec.kind == "rate"
    reference = city_figure.value if is_rate else None
    reference_text = f"全市 {format_value(reference, spec.kind)}" if is_number(reference) else ""
    svg = bar_chart_svg(
        bars,
        title=f"各{UNITS_NOUN}{spec.label}",
        max_value=1.0 if is_rate else None,
        reference=reference,
        reference_text=reference_text,
    )
    note = "虚线为全市水平。" if reference_text else ""
    return Chart(title=f"各{UNITS_NOUN}{spec.label}", svg=svg, note=note)


def indicator_groups(data: PeriodData) -> list[tuple[str, str, tuple[IndicatorSpec, ...]]]:
    """(group key, title, indicators) per form in contract order, then the submission counts."""
    groups = []
    for form in forms().values():
        specs = tuple(i for i in data.indicators if i.form == form.key)
        if specs:
            groups.append((form.key, form.label, specs))
    rest = tuple(i for i in data.indicators if i.form is None)
    if rest:
        groups.append((SUBMISSION_GROUP, SUBMISSION_GROUP_TITLE, rest))
    return groups


def _incompleteness_note(data: PeriodData, form_key: str) -> str:
    """Which counties a form's city totals leave out, or nothing when all ten reported."""
    if form_key == SUBMISSION_GROUP:
        return ""
    missing = [c.name for c in data.counties if not data.status(c.code, form_key).submitted]
    if not missing or len(missing) == len(data.counties):
        return ""
    return f"全市数据不完整：{join_names(missing)}未报送，全市数为已报送{UNITS_NOUN}合计。"


def group_table(
    data: PeriodData, index: int, group: tuple[str, str, tuple[IndicatorSpec, ...]]
) -> GroupTable:
    """One full table: city row then every county, one column per indicator of the group."""
    key, title, specs = group
    rows = tuple(
        GroupRow(
            name=CITY_ROW_NAME if unit.is_city else unit.name,
            is_city=unit.is_city,
            cells=tuple(value_cell(data.figure(unit.code, s.key)) for s in specs),
        )
        for unit in data.units
    )
    return GroupTable(
        title=f"（{chinese_ordinal(index)}）{title}",
        headers=tuple(s.label for s in specs),
        rows=rows,
        note=_incompleteness_note(data, key),
    )


def quality_notes(data: PeriodData, county_code: str | None = None) -> tuple[QualityNote, ...]:
    """Warnings per county in bulletin order (one county's only, if given); one line each."""
    notes = []
    for unit in data.units:
        if county_code is not None and unit.code != county_code:
            continue
        items = tuple(
            f"{o.description}（{readable_observed(o.observed)}）"
            for o in data.quality_warnings
            if o.county_code == unit.code
        )
        if items:
            notes.append(QualityNote(CITY_ROW_NAME if unit.is_city else unit.name, items))
    return tuple(notes)


def city_bulletin(data: PeriodData, issued: datetime) -> CityBulletin:
    """Everything the city bulletin shows, formatted."""
    city_code = data.city.code
    statuses = [data.status(c.code, f) for c in data.counties for f in forms()]
    return CityBulletin(
        masthead=masthead(data.period, "全市综合", issued),
        nothing_submitted=data.nothing_submitted,
        totals=submission_totals(statuses),
        headlines=tuple(
            headline(data.figure(city_code, k), expected_units=len(data.counties))
            for k in HEADLINE_KEYS
        ),
        form_status=form_status_rows(data),
        rankings=tuple(ranking(data, k) for k in RANKING_KEYS),
        charts=tuple(chart(data, k) for k in CHART_KEYS),
        groups=tuple(
            group_table(data, i, g) for i, g in enumerate(indicator_groups(data), start=1)
        ),
        quality_notes=quality_notes(data),
    )


def county_status_rows(data: PeriodData, county_code: str) -> tuple[CountyStatusRow, ...]:
    """The county's seven forms: status, first accepted time (Beijing), file, rejections."""
    rows = []
    for form in forms().values():
        status = data.status(county_code, form.key)
        text, css = STATUS_TEXT.get(status.status, (status.status, ""))
        rows.append(
            CountyStatusRow(
                form_label=form.label,
                status=text,
                css=css,
                accepted_at=format_datetime_zh(status.first_accepted_at),
                file_name=status.file_name or NOT_APPLICABLE,
                rejected_files=status.rejected_files,
            )
        )
    return tuple(rows)


def county_group(
    data: PeriodData,
    county_code: str,
    index: int,
    group: tuple[str, str, tuple[IndicatorSpec, ...]],
) -> CountyGroup:
    """The county's indicators of one group beside the city's."""
    key, title, specs = group
    rows = [
        CountyRow(
            **_figure_line(data.figure(county_code, spec.key)),
            city_value=value_cell(data.figure(data.city.code, spec.key)),
        )
        for spec in specs
    ]
    notes = []
    if key != SUBMISSION_GROUP and not data.status(county_code, key).submitted:
        notes.append(f"本{UNITS_NOUN}本月未报送{title}报表，相关指标缺失。")
    notes.append(_incompleteness_note(data, key))
    note = "".join(notes)
    return CountyGroup(title=f"（{chinese_ordinal(index)}）{title}", rows=tuple(rows), note=note)


def county_bulletin(data: PeriodData, county_code: str, issued: datetime) -> CountyBulletin:
    """Everything one county's bulletin shows, formatted."""
    county = data.unit(county_code)
    if county.is_city:
        raise ValueError("the city has the city bulletin, not a county bulletin")
    statuses = [data.status(county_code, f) for f in forms()]
    return CountyBulletin(
        masthead=masthead(data.period, county.name, issued),
        county=county,
        nothing_submitted=not any(s.submitted for s in statuses),
        totals=submission_totals(statuses),
        headlines=tuple(
            headline(data.figure(county_code, k), data.figure(data.city.code, k))
            for k in HEADLINE_KEYS
        ),
        status_rows=county_status_rows(data, county_code),
        charts=tuple(chart(data, k, highlight=county_code) for k in CHART_KEYS[:2]),
        groups=tuple(
            county_group(data, county_code, i, g)
            for i, g in enumerate(indicator_groups(data), start=1)
        ),
        quality_notes=quality_notes(data, county_code),
    )
