"""Sign-off for real: the publish DAG waits in Airflow's human-in-the-loop ApprovalOperator and
mails only after the office answers through the REST API of a real ``airflow api-server``.

``airflow dags test`` (a subprocess) keeps a run alive while a task awaits input, and an
api-server on the same metadata database records the answer and resumes the task, so the
test drives the components the office uses: ``reportflow approve`` (the CLI, which calls the
``hitlDetails`` endpoint) and a plain PATCH of that endpoint for the rejection. Rendering is
done once beforehand from a fixture snapshot and its tasks are marked successful, to keep the
test about sign-off and delivery.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reportflow.bulletin import publish
from reportflow.config import PROJECT_ROOT, Settings
from reportflow.delivery.ledger import deliveries, latest_approval, open_ledger, rejections
from reportflow.delivery.respond import ApiAccount, api_client
from tests.integration.test_bulletin import write_snapshot
from tests.integration.test_delivery import (
    PERIOD,
    READERS,
    RECIPIENTS,
)
from tests.smtp_server import Inbox, free_port

PASSWORD = "sign-off-test"
#: Tasks replaced by the rendering done before the run (and the quality gate it needs).
PRE_RENDERED = "gate|render_city|render_county|export_indicators"
DEADLINE_SECONDS = 240


def _wait_for(condition, what: str, timeout: float = DEADLINE_SECONDS, every: float = 1.0):
    """Poll ``condition`` until it returns something truthy, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen) -> None:
    """End a process this test started, and its children, by its own process group id."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def api_server(airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiAccount]:
    """A real Airflow API server on the session's metadata database, with a known password."""
    folder = tmp_path_factory.mktemp("api")
    passwords = folder / "passwords.json"
    passwords.write_text(json.dumps({"admin": PASSWORD}), encoding="utf-8")
    port = free_port()
    environment = {
        **os.environ,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
    }
    log = (folder / "api-server.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "airflow"), "api-server", "--port", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    account = ApiAccount(f"http://127.0.0.1:{port}", "admin", PASSWORD)

    def ready() -> bool:
        try:
            return httpx.get(f"{account.base_url}/api/v2/monitor/health", timeout=2).is_success
        except httpx.HTTPError:
            return process.poll() is not None  # stop polling a dead server (asserted below)

    try:
        _wait_for(ready, "the api-server to answer", timeout=120)
        assert process.poll() is None, (folder / "api-server.log").read_text()
        yield account
    finally:
        _stop(process)
        log.close()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = Settings(home=tmp_path_factory.mktemp("rendered") / "home")
    write_snapshot(home.snapshot_dir, {PERIOD: True})
    publish(home, PERIOD)
    home.recipients_path.write_text(RECIPIENTS, encoding="utf-8")
    return home.home


@pytest.fixture()
def home(rendered: Path, data_home: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    shutil.copytree(rendered, data_home.home, dirs_exist_ok=True)
    monkeypatch.delenv("REPORTFLOW_AUTO_APPROVE", raising=False)
    return data_home


@pytest.fixture()
def publish_run(home: Settings, smtp_inbox: Inbox, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """``airflow dags test publish_bulletin`` for the period, running until it is answered."""
    log = (tmp_path / "dags-test.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "airflow"),
            "dags",
            "test",
            "--mark-success-pattern",
            PRE_RENDERED,
            "-c",
            json.dumps({"period": PERIOD}),
            "publish_bulletin",
        ],
        env=dict(os.environ),
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log_path = tmp_path / "dags-test.log"  # type: ignore[attr-defined]
    yield process
    _stop(process)
    log.close()


def _waiting_sign_off(account: ApiAccount, run: subprocess.Popen) -> dict | None:
    """The sign-off awaiting an answer; fails at once if the publish run ended instead."""
    if run.poll() is not None:
        pytest.fail("the publish run ended before sign-off:\n" + _tail(run))
    with api_client(account) as client:
        found = client.get(
            "/dags/publish_bulletin/dagRuns/~/hitlDetails",
            params={"task_id": "sign_off", "response_received": "false"},
        ).json()["hitl_details"]
    return found[0] if found else None


def _tail(run: subprocess.Popen) -> str:
    text = run.log_path.read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]
    return "\n".join(line for line in text.splitlines() if "weasyprint" not in line)[-4000:]


def _finish(run: subprocess.Popen) -> None:
    """Wait for the publish run to end, and require that it succeeded."""
    try:
        run.wait(timeout=DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail("the publish run did not finish after the answer:\n" + _tail(run))
    assert run.returncode == 0, _tail(run)


def _cli_approve(account: ApiAccount, *options: str) -> None:
    """``reportflow approve --period P *options`` against the API server, as the office runs it."""
    command = [sys.executable, "-m", "reportflow.cli", "approve", "--period", PERIOD, *options]
    answer = subprocess.run(
        [*command, "--api-url", account.base_url],
        env={**os.environ, "REPORTFLOW_API_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr


def _patch_reject(account: ApiAccount, waiting: dict) -> None:
    """Reject through the endpoint the Required Actions page uses."""
    run_id = waiting["task_instance"]["dag_run_id"]
    with api_client(account) as client:
        answer = client.patch(
            f"/dags/publish_bulletin/dagRuns/{run_id}/taskInstances/sign_off/-1/hitlDetails",
            json={"chosen_options": ["Reject"], "params_input": {"comment": "数据需核实"}},
        )
    assert answer.status_code == 200, answer.text


def test_mail_only_after_approval_through_the_api(
    api_server: ApiAccount, home: Settings, smtp_inbox: Inbox, publish_run: subprocess.Popen
) -> None:
    waiting = _wait_for(lambda: _waiting_sign_off(api_server, publish_run), "the sign-off")
    assert PERIOD in waiting["subject"] and "草稿" in waiting["body"]
    assert list((home.period_bulletin_dir(PERIOD) / "draft").glob("*.html"))
    time.sleep(3)
    assert smtp_inbox.messages == [], "nothing may be mailed while the sign-off waits"

    _cli_approve(api_server, "--comment", "同意印发")
    _finish(publish_run)

    assert len(smtp_inbox.messages) == READERS
    with open_ledger(home.delivery_dir) as con:
        approval = latest_approval(con, PERIOD)
        sent = deliveries(con, PERIOD)
        rejected = rejections(con, PERIOD)
    assert approval is not None and approval.decided_by == "admin"
    assert approval.comment == "同意印发" and approval.source == "airflow"
    assert len(sent) == READERS and all(d.approval_id == approval.approval_id for d in sent)
    assert rejected == []


@pytest.mark.parametrize("answer", ["cli", "required_actions"])
def test_rejection_with_a_comment_is_recorded_and_sends_nothing(
    api_server: ApiAccount,
    home: Settings,
    smtp_inbox: Inbox,
    publish_run: subprocess.Popen,
    answer: str,
) -> None:
    waiting = _wait_for(lambda: _waiting_sign_off(api_server, publish_run), "the sign-off")
    if answer == "cli":
        _cli_approve(api_server, "--reject", "--comment", "数据需核实")
    else:
        _patch_reject(api_server, waiting)
    _finish(publish_run)
    assert smtp_inbox.messages == []
    with open_ledger(home.delivery_dir) as con:
        assert latest_approval(con, PERIOD) is None
        assert deliveries(con, PERIOD) == []
        (rejection,) = rejections(con, PERIOD)
    assert (rejection.decided_by, rejection.comment) == ("admin", "数据需核实")
    assert rejection.source == "airflow" and rejection.decided_at.startswith("20")
