"""Marts layer: publication policy, not dbt's structural tests (keys, domains, rates in [0, 1]).

- every period has exactly one row per unit and indicator (11 × 39);
- every county is present for every form, submitted or marked 未报送, and a figure exists
  exactly when its file does (missing is not zero);
- no county figure exceeds what its accepted raw rows allow: a count of records at most the
  records the county has submitted up to the period, a sum at most the sum of that period's
  column (``SUM_SOURCES``).
"""

from __future__ import annotations

from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

from expectations import BLOCKING, SuiteSpec
from reportflow.contract import city, counties, forms, indicators

#: Indicators that sum a raw column (form, column); every other count counts raw rows.
SUM_SOURCES: dict[str, tuple[str, str]] = {
    "orgs_covered": ("instructors", "orgs_covered"),
    "outreach_audience": ("outreach", "audience"),
    "project_party_members": ("project_orgs", "party_members"),
    "commando_teams": ("project_orgs", "commando_teams"),
    "responsibility_zones": ("project_orgs", "responsibility_zones"),
    "investment_to_date": ("project_orgs", "investment_to_date"),
}
SUBMITTED_STATUSES = ("accepted", "late")


def expected_rows_per_period() -> int:
    """One row per unit (the city and the ten counties) and indicator key."""
    return (1 + len(counties())) * len(indicators())


PERIOD_ROWS_SQL = """
select period, cast(null as varchar) as county_code, count(*) as indicator_rows
from marts.fct_indicators
group by period
"""


def period_rows() -> list[Expectation]:
    rows = expected_rows_per_period()
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="indicator_rows",
            min_value=rows,
            max_value=rows,
            severity=BLOCKING,
            description=f"每个统计期应有{1 + len(counties())}个单位×{len(indicators())}项指标"
            f"共{rows}行",
        )
    ]


PRESENCE_SQL = """
with figures as (
    select period, county_code, form,
        count(value) filter (where indicator_kind = 'count') > 0 as has_figures
    from marts.fct_indicators
    where form is not null and county_code <> $city_code
    group by all
)
select f.period, f.county_code, f.form, s.status,
    coalesce(s.status in ('accepted', 'late'), false) as submitted, f.has_figures
from figures as f
left join marts.submission_status as s using (period, county_code, form)
"""


def presence() -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="status",
            severity=BLOCKING,
            description="每个县（市、区）的每张报表都有报送状态（已报送或未报送）",
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="submitted",
            column_B="has_figures",
            severity=BLOCKING,
            description="已报送的报表有指标数，未报送的报表指标为空（缺报不按零计）",
        ),
    ]


def _bounds_sql() -> str:
    """Per period, county and indicator, the largest value the raw rows allow."""
    row_bounds = " union all ".join(
        f"select p.period, r.county_code, '{key}' as form, count(*) as bound "
        f"from periods as p join raw.{key} as r on r.period <= p.period group by all"
        for key in forms()
    )
    sum_bounds = " union all ".join(
        f"select period, county_code, '{key}' as indicator, sum({column}) as bound "
        f"from raw.{form} group by all"
        for key, (form, column) in SUM_SOURCES.items()
    )
    return f"""
with periods as (select distinct period from marts.fct_indicators),
row_bounds as ({row_bounds}),
sum_bounds as ({sum_bounds})
select i.period, i.county_code, i.indicator, i.value,
    coalesce(s.bound, r.bound, 0) as raw_bound
from marts.fct_indicators as i
left join row_bounds as r using (period, county_code, form)
left join sum_bounds as s using (period, county_code, indicator)
where i.county_code <> $city_code and i.form is not null
    and i.indicator_kind in ('count', 'amount') and i.value is not null
"""


def raw_bounds() -> list[Expectation]:
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="raw_bound",
            column_B="value",
            or_equal=True,
            severity=BLOCKING,
            description="指标数不超过该县（市、区）原始报表所能支持的数（记录数或合计数）",
        )
    ]


def suites() -> list[SuiteSpec]:
    city_code = {"city_code": city().code}
    return [
        SuiteSpec("marts.period_rows", PERIOD_ROWS_SQL, period_rows),
        SuiteSpec("marts.presence", PRESENCE_SQL, presence, ("form",), city_code),
        SuiteSpec("marts.raw_bounds", _bounds_sql(), raw_bounds, ("indicator",), city_code),
    ]
