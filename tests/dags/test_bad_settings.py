"""A DAG task with an unusable setting fails at once, for good, naming the variable.

Why: a missing data home or a malformed REPORTFLOW_* value does not fix itself between
retries; the run must stop at its first task with the same one-line message the CLI prints.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest


def _failed_task(run) -> tuple[str, int]:
    failed = [ti for ti in run.get_task_instances() if ti.state == "failed"]
    assert len(failed) == 1, [(ti.task_id, ti.state) for ti in run.get_task_instances()]
    return failed[0].task_id, failed[0].try_number


def test_missing_home_fails_the_ingest_task_without_retries(
    dagbag, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "no-such-home"
    monkeypatch.setenv("REPORTFLOW_HOME", str(missing))
    with caplog.at_level(logging.ERROR):
        run = dagbag.get_dag("ingest_submissions").test()
    assert run.state == "failed"
    assert _failed_task(run) == ("ingest_drop_folders", 1)
    assert "REPORTFLOW_HOME" in caplog.text and "does not exist" in caplog.text
    assert not missing.exists()


def test_malformed_deadline_day_fails_the_build_at_its_first_task(
    dagbag, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("REPORTFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("REPORTFLOW_DEADLINE_DAY", "32")
    with caplog.at_level(logging.ERROR):
        run = dagbag.get_dag("build_indicators").test()
    assert run.state == "failed"
    assert _failed_task(run) == ("prepare_calendar", 1)
    assert "REPORTFLOW_DEADLINE_DAY='32'" in caplog.text and "1 to 31" in caplog.text
