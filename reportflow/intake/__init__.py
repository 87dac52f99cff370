"""County intake: drop folders → checked, all-or-nothing loads into ``raw.*`` → receipts.

The DAG ``ingest_submissions`` and the CLI call only what is exported here; everything is a
plain function, testable without Airflow. See ``docs/architecture.md`` and the shared
``forms.md`` for the contract these functions implement.
"""

from reportflow.intake.home import init_home
from reportflow.intake.model import FileResult, IngestReport, IntakeError, Limits, Problem
from reportflow.intake.pipeline import ingest
from reportflow.intake.status import status_grid

__all__ = [
    "FileResult",
    "IngestReport",
    "IntakeError",
    "Limits",
    "Problem",
    "ingest",
    "init_home",
    "status_grid",
]
