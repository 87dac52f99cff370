"""The ``send_alerts`` DAG for real with ``dag.test()``: reminders and the late-bulletin alert
reach a local SMTP server, once; without the SMTP Connection its tasks are skipped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reportflow.config import Settings
from reportflow.pipeline import initialise_home
from tests.smtp_server import Inbox

#: 09:00 Beijing time on 12 November: October's forms and bulletin are both overdue.
RUN_AFTER = datetime(2026, 11, 12, 1, 0, tzinfo=UTC)


def _states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_reminders_and_late_bulletin_once(dagbag, data_home: Settings, smtp_inbox: Inbox) -> None:
    initialise_home(data_home)  # the demo recipients: one contact per county, engineers, office
    dag = dagbag.get_dag("send_alerts")

    run = dag.test(run_after=RUN_AFTER, logical_date=RUN_AFTER)
    assert _states(run) == {"remind_missing_forms": "success", "alert_late_bulletin": "success"}
    subjects = sorted(str(message["Subject"]) for message in smtp_inbox.messages)
    assert len(subjects) == 10 + 1, subjects  # every county sent nothing; the bulletin is late
    assert sum("【催报】" in s and "2026年10月尚有7张报表未报送" in s for s in subjects) == 10
    (late,) = smtp_inbox.to("office@city.zhanjiang.example")
    assert late["Subject"] == "【月报逾期】2026年10月党建指导员工作月报尚未发布"

    later = RUN_AFTER.replace(hour=2)  # another run (a run id is made from its time)
    dag.test(run_after=later, logical_date=later)
    assert len(smtp_inbox.messages) == 11, "a re-run sends nothing new"


def test_without_mail_the_tasks_skip(
    dagbag, data_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    initialise_home(data_home)
    monkeypatch.delenv("AIRFLOW_CONN_REPORTFLOW_SMTP", raising=False)
    other = RUN_AFTER.replace(hour=3)
    run = dagbag.get_dag("send_alerts").test(run_after=other, logical_date=other)
    assert _states(run) == {"remind_missing_forms": "skipped", "alert_late_bulletin": "skipped"}
