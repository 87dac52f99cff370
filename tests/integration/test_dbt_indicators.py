"""The dbt project on a real DuckDB file: hand-made raw rows in, hand-computed indicators out.

One ``dbt build`` per module. The data covers each contract rule: a corrected (superseded)
file, counties that did not submit, a case whose status changes across months, zero
denominators, a year-on-year base (of 2, of 0 and missing) and the submission deadline.

Counties: A = 440802 (8 towns in the reference list), B = 440803 (12 towns), C = 440804,
D = 440811 (never submits anything usable). The city is 440800.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from reportflow import transform
from reportflow.config import Settings
from reportflow.warehouse import connect, ensure_raw_schema

A, B, C, D, CITY = "440802", "440803", "440804", "440811", "440800"
JAN, FEB, MAR, MAR_LAST_YEAR = "2025-01", "2025-02", "2025-03", "2024-03"


@dataclass(frozen=True)
class File:
    """One processed file: its submission log row and, if accepted, its rows in raw.<form>."""

    submission_id: str
    county: str
    form: str | None
    period: str | None
    received_at: str
    status: str = "accepted"
    superseded_by: str | None = None
    rows: tuple[dict, ...] = ()

    def with_rows(self, *rows: dict) -> File:
        return replace(self, rows=rows)


def instructor(iid, town, employment, source, orgs):
    return {
        "instructor_id": iid,
        "town_code": town,
        "employment": employment,
        "source": source,
        "assigned_on": "2024-06-01",
        "orgs_covered": orgs,
    }


def weak_org(code, status, listed_on, rectified_on=None, mentor=None):
    return {
        "org_code": code,
        "org_name": f"党支部{code}",
        "town_code": f"{A}001",
        "listed_on": listed_on,
        "status": status,
        "rectified_on": rectified_on,
        "mentor_id": mentor,
    }


def dispute(case_id, town, received_on, mediator, status="in_progress", closed_on=None):
    return {
        "case_id": case_id,
        "town_code": town,
        "received_on": received_on,
        "category": "neighbour",
        "mediator": mediator,
        "status": status,
        "closed_on": closed_on,
    }


def warning(issue_id, reported_on, category, resolved_on=None):
    return {
        "issue_id": issue_id,
        "town_code": f"{A}001",
        "reported_on": reported_on,
        "category": category,
        "resolved_on": resolved_on,
        "summary": "情况",
    }


def event(event_id, held_on, audience, dialect):
    return {
        "event_id": event_id,
        "town_code": f"{A}002",
        "held_on": held_on,
        "format": "night_talk",
        "topic": "宣讲",
        "audience": audience,
        "dialect": dialect,
    }


def project(code, status, temp_org_on, members, commando, zones, investment):
    return {
        "project_code": code,
        "project_name": f"项目{code}",
        "town_code": f"{A}003",
        "project_status": status,
        "temp_org_on": temp_org_on,
        "party_members": members,
        "commando_teams": commando,
        "responsibility_zones": zones,
        "investment_to_date": investment,
    }


def cadre(cadre_id, source):
    return {
        "cadre_id": cadre_id,
        "town_code": f"{A}004",
        "village": "村委会",
        "source": source,
        "added_on": "2024-01-01",
    }


FILES = [
    # March 2024, the year-on-year base: A received 2 cases, B filed an empty file (base 0).
    File("s2403a", A, "disputes", MAR_LAST_YEAR, "2024-04-02 01:00:00").with_rows(
        dispute("A-2403-1", f"{A}001", "2024-03-03", "village_committee"),
        dispute("A-2403-2", f"{A}002", "2024-03-10", "town_committee", "agreement", "2024-03-20"),
    ),
    File("s2403b", B, "disputes", MAR_LAST_YEAR, "2024-04-02 01:00:00"),
    # January 2025. A's instructors file was corrected after the deadline; the first file was
    # on time. A stale row of the replaced file is left in raw to prove it is ignored.
    File("s10", A, "instructors", JAN, "2025-02-01 02:00:00", superseded_by="s11").with_rows(
        instructor("I9", f"{A}003", "full_time", "agency", 10),
    ),
    File("s11", A, "instructors", JAN, "2025-02-07 01:00:00").with_rows(
        instructor("I1", f"{A}001", "full_time", "agency", 3),
        instructor("I2", f"{A}001", "part_time", "retired_cadre", 2),
        instructor("I3", f"{A}002", "full_time", "retired_cadre", 4),
    ),
    File("s12", B, "instructors", JAN, "2025-02-03 00:00:00").with_rows(
        instructor("J1", f"{B}001", "full_time", "agency", 1),
        instructor("J2", f"{B}002", "full_time", "new_org", 1),
        instructor("J3", f"{B}003", "part_time", "other", 1),
        instructor("J4", f"{B}004", "part_time", "other", 1),
    ),
    File("s13", C, "instructors", JAN, "2025-02-03 00:00:00", status="rejected"),
    File("s14", A, "weak_orgs", JAN, "2025-02-02 00:00:00").with_rows(
        weak_org("W1", "rectified", "2024-05-01", "2025-01-10", "I1"),
        weak_org("W2", "rectifying", "2024-06-01"),
        weak_org("W3", "rectified", "2024-02-01", "2024-12-01", "I3"),
    ),
    File("s15", B, "weak_orgs", JAN, "2025-02-03 00:00:00"),
    File("s16", A, "disputes", JAN, "2025-02-02 00:00:00").with_rows(
        dispute("A-2501-1", f"{A}001", "2025-01-05", "elders_studio"),
        dispute(
            "A-2501-2", f"{A}001", "2025-01-08", "village_committee", "agreement", "2025-01-20"
        ),
        dispute("A-2501-3", f"{A}002", "2025-01-09", "elders_studio", "no_agreement", "2025-01-25"),
        dispute(
            "A-2403-1", f"{A}001", "2024-03-03", "village_committee", "agreement", "2025-01-12"
        ),
    ),
    File("s17", C, "disputes", JAN, "2025-02-04 00:00:00").with_rows(
        dispute("C-1", f"{C}100", "2025-01-02", "other"),
    ),
    # 2025-02-06 00:30 in Shanghai: half an hour late.
    File("s18", A, "early_warnings", JAN, "2025-02-05 16:30:00").with_rows(
        warning("E1", "2025-01-03", "village_election"),
        warning("E2", "2025-01-04", "epidemic", "2025-01-20"),
    ),
    # 2025-02-05 23:59:59 in Shanghai: just on time.
    File("s19", A, "outreach", JAN, "2025-02-05 15:59:59").with_rows(
        event("O1", "2025-01-10", 100, True),
        event("O2", "2025-01-20", 50, False),
    ),
    File("s20", A, "project_orgs", JAN, "2025-02-02 00:00:00").with_rows(
        project("P1", "under_construction", "2024-12-01", 10, 1, 2, "1.50"),
        project("P2", "preparing", None, 5, 0, 1, "0.25"),
        project("P3", "in_production", "2025-01-31", 3, 0, 0, "0.10"),
    ),
    File("s21", A, "reserve_cadres", JAN, "2025-02-06 00:00:00").with_rows(
        cadre("R1", "veteran"),
        cadre("R2", "graduate"),
        cadre("R3", "graduate"),
        cadre("R4", "other"),
    ),
    File("s98", D, None, None, "2025-02-03 00:00:00", status="rejected"),
    # February 2025: A-2501-1 is agreed, E1 is resolved; A sends no instructors file.
    File("s30", A, "disputes", FEB, "2025-03-01 00:00:00").with_rows(
        dispute("A-2501-1", f"{A}001", "2025-01-05", "elders_studio", "agreement", "2025-02-10"),
        dispute("A-2502-1", f"{A}003", "2025-02-03", "elders_studio"),
    ),
    File("s31", A, "early_warnings", FEB, "2025-03-01 00:00:00").with_rows(
        warning("E1", "2025-01-03", "village_election", "2025-02-15"),
        warning("E3", "2025-02-01", "safety"),
    ),
    File("s32", B, "disputes", FEB, "2025-03-02 00:00:00").with_rows(
        dispute("B-1", f"{B}001", "2025-02-11", "instructor", "agreement", "2025-02-12"),
    ),
    # March 2025: compared with March 2024.
    File("s40", A, "disputes", MAR, "2025-04-01 00:00:00").with_rows(
        dispute("A-2503-1", f"{A}001", "2025-03-02", "village_committee"),
        dispute("A-2503-2", f"{A}001", "2025-03-05", "village_committee"),
        dispute("A-2503-3", f"{A}002", "2025-03-06", "village_committee"),
    ),
    File("s41", B, "disputes", MAR, "2025-04-02 00:00:00").with_rows(
        dispute("B-2", f"{B}002", "2025-03-03", "other"),
    ),
    File("s42", C, "disputes", MAR, "2025-04-03 00:00:00").with_rows(
        dispute("C-2", f"{C}101", "2025-03-15", "other"),
    ),
]

PERIODS = 13  # 2024-03 .. 2025-03
UNITS = 11
INDICATORS = 39


def _insert_file(con: duckdb.DuckDBPyConnection, file: File) -> None:
    received = datetime.fromisoformat(file.received_at)
    con.execute(
        "insert into raw.submissions (submission_id, county_code, form, period, file_name, sha256,"
        " size_bytes, row_count, status, received_at, processed_at, superseded_by)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file.submission_id,
            file.county,
            file.form,
            file.period,
            f"{file.form}_{file.period}_{file.submission_id}.csv",
            "0" * 64,
            100,
            len(file.rows),
            file.status,
            received,
            received,
            file.superseded_by,
        ],
    )
    for source_row, row in enumerate(file.rows, start=2):
        columns = ["county_code", "period", "submission_id", "source_row", *row]
        values = [file.county, file.period, file.submission_id, source_row, *row.values()]
        placeholders = ", ".join("?" for _ in columns)
        con.execute(
            f"insert into raw.{file.form} ({', '.join(columns)}) values ({placeholders})", values
        )


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    with connect(settings.warehouse_path) as con:
        ensure_raw_schema(con)
        for file in FILES:
            _insert_file(con, file)
    transform.build(settings)
    return settings


def _query(settings: Settings, sql: str) -> list[tuple]:
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def values(settings: Settings) -> dict[tuple[str, str, str], float | None]:
    rows = _query(
        settings, "select period, county_code, indicator, value from marts.fct_indicators"
    )
    return {(period, county, indicator): value for period, county, indicator, value in rows}


@pytest.fixture(scope="module")
def facts(settings: Settings) -> dict[tuple[str, str, str], dict]:
    rows = _query(settings, "select * from marts.fct_indicators")
    with connect(settings.warehouse_path, read_only=True) as con:
        names = [c[0] for c in con.execute("describe marts.fct_indicators").fetchall()]
    return {(r[0], r[1], r[4]): dict(zip(names, r, strict=True)) for r in rows}


def _pick(values, period: str, county: str, keys: list[str]) -> dict[str, float | None]:
    return {key: values[(period, county, key)] for key in keys}


def test_every_period_unit_and_indicator_has_a_row(settings):
    assert _query(settings, "select count(*) from marts.fct_indicators") == [
        (PERIODS * UNITS * INDICATORS,)
    ]
    assert _query(settings, "select min(period), max(period), count(*) from marts.dim_period") == [
        (MAR_LAST_YEAR, MAR, PERIODS)
    ]


def test_corrected_file_replaces_the_first_one(values):
    keys = [
        "instructors_full_time",
        "instructors_part_time",
        "instructors_retired_cadre",
        "towns_with_instructor",
        "town_coverage_rate",
        "orgs_covered",
    ]
    assert _pick(values, JAN, A, keys) == dict(zip(keys, [2, 1, 2, 2, 0.25, 9], strict=True))


def test_city_sums_submitting_counties_and_recomputes_rates(values, facts):
    keys = [
        "instructors_full_time",
        "instructors_part_time",
        "towns_with_instructor",
        "town_coverage_rate",
        "weak_orgs_listed",
        "weak_orgs_rectification_rate",
    ]
    # coverage (2 + 4) / (8 + 12); not the mean of 0.25 and 0.333, not over all 125 towns
    assert _pick(values, JAN, CITY, keys) == dict(
        zip(keys, [4, 3, 6, 0.3, 3, pytest.approx(2 / 3)], strict=True)
    )
    assert values[(JAN, B, "town_coverage_rate")] == pytest.approx(4 / 12)
    city = facts[(JAN, CITY, "instructors_full_time")]
    assert (city["submitted_units"], city["is_complete"]) == (2, False)


def test_missing_is_not_zero(values, facts):
    assert values[(JAN, C, "instructors_full_time")] is None  # only a rejected file
    assert values[(JAN, B, "disputes_received")] is None
    d_values = {key: v for (period, county, key), v in values.items() if county == D}
    assert {v for key, v in d_values.items() if not key.startswith("forms_")} == {None}
    assert values[(JAN, D, "forms_submitted")] == 0
    assert (
        facts[(JAN, C, "instructors_full_time")]["submitted_units"],
        facts[(JAN, C, "instructors_full_time")]["is_complete"],
    ) == (0, False)
    assert facts[(JAN, A, "instructors_full_time")]["is_complete"] is True


def test_snapshot_is_not_carried_forward(values):
    assert values[(FEB, A, "instructors_full_time")] is None
    assert values[(FEB, A, "weak_orgs_listed")] is None
    assert values[(FEB, CITY, "instructors_full_time")] is None  # nobody submitted


def test_snapshot_counts_of_one_county(values):
    expected = {
        "weak_orgs_listed": 3,
        "weak_orgs_rectified": 2,
        "weak_orgs_rectified_in_period": 1,
        "weak_orgs_rectification_rate": pytest.approx(2 / 3),
        "weak_orgs_paired": 2,
        "outreach_events": 2,
        "outreach_audience": 150,
        "outreach_dialect_events": 1,
        "projects_total": 3,
        "projects_under_construction": 1,
        "temp_party_orgs": 2,  # P3's organisation was set up on the last day of the period
        "project_party_members": 18,
        "commando_teams": 1,
        "responsibility_zones": 3,
        "investment_to_date": pytest.approx(1.85),
        "reserve_cadres": 4,
        "reserve_cadres_veteran": 1,
        "reserve_cadres_graduate": 2,
        "reserve_cadres_entrepreneur": 0,
    }
    assert _pick(values, JAN, A, list(expected)) == expected


DISPUTE_KEYS = [
    "disputes_received",
    "disputes_received_ytd",
    "disputes_closed",
    "disputes_agreement",
    "mediation_success_rate",
    "disputes_elders_studio",
]


@pytest.mark.parametrize(
    ("period", "county", "expected"),
    [
        (MAR_LAST_YEAR, A, [2, 2, 1, 1, 1.0, 0]),
        (MAR_LAST_YEAR, B, [0, 0, 0, 0, None, 0]),
        (JAN, A, [3, 3, 3, 2, pytest.approx(2 / 3), 2]),
        (JAN, C, [1, 1, 0, 0, None, 0]),
        (JAN, CITY, [4, 4, 3, 2, pytest.approx(2 / 3), 2]),
        # A-2501-1, in progress in January, is agreed in February
        (FEB, A, [1, 4, 1, 1, 1.0, 1]),
        (FEB, B, [1, 1, 1, 1, 1.0, 0]),
        (FEB, C, [None] * 6),
        (FEB, CITY, [2, 5, 2, 2, 1.0, 1]),
        (MAR, A, [3, 7, 0, 0, None, 0]),
        (MAR, C, [1, 2, 0, 0, None, 0]),
        (MAR, CITY, [5, 11, 0, 0, None, 0]),
    ],
)
def test_dispute_cases_as_of_each_period(values, period, county, expected):
    assert _pick(values, period, county, DISPUTE_KEYS) == dict(
        zip(DISPUTE_KEYS, expected, strict=True)
    )


WARNING_KEYS = [
    "warnings_reported",
    "warnings_village_election",
    "warnings_epidemic",
    "warnings_resolved",
    "warnings_open",
]


@pytest.mark.parametrize(
    ("period", "county", "expected"),
    [
        (JAN, A, [2, 1, 1, 1, 1]),
        # E1 resolved in February, E3 new and open
        (FEB, A, [1, 0, 0, 1, 1]),
        (FEB, CITY, [1, 0, 0, 1, 1]),
        (MAR, A, [None] * 5),
    ],
)
def test_warnings_as_of_each_period(values, period, county, expected):
    assert _pick(values, period, county, WARNING_KEYS) == dict(
        zip(WARNING_KEYS, expected, strict=True)
    )


def test_year_on_year_needs_a_nonzero_base(values, facts):
    assert values[(MAR, A, "disputes_received_yoy")] == 0.5  # (3 - 2) / 2
    assert values[(MAR, B, "disputes_received_yoy")] is None  # base 0
    assert values[(MAR, C, "disputes_received_yoy")] is None  # no base
    assert values[(MAR, CITY, "disputes_received_yoy")] == 1.5  # (5 - 2) / 2
    a_march = facts[(MAR, A, "disputes_received")]
    assert (a_march["value_prev_year"], a_march["yoy_change"]) == (2, 0.5)
    assert (a_march["value_prev_month"], a_march["mom_change"]) == (1, 2)
    b_march = facts[(MAR, B, "disputes_received")]
    assert (b_march["value_prev_year"], b_march["yoy_change"]) == (0, None)


def test_forms_submitted_and_on_time(values, facts):
    keys = ["forms_submitted", "forms_on_time"]
    assert _pick(values, JAN, A, keys) == {"forms_submitted": 7, "forms_on_time": 5}
    assert _pick(values, JAN, B, keys) == {"forms_submitted": 2, "forms_on_time": 2}
    assert _pick(values, JAN, C, keys) == {"forms_submitted": 1, "forms_on_time": 1}
    assert _pick(values, JAN, CITY, keys) == {"forms_submitted": 10, "forms_on_time": 8}
    assert _pick(values, "2024-06", CITY, keys) == {"forms_submitted": 0, "forms_on_time": 0}
    city = facts[(JAN, CITY, "forms_submitted")]
    assert (city["form"], city["submitted_units"], city["is_complete"]) == (None, 3, True)


def test_submission_status(settings):
    rows = _query(
        settings,
        "select county_code, form, status, on_time, first_accepted_at, last_accepted_at,"
        " deadline_at, file_name, rejected_files from marts.submission_status"
        f" where period = '{JAN}' and form in ('instructors', 'early_warnings', 'outreach',"
        " 'reserve_cadres') and county_code in ('440802', '440804', '440811')",
    )
    got = {(county, form): rest for county, form, *rest in rows}
    deadline = datetime(2025, 2, 5, 16)
    assert got[(A, "instructors")] == [
        "accepted",
        True,
        datetime(2025, 2, 1, 2),
        datetime(2025, 2, 7, 1),
        deadline,
        "instructors_2025-01_s11.csv",
        0,
    ]
    assert got[(A, "early_warnings")][:2] == ["late", False]
    assert got[(A, "outreach")][:2] == ["accepted", True]
    assert got[(A, "reserve_cadres")][:2] == ["late", False]
    assert got[(C, "instructors")] == ["rejected", None, None, None, deadline, None, 1]
    assert got[(D, "instructors")] == ["missing", None, None, None, deadline, None, 0]
    assert _query(settings, "select count(*) from marts.submission_status") == [(PERIODS * 70,)]


def test_wide_table_matches_long_table(settings):
    wide = _query(
        settings,
        f"select county_name, sort_order, disputes_received, town_coverage_rate"
        f" from marts.fct_indicators_wide where period = '{JAN}' and county_code = '{CITY}'",
    )
    assert wide == [("湛江市", 0, 4, 0.3)]


def test_build_on_a_brand_new_warehouse_gives_empty_marts(tmp_path: Path):
    empty = Settings(home=tmp_path)
    transform.build(empty)
    assert _query(empty, "select count(*) from marts.fct_indicators") == [(0,)]
    assert _query(empty, "select count(*) from marts.dim_county") == [(UNITS,)]


def test_export_snapshot_writes_parquet(settings):
    paths = transform.export_snapshot(settings)
    assert sorted(p.name for p in paths) == sorted(
        f"{table}.parquet" for table in transform.SNAPSHOT_TABLES
    )
    assert sorted(p.name for p in settings.snapshot_dir.iterdir()) == sorted(p.name for p in paths)
    fct = settings.snapshot_dir / "fct_indicators.parquet"
    count = duckdb.sql(f"select count(*) from read_parquet('{fct}')").fetchall()
    assert count == [(PERIODS * UNITS * INDICATORS,)]


def test_parse_manifest_for_cosmos(settings):
    manifest = transform.parse_manifest(settings)
    assert manifest == transform.MANIFEST_PATH
    assert '"model.reportflow.fct_indicators"' in manifest.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def docs_page(settings: Settings) -> Path:
    return transform.generate_docs(settings)


def test_generate_docs(settings, docs_page):
    assert docs_page == settings.home / "dbt" / "docs" / "index.html"
    assert "fct_indicators" in docs_page.read_text(encoding="utf-8")


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_model_and_column_is_documented_in_chinese_and_english(settings, docs_page):
    """Every relation and every column the warehouse really has (dbt's catalog) carries a
    description in the manifest with a Chinese label; a column's names its key as ``(key)``."""
    target = settings.dbt_target_dir
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    undocumented = []
    for kind in ("nodes", "sources"):
        assert catalog[kind], kind
        for unique_id, relation in catalog[kind].items():
            node = manifest[kind][unique_id]
            if not CJK.search(node["description"]):
                undocumented.append(unique_id)
            for column in relation["columns"]:
                text = node["columns"].get(column, {}).get("description", "")
                if not CJK.search(text) or f"({column})" not in text:
                    undocumented.append(f"{unique_id}.{column}")
    assert undocumented == []


def test_failing_test_is_named_in_the_error(settings, tmp_path: Path):
    broken = Settings(home=tmp_path)
    broken.warehouse_dir.mkdir(parents=True)
    shutil.copy(settings.warehouse_path, broken.warehouse_path)
    with connect(broken.warehouse_path) as con:
        con.execute("update raw.instructors set town_code = '449999999' where instructor_id = 'I1'")
    with pytest.raises(transform.TransformError, match=r"failed on 1 node\(s\): .*stg_instructors"):
        transform.run_dbt(broken, ["test", "--select", "stg_instructors"])


def test_compile_error_is_reported_in_one_line(settings):
    with pytest.raises(transform.TransformError) as raised:
        transform.run_dbt(settings, ["compile", "--inline", "select * from {{ ref('no_such') }}"])
    message = str(raised.value)
    assert message.startswith("dbt compile failed:")
    assert "\n" not in message
