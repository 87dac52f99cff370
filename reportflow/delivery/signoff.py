"""The publish DAG's sign-off task: Airflow's human-in-the-loop ApprovalOperator.

The office answers in the UI (Required Actions), through the REST API
(``PATCH …/taskInstances/sign_off/-1/hitlDetails``) or with ``reportflow approve``. Reject
skips everything downstream, so nothing is sent; the response (who, when, comment) is the
task's XCom, which ``record_approval`` writes to the delivery ledger. With
``REPORTFLOW_AUTO_APPROVE=1`` (the demo) the operator answers itself with the same payload
shape, so the rest of the DAG has one path.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param
from airflow.sdk.definitions.param import ParamsDict
from airflow.sdk.timezone import utcnow

from reportflow.config import AUTO_APPROVE_ENV

SIGN_OFF_TASK_ID = "sign_off"
COMMENT_PARAM = "comment"
AUTO_APPROVER = {"id": "reportflow", "name": f"自动审核（{AUTO_APPROVE_ENV}）"}
#: How long the office has to answer; then the task fails (nothing is sent) and alerts. Given
#: explicitly so the DAG's execution_timeout keeps bounding the work before the wait.
RESPONSE_TIMEOUT = timedelta(days=7)


class SignOffOperator(ApprovalOperator):
    """Approve/Reject with a comment field; answers itself when automatic approval is set."""

    def __init__(self, **kwargs: Any) -> None:
        params = ParamsDict(kwargs.pop("params", None) or {})  # the DAG's, passed down by Airflow
        params[COMMENT_PARAM] = Param("", type="string", title="审核意见")
        super().__init__(params=params, response_timeout=RESPONSE_TIMEOUT, **kwargs)

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
