"""reportflow.transform without running dbt, and the dbt project's copy of the contract.

The seeds, sources, staging YAML and indicator docs are generated from reportflow/contract
(tests/unit/test_contract_codegen.py); the hand-written parts that follow the contract (one staging
model per form, the wide mart's columns, the deadline default) are checked here.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from reportflow import contract, transform
from reportflow.config import DBT_PROJECT_DIR, Settings

MODELS = DBT_PROJECT_DIR / "models"


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _model(document: dict, name: str) -> dict:
    return next(m for m in document["models"] if m["name"] == name)


# --- dbt_env -----------------------------------------------------------------------------------


def test_dbt_env_points_dbt_at_the_data_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    env = transform.dbt_env(settings)
    assert env["REPORTFLOW_WAREHOUSE"] == str(settings.warehouse_path)
    assert env["DBT_PROFILES_DIR"] == str(DBT_PROJECT_DIR)
    assert env["DBT_TARGET_PATH"] == str(settings.dbt_target_dir)
    assert Path(env["DBT_LOG_PATH"]).is_relative_to(tmp_path)


# --- failure summaries -------------------------------------------------------------------------


def _run_results(path: Path, statuses: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    results = [{"unique_id": uid, "status": status} for uid, status in statuses.items()]
    path.write_text(json.dumps({"results": results}), encoding="utf-8")
    return path


def test_summary_names_failed_models_and_tests(tmp_path: Path) -> None:
    run_results = _run_results(
        tmp_path / "run_results.json",
        {
            "model.reportflow.fct_indicators": "error",
            "test.reportflow.not_null_dim_county_county_code.1a2b3c": "fail",
            "unit_test.reportflow.int_case_measures.case_keeps_latest": "fail",
            "model.reportflow.dim_county": "success",
            "test.reportflow.unique_dim_county_county_code.4d5e6f": "pass",
        },
    )
    assert transform.failure_summary("build", run_results, "") == (
        "dbt build failed on 3 node(s): fct_indicators, not_null_dim_county_county_code, "
        "int_case_measures::case_keeps_latest"
    )


def test_summary_counts_what_it_does_not_name(tmp_path: Path) -> None:
    failed = {f"model.reportflow.m{i}": "error" for i in range(8)}
    run_results = _run_results(tmp_path / "run_results.json", failed)
    summary = transform.failure_summary("build", run_results, "")
    assert summary == "dbt build failed on 8 node(s): m0, m1, m2, m3, m4 and 3 more"


def test_summary_without_results_quotes_the_error_line(tmp_path: Path) -> None:
    output = "Running with dbt=1.11\nCompilation Error in model x\n  more detail\nDone."
    summary = transform.failure_summary("parse", tmp_path / "missing.json", output)
    assert summary == "dbt parse failed: Compilation Error in model x"


def test_run_dbt_ignores_results_of_an_earlier_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=tmp_path)
    _run_results(settings.dbt_target_dir / "run_results.json", {"model.reportflow.old": "error"})

    def fake_run(args, **kwargs):
        assert kwargs["env"]["REPORTFLOW_WAREHOUSE"] == str(settings.warehouse_path)
        return subprocess.CompletedProcess(args, 2, stdout="Parsing Error: bad yaml\n", stderr="")

    monkeypatch.setattr(transform.subprocess, "run", fake_run)
    with pytest.raises(transform.TransformError, match=r"^dbt parse failed: Parsing Error: bad"):
        transform.run_dbt(settings, ["parse"])


# --- snapshot export ---------------------------------------------------------------------------


def _warehouse_with_marts(settings: Settings, tables: tuple[str, ...]) -> None:
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema marts")
        for table in tables:
            con.execute(f"create table marts.{table} as select 2 as n union all select 1")


def test_export_snapshot_replaces_every_file(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    _warehouse_with_marts(settings, transform.SNAPSHOT_TABLES)
    settings.snapshot_dir.mkdir(parents=True)
    (settings.snapshot_dir / "dim_county.parquet").write_text("old", encoding="utf-8")
    paths = transform.export_snapshot(settings)
    assert [p.name for p in paths] == [f"{t}.parquet" for t in transform.SNAPSHOT_TABLES]
    assert sorted(settings.snapshot_dir.iterdir()) == sorted(paths)
    rows = duckdb.sql(f"select n from read_parquet('{paths[3]}')").fetchall()
    assert rows == [(1,), (2,)]


def test_export_failure_keeps_the_previous_snapshot(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    _warehouse_with_marts(settings, transform.SNAPSHOT_TABLES)
    previous = transform.export_snapshot(settings)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("drop table marts.submission_status")
    with pytest.raises(duckdb.CatalogException):
        transform.export_snapshot(settings)
    assert settings.snapshot_dir == previous[0].parent
    assert sorted(settings.snapshot_dir.iterdir()) == sorted(previous)
    assert [p.name for p in settings.snapshot_root.iterdir() if p.name.startswith(".")] == []


# --- the dbt project's copy of the contract ----------------------------------------------------


def test_every_raw_table_has_one_staging_model() -> None:
    staging = {p.stem for p in (MODELS / "staging").glob("*.sql")}
    others = {"stg_submissions", "stg_reporting_periods"}
    assert staging == {f"stg_{key}" for key in contract.forms()} | others


def test_wide_mart_has_one_column_per_indicator_in_contract_order() -> None:
    wide = _model(_yaml(MODELS / "marts" / "_fct_indicators_wide.yml"), "fct_indicators_wide")
    keys = [i.key for i in contract.indicators()]
    assert [c["name"] for c in wide["columns"]] == [
        "period",
        "county_code",
        "county_name",
        "sort_order",
        *keys,
    ]
    unit = _model(
        _yaml(MODELS / "intermediate" / "_int_unit_indicators.yml"), "int_unit_indicators"
    )
    assert [c["name"] for c in unit["columns"]] == ["period", "county_code", *keys]
