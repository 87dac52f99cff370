"""A bulletin not published by its due time: one alert to the engineers and the office.

Why a scheduled check rather than an Airflow 3 ``DeadlineAlert`` on ``publish_bulletin``: a
deadline alert belongs to a DAG run. It never fires when the run was never created (scheduler
down, DAG paused), and Airflow prunes it when the run *succeeds*, which a run also does when
the sign-off was rejected or delivery was skipped for lack of an SMTP Connection: in each case
no leader got the bulletin and no alert would be raised. This check asks the ledger the
question people care about instead: did every reader receive the approved bulletin?

*Published* means: the period has a sign-off in the delivery ledger and every bulletin reader
in ``recipients.yaml`` has a confirmed delivery of it. *Due*: :data:`DUE_AFTER_DEADLINE` after
the period's submission deadline. Once per period: a re-run, or a later state of the same
late bulletin, sends nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from reportflow.alerts.mail import AlertMail, send_once
from reportflow.config import Settings
from reportflow.delivery.ledger import latest_approval, open_ledger, scheduled_delivery
from reportflow.delivery.recipients import load_recipients_file
from reportflow.periods import Period, beijing_now, format_beijing, to_beijing

KIND = "late_bulletin"

#: The bulletin is due this long after the submission deadline. ``publish_bulletin`` runs the
#: morning after the deadline; five days leave the office a working week to sign it off.
DUE_AFTER_DEADLINE = timedelta(days=5)


@dataclass(frozen=True)
class Lateness:
    """Why a period's bulletin is not published: what state it is in, what to do, who lacks it."""

    state: str
    action: str
    unsent: tuple[str, ...]


def bulletin_due(period: Period, deadline_day: int) -> datetime:
    """When the period's bulletin must have reached its readers (aware, Beijing time)."""
    return period.deadline(deadline_day) + DUE_AFTER_DEADLINE


def lateness(settings: Settings, period: str) -> Lateness | None:
    """None when the period's bulletin is published; otherwise how far it got."""
    from reportflow.bulletin.publication import RECORD_NAME

    readers = load_recipients_file(settings.recipients_path).readers
    with open_ledger(settings.delivery_dir) as con:
        approval = latest_approval(con, period)
        unsent = tuple(
            reader.address
            for reader in readers
            if (done := scheduled_delivery(con, period, reader.edition, reader.address)) is None
            or done.sent_at is None
        )
    if approval is not None and not unsent:
        return None
    if not (settings.period_bulletin_dir(period) / RECORD_NAME).exists():
        return Lateness(
            "月报尚未生成。",
            "请检查 publish_bulletin 是否运行、质量关口（gate）是否拦截，修正后按月份重新触发。",
            unsent,
        )
    if approval is None:
        return Lateness(
            "月报已生成，尚未审核通过（等待审核或已被驳回）。",
            "请在 Airflow「Required Actions」中审核，或执行 reportflow approve；"
            "驳回的请修正后重新发布。",
            unsent,
        )
    return Lateness(
        "月报已审核通过，但尚未全部送达。",
        "请检查 publish_bulletin 的 deliver 任务与邮件连接 reportflow_smtp，必要时重新运行。",
        unsent,
    )


def check_late_bulletin(
    settings: Settings, now: datetime | None = None, period: str | None = None
) -> bool:
    """Alert engineers and office once if the bulletin of ``period`` (default: the month before
    ``now``'s) is past due and not published; True when the alert was sent now.

    Raises :class:`~reportflow.delivery.smtp.NoSmtpConnection` when mail is not set up.
    """
    now = to_beijing(now or beijing_now())
    the_period = Period.parse(period) if period else Period.reporting(now)
    due = bulletin_due(the_period, settings.deadline_day)
    if now <= due:
        return False
    late = lateness(settings, the_period.key)
    if late is None:
        return False
    recipients = load_recipients_file(settings.recipients_path)
    mail = AlertMail(
        kind=KIND,
        scope=the_period.key,
        cause="not_published",
        to=tuple({r.address: r for r in recipients.engineers + recipients.office}.values()),
        subject=f"【月报逾期】{the_period.label}党建指导员工作月报尚未发布",
        template="late_bulletin.html",
        values={
            "period_label": the_period.label,
            "due": format_beijing(due, seconds=False),
            "checked_at": format_beijing(now, seconds=False),
            "state": late.state,
            "action": late.action,
            "unsent": late.unsent,
        },
    )
    return send_once(settings, mail, now)
