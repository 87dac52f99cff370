"""The bad-input corpus: every file in tests/fixtures/intake/corpus has its expected outcome in
manifest.yaml, and ingesting it into a fresh data home gives exactly that outcome."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from reportflow.config import Settings
from reportflow.intake import Limits, ingest
from reportflow.intake import pipeline as pipeline_module
from reportflow.warehouse import connect

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "intake"
CORPUS = FIXTURES / "corpus"
CASES: list[dict] = yaml.safe_load((FIXTURES / "manifest.yaml").read_text(encoding="utf-8"))
NOW = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)


def _case_id(case: dict) -> str:
    return f"{case['file']}->{case.get('county', '440802')}/{case.get('drop_as', '')}"


def test_manifest_covers_the_whole_corpus() -> None:
    listed = {case["file"] for case in CASES}
    on_disk = {p.name for p in CORPUS.iterdir()}
    assert listed == on_disk
    assert len(on_disk) >= 40


@pytest.mark.parametrize("path", ["bulk", "exact"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_corpus_case(
    case: dict, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "bulk": the bulk path tries every file, however small (it must step aside or agree);
    # "exact": the exact Python path only.
    monkeypatch.setattr(pipeline_module, "BULK_MIN_BYTES", 0 if path == "bulk" else sys.maxsize)
    if "limits" in case:
        limits = dataclasses.replace(Limits.from_contract(), **case["limits"])
        monkeypatch.setattr(pipeline_module, "current_limits", lambda: limits)
    settings = Settings(home=tmp_path, stable_seconds=0)
    county = str(case.get("county", "440802"))
    name = case.get("drop_as", "disputes_2026-10.csv")
    folder = settings.drop_dir / county
    folder.mkdir(parents=True)
    shutil.copyfile(CORPUS / case["file"], folder / name)

    report = ingest(settings, now=NOW)

    [result] = report.results
    assert result.status == case["outcome"], [p.as_text() for p in result.errors]
    assert not (folder / name).exists()
    assert result.receipt_paths and all(p.exists() for p in result.receipt_paths)
    with connect(settings.warehouse_path, read_only=True) as con:
        [(status, error_count, archived_as)] = con.execute(
            "select status, error_count, archived_as from raw.submissions"
        ).fetchall()
        raw_rows = con.execute(f"select count(*) from raw.{result.form or 'disputes'}").fetchall()[
            0
        ][0]
    assert status == case["outcome"]
    assert (tmp_path / archived_as).exists()

    receipt = result.receipt_paths[1].read_text(encoding="utf-8-sig")
    assert case.get("receipt", "") in receipt
    if case["outcome"] == "accepted":
        assert result.row_count == case["rows"] == raw_rows
        assert archived_as.startswith("archive/")
        for column, values in case.get("stored", {}).items():
            with connect(settings.warehouse_path, read_only=True) as con:
                stored = con.execute(
                    f"select cast({column} as varchar) from raw.{result.form} order by source_row"
                ).fetchall()
            assert [v for (v,) in stored] == values
        return

    assert raw_rows == 0
    assert archived_as.startswith("quarantine/")
    assert result.error_count == error_count == case["errors"]
    assert len(result.errors) == case.get("listed", min(case["errors"], 200))
    first = result.errors[0]
    expected = case["first"]
    assert first.row == expected["row"]
    assert first.column.startswith(expected.get("column", "")), first.column
    assert expected["reason"] in first.reason, first.reason
    assert expected["reason"] in receipt
