"""Hand-prepared county CSV files through ``reportflow run``: indicators.csv, value by value.

This is the shape of the acceptance check of the indicators issue: submissions whose indicator
values were worked out by hand before anything ran (in the comments beside each file) go
through intake, dbt, the quality gate and the export, and every value of ``indicators.csv``
for the period must match exactly, including which ones are empty.

Target period 2025-03 (deadline 2025-04-05 24:00 Asia/Shanghai = 2025-04-05 16:00 UTC).

* A = 440802 (8 towns in the reference list): six forms, all on time; its disputes file is
  corrected after the deadline (the correction counts, the form stays on time); case K1,
  in progress in February, is agreed in March; warning E1, open since February, stays open
  although March's file does not list it. No reserve_cadres file: those stay empty.
* B = 440803: disputes with one referred case (mediation rate 0/0: empty) and year-on-year
  base 0 (empty); a 零报告 (nil return) for weak_orgs (rectification rate 0/0: empty) sent
  late; an instructors file in February only (not carried into March).
* C = 440804: disputes in February only: missing in March (未报送), nothing carried forward.
* Every other county submits nothing at all.
* Year-on-year: A received 2 cases in 2024-03 (base 2), B sent a 零报告 for 2024-03 (base 0).
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import datetime

import pytest

from reportflow import pipeline
from reportflow.config import Settings
from reportflow.contract import counties, indicators
from reportflow.intake import ingest

A, B, C, CITY = "440802", "440803", "440804", "440800"
PERIOD = "2025-03"

DISPUTES = "case_id,town_code,received_on,category,mediator,status,closed_on"
WARNINGS = "issue_id,town_code,reported_on,category,resolved_on,summary"
INSTRUCTORS = "instructor_id,town_code,employment,source,assigned_on,orgs_covered,project_code"
WEAK_ORGS = "org_code,org_name,town_code,listed_on,status,rectified_on,mentor_id"
OUTREACH = "event_id,town_code,held_on,format,topic,audience,dialect"
PROJECTS = (
    "project_code,project_name,town_code,project_status,temp_org_on,party_members,"
    "commando_teams,responsibility_zones,investment_to_date"
)

#: (county, file name, received at (naive UTC), header, data lines)
FILES: list[tuple[str, str, datetime, str, list[str]]] = [
    # 2024-03, the year-on-year base: A received Y1 and Y2 (2); B had none (0).
    (
        A,
        "disputes_2024-03.csv",
        datetime(2024, 4, 2, 1),
        DISPUTES,
        [
            "Y1,440802001,2024-03-04,neighbour,village_committee,agreement,2024-03-15",
            "Y2,440802002,2024-03-20,family,elders_studio,in_progress,",
        ],
    ),
    (B, "disputes_2024-03.csv", datetime(2024, 4, 2, 1), DISPUTES, ["本月无"]),  # 零报告
    # 2025-02
    (
        A,
        "disputes_2025-02.csv",
        datetime(2025, 3, 3, 1),
        DISPUTES,
        [
            "K1,440802001,2025-02-10,land,elders_studio,in_progress,",
            "K2,440802003,2025-02-12,labour,town_committee,agreement,2025-02-20",
        ],
    ),
    (
        A,
        "early_warnings_2025-02.csv",
        datetime(2025, 3, 3, 1),
        WARNINGS,
        [
            "E1,440802001,2025-02-03,village_election,,换届前苗头",
            "E2,440802002,2025-02-10,epidemic,2025-02-11,发热聚集",
        ],
    ),
    (
        B,
        "instructors_2025-02.csv",
        datetime(2025, 3, 3, 1),
        INSTRUCTORS,
        ["J1,440803001,full_time,agency,2024-01-01,2,"],
    ),
    (
        C,
        "disputes_2025-02.csv",
        datetime(2025, 3, 3, 1),
        DISPUTES,
        ["C1,440804001,2025-02-01,other,other,in_progress,"],
    ),
    # 2025-03. A's first disputes file (on time) lists K3 and K4 in progress; the correction
    # (after the deadline) replaces it: K1 agreed, K3 not agreed, K4 open, K5 new and agreed.
    (
        A,
        "disputes_2025-03.csv",
        datetime(2025, 4, 2, 1),
        DISPUTES,
        [
            "K3,440802001,2025-03-03,contract,village_committee,in_progress,",
            "K4,440802002,2025-03-08,neighbour,town_committee,in_progress,",
        ],
    ),
    (
        A,
        "矛盾纠纷_2025-03.csv",
        datetime(2025, 4, 8, 1),
        DISPUTES,
        [
            "K1,440802001,2025-02-10,land,elders_studio,agreement,2025-03-05",
            "K3,440802001,2025-03-03,contract,village_committee,no_agreement,2025-03-20",
            "K4,440802002,2025-03-08,neighbour,town_committee,in_progress,",
            "K5,440802003,2025-03-25,family,elders_studio,agreement,2025-03-28",
        ],
    ),
    (
        A,
        "early_warnings_2025-03.csv",
        datetime(2025, 4, 3, 1),
        WARNINGS,
        ["E3,440802003,2025-03-01,other,,道路纠纷"],
    ),
    (
        A,
        "instructors_2025-03.csv",
        datetime(2025, 4, 3, 1),
        INSTRUCTORS,
        [
            "I1,440802001,full_time,agency,2024-06-01,3,",
            "I2,440802001,part_time,retired_cadre,2024-06-01,2,",
            "I3,440802002,full_time,retired_cadre,2024-06-01,4,",
        ],
    ),
    (
        A,
        "weak_orgs_2025-03.csv",
        datetime(2025, 4, 3, 1),
        WEAK_ORGS,
        [
            "W1,某村党支部,440802001,2024-05-01,rectified,2025-03-10,I1",
            "W2,某社区党支部,440802002,2024-06-01,rectifying,,",
        ],
    ),
    (
        A,
        "outreach_2025-03.csv",
        datetime(2025, 4, 3, 1),
        OUTREACH,
        [
            "O1,440802001,2025-03-05,night_talk,宣讲一,120,yes",
            "O2,440802002,2025-03-18,field_class,宣讲二,80,no",
        ],
    ),
    (
        A,
        "project_orgs_2025-03.csv",
        datetime(2025, 4, 3, 1),
        PROJECTS,
        [
            "P1,项目一,440802001,under_construction,2025-01-15,12,1,3,2.50",
            "P2,项目二,440802002,in_production,,5,0,1,0.75",
        ],
    ),
    (
        B,
        "disputes_2025-03.csv",
        datetime(2025, 4, 3, 1),
        DISPUTES,
        ["B1,440803001,2025-03-10,other,other,referred,2025-03-11"],
    ),
    # 2025-04-06 02:00 UTC is 10:00 on the 6th in Shanghai: late.
    (B, "weak_orgs_2025-03.csv", datetime(2025, 4, 6, 2), WEAK_ORGS, ["零报告,,,,,,"]),
]

# Worked out by hand from the files above, before running anything.
EXPECTED_A = {
    "instructors_full_time": "2",  # I1, I3
    "instructors_part_time": "1",  # I2
    "instructors_retired_cadre": "2",  # I2, I3
    "towns_with_instructor": "2",  # 001, 002
    "town_coverage_rate": "0.2500",  # 2 / 8
    "orgs_covered": "9",  # 3 + 2 + 4
    "weak_orgs_listed": "2",
    "weak_orgs_rectified": "1",
    "weak_orgs_rectified_in_period": "1",  # W1 on 2025-03-10
    "weak_orgs_rectification_rate": "0.5000",
    "weak_orgs_paired": "1",
    "disputes_received": "3",  # K3, K4, K5 (the correction's rows)
    "disputes_received_ytd": "5",  # K1, K2 (February's row) + K3, K4, K5
    "disputes_received_yoy": "0.5000",  # (3 - 2) / 2
    "disputes_closed": "3",  # K1, K3, K5
    "disputes_agreement": "2",  # K1, K5
    "mediation_success_rate": "0.6667",  # 2 / (2 + 1)
    "disputes_elders_studio": "1",  # K5 (K1 was received in February)
    "outreach_events": "2",
    "outreach_audience": "200",
    "outreach_dialect_events": "1",
    "projects_total": "2",
    "projects_under_construction": "1",
    "temp_party_orgs": "1",  # P1
    "project_party_members": "17",
    "commando_teams": "1",
    "responsibility_zones": "4",
    "investment_to_date": "3.25",
    "reserve_cadres": "",  # not submitted
    "reserve_cadres_veteran": "",
    "reserve_cadres_graduate": "",
    "reserve_cadres_entrepreneur": "",
    "warnings_reported": "1",  # E3
    "warnings_village_election": "0",
    "warnings_epidemic": "0",
    "warnings_resolved": "0",
    "warnings_open": "2",  # E1 (February's row, still open) and E3; E2 resolved in February
    "forms_submitted": "6",
    "forms_on_time": "6",  # disputes: its first accepted file came before the deadline
}

EXPECTED_B = {
    **dict.fromkeys(EXPECTED_A, ""),
    "weak_orgs_listed": "0",
    "weak_orgs_rectified": "0",
    "weak_orgs_rectified_in_period": "0",
    "weak_orgs_rectification_rate": "",  # 0 / 0
    "weak_orgs_paired": "0",
    "disputes_received": "1",
    "disputes_received_ytd": "1",
    "disputes_received_yoy": "",  # base 0
    "disputes_closed": "1",
    "disputes_agreement": "0",
    "mediation_success_rate": "",  # referred: neither agreement nor no_agreement, so 0 / 0
    "disputes_elders_studio": "0",
    "forms_submitted": "2",
    "forms_on_time": "1",  # weak_orgs late
}

#: Not submitted for the period: every indicator empty, forms counted as 0.
EXPECTED_MISSING = {**dict.fromkeys(EXPECTED_A, ""), "forms_submitted": "0", "forms_on_time": "0"}

# The city adds up the counties that submitted each form and divides the sums.
EXPECTED_CITY = {
    **EXPECTED_A,
    "town_coverage_rate": "0.2500",  # only A sent instructors: 2 / 8, not over all 125 towns
    "weak_orgs_listed": "2",  # 2 + 0
    "weak_orgs_rectification_rate": "0.5000",  # 1 / (2 + 0)
    "disputes_received": "4",  # 3 + 1
    "disputes_received_ytd": "6",  # 5 + 1
    "disputes_received_yoy": "1.0000",  # (4 - (2 + 0)) / (2 + 0)
    "disputes_closed": "4",  # 3 + 1
    "disputes_agreement": "2",
    "mediation_success_rate": "0.6667",  # 2 / (3 + 0)
    "forms_submitted": "8",
    "forms_on_time": "7",
}


def _drop(settings: Settings, county: str, name: str, text: str) -> None:
    path = settings.drop_dir / county / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _replay_arrivals(settings: Settings) -> tuple[int, int]:
    """Drop the files in arrival order, each batch ingested by a run at its arrival instant
    (the received time is the run's clock); (accepted, rejected) over all runs."""
    accepted = rejected = 0
    by_arrival = sorted(FILES, key=lambda f: f[2])
    for received, batch in itertools.groupby(by_arrival, key=lambda f: f[2]):
        for county, name, _, header, rows in batch:
            _drop(settings, county, name, "\n".join([header, *rows]) + "\n")
        statuses = [r.status for r in ingest(settings, now=received).results]
        accepted += statuses.count("accepted")
        rejected += statuses.count("rejected")
    return accepted, rejected


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    """Run the whole flow once; indicators.csv of the period as {(county, indicator): value}."""
    settings = Settings(home=tmp_path_factory.mktemp("home"), stable_seconds=0)
    pipeline.initialise_home(settings)
    assert _replay_arrivals(settings) == (len(FILES), 0)
    outcome = pipeline.run_once(PERIOD, settings)
    assert (outcome["ingest"]["accepted"], outcome["ingest"]["rejected"]) == (0, 0)
    path = settings.period_bulletin_dir(PERIOD) / "indicators.csv"
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {row["period"] for row in rows} == {PERIOD}
    return {(row["county_code"], row["indicator"]): row["value"] for row in rows}


def _unit(exported: dict[tuple[str, str], str], county: str) -> dict[str, str]:
    return {key: exported[(county, key)] for key in (i.key for i in indicators())}


def test_the_expectations_name_every_indicator() -> None:
    assert list(EXPECTED_A) == [i.key for i in indicators()]


def test_every_unit_and_indicator_is_exported(exported) -> None:
    units = {CITY, *(c.code for c in counties())}
    assert {county for county, _ in exported} == units
    assert len(exported) == len(units) * len(EXPECTED_A)


def test_county_with_correction_status_changes_and_open_warnings(exported) -> None:
    assert _unit(exported, A) == EXPECTED_A


def test_county_with_zero_denominators_and_a_zero_base(exported) -> None:
    assert _unit(exported, B) == EXPECTED_B


def test_missing_county_is_empty_not_zero_and_nothing_carries_forward(exported) -> None:
    assert _unit(exported, C) == EXPECTED_MISSING  # C sent disputes in February only
    silent = [c.code for c in counties() if c.code not in (A, B, C)]
    assert all(_unit(exported, county) == EXPECTED_MISSING for county in silent)


def test_city_sums_the_counties_that_submitted(exported) -> None:
    assert _unit(exported, CITY) == EXPECTED_CITY


def test_inputs_are_where_the_scenario_says() -> None:
    """A typo in a county folder would silently turn a county into a missing one."""
    assert {county for county, *_ in FILES} <= {c.code for c in counties()}
