"""Reminders of missing forms and the late-bulletin alert, received by a real SMTP server.

What county staff and the office must be able to rely on: after the deadline each county's
contacts get one e-mail in Chinese naming exactly the forms ``reportflow status`` shows as
missing and the deadline; nothing before the deadline, nothing on a re-run, one new e-mail
when the set changes; a bulletin not delivered by its due time is reported once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from reportflow import contract
from reportflow.alerts.late import DUE_AFTER_DEADLINE, check_late_bulletin, lateness
from reportflow.alerts.reminders import send_reminders
from reportflow.config import Settings
from reportflow.delivery.ledger import (
    Decision,
    Delivery,
    add_approval,
    confirm,
    open_ledger,
    prepare,
)
from reportflow.delivery.smtp import NoSmtpConnection
from reportflow.intake import ingest, init_home
from reportflow.periods import Period
from tests.smtp_server import Inbox

PERIOD = "2026-10"
CHIKAN, XIASHAN = "440802", "440803"
#: 5 November 24:00 Beijing time is 2026-11-05 16:00 UTC.
BEFORE_DEADLINE = datetime(2026, 11, 5, 15, 59, tzinfo=UTC)
AFTER_DEADLINE = datetime(2026, 11, 6, 1, 0, tzinfo=UTC)  # 09:00 Beijing time, the 6th
RECIPIENTS = f"""
city: [lead@city.example]
engineers: [数据组 <data@city.example>]
office: [office@city.example, data@city.example]
contacts:
  "{CHIKAN}":
    - 赤坎填报员 <clerk1@chikan.example>
    - clerk2@chikan.example
  "{XIASHAN}": [clerk@xiashan.example]
