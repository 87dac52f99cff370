"""Alert e-mails: rendered from ``templates/alerts/`` and sent through Airflow's SmtpNotifier.

The notifier (``airflow.providers.smtp``) uses the Connection ``reportflow_smtp`` like the
bulletin delivery does; it is called with :meth:`SmtpNotifier.notify` rather than as a
callback, because the once-per-cause check has to come first, and because calling it as a
callback would render the already rendered HTML again as a Jinja template (an error text with
``{{`` in it would break the alert about it). The body is rendered by the project's one Jinja
environment, with autoescape: error texts and file names cannot become markup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from reportflow.alerts.ledger import claim, mark_sent, release
from reportflow.config import Settings
from reportflow.delivery.ledger import open_ledger
from reportflow.delivery.recipients import Recipient
from reportflow.delivery.smtp import SMTP_CONN_ID, require_smtp_connection
from reportflow.templating import environment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertMail:
    """One alert to send: what it is about (for the ledger) and what it says."""

    kind: str
    scope: str
    cause: str
    to: tuple[Recipient, ...]
    subject: str
    template: str
    values: dict = field(default_factory=dict)

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(recipient.address for recipient in self.to)


def send_mail(mail: AlertMail) -> None:
    """Render the alert and hand it to the SMTP server (one message, every address in To).

    Raises :class:`~reportflow.delivery.smtp.NoSmtpConnection` when mail is not set up.
    """
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    require_smtp_connection()
    html = environment().get_template(f"alerts/{mail.template}").render(**mail.values)
    notifier = SmtpNotifier(
        to=list(mail.addresses), subject=mail.subject, html_content=html, smtp_conn_id=SMTP_CONN_ID
    )
    notifier.notify({})  # from_email comes from the Connection's extra


def send_once(settings: Settings, mail: AlertMail, now: datetime) -> bool:
    """Send ``mail`` unless an open alert of the same cause exists; True when it was sent."""
    if not mail.to:
        log.warning("alert %s %s has no recipients in recipients.yaml", mail.kind, mail.scope)
        return False
    with open_ledger(settings.delivery_dir) as con:
        alert_id = claim(con, mail.kind, mail.scope, mail.cause, mail.addresses, mail.subject, now)
        if alert_id is None:
            log.info("alert %s %s already sent for this cause", mail.kind, mail.scope)
            return False
        try:
            send_mail(mail)
        except BaseException:
            release(con, alert_id)
            raise
        mark_sent(con, alert_id, now)
    log.info("alert %s %s sent to %s", mail.kind, mail.scope, ", ".join(mail.addresses))
    return True
