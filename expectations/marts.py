"""Suites on the reporting marts, built from the contract so a new indicator is checked at once.

Blocking suites stop publication (a wrong number must never reach a leader); warning suites
are recorded in the quality report and shown to data engineers but let the run continue.
"""

from __future__ import annotations

import great_expectations as gx
from great_expectations import expectations as gxe

from reportflow.contract import city, counties, forms, indicators

PERIOD_REGEX = r"^\d{4}-(?:0[1-9]|1[0-2])$"
SUBMISSION_STATUSES = ["accepted", "late", "rejected", "missing"]


def _unit_codes() -> list[str]:
    return [city().code, *(c.code for c in counties())]


def _kind_condition(*kinds: str) -> str:
    """A pandas row condition selecting indicators of the given kinds."""
    return " or ".join(f'indicator_kind=="{kind}"' for kind in kinds)


def fct_indicators_blocking() -> gx.ExpectationSuite:
    """Keys, domains and value ranges that every published figure must satisfy."""
    suite = gx.ExpectationSuite(name="marts.fct_indicators.blocking")
    for column in ("period", "county_code", "indicator"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["period", "county_code", "indicator"])
    )
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column="period", regex=PERIOD_REGEX))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="county_code", value_set=_unit_codes())
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="indicator", value_set=[i.key for i in indicators()])
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=0,
            max_value=1,
            row_condition=_kind_condition("rate"),
            condition_parser="pandas",
        )
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=0,
            row_condition=_kind_condition("count", "amount"),
            condition_parser="pandas",
        )
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=0,
            max_value=len(forms()) * len(counties()),
            row_condition='indicator=="forms_submitted" or indicator=="forms_on_time"',
            condition_parser="pandas",
        )
    )
    return suite


def fct_indicators_warning() -> gx.ExpectationSuite:
    """Signs of a thin month: most figures missing means most counties have not reported."""
    suite = gx.ExpectationSuite(name="marts.fct_indicators.warning")
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="value", mostly=0.5))
    return suite


def submission_status_blocking() -> gx.ExpectationSuite:
    """One status row per period, county and form, with a known status."""
    suite = gx.ExpectationSuite(name="marts.submission_status.blocking")
    suite.add_expectation(
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["period", "county_code", "form"])
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=SUBMISSION_STATUSES)
    )
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="form", value_set=list(forms())))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(
            column="county_code", value_set=[c.code for c in counties()]
        )
    )
    return suite


#: (table in the warehouse, suite factory, blocking?) — what build_indicators validates.
MART_SUITES = (
    ("marts.fct_indicators", fct_indicators_blocking, True),
    ("marts.fct_indicators", fct_indicators_warning, False),
    ("marts.submission_status", submission_status_blocking, True),
)
