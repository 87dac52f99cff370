"""Great Expectations suites as code, one module per layer.

A suite here is a declared object, :class:`SuiteSpec`: the DuckDB query whose rows it checks
and the GX expectations it makes of them. GX validates pandas DataFrames read from DuckDB
through a read-only connection (GX's SQL path on duckdb-engine fails here, see DESIGN.md), so
a check that needs a join or a window (a county's last 12 months, last month's figure) gets
that column from its query and GX states the rule on it.

Every expectation carries GX's own ``severity``, which is the publication policy:

- ``critical`` (shown as 阻断, *blocking*): the period is not published until it is fixed;
- ``warning`` (提示): the period is published and the bulletin lists it under 数据质量提示;
- ``info`` (说明): recorded only, e.g. a series too short to judge.

and a ``description`` in Chinese, written for a leader's staff, which Data Docs, the bulletin
and ``reportflow quality`` all show. Every query returns ``period`` and ``county_code`` first
(``county_code`` is NULL for a whole-period check) so each failure can be placed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

BLOCKING = "critical"
WARNING = "warning"
INFO = "info"

#: Where a failing row is: every suite query starts with these columns.
PLACE_COLUMNS: tuple[str, ...] = ("period", "county_code")


@dataclass(frozen=True)
class SuiteSpec:
    """One GX suite and the rows it validates.

    ``keys`` are further columns that name a failing row (an id, the band it left), shown next
    to the failing value; ``params`` are bound to ``$name`` placeholders of ``frame_sql``.
    """

    name: str
    frame_sql: str
    expectations: Callable[[], list[Expectation]]
    keys: tuple[str, ...] = ()
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def index_columns(self) -> list[str]:
        return [*PLACE_COLUMNS, *self.keys]


#: Chinese names of the columns the suites' queries derive, for the bulletin's 数据质量提示;
#: form fields and indicator keys take their labels from the contract.
DERIVED_COLUMN_LABELS: dict[str, str] = {
    "value": "本月数",
    "band_low": "预期下限",
    "band_high": "预期上限",
    "robust_z": "稳健z值",
    "history_months": "有数月份",
    "indicator": "指标",
    "indicator_rows": "指标行数",
    "raw_bound": "原始报表上限",
    "previous_investment": "上月累计完成投资",
    "previous_period": "上月",
    "mentor_on_roster": "在指导员名册中",
    "town_in_county": "镇街/县（市、区）",
    "submitted": "已报送",
    "has_figures": "有指标数",
    "status": "报送状态",
    "form": "报表",
    "source_row": "行号",
}


def all_suites() -> tuple[SuiteSpec, ...]:
    """Every suite the quality stage runs, raw layer first; imported here, not at module load."""
    from expectations import consistency, marts, plausibility, raw

    return (*raw.suites(), *marts.suites(), *consistency.suites(), *plausibility.suites())
