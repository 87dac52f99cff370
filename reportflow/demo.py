"""``make demo``: the whole job end to end through real Airflow DAG runs on demo data.

Runs each DAG with ``airflow dags test`` (SQLite metadata in the data home) in flow order,
then prints where the outputs are. Running it again duplicates nothing: demo files are
only generated into a data home that has not ingested them yet, and the same bytes dropped
again are recognised by intake.
"""

from __future__ import annotations

import json

from reportflow.airflow_env import prepare_airflow, run_airflow
from reportflow.config import Settings

DAG_ORDER = ("ingest_submissions", "build_indicators", "publish_bulletin")


def run_demo(settings: Settings, end_period: str) -> int:
    """Set up, generate, run the three DAGs, and print the paths a newcomer wants to open."""
    from reportflow.bulletin import publication_paths
    from reportflow.demo_data import generate_demo_data
    from reportflow.pipeline import initialise_home

    initialise_home(settings)
    if any(settings.archive_dir.rglob("*.csv")):
        print("demo data already ingested: re-running the DAGs on what is there")
    else:
        summary = generate_demo_data(settings.drop_dir, end_period=end_period)
        print(f"demo data: {len(summary.files)} files up to {end_period} in {settings.drop_dir}")
    prepare_airflow(settings)
    for dag_id in DAG_ORDER:
        print(f"\n=== airflow dags test {dag_id} ===", flush=True)
        args = ["dags", "test", dag_id]
        if dag_id == "publish_bulletin":
            args = ["dags", "test", "-c", json.dumps({"period": end_period}), dag_id]
        code = run_airflow(settings, *args, check=False)
        if code != 0:
            print(f"reportflow: error: DAG {dag_id} failed (exit {code}); see the log above")
            return 1
    print("\n=== outputs ===")
    for label, path in publication_paths(settings, end_period):
        print(f"{label}: {path}")
    receipts = sorted(settings.drop_dir.glob("*/回执/*.txt"))
    print(f"receipts ({len(receipts)}): {settings.drop_dir}/<county_code>/回执/")
    for receipt in receipts[:5]:
        print(f"  {receipt}")
    return 0
