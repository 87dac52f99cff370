"""Across months and forms: what one file alone cannot show.

- a project's 累计完成投资 never falls from one month to the next: blocking, it cannot be true;
- a weak organisation's mentor (结对指导员) is on that county's instructor roster for the same
  month (judged only where the county submitted a roster that month): warning;
- a project with a temporary party organisation has party members: warning.
"""

from __future__ import annotations

from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

from expectations import BLOCKING, WARNING, SuiteSpec

INVESTMENT_SQL = """
select period, county_code, project_code, investment_to_date,
    lag(investment_to_date) over w as previous_investment,
    lag(period) over w as previous_period
from raw.project_orgs
window w as (partition by county_code, project_code order by period)
"""


def investment_never_falls() -> list[Expectation]:
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="investment_to_date",
            column_B="previous_investment",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=BLOCKING,
            description="重点项目累计完成投资不应比上月减少",
        )
    ]


MENTORS_SQL = """
select w.period, w.county_code, w.org_code, w.mentor_id,
    i.instructor_id is not null as mentor_on_roster
from raw.weak_orgs as w
left join raw.instructors as i
    on i.county_code = w.county_code and i.period = w.period and i.instructor_id = w.mentor_id
where w.mentor_id is not null
    and exists (
        select 1 from raw.instructors as r
        where r.county_code = w.county_code and r.period = w.period
    )
"""


def mentor_on_roster() -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="mentor_on_roster",
            value_set=[True],
            severity=WARNING,
            description="软弱涣散党组织的结对指导员应在本县（市、区）当月指导员名册中",
        )
    ]


TEMP_ORGS_SQL = """
select period, county_code, project_code, party_members
from raw.project_orgs
where temp_org_on is not null
"""


def temp_org_has_members() -> list[Expectation]:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="party_members",
            min_value=1,
            severity=WARNING,
            description="已成立临时党组织的项目应有党员",
        )
    ]


def suites() -> list[SuiteSpec]:
    return [
        SuiteSpec(
            "consistency.investment_to_date",
            INVESTMENT_SQL,
            investment_never_falls,
            ("project_code", "previous_period"),
        ),
        SuiteSpec("consistency.mentor_on_roster", MENTORS_SQL, mentor_on_roster, ("mentor_id",)),
        SuiteSpec(
            "consistency.temp_org_members", TEMP_ORGS_SQL, temp_org_has_members, ("project_code",)
        ),
    ]
