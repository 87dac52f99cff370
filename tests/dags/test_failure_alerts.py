"""A task that fails for real in ``dag.test()`` e-mails the data engineers, once per cause.

Through the DAGs' default failure callback, Airflow's SMTP notifier, the Connection
``reportflow_smtp`` and a real SMTP server on localhost: one e-mail naming the DAG, the task
and the error; nothing more while the same task keeps failing the same way (the 30-second
ingest schedule), and nothing for the tries before the last one.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pendulum
import pytest

from reportflow.config import PROJECT_ROOT, Settings
from reportflow.orchestration.wiring import DEFAULT_ARGS
from tests.smtp_server import Inbox

ENGINEERS = ["data@city.example", "ops@city.example"]
RECIPIENTS = "engineers:\n  - 数据组 <data@city.example>\n  - ops@city.example\n"


@pytest.fixture()
def home(data_home: Settings) -> Settings:
    data_home.recipients_path.write_text(RECIPIENTS, encoding="utf-8")
    return data_home


def _html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def test_one_mail_per_cause_until_the_task_works_again(
    dagbag, home: Settings, smtp_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest = dagbag.get_dag("ingest_submissions")
    monkeypatch.setenv("REPORTFLOW_DEADLINE_DAY", "32")
    assert ingest.test().state == "failed"

    (alert,) = smtp_inbox.messages
    assert sorted(smtp_inbox.envelopes[0]) == ENGINEERS
    assert "ingest_submissions.ingest_drop_folders" in alert["Subject"]
    body = _html(alert)
    for fact in ("ingest_submissions", "ingest_drop_folders", "AirflowFailException"):
        assert fact in body
    assert "REPORTFLOW_DEADLINE_DAY=&#39;32&#39;" in body  # quoted, escaped: HTML autoescape

    assert ingest.test().state == "failed"
    assert len(smtp_inbox.messages) == 1, "the same cause on the next run sends nothing"

    monkeypatch.delenv("REPORTFLOW_DEADLINE_DAY")
    assert ingest.test().state == "success"  # nothing dropped: the task skips, and works
    monkeypatch.setenv("REPORTFLOW_DEADLINE_DAY", "32")
    assert ingest.test().state == "failed"
    assert len(smtp_inbox.messages) == 2, "after the task worked once, a relapse alerts again"


def _register(dag) -> None:
    """Write a DAG defined in a test to the metadata database (``dag.test()`` needs it there)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=str(PROJECT_ROOT / "tests" / "no-dags-here"))
    bag.bag_dag(dag)
    sync_bag_to_db(bag, "dags-folder", None)


def test_only_the_last_try_alerts(airflow_db, home: Settings, smtp_inbox: Inbox) -> None:
    """on_failure_callback runs after the last try only; earlier tries end up_for_retry."""
    from airflow.sdk import DAG, task

    retry_at_once = {
        **DEFAULT_ARGS,
        "retries": 2,
        "retry_delay": timedelta(0),
        "retry_exponential_backoff": False,
    }
    with DAG(
        "always_fails",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1),
        default_args=retry_at_once,
    ) as dag:

        @task
        def write_to_a_full_disk() -> None:
            raise OSError("No space left on device")

        write_to_a_full_disk()

    _register(dag)
    run = dag.test()
    (ti,) = run.get_task_instances()
    assert (ti.state, ti.try_number) == ("failed", 3)
    (alert,) = smtp_inbox.messages
    assert "No space left on device" in _html(alert) and "try 3" in _html(alert)