"""
DISPUTES = (
    "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期\r\n"
    "J1,440802001,2026-10-05,其他,其他,调解中,\r\n"
)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = Settings(home=tmp_path / "home", stable_seconds=0)
    init_home(settings, now=BEFORE_DEADLINE)
    settings.recipients_path.write_text(RECIPIENTS, encoding="utf-8")
    monkeypatch.setenv("REPORTFLOW_HOME", str(settings.home))
    return settings


def _html(message: EmailMessage) -> str:
    """The decoded HTML body (the SMTP notifier sends HTML only)."""
    return message.get_body(("html",)).get_content()


def _labels(keys) -> list[str]:
    return [contract.forms()[key].label for key in keys]


def test_nothing_before_the_deadline(home: Settings, smtp_inbox: Inbox) -> None:
    outcome = send_reminders(home, BEFORE_DEADLINE)
    assert outcome.sent == () and smtp_inbox.messages == []


def test_one_chinese_reminder_per_county_then_nothing_on_a_re_run(
    home: Settings, smtp_inbox: Inbox
) -> None:
    outcome = send_reminders(home, AFTER_DEADLINE)
    assert outcome.sent == (CHIKAN, XIASHAN)
    assert len(outcome.no_contact) == len(contract.counties()) - 2
    assert len(smtp_inbox.messages) == 2
    (chikan,) = smtp_inbox.to("clerk1@chikan.example")
    assert smtp_inbox.to("clerk2@chikan.example") == [chikan], "one e-mail to both contacts"
    assert chikan["Subject"] == "【催报】赤坎区2026年10月尚有7张报表未报送"
    body = _html(chikan)
    assert "2026年11月5日 24:00" in body and "2026年10月" in body
    for label in _labels(contract.forms()):
        assert label in body
    (xiashan,) = smtp_inbox.to("clerk@xiashan.example")
    assert "霞山区" in xiashan["Subject"] and "霞山区" in _html(xiashan)

    again = send_reminders(home, AFTER_DEADLINE.replace(day=7))
    assert again.sent == () and again.already == (CHIKAN, XIASHAN)
    assert len(smtp_inbox.messages) == 2, "a re-run sends nothing new"


def test_a_changed_set_of_missing_forms_sends_one_new_reminder(
    home: Settings, smtp_inbox: Inbox
) -> None:
    send_reminders(home, AFTER_DEADLINE)
    (home.drop_dir / CHIKAN / f"disputes_{PERIOD}.csv").write_text(DISPUTES, encoding="utf-8")
    ingest(home, now=AFTER_DEADLINE)  # late, but no longer missing

    outcome = send_reminders(home, AFTER_DEADLINE.replace(day=7))
    assert outcome.sent == (CHIKAN,) and outcome.already == (XIASHAN,)
    first, second = smtp_inbox.to("clerk1@chikan.example")
    assert "尚有6张报表" in second["Subject"]
    assert contract.forms()["disputes"].label not in _html(second)
    assert contract.forms()["disputes"].label in _html(first)


def _cli(home: Settings, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "reportflow.cli", *args],
        env=dict(os.environ, REPORTFLOW_HOME=str(home.home)),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_status_says_when_and_to_whom_the_reminder_went(home: Settings, smtp_inbox: Inbox) -> None:
    send_reminders(home, AFTER_DEADLINE)
    printed = _cli(home, "status", "--period", PERIOD)
    lines = {line.split()[1]: line for line in printed.splitlines() if line.startswith("reminder")}
    assert (
        "sent 2026年11月6日 09:00 to clerk1@chikan.example, clerk2@chikan.example" in lines[CHIKAN]
    )
    assert "not possible: no contacts" in lines["440804"]


def test_a_cleared_reminder_is_sent_again(home: Settings, smtp_inbox: Inbox) -> None:
    """How to re-send on purpose: clear the alert; the next run sends its cause again."""
    send_reminders(home, AFTER_DEADLINE)
    listed = _cli(home, "alerts").splitlines()
    chikan = next(line for line in listed if f"{PERIOD}/{CHIKAN}" in line)
    assert "missing_forms" in chikan and "clerk1@chikan.example" in chikan and "(open)" in chikan
    assert "cleared" in _cli(home, "alerts", "--clear", chikan.split()[0])

    outcome = send_reminders(home, AFTER_DEADLINE.replace(day=7))
    assert outcome.sent == (CHIKAN,) and outcome.already == (XIASHAN,)
    assert len(smtp_inbox.to("clerk1@chikan.example")) == 2


def test_without_the_connection_nothing_is_recorded(
    home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_REPORTFLOW_SMTP", raising=False)
    with pytest.raises(NoSmtpConnection):
        send_reminders(home, AFTER_DEADLINE)
    with open_ledger(home.delivery_dir) as con:
        assert con.execute("select count(*) from alerts").fetchone() == (0,)


def _due(home: Settings) -> datetime:
    return Period.parse(PERIOD).deadline(home.deadline_day) + DUE_AFTER_DEADLINE


def test_late_bulletin_alerts_engineers_and_office_once(home: Settings, smtp_inbox: Inbox) -> None:
    due = _due(home)
    assert not check_late_bulletin(home, due)
    assert smtp_inbox.messages == []

    assert check_late_bulletin(home, due.replace(hour=9))
    (alert,) = smtp_inbox.messages
    assert sorted(smtp_inbox.envelopes[0]) == ["data@city.example", "office@city.example"]
    assert alert["Subject"] == "【月报逾期】2026年10月党建指导员工作月报尚未发布"
    body = _html(alert)
    assert "2026年11月11日 00:00" in body and "月报尚未生成" in body and "lead@city.example" in body

    assert not check_late_bulletin(home, due.replace(hour=10))
    assert len(smtp_inbox.messages) == 1, "once per period"


def test_published_means_approved_and_delivered_to_every_reader(home: Settings) -> None:
    stamp = "2026-11-06T02:00:00+00:00"
    assert lateness(home, PERIOD).state == "月报尚未生成。"
    with open_ledger(home.delivery_dir) as con:
        decision = Decision(PERIOD, "张三", stamp, "", "test")
        approval_id = add_approval(con, decision, files=[])
        delivery = Delivery(
            "<m@x>", PERIOD, "city", "lead@city.example", 0, approval_id, "0", stamp
        )
        prepare(con, delivery)
        unconfirmed = lateness(home, PERIOD)
        confirm(con, delivery.message_id, stamp)
    assert unconfirmed is not None and unconfirmed.unsent == ("lead@city.example",)
    assert lateness(home, PERIOD) is None
