"""The three DAGs run for real with ``dag.test()`` on a temporary data home.

The exported indicators are compared, cell by cell, with values that ``tests/reference.py``
computes independently from the very files the test dropped; the PDF's text is extracted
and must contain the Chinese county names; the bulletin is mailed once to a real local
SMTP server configured only as an Airflow Connection.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reportflow.bulletin import city_bulletin_paths
from reportflow.config import Settings
from reportflow.contract import counties
from reportflow.demo_data import generate_demo_data
from reportflow.pipeline import initialise_home
from tests.reference import Reference, expected_export, read_export

PERIOD = "2026-10"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _copy_submissions(drop_dir: Path, target: Path) -> Path:
    """Keep the dropped files before intake moves them away."""
    shutil.copytree(drop_dir, target)
    return target


def _run(dagbag, dag_id: str, **kwargs) -> None:
    run = dagbag.get_dag(dag_id).test(**kwargs)
    assert run.state == "success", f"{dag_id} ended {run.state}"


def test_three_dags_end_to_end(
    dagbag, data_home: Settings, tmp_path: Path, smtp_inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORTFLOW_AUTO_APPROVE", "1")  # sign-off through the API: test_sign_off
    initialise_home(data_home)
    demo = generate_demo_data(data_home, end_period=PERIOD, now=NOW)
    dropped = _copy_submissions(data_home.drop_dir, tmp_path / "dropped")

    _run(dagbag, "ingest_submissions")
    _run(dagbag, "build_indicators")
    _run(dagbag, "publish_bulletin", run_conf={"period": PERIOD})

    bulletin_dir = data_home.period_bulletin_dir(PERIOD)
    exported = read_export(bulletin_dir / "indicators.csv")
    rejected = [dropped / p.relative_to(data_home.drop_dir) for p in demo.rejected_paths()]
    arrivals = {dropped / p.relative_to(data_home.drop_dir): t for p, t in demo.arrivals().items()}
    expected = expected_export(dropped, PERIOD, arrivals=arrivals, rejected=rejected)
    assert len(exported) == 11 * 39
    mismatches = {k: (exported.get(k), v) for k, v in expected.items() if exported.get(k) != v}
    assert mismatches == {}

    reference = Reference(dropped, arrivals=arrivals, rejected=rejected)
    assert {p.name for p in reference.rejected()} == {p.name for p in demo.rejected_paths()}
    quarantined = list(data_home.quarantine_dir.rglob("*.csv"))
    assert len(quarantined) == len(demo.rejected_paths())
    assert not [p for p in data_home.drop_dir.glob("*/*") if p.is_file()]

    pdf = city_bulletin_paths(data_home, PERIOD)[1]  # county editions start with 湛江市 too
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for county in counties():
        assert county.name in text
    assert "2026年10月" in text and "未报送" in text

    readers = len(counties()) + 1  # the demo recipients.yaml: one reader per edition
    assert len(smtp_inbox.messages) == readers
    city_mail = smtp_inbox.to("leaders@city.zhanjiang.example")
    assert [part.get_filename() for part in city_mail[0].iter_attachments()] == [pdf.name]

    _run(dagbag, "publish_bulletin", run_conf={"period": PERIOD})
    assert len(smtp_inbox.messages) == readers, "a re-run must not mail leaders twice"
