"""publish_bulletin takes its period from the run's ``run_after``, in Beijing time, never "now".

Why: a run triggered through the API may have no logical date, and a re-run of an old run must
publish the same month. Only ``resolve_period`` runs for real here; ``dag.test`` marks the
other tasks successful without running them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


def _resolved_period(run) -> str:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=run.dag_id, task_ids="resolve_period")
        ).first()
        return XComModel.deserialize_value(row)


@pytest.mark.parametrize(
    ("run_after", "period"),
    [
        # 6 November 08:00 in Beijing, the scheduled time: the month before is October.
        (datetime(2026, 11, 6, 0, 0, tzinfo=UTC), "2026-10"),
        # 1 November 04:00 in Beijing is still 31 October in UTC: Beijing time decides.
        (datetime(2026, 10, 31, 20, 0, tzinfo=UTC), "2026-10"),
        (datetime(2026, 1, 6, 0, 0, tzinfo=UTC), "2025-12"),
    ],
)
def test_period_comes_from_run_after_without_a_logical_date(
    dagbag, data_home, run_after: datetime, period: str
) -> None:
    dag = dagbag.dags["publish_bulletin"]
    run = dag.test(
        run_after=run_after, logical_date=None, mark_success_pattern=r"(?!resolve_period$).*"
    )
    assert run.logical_date is None
    assert run.get_task_instance("resolve_period").state == "success"
    assert _resolved_period(run) == period
