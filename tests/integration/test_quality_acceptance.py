"""The raw suites run on each file as it is accepted, behind intake, through a real ingest.

Intake itself refuses what these suites check, so to see the second line of defence fail a
test changes accepted rows in the warehouse behind intake's back, as a bug in intake would
leave them, and checks them again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reportflow.config import Settings
from reportflow.contract import county_by_code
from reportflow.demo_data import generate_demo_data
from reportflow.intake import ingest
from reportflow.pipeline import check_accepted_once, ingest_once, initialise_home
from reportflow.quality import BLOCKING
from reportflow.quality.run import acceptance_docs_index

PERIOD = "2026-10"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def _home(root: Path, name: str) -> Settings:
    """A data home with one month of demo submissions waiting in the drop folders."""
    settings = Settings(home=root / name, stable_seconds=0)
    initialise_home(settings)
    generate_demo_data(settings, end_period=PERIOD, months=1, bad_files=False, now=NOW)
    return settings


def _accepted_in_warehouse(settings: Settings) -> int:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        query = "select count(*) from raw.submissions where status = 'accepted'"
        return con.execute(query).fetchone()[0]


def _history(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select run_id, suite, success from quality.results order by run_id, suite"
        ).fetchall()


def test_ingest_checks_every_accepted_file_and_records_it(tmp_path) -> None:
    settings = _home(tmp_path, "home")
    summary = ingest_once(settings)
    assert summary["accepted"] == _accepted_in_warehouse(settings) > 60
    assert summary["acceptance_blocking"] == 0
    history = _history(settings)
    assert {run for run, _, _ in history} == {history[0][0]}
    assert history[0][0].startswith("acceptance-")
    assert {suite for _, suite, _ in history} == {
        f"raw.{form}" for form in ("disputes", "early_warnings", "instructors", "outreach")
    } | {f"raw.{form}" for form in ("project_orgs", "reserve_cadres", "weak_orgs")}
    assert all(success for _, _, success in history)
    assert acceptance_docs_index(settings).is_file()
    # Nothing accepted, nothing checked: an idle ingest cycle pays no GX cost.
    assert ingest_once(settings)["acceptance_blocking"] is None


def test_a_row_that_got_past_intake_is_named_in_the_log(tmp_path, caplog) -> None:
    settings = _home(tmp_path, "home")
    report = ingest(settings, now=NOW)
    weak = next(r for r in report.accepted if r.form == "weak_orgs")
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(
            "update raw.weak_orgs set status = 'finished' where submission_id = ?"
            " and source_row = (select min(source_row) from raw.weak_orgs"
            " where submission_id = ?)",
            [weak.submission_id, weak.submission_id],
        )
    with caplog.at_level(logging.INFO, logger="reportflow"):
        assert check_accepted_once(report.accepted, settings) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    county = county_by_code(weak.county_code).name
    assert "accepted rows break the contract" in errors[0]
    assert f"{county} ({weak.county_code})" in errors[0] and "raw.weak_orgs" in errors[0]
    assert "expect_column_values_to_be_in_set" in errors[0] and "status=finished" in errors[0]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        failed = con.execute(
            "select severity, county_code, period from quality.results"
            " where run_id like 'acceptance-%' and not success"
        ).fetchall()
    assert failed == [(BLOCKING, weak.county_code, PERIOD)]


def test_a_check_that_cannot_run_loses_no_accepted_file(tmp_path, caplog) -> None:
    settings = _home(tmp_path, "home")
    site = acceptance_docs_index(settings).parent
    site.parent.mkdir(parents=True)
    site.parent.joinpath(site.name + ".partial").write_text("in the way")  # GX cannot build
    with caplog.at_level(logging.INFO, logger="reportflow"):
        summary = ingest_once(settings)
    assert summary["accepted"] == _accepted_in_warehouse(settings) > 60
    assert summary["acceptance_blocking"] is None
    assert "acceptance check could not run" in caplog.text
