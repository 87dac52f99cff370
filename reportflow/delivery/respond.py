"""``reportflow approve``: answer the publish DAG's sign-off through Airflow's REST API.

The CLI does what the Required Actions page does, through the same endpoint, so Airflow
records the same respondent and the DAG resumes the same way: it logs in (``/auth/token``),
finds the run of ``publish_bulletin`` for the period whose ``sign_off`` is still waiting,
and PATCHes its ``hitlDetails`` with Approve or Reject and the comment.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from reportflow.delivery.signoff import COMMENT_PARAM, SIGN_OFF_TASK_ID, SignOffOperator

DAG_ID = "publish_bulletin"
PERIOD_TASK_ID = "resolve_period"


class NoPendingSignOff(LookupError):
    """No run of the publish DAG is waiting for sign-off of the period."""


@dataclass(frozen=True)
class ApiAccount:
    """Where the Airflow API server is and whom to log in as."""

    base_url: str
    username: str
    password: str


def api_client(account: ApiAccount) -> httpx.Client:
    """An HTTP client carrying a fresh bearer token of ``account``."""
    base = account.base_url.rstrip("/")
    login = httpx.post(
        f"{base}/auth/token",
        json={"username": account.username, "password": account.password},
        timeout=30,
    )
    login.raise_for_status()
    token = login.json()["access_token"]
    return httpx.Client(
        base_url=f"{base}/api/v2", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def _waiting_run(client: httpx.Client, period: str) -> str:
    """The run id whose sign-off awaits an answer and whose resolved period is ``period``."""
    response = client.get(
        f"/dags/{DAG_ID}/dagRuns/~/hitlDetails",
        params={"task_id": SIGN_OFF_TASK_ID, "response_received": "false"},
    )
    response.raise_for_status()
    for detail in response.json()["hitl_details"]:
        run_id = detail["task_instance"]["dag_run_id"]
        xcom = client.get(
            f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{PERIOD_TASK_ID}"
            "/xcomEntries/return_value"
        )
        if xcom.is_success and xcom.json().get("value") == period:
            return run_id
    raise NoPendingSignOff(f"no run of {DAG_ID} is waiting for sign-off of {period}")


def respond(account: ApiAccount, period: str, *, approve: bool, comment: str) -> dict:
    """Approve or reject the waiting sign-off of ``period``; returns Airflow's record of it."""
    option = SignOffOperator.APPROVE if approve else SignOffOperator.REJECT
    with api_client(account) as client:
        run_id = _waiting_run(client, period)
        answer = client.patch(
            f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{SIGN_OFF_TASK_ID}/-1/hitlDetails",
            json={"chosen_options": [option], "params_input": {COMMENT_PARAM: comment}},
        )
        answer.raise_for_status()
        return answer.json()
