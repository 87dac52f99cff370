"""Plausibility, in the manner of DHIS2's outlier rules: each county against its own history.

The rule, for each county, count indicator and period with a figure: take the county's figures
of the same indicator in the 12 months before. With fewer than ``MIN_HISTORY`` of them the
figure is not judged (an ``info`` result says so: too little history to guess from). Otherwise
the expected band is ``median ± THRESHOLD × scale`` (floored at 0), where ``scale`` is the
median absolute deviation × 1.4826 (the MAD as a standard deviation, Iglewicz & Hoaglin's
modified z-score), but at least √median (a count's Poisson spread) and at least 1, so that a
flat history (MAD = 0) or a small count does not make every small change an outlier. A figure
outside the band is a warning naming the county, indicator, value and band: worth a call to
the county, not a reason to hold the bulletin. Year-to-date totals are not judged: they
restart each January.
"""

from __future__ import annotations

from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

from expectations import INFO, WARNING, SuiteSpec
from reportflow.contract import city, indicators

HISTORY_MONTHS = 12
MIN_HISTORY = 6
THRESHOLD = 3.5
MAD_TO_SD = 1.4826

BAND_SQL = """
with series as (
    select period, county_code, indicator, value,
        cast(left(period, 4) as integer) * 12 + cast(right(period, 2) as integer) as month_no
    from marts.fct_indicators
    where county_code <> $city_code and indicator_kind = 'count' and form is not null
        and value is not null and not list_contains($year_to_date, indicator)
),
history as (
    select s.period, s.county_code, s.indicator, s.value, h.value as past
    from series as s
    left join series as h
        on h.county_code = s.county_code and h.indicator = s.indicator
        and h.month_no between s.month_no - $months and s.month_no - 1
),
centre as (
    select period, county_code, indicator, any_value(value) as value,
        count(past) as history_months, median(past) as hist_median
    from history
    group by all
),
deviation as (
    select c.period, c.county_code, c.indicator, c.value, c.history_months, c.hist_median,
        median(abs(h.past - c.hist_median)) as mad
    from centre as c
    join history as h using (period, county_code, indicator)
    group by c.period, c.county_code, c.indicator, c.value, c.history_months, c.hist_median
),
spread as (
    select *,
        greatest($mad_to_sd * mad, sqrt(abs(hist_median)), 1.0) as scale
    from deviation
)
select period, county_code, indicator, value, history_months,
    greatest(hist_median - $threshold * scale, 0) as band_low,
    hist_median + $threshold * scale as band_high,
    (value - hist_median) / scale as robust_z
from spread
"""


def county_history_band() -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="history_months",
            min_value=MIN_HISTORY,
            severity=INFO,
            description=f"前{HISTORY_MONTHS}个月中少于{MIN_HISTORY}个月有数据，不作异常判断",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="robust_z",
            min_value=-THRESHOLD,
            max_value=THRESHOLD,
            row_condition=f"history_months >= {MIN_HISTORY}",
            condition_parser="pandas",
            severity=WARNING,
            description=f"本月数与本县（市、区）前{HISTORY_MONTHS}个月相比波动异常"
            f"（超出中位数±{THRESHOLD}倍稳健标准差），请核实",
        ),
    ]


def year_to_date_keys() -> list[str]:
    """Running totals that restart each January: against last December they always "drop"."""
    return [i.key for i in indicators() if i.key.endswith("_ytd")]


def suites() -> list[SuiteSpec]:
    params = {
        "city_code": city().code,
        "year_to_date": year_to_date_keys(),
        "months": HISTORY_MONTHS,
        "mad_to_sd": MAD_TO_SD,
        "threshold": THRESHOLD,
    }
    return [
        SuiteSpec(
            "plausibility.county_history",
            BAND_SQL,
            county_history_band,
            ("indicator", "value", "band_low", "band_high"),
            params,
        )
    ]
