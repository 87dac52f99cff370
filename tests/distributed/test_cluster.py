"""The distributed deployment, run for real: CeleryExecutor, PostgreSQL, Redis, two workers.

The components of docker-compose run as processes (``tests/airflow_cluster.py``) against this
machine's PostgreSQL and Redis. Demo data goes into the drop folders; the scheduled
``ingest_submissions`` loads it, the raw Asset starts ``build_indicators``; then
``publish_bulletin`` is triggered, and later backfilled over twelve months. Where PostgreSQL or
Redis is missing the tests fail with a message naming it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportflow.config import Settings
from reportflow.orchestration.local import WAREHOUSE_POOL
from reportflow.periods import Period
from tests.airflow_cluster import AirflowCluster, airflow_cluster
from tests.reportflow_cli import run_reportflow

#: The month the demo data ends with, and the chain publishes (the month before today).
LATEST = Period.reporting()
#: Twelve past months whose scheduled publication (the 6th of the next month) has passed.
BACKFILLED = LATEST.shift(-12).through(LATEST.shift(-1))
#: Generous bounds on one whole stage; a run that needs more is stuck, not slow.
STAGE_TIMEOUT = 900

pytestmark = pytest.mark.timeout(3600)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """A running cluster whose ingest and build have loaded 14 months of demo submissions."""
    with airflow_cluster(tmp_path_factory.mktemp("cluster")) as running:
        running.run("reportflow", "demo-data", "--end-period", LATEST.key, "--months", "14")
        running.wait_for(
            lambda: "success" in running.dag_run_states("build_indicators"),
            "ingest_submissions, then build_indicators through the raw Asset",
            timeout=STAGE_TIMEOUT,
        )
        yield running
    assert running.stray_processes() == []


def _trigger_publish(cluster: AirflowCluster, period: Period) -> None:
    """Trigger publish_bulletin for ``period`` and wait until that run succeeded."""
    before = len(cluster.dag_run_states("publish_bulletin"))
    conf = json.dumps({"period": period.key})
    cluster.run("airflow", "dags", "trigger", "publish_bulletin", "--conf", conf)
    cluster.wait_for(
        lambda: _finished(cluster.dag_run_states("publish_bulletin")[before:]),
        f"publish_bulletin for {period.key}",
        timeout=STAGE_TIMEOUT,
    )
    assert cluster.dag_run_states("publish_bulletin")[before:] == ["success"]


def _finished(states: list[str]) -> bool:
    return bool(states) and all(state in {"success", "failed"} for state in states)


def test_chain_runs_on_both_workers_and_writes_stay_serial(cluster: AirflowCluster) -> None:
    _trigger_publish(cluster, LATEST)

    bulletin = cluster.settings.period_bulletin_dir(LATEST.key)
    pdfs = sorted(bulletin.glob("*.pdf"))
    assert len(pdfs) == 11  # the city and its ten county-level units
    assert "湛江市" in PdfReader(pdfs[0]).pages[0].extract_text()

    hosts = {h for (h,) in cluster.query(_HOSTS_OF_DONE_TASKS)}
    assert {host.split("@")[0] for host in hosts} == {"worker1", "worker2"}

    writes = cluster.query(_POOL_TASKS, (WAREHOUSE_POOL,))
    assert len(writes) >= 5  # ingest, calendar, dbt, snapshot, quality, switch
    overlaps = [(a, b) for a, b in itertools.pairwise(writes) if b[1] < a[2]]
    assert overlaps == []


def test_backfill_of_twelve_months_equals_single_runs_and_reruns_change_nothing(
    cluster: AirflowCluster, tmp_path: Path
) -> None:
    first, last = BACKFILLED[0], BACKFILLED[-1]
    cluster.run(
        "airflow",
        "backfill",
        "create",
        "--dag-id",
        "publish_bulletin",
        "--from-date",
        first.shift(1).first_day.isoformat(),
        "--to-date",
        last.shift(1).last_day.isoformat(),
        "--max-active-runs",
        "2",
        "--reprocess-behavior",
        "failed",  # the scheduled run of the latest month, made before any data, failed
    )
    cluster.wait_for(
        lambda: len(_backfill_runs(cluster)) == 12 and _finished(_backfill_runs(cluster)),
        "the backfill of publish_bulletin",
        timeout=3 * STAGE_TIMEOUT,
    )
    assert _backfill_runs(cluster) == ["success"] * 12

    backfilled = cluster.settings.bulletins_dir
    assert sorted(p.name for p in backfilled.iterdir() if p.is_dir()) == sorted(
        [p.key for p in BACKFILLED] + [LATEST.key]
    )
    single = _single_runs(cluster.settings, tmp_path / "single")
    # Every file byte for byte, PDFs included: a render takes its issue date from
    # publication.json, and WeasyPrint writes no other clock into the PDF.
    assert _file_hashes(backfilled, drafts=False) == _file_hashes(single, drafts=False)

    before = _file_hashes(backfilled)
    _trigger_publish(cluster, BACKFILLED[4])
    assert _file_hashes(backfilled) == before


def _backfill_runs(cluster: AirflowCluster) -> list[str]:
    return [state for (state,) in cluster.query(_BACKFILL_RUN_STATES)]


def _single_runs(settings: Settings, copy: Path) -> Path:
    """``reportflow publish`` of every backfilled month, one by one, in a copy of the data home.

    The copy keeps each period's ``publication.json`` (when it was first issued, recorded once)
    and nothing else the backfill rendered, so the single runs render everything again.
    """
    shutil.copytree(settings.home, copy, ignore=shutil.ignore_patterns("airflow"))
    bulletins = Settings(home=copy).bulletins_dir
    (bulletins / "index.html").unlink()
    for period in BACKFILLED:
        for path in (bulletins / period.key).rglob("*"):
            if path.is_file() and path.name != "publication.json":
                path.unlink()
        completed = run_reportflow(copy, "publish", "--period", period.key)
        assert completed.returncode == 0, completed.stderr
    return bulletins


def _file_hashes(folder: Path, *, drafts: bool = True) -> dict[str, str]:
    """SHA-256 of every file under ``folder``; without ``drafts``, none of the draft previews
    (the sign-off step's, which a single ``reportflow publish`` does not write)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and (drafts or "draft" not in path.relative_to(folder).parts)
    }


#: Where tasks ran (tasks that need no worker, such as Cosmos's empty markers, record none).
_HOSTS_OF_DONE_TASKS = """
select distinct hostname from task_instance where state = 'success' and hostname <> ''
"""
#: Every try of every task in the writer pool, earliest first: (task, start, end).
_POOL_TASKS = """
select task_id, start_date, end_date from (
    select task_id, start_date, end_date, pool from task_instance
    union all
    select task_id, start_date, end_date, pool from task_instance_history
) as tries
where pool = %s and start_date is not null and end_date is not null
order by start_date
"""
_BACKFILL_RUN_STATES = """
select state from dag_run
where dag_id = 'publish_bulletin' and run_type = 'backfill'
order by logical_date
"""
