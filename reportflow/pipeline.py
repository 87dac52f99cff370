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
    """Publication refused: no quality run, or a blocking failure in the period."""


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


def check_quality_once(version: str, settings: Settings | None = None) -> dict:
    """Great Expectations suites over every period; the verdict is per period, not raised here.

    The verdict is written into snapshot ``version`` (staged, not yet current): it names the
    tables it approves, and readers only ever see the two together. A blocking failure in one
    month must not stop the snapshot of all the others: the publication gate refuses that
    month alone.
    """
    from reportflow.quality import BLOCKING, WARNING, run_quality

    settings = settings or load_settings()
    run = run_quality(settings, verdict_dir=settings.snapshot_root / version)
    return {
        "run_id": run.run_id,
        "snapshot": version,
        "data_docs": str(run.data_docs),
        "blocking": dict(run.per_period(BLOCKING)),
        "warnings": dict(run.per_period(WARNING)),
    }


def stage_snapshot_once(settings: Settings | None = None) -> str:
    """Export the marts as a new snapshot version that readers do not see yet; its version."""
    from reportflow.transform import stage_snapshot

    return stage_snapshot(settings or load_settings())


def switch_snapshot_once(version: str, settings: Settings | None = None) -> str:
    """Point readers at the checked snapshot ``version`` (tables and verdict at once)."""
    from reportflow.transform import switch_snapshot

    return str(switch_snapshot(settings or load_settings(), version))


def publish_docs_once(settings: Settings | None = None) -> str:
    from reportflow.transform import generate_docs

    return str(generate_docs(settings or load_settings()))


def prepare_build_once(settings: Settings | None = None) -> int:
    """Raw schema and reporting calendar (deadlines from ``Period``) before dbt; months written."""
    from reportflow.transform import prepare_build

    return prepare_build(settings or load_settings())


def build_once(settings: Settings | None = None) -> dict:
    """dbt build, a staged snapshot, quality checks on it, then the switch: build_indicators.

    The dbt docs are not generated here: they take as long as a build and nobody waits for
    them, so they are built on demand (``reportflow docs``).
    """
    from reportflow.transform import build

    settings = settings or load_settings()
    build(settings)
    version = stage_snapshot_once(settings)
    quality = check_quality_once(version, settings)
    switch_snapshot_once(version, settings)
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
    """Refuse a period with a blocking quality failure; log who has not reported for it."""
    from reportflow.bulletin import load_period_data, require_ended
    from reportflow.quality import read_verdict

    settings = settings or load_settings()
    require_ended(period)  # a month still running is refused before anything else
    verdict = read_verdict(settings, period)
    if not verdict.checked:
        raise GateClosed(f"no quality check has run for {period}: run build first")
    if verdict.blocking:
        failures = "; ".join(o.describe() for o in verdict.blocking)
        raise GateClosed(
            f"{period} is not published: {len(verdict.blocking)} blocking quality failure(s): "
            f"{failures}"
        )
    for warning in verdict.warnings:
        log.warning("quality warning (published as 数据质量提示): %s", warning.describe())
    data = load_period_data(settings, period)
    missing = data.missing_submissions()
    for county_name, form_label in missing:
        log.warning("not submitted for %s: %s %s", period, county_name, form_label)
    return {"period": period, "missing": len(missing), "warnings": len(verdict.warnings)}


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
