"""The stages of the flow as plain functions: the DAG tasks and the CLI both call these.

Each ``*_once`` function reads settings from the environment at call time (never at import),
does one stage, and returns something small and JSON-serialisable for Airflow's XCom.
"""

from __future__ import annotations

import logging
from datetime import datetime

from reportflow.config import Settings, load_settings
from reportflow.periods import Period, parse_period

log = logging.getLogger(__name__)


class GateClosed(RuntimeError):
    """Publication refused: no passing quality report or no snapshot for the bulletin."""


def initialise_home(settings: Settings) -> None:
    """Data home folders, county drop folders and templates, raw schema, dbt manifest."""
    from reportflow.intake import init_home
    from reportflow.transform import parse_manifest
    from reportflow.warehouse import connect, ensure_raw_schema

    init_home(settings)
    with connect(settings.warehouse_path, timeout_seconds=settings.lock_timeout_seconds) as con:
        ensure_raw_schema(con)
    parse_manifest(settings)


def ingest_once(settings: Settings | None = None) -> dict:
    """Process the drop folders once and summarise what happened."""
    from reportflow.intake import ingest

    settings = settings or load_settings()
    report = ingest(settings)
    accepted = [r for r in report.results if r.status == "accepted"]
    rejected = [r for r in report.results if r.status == "rejected"]
    message = f"{len(accepted)} accepted, {len(rejected)} rejected"
    log.info("ingest: %s", message)
    return {
        "loaded_any": report.loaded_any,
        "accepted": len(accepted),
        "rejected": len(rejected),
        "message": message,
        "files": [
            {"county": r.county_code, "file": r.file_name, "status": r.status}
            for r in report.results
        ],
    }


def check_quality_once(settings: Settings | None = None) -> dict:
    """Great Expectations on the marts; raises QualityCheckFailed on a blocking failure."""
    from reportflow.quality import check_marts

    report = check_marts(settings or load_settings())
    return {"success": report.success, "warnings": len(report.warnings)}


def export_snapshot_once(settings: Settings | None = None) -> list[str]:
    from reportflow.transform import export_snapshot

    return [str(path) for path in export_snapshot(settings or load_settings())]


def publish_docs_once(settings: Settings | None = None) -> str:
    from reportflow.transform import generate_docs

    return str(generate_docs(settings or load_settings()))


def prepare_build_once(settings: Settings | None = None) -> int:
    """Raw schema and reporting calendar (deadlines from ``Period``) before dbt; months written."""
    from reportflow.transform import prepare_build

    return prepare_build(settings or load_settings())


def build_once(settings: Settings | None = None) -> dict:
    """dbt build, quality checks and snapshot export: what build_indicators does.

    The dbt docs are not generated here: they take as long as a build and nobody waits for
    them, so they are built on demand (``reportflow docs``).
    """
    from reportflow.transform import build

    settings = settings or load_settings()
    build(settings)
    quality = check_quality_once(settings)
    export_snapshot_once(settings)
    return quality


def period_for_run(param: str | None, run_after: datetime) -> str:
    """The param if given, else the month before the run's ``run_after`` in Beijing time.

    ``run_after`` rather than the logical date: runs triggered through the API may have no
    logical date, and it is never "now", so re-running an old run publishes the same month.
    """
    if param:
        return parse_period(param)
    return Period.reporting(run_after).key


def publication_gate(period: str, settings: Settings | None = None) -> dict:
    """Refuse to publish over failed checks; log who has not reported for the period."""
    from reportflow.bulletin import load_period_data
    from reportflow.quality import latest_report_passed

    settings = settings or load_settings()
    parse_period(period)
    if not latest_report_passed(settings):
        raise GateClosed(
            "the latest quality check did not pass (or none ran): fix the data and run build"
        )
    data = load_period_data(settings, period)
    missing = data.missing_submissions()
    for county_name, form_label in missing:
        log.warning("not submitted for %s: %s %s", period, county_name, form_label)
    return {"period": period, "missing": len(missing)}


def render_city_once(period: str, settings: Settings | None = None) -> list[str]:
    from reportflow.bulletin import render_city

    return [str(p) for p in render_city(settings or load_settings(), period)]


def render_county_once(
    period: str, county_code: str, settings: Settings | None = None
) -> list[str]:
    from reportflow.bulletin import render_county

    return [str(p) for p in render_county(settings or load_settings(), period, county_code)]


def export_indicators_once(period: str, settings: Settings | None = None) -> str:
    from reportflow.bulletin import export_indicators_csv

    return str(export_indicators_csv(settings or load_settings(), period))


def write_index_once(settings: Settings | None = None) -> str:
    from reportflow.bulletin import write_archive_index

    return str(write_archive_index(settings or load_settings()))


def publish_once(period: str, settings: Settings | None = None):
    """Gate, then render everything for the period (the CLI's ``publish``)."""
    from reportflow.bulletin import publish

    settings = settings or load_settings()
    publication_gate(period, settings)
    return publish(settings, period)


def deliver_once(period: str, settings: Settings | None = None) -> str:
    """Mail the city bulletin via the Airflow Connection ``reportflow_smtp``; skip without it."""
    from reportflow.bulletin import city_bulletin_paths
    from reportflow.delivery import SmtpTarget, deliver

    settings = settings or load_settings()
    connection = _smtp_connection()
    if connection is None:
        return "skipped: no Airflow Connection 'reportflow_smtp' is configured"
    extra = connection.extra_dejson
    recipients = tuple(extra.get("recipients", []))
    if not recipients:
        return "skipped: the Connection 'reportflow_smtp' lists no recipients"
    target = SmtpTarget(
        host=connection.host or "localhost",
        port=int(connection.port or 25),
        sender=extra.get("sender", "reportflow@localhost"),
        recipients=recipients,
        login=connection.login or None,
        password=connection.password or None,
        starttls=bool(extra.get("starttls", False)),
    )
    html, pdf = city_bulletin_paths(settings, period)
    return deliver(target, period, settings.period_bulletin_dir(period), [pdf, html])


def _smtp_connection():
    """The SMTP Connection from Airflow's secrets backends, or None when not configured."""
    from airflow.sdk import Connection

    try:
        return Connection.get("reportflow_smtp")
    except Exception as error:  # Airflow raises its own NotFound types across versions
        log.info("no reportflow_smtp connection: %s", error)
        return None


def run_once(period: str, settings: Settings | None = None) -> dict:
    """Set up the data home if needed, then ingest, build and publish in order (CLI ``run``)."""
    settings = settings or load_settings()
    initialise_home(settings)
    ingested = ingest_once(settings)
    build_once(settings)
    result = publish_once(period, settings)
    return {"ingest": ingested, "publish": result}
