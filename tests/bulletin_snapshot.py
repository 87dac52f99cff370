"""A hand-made snapshot of the reporting marts for bulletin tests: real DuckDB, real Parquet.

Columns exactly as docs/architecture.md defines the marts, so bulletin tests do not depend on
the dbt models. Fixture story for 2026-10 (any period written gets the same values):

- 湛江经济技术开发区 (440871) did not submit 矛盾纠纷: its dispute figures are missing and the
  city's dispute figures are incomplete (9/10).
- 吴川市 (440883) submitted 宣讲活动 late; 雷州市 (440882) only had 苗头性问题 files rejected.
- 赤坎区: mediation success 0.98976 (→ 99.0% / 0.9898), investment 12.345 (→ 12.35),
  dispute YoY −0.12345 (→ −0.1235), outreach audience 12,345; its instructors file name is
  hostile markup, which must come out escaped.
- 霞山区 closed no disputes: its mediation rate is missing although it submitted (→ "—").
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from reportflow.contract import city, counties, forms, indicators

PERIOD = "2026-10"
CITY = "440800"
CHIKAN, XIASHAN, LEIZHOU, WUCHUAN, ZONE = "440802", "440803", "440882", "440883", "440871"
HOSTILE_FILE = "<script>alert(1)</script>党建指导员_2026-10.xlsx"

INDICATOR_DDL = """
create table fct_indicators (
    period varchar, county_code varchar, county_name varchar, sort_order integer,
    indicator varchar, indicator_label varchar, indicator_kind varchar, indicator_order integer,
    form varchar, value double, value_prev_month double, value_prev_year double,
    mom_change double, yoy_change double, submitted_units integer, is_complete boolean
)"""
STATUS_DDL = """
create table submission_status (
    period varchar, county_code varchar, county_name varchar, sort_order integer,
    form varchar, form_label varchar, status varchar, on_time boolean,
    first_accepted_at timestamp, last_accepted_at timestamp, deadline_at timestamp,
    file_name varchar, rejected_files integer
)"""

#: (county, form) pairs without an accepted file in the fixture period.
NOT_SUBMITTED = {(ZONE, "disputes"), (LEIZHOU, "early_warnings")}
LATE = {(WUCHUAN, "outreach")}
#: Hand-picked county values; everything else is generated.
PINNED: dict[tuple[str, str], float | None] = {
    (CHIKAN, "mediation_success_rate"): 0.98976,
    (CHIKAN, "investment_to_date"): 12.345,
    (CHIKAN, "disputes_received_yoy"): -0.12345,
    (CHIKAN, "outreach_audience"): 12345.0,
    (XIASHAN, "mediation_success_rate"): None,
}


def _generated(index: int, key: str, kind: str) -> float:
    """Deterministic, plausible county values: counts grow with the index, rates stay < 1."""
    seed = sum(ord(ch) for ch in key)
    if kind == "rate":
        return round(0.55 + ((seed * 7 + index * 13) % 40) / 100, 4)
    if kind == "ratio":
        return round(((seed + index * 11) % 50 - 20) / 100, 4)
    if kind == "amount":
        return round(1.5 + ((seed + index * 17) % 300) / 37, 2)
    return float((seed * 3 + index * 29) % 180 + index)


def _county_value(code: str, index: int, spec) -> float | None:
    if spec.form is not None and (code, spec.form) in NOT_SUBMITTED:
        return None
    if spec.key == "forms_submitted":
        return float(sum(1 for f in forms() if (code, f) not in NOT_SUBMITTED))
    if spec.key == "forms_on_time":
        return float(sum(1 for f in forms() if (code, f) not in NOT_SUBMITTED | LATE))
    if (code, spec.key) in PINNED:
        return PINNED[(code, spec.key)]
    return _generated(index, spec.key, spec.kind)


INDICATOR_COLUMNS = (
    "period", "county_code", "county_name", "sort_order", "indicator", "indicator_label",
    "indicator_kind", "indicator_order", "form", "value", "value_prev_month", "value_prev_year",
    "mom_change", "yoy_change", "submitted_units", "is_complete",
)  # fmt: skip
STATUS_COLUMNS = (
    "period", "county_code", "county_name", "sort_order", "form", "form_label", "status",
    "on_time", "first_accepted_at", "last_accepted_at", "deadline_at", "file_name",
    "rejected_files",
)  # fmt: skip


def _unit_row(period: str, unit, spec, order: int, value: float | None) -> dict:
    """The columns every fct_indicators row shares, with month/year bases derived from value."""
    prev_month = None if value is None else value * 0.9
    prev_year = None if value is None else value * 0.8
    return {
        "period": period,
        "county_code": unit.code,
        "county_name": unit.name,
        "sort_order": unit.sort_order,
        "indicator": spec.key,
        "indicator_label": spec.label,
        "indicator_kind": spec.kind,
        "indicator_order": order,
        "form": spec.form,
        "value": value,
        "value_prev_month": prev_month,
        "value_prev_year": prev_year,
        "mom_change": None if value is None else value - prev_month,
        "yoy_change": None if not prev_year else (value - prev_year) / prev_year,
    }


def indicator_rows(period: str) -> list[dict]:
    """All 11 × 39 rows of fct_indicators for one period, the city summed over submitters."""
    rows: list[dict] = []
    by_unit: dict[tuple[str, str], float | None] = {}
    for index, county in enumerate(counties(), start=1):
        for order, spec in enumerate(indicators(), start=1):
            value = _county_value(county.code, index, spec)
            by_unit[(county.code, spec.key)] = value
            submitted = spec.form is None or (county.code, spec.form) not in NOT_SUBMITTED
            row = _unit_row(period, county, spec, order, value)
            rows.append(row | {"submitted_units": int(submitted), "is_complete": submitted})
    for order, spec in enumerate(indicators(), start=1):
        present = [by_unit[(c.code, spec.key)] for c in counties()]
        present = [v for v in present if v is not None]
        submitters = sum(
            1 for c in counties() if spec.form is None or (c.code, spec.form) not in NOT_SUBMITTED
        )
        if spec.kind in ("rate", "ratio"):
            value = round(sum(present) / len(present), 6) if present else None
        else:
            value = sum(present) if present else None
        row = _unit_row(period, city(), spec, order, value) | {"sort_order": 0}
        row |= {"value_prev_year": None, "yoy_change": None}  # no city base a year ago
        complete = spec.form is None or submitters == len(counties())
        rows.append(row | {"submitted_units": submitters, "is_complete": complete})
    return rows


def status_rows(period: str) -> list[dict]:
    """All 10 × 7 rows of submission_status for one period."""
    rows = []
    deadline = datetime(2026, 11, 5, 16, 0)
    for county in counties():
        for form in forms().values():
            key = (county.code, form.key)
            row = {
                "period": period,
                "county_code": county.code,
                "county_name": county.name,
                "sort_order": county.sort_order,
                "form": form.key,
                "form_label": form.label,
                "deadline_at": deadline,
            }
            if key in NOT_SUBMITTED:
                rejected = 2 if county.code == LEIZHOU else 0
                row |= {
                    "status": "rejected" if rejected else "missing",
                    "on_time": None,
                    "first_accepted_at": None,
                    "last_accepted_at": None,
                    "file_name": None,
                    "rejected_files": rejected,
                }
            else:
                late = key in LATE
                accepted = datetime(2026, 11, 7 if late else 3, 2, 30)
                hostile = key == (CHIKAN, "instructors")
                row |= {
                    "status": "late" if late else "accepted",
                    "on_time": not late,
                    "first_accepted_at": accepted,
                    "last_accepted_at": accepted,
                    "file_name": HOSTILE_FILE if hostile else f"{form.label}_{period}.xlsx",
                    "rejected_files": 0,
                }
            rows.append(row)
    return rows


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns, rows: list[dict]) -> None:
    marks = ", ".join("?" * len(columns))
    con.executemany(
        f"insert into {table} ({', '.join(columns)}) values ({marks})",
        [[row[c] for c in columns] for row in rows],
    )


def write_snapshot(snapshot_dir: Path, periods: dict[str, bool]) -> None:
    """Write both snapshot files; ``periods`` maps period → whether it has any rows."""
    snapshot_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(":memory:") as con:
        con.execute(INDICATOR_DDL)
        con.execute(STATUS_DDL)
        for period, has_rows in periods.items():
            if has_rows:
                _insert(con, "fct_indicators", INDICATOR_COLUMNS, indicator_rows(period))
                _insert(con, "submission_status", STATUS_COLUMNS, status_rows(period))
        for table in ("fct_indicators", "submission_status"):
            target = str(snapshot_dir / f"{table}.parquet").replace("'", "''")
            con.execute(f"copy {table} to '{target}' (format parquet)")
