"""总体情况: a few plain Chinese sentences on what matters this month, written from the data.

Every figure the summary states is written as ``<单位><指标名称>为<数值>`` (the unit named
once per sentence: a figure without one is the edition's own), or, for a county that leads or
lags, ``<指标名称>以<县>最高（<数值>）``, with the value formatted exactly as the
bulletin formats it from the same :class:`PeriodData` the export is written from; so a
reader (and a test) can check each against ``indicators.csv`` by name.

What it says, in order: who reported, late or not at all; the biggest month-on-month moves
among the key indicators; which county leads and lags each line of work (county edition: its
place); weak organisations rectified this month; how many quality warnings (数据质量提示) the
period has and for whom.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportflow.bulletin.data import Figure, PeriodData, Unit
from reportflow.bulletin.formatting import (
    FRACTION_KINDS,
    format_amount,
    format_value,
    judge,
    label_names_unit,
)
from reportflow.bulletin.ranks import ranked_counties
from reportflow.contract import IndicatorSpec, forms
from reportflow.periods import period_label
from reportflow.templating import format_count, is_number, round_half_up

CITY_SUBJECT = "全市"
#: How many of the largest moves the summary names.
MOVES_SHOWN = 3
#: One indicator per line of work for "who leads, who lags".
SECTION_KEYS: tuple[str, ...] = (
    "town_coverage_rate",
    "weak_orgs_rectification_rate",
    "mediation_success_rate",
    "outreach_events",
    "investment_to_date",
    "reserve_cadres",
    "warnings_open",
)
#: Forms named per county in the summary; more are counted instead.
MAX_FORMS_NAMED = 2
RECTIFIED_KEYS: tuple[str, ...] = (
    "weak_orgs_rectified_in_period",
    "weak_orgs_rectified",
    "weak_orgs_rectification_rate",
)


def value_text(value: float | None, spec: IndicatorSpec) -> str:
    """A value with its unit as a sentence says it: ``1,234件``, ``95.0%``, ``12.35亿元``.

    No unit where the percentage sign says it, or where the label already names it.
    """
    shown = format_value(value, spec.kind)
    return shown if spec.kind in FRACTION_KINDS or label_names_unit(spec) else f"{shown}{spec.unit}"


def fact(subject: str, figure: Figure) -> str:
    """``全市本月受理纠纷数为1,234件``: the one shape in which the summary states a figure."""
    return f"{subject}{figure.indicator.label}为{value_text(figure.value, figure.indicator)}"


def change_phrase(figure: Figure) -> str:
    """``比上月增加56件`` / ``比上月下降1.2个百分点`` / ``与上月持平`` (as displayed, rounded)."""
    change, spec = figure.mom_change, figure.indicator
    if not is_number(change):
        return ""
    if spec.kind in FRACTION_KINDS:
        size = round_half_up(abs(change) * 100, 1)  # type: ignore[arg-type]
        text, words = f"{size:.1f}个百分点", ("提高", "下降")
    elif spec.kind == "amount":
        size = round_half_up(abs(change), 2)  # type: ignore[arg-type]
        text, words = f"{format_amount(size)}{spec.unit}", ("增加", "减少")
    else:
        size = round_half_up(abs(change), 0)  # type: ignore[arg-type]
        text, words = f"{format_count(size)}{spec.unit}", ("增加", "减少")
    if size == 0:
        return "与上月持平"
    return f"比上月{words[0] if change > 0 else words[1]}{text}"  # type: ignore[operator]


def _relative_move(figure: Figure) -> float:
    """Size of a move for choosing the largest: relative to last month, 0 if not comparable."""
    if not (is_number(figure.mom_change) and is_number(figure.prev_month)):
        return 0.0
    if figure.prev_month == 0:
        return 0.0
    return abs(figure.mom_change / figure.prev_month)  # type: ignore[operator]


def biggest_moves(data: PeriodData, unit: Unit, keys: Sequence[str], subject: str) -> str:
    """The sentence naming the largest month-on-month moves among ``keys``, or nothing."""
    figures = [data.figure(unit.code, key) for key in keys]
    moving = [f for f in figures if f.reported and _relative_move(f) > 0]
    moving.sort(key=_relative_move, reverse=True)
    parts = []
    for index, figure in enumerate(moving[:MOVES_SHOWN]):
        verdict = judge(figure.mom_change, figure.indicator.better)
        hint = {"good": "，向好", "bad": "，需关注"}.get(verdict, "")
        named = subject if index == 0 else ""
        parts.append(f"{fact(named, figure)}，{change_phrase(figure)}{hint}")
    if not parts:
        return ""
    return "与上月相比，变化较大的是：" + "；".join(parts) + "。"


def _extreme_words(spec: IndicatorSpec) -> tuple[str, str]:
    """(best, worst) words: 最高/最低 for rates, 最多/最少 for counts, by ``better``."""
    high, low = ("最高", "最低") if spec.kind in FRACTION_KINDS else ("最多", "最少")
    return (low, high) if spec.better == "lower" else (high, low)


def leaders_and_laggards(data: PeriodData) -> str:
    """Per line of work: the best and the worst county, with their values."""
    parts = []
    for key in SECTION_KEYS:
        ranked = ranked_counties(data, key)
        if len(ranked) < 2 or ranked[0].rank == ranked[-1].rank:
            continue
        best, worst = ranked[0], ranked[-1]
        spec = best.figure.indicator
        best_word, worst_word = _extreme_words(spec)
        best_value = value_text(best.figure.value, spec)
        worst_value = value_text(worst.figure.value, spec)
        parts.append(
            f"{spec.label}以{best.county.name}{best_word}（{best_value}），"
            f"{worst.county.name}{worst_word}（{worst_value}）"
        )
    return "分领域看，" + "；".join(parts) + "。" if parts else ""


def county_positions(data: PeriodData, county: Unit) -> str:
    """The county's place among the counties on each line of work."""
    parts = []
    for key in SECTION_KEYS:
        place = next((r for r in ranked_counties(data, key) if r.county.code == county.code), None)
        if place is None:
            continue
        named = county.name if not parts else ""
        parts.append(f"{fact(named, place.figure)}，居第{place.rank}位")
    if not parts:
        return ""
    return f"在全市{len(data.counties)}个县（市、区）中，" + "；".join(parts) + "。"


