"""Missing-form reminders after the deadline: one e-mail per county, to its contacts, in Chinese.

*Missing* is exactly what ``reportflow status`` shows as ``missing``
(:func:`reportflow.intake.status.status_grid`): nothing at all received for the form, and the
deadline passed. A form with only rejected files is ``rejected`` there, not missing: its
receipt already told the county what to fix, so it is not reminded again here.

Once per cause: keyed on (county, period, set of missing forms). A re-run sends nothing; when
the set changes (the county sent some of them), the county gets one new reminder naming what
is still missing. Before the deadline nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportflow import contract
from reportflow.alerts.ledger import Alert, alerts_of
from reportflow.alerts.mail import AlertMail, send_once
from reportflow.config import Settings
from reportflow.delivery.ledger import ledger_path, open_ledger
from reportflow.delivery.recipients import (
    RecipientsError,
    RecipientsFile,
    load_recipients_file,
)
from reportflow.intake.receipts import deadline_text
from reportflow.intake.status import status_grid
from reportflow.periods import Period, beijing_now, format_beijing, to_beijing

KIND = "missing_forms"


@dataclass(frozen=True)
class Reminders:
    """What one reminder run did, per county code."""

    sent: tuple[str, ...] = ()
    already: tuple[str, ...] = ()
    no_contact: tuple[str, ...] = ()


def scope(period: str, county_code: str) -> str:
    return f"{period}/{county_code}"


def missing_forms(row: dict) -> tuple[str, ...]:
    """The form keys a status-grid row shows as ``missing``, in contract order."""
    return tuple(key for key, status in row["forms"].items() if status == "missing")


def reminder_mail(row: dict, missing: tuple[str, ...], recipients: RecipientsFile, now: datetime):
    """The Chinese e-mail naming the county's missing forms of the period and the deadline."""
    period = Period.parse(row["period"])
    labels = [row["cells"][key]["form_label"] for key in missing]
    deadline = next(iter(row["cells"].values()))["deadline_at"]
    return AlertMail(
        kind=KIND,
        scope=scope(period.key, row["county_code"]),
        cause=",".join(missing),
        to=recipients.contacts.get(row["county_code"], ()),
        subject=f"【催报】{row['county_name']}{period.label}尚有{len(labels)}张报表未报送",
        template="missing_forms.html",
        values={
            "county_name": row["county_name"],
            "county_code": row["county_code"],
            "period_label": period.label,
            "deadline": deadline_text(deadline),
            "checked_at": format_beijing(now, seconds=False),
            "forms": labels,
        },
    )


def send_reminders(
    settings: Settings, now: datetime | None = None, period: str | None = None
) -> Reminders:
    """Remind every county with missing forms of ``period`` (default: the month before
    ``now``'s), once per set of missing forms; nothing before the period's deadline.

    Raises :class:`~reportflow.delivery.smtp.NoSmtpConnection` when mail is not set up.
    """
    now = to_beijing(now or beijing_now())
    period = Period.parse(period).key if period else Period.reporting(now).key
    if not Period.parse(period).is_due(settings.deadline_day, now):
        return Reminders()
    recipients = load_recipients_file(settings.recipients_path)
    sent, already, no_contact = [], [], []
    for row in status_grid(settings, period, now):
        missing = missing_forms(row)
        if not missing:
            continue
        mail = reminder_mail(row, missing, recipients, now)
        if not mail.to:
            no_contact.append(row["county_code"])
        elif send_once(settings, mail, now):
            sent.append(row["county_code"])
        else:
            already.append(row["county_code"])
    return Reminders(tuple(sent), tuple(already), tuple(no_contact))


def _sent(settings: Settings, period: str) -> dict[str, Alert]:
    """The latest reminder sent to each county for ``period`` (without creating a ledger)."""
    if not ledger_path(settings.delivery_dir).exists():
        return {}
    with open_ledger(settings.delivery_dir) as con:
        found = [a for a in alerts_of(con, KIND) if a.scope.startswith(f"{period}/")]
    return {a.scope.split("/", 1)[1]: a for a in found if a.sent_at is not None}


def reminder_lines(settings: Settings, period: str, grid: list[dict]) -> list[str]:
    """For ``reportflow status``: per county with missing forms (or a reminder already sent),
    the reminder sent (when, to whom, which forms), pending, or impossible for lack of a contact.
    """
    try:
        contacts = load_recipients_file(settings.recipients_path).contacts
    except RecipientsError as error:
        return [f"reminders: {error}"]
    sent = _sent(settings, period)
    lines = []
    for row in grid:
        code, missing = row["county_code"], missing_forms(row)
        reminder = sent.get(code)
        if reminder is not None:
            when = format_beijing(datetime.fromisoformat(reminder.sent_at or ""), seconds=False)
            forms = "、".join(contract.forms()[key].label for key in reminder.cause.split(","))
            state = f"sent {when} to {', '.join(reminder.recipients)} ({forms})"
            if missing and ",".join(missing) != reminder.cause:
                state += "; a reminder of the changed set is pending"
        elif missing and code not in contacts:
            state = f"not possible: no contacts for {code} in {settings.recipients_path}"
        elif missing:
            state = "pending (the send_alerts DAG sends it, daily 09:00 after the deadline)"
        else:
            continue
        lines.append(f"reminder {code} {row['county_name']}: {state}")
    return lines
