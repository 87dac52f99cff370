"""``make demo``: the whole job end to end through real Airflow DAG runs on demo data.

Runs each DAG with ``airflow dags test`` (SQLite metadata in the data home) in flow order,
then prints where the outputs are. Running it again duplicates nothing: demo files are
only generated into a data home that has not ingested them yet, and the same bytes dropped
again are recognised by intake.
"""

from __future__ import annotations

import json
import os
import time

from reportflow.config import AUTO_APPROVE_ENV, Settings
from reportflow.orchestration.local import prepare_airflow, run_airflow

DAG_ORDER = ("ingest_submissions", "build_indicators", "publish_bulletin")


def already_ingested(settings: Settings) -> bool:
    """Demo files are generated only into a home that has not archived any submission yet."""
    return any(settings.archive_dir.rglob("*.csv"))


def run_demo(settings: Settings, end_period: str) -> int:
    """Set up, generate, run the three DAGs, and print the paths a newcomer wants to open."""
    from reportflow.demo_data import generate_demo_data
    from reportflow.pipeline import initialise_home

    initialise_home(settings)
    # The demo runs unattended: sign-off is automatic unless the caller set the variable.
    os.environ.setdefault(AUTO_APPROVE_ENV, "1")
    if already_ingested(settings):
        print("demo data already ingested: re-running the DAGs on what is there")
    else:
        summary = generate_demo_data(settings, end_period=end_period)
        print(f"demo data: {len(summary.files)} files up to {end_period} in {settings.drop_dir}")
    print("preparing Airflow (SQLite metadata in the data home) ...", flush=True)
    prepare_airflow(settings)
    for dag_id in DAG_ORDER:
        if not _run_dag(settings, dag_id, end_period):
            return 1
    _print_outputs(settings, end_period)
    return 0


def _run_dag(settings: Settings, dag_id: str, period: str) -> bool:
    """One real DAG run; its Airflow log goes to a file named in the progress line."""
    args = ["dags", "test", dag_id]
    if dag_id == "publish_bulletin":
        args = ["dags", "test", "-c", json.dumps({"period": period}), dag_id]
    log_path = settings.home / "logs" / f"demo_{dag_id}.log"
    print(f"airflow dags test {dag_id:<20} ", end="", flush=True)
    started = time.perf_counter()
    code = run_airflow(settings, *args, check=False, log_path=log_path)
    print(f"{'ok' if code == 0 else 'FAILED'} ({time.perf_counter() - started:.0f} s)  {log_path}")
    if code != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        print("\n".join(tail))
        print(f"reportflow: error: DAG {dag_id} failed (exit {code}); full log: {log_path}")
    return code == 0


def _print_outputs(settings: Settings, period: str) -> None:
    """The paths a newcomer opens: bulletin, export, index, receipts (rejections first)."""
    from reportflow.bulletin import publication_paths

    print("\noutputs:")
    for label, path in publication_paths(settings, period):
        print(f"  {label:<17} {path}")
    receipts = sorted(settings.drop_dir.glob("*/回执/*.txt"))
    rejected = [r for r in receipts if "退回" in r.read_text(encoding="utf-8-sig")[:40]]
    print(f"  {'receipts':<17} {len(receipts)} in {settings.drop_dir}/<county_code>/回执/")
    for receipt in rejected:
        print(f"    rejected: {receipt}")