def rectified(data: PeriodData, unit: Unit, subject: str) -> str:
    """How many weak organisations were rectified this month, in total, and the rate."""
    figures = [data.figure(unit.code, key) for key in RECTIFIED_KEYS]
    if not figures[0].reported:
        return ""
    present = [f for f in figures if is_number(f.value)]
    shown = [fact(subject if i == 0 else "", f) for i, f in enumerate(present)]
    return "软弱涣散党组织整顿：" + "，".join(shown) + "。" if shown else ""


def _form_names(data: PeriodData, county: Unit, statuses: Sequence[str]) -> list[str]:
    """Labels of the county's forms whose status is one of ``statuses``."""
    return [
        form.label
        for form in forms().values()
        if data.status(county.code, form.key).status in statuses
    ]


def submission_sentence(data: PeriodData, unit: Unit, subject: str) -> str:
    """Forms expected, submitted, on time, late, missing; who is late or missing with what.

    The submitted and on-time counts are the unit's ``forms_submitted``/``forms_on_time``,
    the figures the export carries.
    """
    counties = data.counties if unit.is_city else (unit,)
    expected = len(counties) * len(forms())
    submitted = int(data.figure(unit.code, "forms_submitted").value or 0)
    on_time = int(data.figure(unit.code, "forms_on_time").value or 0)
    text = (
        f"{subject}应报送报表{expected}份，已报送{submitted}份（按时{on_time}份、"
        f"逾期{submitted - on_time}份），未报送{expected - submitted}份。"
    )
    missing = _who(data, counties, ("missing", "rejected"))
    late = _who(data, counties, ("late",))
    if missing and unit.is_city and len(missing) == len(counties):
        text += "各县（市、区）均有报表未报送。"
    elif missing:
        text += "未报送：" + "；".join(missing) + "。"
    if late:
        text += "逾期报送：" + "；".join(late) + "。"
    return text


def _who(data: PeriodData, counties: Sequence[Unit], statuses: Sequence[str]) -> list[str]:
    """``赤坎区（矛盾纠纷）`` per county with forms in ``statuses``; a count beyond two forms.

    A leader needs who and roughly what; seven form names per county for ten counties would
    push the rest of the summary off the first page.
    """
    result = []
    for county in counties:
        names = _form_names(data, county, statuses)
        if len(names) > MAX_FORMS_NAMED:
            result.append(f"{county.name}（{len(names)}份）")
        elif names:
            result.append(f"{county.name}（{'、'.join(names)}）")
    return result


def quality_sentence(data: PeriodData, unit: Unit) -> str:
    """How many quality warnings the edition's units have, and which units; nothing if none."""
    own = [w for w in data.quality_warnings if unit.is_city or w.county_code == unit.code]
    if not own:
        return ""
    names = [u.name for u in data.units if any(w.county_code == u.code for w in own)]
    where = f"，涉及{'、'.join(names)}" if unit.is_city and names else ""
    return f"本期有{len(own)}条数据质量提示{where}，请核实（详见“数据质量提示”）。"


def summary_paragraphs(data: PeriodData, unit: Unit, move_keys: Sequence[str]) -> tuple[str, ...]:
    """The 总体情况 paragraphs for the city (``unit`` is the city) or one county."""
    subject = CITY_SUBJECT if unit.is_city else unit.name
    paragraphs = [f"{period_label(data.period)}，{submission_sentence(data, unit, subject)}"]
    if unit.is_city and data.nothing_submitted:
        return tuple(paragraphs)
    rest = [
        biggest_moves(data, unit, move_keys, subject),
        leaders_and_laggards(data) if unit.is_city else county_positions(data, unit),
        rectified(data, unit, subject),
        quality_sentence(data, unit),
    ]
    return tuple(paragraphs + [p for p in rest if p])
