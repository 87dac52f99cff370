"""The publish DAG's sign-off task: Airflow's human-in-the-loop ApprovalOperator.

The office answers in the UI (Required Actions), through the REST API
(``PATCH …/taskInstances/sign_off/-1/hitlDetails``) or with ``reportflow approve``. Reject
skips everything downstream, so nothing is sent, and the operator itself writes the rejection
(who, when, comment) to the delivery ledger, whichever way it was answered. On approval the
response is the task's XCom, which ``record_approval`` writes to the ledger. With
``REPORTFLOW_AUTO_APPROVE=1`` (the demo) the operator answers itself with the same payload
shape, so the rest of the DAG has one path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param
from airflow.sdk.definitions.param import ParamsDict
from airflow.sdk.timezone import utcnow

from reportflow.config import AUTO_APPROVE_ENV
from reportflow.delivery.ledger import Decision

SIGN_OFF_TASK_ID = "sign_off"
COMMENT_PARAM = "comment"
AUTO_APPROVER = {"id": "reportflow", "name": f"自动审核（{AUTO_APPROVE_ENV}）"}
#: How long the office has to answer; then the task fails (nothing is sent) and alerts. Given
#: explicitly so the DAG's execution_timeout keeps bounding the work before the wait.
RESPONSE_TIMEOUT = timedelta(days=7)


def decision(period: str, response: Mapping[str, Any]) -> Decision:
    """Who answered the sign-off of ``period``, when, with what comment and how.

    ``response`` is the task's XCom (``responded_at`` then arrives as ISO text) or the live
    payload (a datetime).
    """
    user = response["responded_by_user"]
    responded_at = response["responded_at"]
    if isinstance(responded_at, datetime):
        responded_at = responded_at.isoformat()
    return Decision(
        period=period,
        decided_by=str(user.get("name") or user.get("id")),
        decided_at=str(responded_at),
        comment=str((response.get("params_input") or {}).get(COMMENT_PARAM, "")),
        source="auto" if user == AUTO_APPROVER else "airflow",
    )


class SignOffOperator(ApprovalOperator):
    """Approve/Reject with a comment field; records a rejection; answers itself when automatic
    approval is set. ``period`` (templated, e.g. ``resolve_period``'s output) names the month."""

    template_fields = (*ApprovalOperator.template_fields, "period")

    def __init__(self, *, period: Any, **kwargs: Any) -> None:
        params = ParamsDict(kwargs.pop("params", None) or {})  # the DAG's, passed down by Airflow
        params[COMMENT_PARAM] = Param("", type="string", title="审核意见")
        super().__init__(params=params, response_timeout=RESPONSE_TIMEOUT, **kwargs)
        self.period = period

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """Resume with the answer; a rejection goes to the ledger before downstream is skipped
        (an approval is recorded by ``record_approval``, which also freezes the PDFs)."""
        from reportflow.delivery.approval import reject
        from reportflow.orchestration.wiring import task_settings

        if "error" not in event and event["chosen_options"] == [self.REJECT]:
            answer = reject(task_settings(), decision(self.period, event))
            self.log.info("rejected %s by %s: %s", self.period, answer.decided_by, answer.comment)
        return super().execute_complete(context, event)

    def execute(self, context: Any) -> Any:
        from reportflow.orchestration.wiring import task_settings

        if not task_settings().auto_approve:
            return super().execute(context)
        self.log.info("%s is set: approved without a person", AUTO_APPROVE_ENV)
        event = {
            "chosen_options": [self.APPROVE],
            "params_input": {COMMENT_PARAM: ""},
            "responded_at": utcnow(),
            "responded_by_user": AUTO_APPROVER,
        }
        return self.execute_complete(context, event)
