"""Task failures e-mailed to the data engineers, once per cause (the DAGs' default callbacks).

Airflow calls ``on_failure_callback`` only when a task instance ends *failed*, after its last
try (an attempt with retries left ends ``up_for_retry`` and calls ``on_retry_callback``
instead: ``finalize`` in ``airflow/sdk/execution_time/task_runner.py``), so retries never
alert. What remains is repetition across runs: ``ingest_submissions`` runs every 30 seconds,
and a task that keeps failing for the same reason would mail the engineers 2,900 times a day.

Rule: one e-mail per (DAG, task, error fingerprint) until the task succeeds (or skips, which
for ingest means "ran, nothing new") again; that clears its causes, so a relapse alerts again.
A different error while the first is still open is a new cause and alerts at once. Mapped
instances of a task share its scope: ten counties failing alike send one e-mail.
"""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
from datetime import UTC, datetime

from reportflow.alerts.ledger import clear
from reportflow.alerts.mail import AlertMail, send_once
from reportflow.config import Settings, SettingsError, data_home, load_settings
from reportflow.delivery.ledger import ledger_path, open_ledger
from reportflow.delivery.recipients import RecipientsError, load_recipients_file
from reportflow.delivery.smtp import NoSmtpConnection
from reportflow.periods import format_beijing

log = logging.getLogger(__name__)

KIND = "task_failure"

#: Parts of an error text that differ between occurrences of one cause: timestamps, durations
#: and ids (hex with letters and digits, UUIDs; a plain number such as a town code is kept).
#: Replaced before hashing so that they do not make every run "new".
VOLATILE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"
    r"|\d+\.\d+",
    re.IGNORECASE,
)

#: How much of an error text the e-mail quotes; the full text is in the task log.
MAX_ERROR_CHARS = 2000

#: Why an alert could not be e-mailed, logged instead: the callback itself must never fail.
_NOT_MAILABLE = (NoSmtpConnection, RecipientsError, SettingsError, smtplib.SMTPException, OSError)


def error_fingerprint(error: BaseException | str | None) -> str:
    """A short hash of the error's type and first line, volatile parts removed."""
    lines = str(error or "").strip().splitlines()
    text = f"{type(error).__name__}: {lines[0] if lines else ''}"
    return hashlib.sha256(VOLATILE.sub("#", text).encode()).hexdigest()[:16]


def _scope(task_instance) -> str:
    return f"{task_instance.dag_id}.{task_instance.task_id}"


def _settings() -> Settings:
    """The settings, or only the data home when another setting is what broke the task."""
    try:
        return load_settings()
    except SettingsError:
        return Settings(home=data_home())


def failure_mail(context: dict, engineers, now: datetime) -> AlertMail:
    """The e-mail about the failed task instance in ``context`` (an Airflow task context)."""
    ti = context["task_instance"]
    error = context.get("exception")  # None when Airflow failed it from outside (killed, lost)
    error_type = type(error).__name__ if error is not None else "no exception recorded"
    text = str(error or "(see the task log)").strip()
    return AlertMail(
        kind=KIND,
        scope=_scope(ti),
        cause=error_fingerprint(error),
        to=tuple(engineers),
        subject=f"[reportflow] task failed: {ti.dag_id}.{ti.task_id}: {error_type}",
        template="task_failure.html",
        values={
            "dag_id": ti.dag_id,
            "task_id": ti.task_id,
            "map_index": getattr(ti, "map_index", -1),
            "run_id": ti.run_id,
            "try_number": ti.try_number,
            "error_type": error_type,
            "error_text": text[:MAX_ERROR_CHARS],
            "failed_at": format_beijing(now),
        },
    )


def on_task_failure(context: dict) -> None:
    """``on_failure_callback``: e-mail the engineers unless this cause was already sent."""
    now = datetime.now(UTC)
    try:
        settings = _settings()
        engineers = load_recipients_file(settings.recipients_path).engineers
        send_once(settings, failure_mail(context, engineers, now), now)
    except _NOT_MAILABLE as error:
        log.warning("task failure not e-mailed to the engineers: %s", error)


def on_task_recovered(context: dict) -> None:
    """``on_success_callback`` / ``on_skipped_callback``: the task works again, so its open
    failure causes are cleared and a relapse alerts again.

    Cheap on the 30-second ingest: nothing is opened unless a ledger exists.
    """
    try:
        settings = load_settings()
    except SettingsError:
        return
    if not ledger_path(settings.delivery_dir).exists():
        return
    with open_ledger(settings.delivery_dir) as con:
        if cleared := clear(con, KIND, _scope(context["task_instance"]), datetime.now(UTC)):
            log.info("task works again: %s failure alert(s) cleared", cleared)
