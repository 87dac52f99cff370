"""One Data Docs page per period: which checks failed in that month, where, with sample rows.

The suites validate every period at once (validating each month separately would multiply
GX's cost by the number of months), so GX's own pages are per suite. A leader's staff asks
about one month, so from the same results this module writes one more validation result per
period, ``period.<YYYY-MM>``, into the context's store before the site is built: every
expectation that failed in that month, with the failing rows of that month only (up to
:data:`SAMPLE_ROWS_SHOWN`), and statistics over all expectations. GX renders it like any other
validation. Expectations that passed in the month are counted, not listed: listing 105 passed
checks per month would cost a second per build and hide the few that failed.

The page's path is fixed per period (see :func:`period_page_parts`), so the archive page links
to it without reading the site and gives the same bytes after a new quality run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from reportflow.quality.model import BLOCKING, WARNING, Outcome, failed

if TYPE_CHECKING:
    import pandas as pd

#: Suite name prefix of the period pages: ``period.2026-10`` lives under ``validations/period/``.
PERIOD_SUITE = "period"
#: Run name in the page's path (the run that produced it is shown on the page itself).
LATEST_RUN = "latest"
#: Failing rows of the month shown per expectation, as GX shows partial lists.
SAMPLE_ROWS_SHOWN = 20


def period_page_parts(period: str) -> tuple[str, ...]:
    """The store key of a period's page as GX's tuple: suite parts, run name, run time, batch.

    The run time is the period's first instant, not the run's, so the path stays the same
    from one quality run to the next.
    """
    run_time = period.replace("-", "") + "01T000000.000000Z"
    return (PERIOD_SUITE, period, LATEST_RUN, run_time, period)


def _month_rows(item: Any, period: str) -> list[dict] | None:
    """The failing rows of ``period``; None when GX named no rows (a whole-table failure)."""
    rows = item.result.get("unexpected_index_list")
    if not rows:
        return None
    return [row for row in rows if str(row["period"]) == period]


def _checked_values(row: dict, index_columns: Iterable[str]) -> object:
    """What GX would list as the unexpected value: the row's checked column(s)."""
    values = [value for key, value in row.items() if key not in set(index_columns)]
    return values[0] if len(values) == 1 else tuple(values)


def _month_result(item: Any, rows: list[dict], element_count: int) -> Any:
    """``item`` narrowed to one month's failing rows, with GX's partial lists and counts."""
    from great_expectations.core import ExpectationValidationResult

    index_columns = item.result.get("unexpected_index_column_names") or []
    values = [_checked_values(row, index_columns) for row in rows]
    percent = 100 * len(rows) / element_count if element_count else 0.0
    counts = Counter(map(str, values)).most_common(SAMPLE_ROWS_SHOWN)
    return ExpectationValidationResult(
        success=False,
        expectation_config=item.expectation_config,
        result={
            "element_count": element_count,
            "unexpected_count": len(rows),
            "unexpected_percent": percent,
            "unexpected_percent_total": percent,
            "unexpected_percent_nonmissing": percent,
            "partial_unexpected_list": values[:SAMPLE_ROWS_SHOWN],
            "partial_unexpected_counts": [{"value": v, "count": n} for v, n in counts],
            "partial_unexpected_index_list": rows[:SAMPLE_ROWS_SHOWN],
            # With these two GX renders each value with its place (period, county, key).
            "unexpected_list": values[:SAMPLE_ROWS_SHOWN],
            "unexpected_index_list": rows[:SAMPLE_ROWS_SHOWN],
            "unexpected_index_column_names": index_columns,
        },
    )


def _failed_in_month(suite_results: Sequence[tuple[Any, pd.DataFrame]], period: str) -> list:
    """Every expectation that failed in ``period``, narrowed to that month's rows."""
    found = []
    for suite_result, frame in suite_results:
        month_size = int((frame["period"].astype(str) == period).sum())
        for item in suite_result.results:
            if item.success:
                continue
            rows = _month_rows(item, period)
            if rows is None:
                found.append(item)  # failed as a whole: it fails every month
            elif rows:
                found.append(_month_result(item, rows, month_size))
    return found


def _period_result(
    suite_results: Sequence[tuple[Any, pd.DataFrame]],
    period: str,
    run: Any,
    outcomes: Sequence[Outcome],
) -> Any:
    """The period's validation result: its failures, statistics over every expectation."""
    from great_expectations.core import ExpectationSuiteValidationResult

    failures = _failed_in_month(suite_results, period)
    evaluated = sum(len(result.results) for result, _ in suite_results)
    passed = evaluated - len(failures)
    month = [o for o in outcomes if o.period == period]
    blocking, warnings = len(failed(month, BLOCKING)), len(failed(month, WARNING))
    return ExpectationSuiteValidationResult(
        success=not failures,
        results=failures,
        suite_name=f"{PERIOD_SUITE}.{period}",
        statistics={
            "evaluated_expectations": evaluated,
            "successful_expectations": passed,
            "unsuccessful_expectations": len(failures),
            "success_percent": 100 * passed / evaluated if evaluated else 100,
        },
        meta={
            "run_id": run,
            "batch_spec": {"data_asset_name": f"{period} 全部检查"},
            "batch_markers": {
                "统计期": period,
                "阻断（检查×县）": blocking,
                "提示（检查×县）": warnings,
                "本页所列": f"本期未通过的 {len(failures)} 项检查；其余 {passed} 项已通过",
            },
        },
    )


def store_period_results(
    context: Any,
    run: Any,
    suite_results: Sequence[tuple[Any, pd.DataFrame]],
    outcomes: Sequence[Outcome],
) -> None:
    """Add one validation result per period of ``outcomes`` to the context's store.

    ``suite_results`` pairs each suite's GX result with the rows it validated.
    """
    from great_expectations.data_context.types.resource_identifiers import (
        ValidationResultIdentifier,
    )

    for period in sorted({o.period for o in outcomes}):
        key = ValidationResultIdentifier.from_tuple(period_page_parts(period))
        result = _period_result(suite_results, period, run, outcomes)
        context.validation_results_store.set(key, result)
