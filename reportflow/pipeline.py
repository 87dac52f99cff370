"""The stages of the flow as plain functions: the DAG tasks and the CLI both call these.

Each ``*_once`` function reads settings from the environment at call time (never at import),
does one stage, and returns something small and JSON-serialisable for Airflow's XCom.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reportflow.config import Settings, load_settings
from reportflow.periods import Period, parse_period, period_label

if TYPE_CHECKING:
    from reportflow.intake.model import FileResult

log = logging.getLogger(__name__)


class GateClosed(RuntimeError):
    """Publication refused: no quality run, or a blocking failure in the period."""


def initialise_home(settings: Settings) -> None:
    """Data home folders, county drop folders and templates, recipients (demo default), raw
    schema, dbt manifest."""
    from reportflow.delivery.recipients import ensure_recipients_file
    from reportflow.intake import init_home
    from reportflow.transform import parse_manifest
    from reportflow.warehouse import connect, ensure_raw_schema

    init_home(settings)
    ensure_recipients_file(settings.recipients_path)
    with connect(settings.warehouse_path, timeout_seconds=settings.lock_timeout_seconds) as con:
        ensure_raw_schema(con)
    parse_manifest(settings)


def ingest_once(settings: Settings | None = None) -> dict:
    """Process the drop folders once and summarise what happened."""
    from reportflow.intake import ingest

    settings = settings or load_settings()
    report = ingest(settings)
    accepted, rejected = report.accepted, report.rejected
    message = f"{len(accepted)} accepted, {len(rejected)} rejected"
    log.info("ingest: %s", message)
    return {
        "loaded_any": report.loaded_any,
        "accepted": len(accepted),
        "rejected": len(rejected),
        "message": message,
        "acceptance_blocking": check_accepted_once(accepted, settings),
        "files": [
            {"county": r.county_code, "file": r.file_name, "status": r.status}
            for r in report.results
        ],
    }


def check_accepted_once(accepted: Sequence[FileResult], settings: Settings) -> int | None:
    """The raw suites on the files just accepted; blocking failures found, None if not run.

    The files are committed and their receipts written before this runs, so nothing here may
    undo or fail the ingest: a failing row is logged as an error for the engineers (the
    build's quality stage finds it again and holds its period back), and a check that cannot
    run is logged with its cause, because that same build stage re-checks every raw row.
    """
    from reportflow.quality import BLOCKING, check_accepted

    submissions: dict[str, list[str]] = {}
    for result in accepted:
        submissions.setdefault(result.form, []).append(result.submission_id)
    if not submissions:
        return None
    try:
        run = check_accepted(settings, submissions)
    except Exception:
        log.exception("acceptance check could not run; the next build checks these rows")
        return None
    blocking = run.failures(BLOCKING)
    for outcome in blocking:
        log.error("accepted rows break the contract: %s", outcome.describe())
    return len(blocking)


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


def open_publication_once(period: str, settings: Settings | None = None) -> dict:
    """The publish DAG's gate: refuse the period (see :func:`publication_gate`), else start its
    staging set afresh (a killed run's leftovers removed), which the render tasks then fill."""
    from reportflow.bulletin.release import begin

    settings = settings or load_settings()
    checked = publication_gate(period, settings)
    begin(settings, period)
    return checked


def county_codes() -> list[str]:
    """The ten county-level codes: one mapped render task each."""
    from reportflow.contract import counties

    return [county.code for county in counties()]


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


def commit_once(period: str, settings: Settings | None = None) -> str:
    """Publish the period's staged set with the archive page in one switch; its folder."""
    from reportflow.bulletin.release import commit

    return str(commit(settings or load_settings(), period))


def publish_once(period: str, settings: Settings | None = None):
    """Gate, then render everything for the period (the CLI's ``publish``)."""
    from reportflow.bulletin import publish

    settings = settings or load_settings()
    publication_gate(period, settings)
    return publish(settings, period)


def review_once(period: str, settings: Settings | None = None) -> dict[str, str]:
    """Freeze the set to review, write its 草稿 previews; the frozen set's folder (``review``)
    and the text the reviewer reads in Required Actions (``body``).

    The recipient list is checked here, so a broken ``recipients.yaml`` fails before a person
    is asked to approve anything.
    """
    from reportflow.delivery.approval import prepare_review
    from reportflow.delivery.recipients import load_recipients

    settings = settings or load_settings()
    readers = load_recipients(settings.recipients_path)
    review = prepare_review(settings, period)
    lines = [
        f"{period_label(period)}简报已生成，请审阅草稿后批准或驳回（驳回请填写意见，不会发送任何邮件）。",
        "",
        f"批准后将按角色发送给 {len(readers)} 位收件人（{settings.recipients_path}）。",
        "",
        "草稿：",
        *(f"- `{path}`" for path in review.drafts),
    ]
    return {"review": str(review.folder), "body": "\n".join(lines)}


def record_approval_once(
    period: str, response: dict, review: str, settings: Settings | None = None
) -> dict:
    """Write the sign-off (who, when, comment) of the set frozen in ``review`` to the ledger."""
    from reportflow.delivery.approval import approve
    from reportflow.delivery.signoff import decision

    approval = approve(settings or load_settings(), decision(period, response), Path(review))
    log.info("approved %s by %s at %s", period, approval.decided_by, approval.decided_at)
    return {"approval_id": approval.approval_id, "by": approval.decided_by}


def deliver_once(period: str, settings: Settings | None = None) -> str:
    """Mail every reader their approved edition once, through the Connection ``reportflow_smtp``.

    Without that Connection it raises ``NoSmtpConnection``, which the DAG turns into a skip.
    """
    from reportflow.delivery.send import deliver
    from reportflow.delivery.smtp import smtp_transport

    settings = settings or load_settings()
    with smtp_transport() as (sender, send):
        return deliver(settings, period, sender, send).summary(period)


def resend_once(period: str, to: str | None = None, settings: Settings | None = None) -> str:
    """Send the approved editions of a period again on purpose (CLI ``publish --resend``)."""
    from reportflow.delivery.send import resend
    from reportflow.delivery.smtp import smtp_transport

    settings = settings or load_settings()
    with smtp_transport() as (sender, send):
        return resend(settings, period, sender, send, to).summary(period)


def run_once(period: str, settings: Settings | None = None) -> dict:
    """Set up the data home if needed, then ingest, build and publish in order (CLI ``run``)."""
    settings = settings or load_settings()
    initialise_home(settings)
    ingested = ingest_once(settings)
    build_once(settings)
    result = publish_once(period, settings)
    return {"ingest": ingested, "publish": result}
