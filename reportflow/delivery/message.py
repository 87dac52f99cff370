"""One e-mail for one reader: HTML body with the headline figures, plain-text alternative, PDF.

Only the PDF is attached: mail gateways commonly block ``.html`` attachments. Every message
goes to one address and names only that address in ``To``, so readers never see each other.
``Message-ID`` is derived from (period, edition, sequence, reader), so a retry after an
unconfirmed send carries the same id and receiving servers and clients can drop the copy.
The attachment's Chinese name is written both ways clients read it: RFC 2231
(``filename*=`` — Thunderbird, Apple Mail, Gmail) and an RFC 2047 ``name=`` in Content-Type
(Outlook, Foxmail and other older clients).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

from reportflow.delivery.ledger import ApprovedFile
from reportflow.delivery.recipients import Recipient
from reportflow.periods import format_beijing, to_beijing
from reportflow.templating import environment

SENDER_NAME = "湛江市党建指导员工作月报"


def message_id(period: str, edition: str, sequence: int, recipient: str, sender: str) -> str:
    """The fixed id of one message: the same inputs give the same id on every retry.

    The reader's address enters only as a digest, so the id does not disclose it.
    """
    domain = sender.rpartition("@")[2] or "reportflow.invalid"
    reader = hashlib.sha256(recipient.lower().encode("utf-8")).hexdigest()[:16]
    return f"<reportflow.{period}.{edition}.{sequence}.{reader}@{domain}>"


def _body(template: str, approved: ApprovedFile, approved_at: datetime) -> str:
    return (
        environment()
        .get_template(template)
        .render(
            subject=approved.subject,
            headlines=approved.headlines,
            approved_on=format_beijing(approved_at, seconds=False),
        )
    )


def build_message(
    *,
    approved: ApprovedFile,
    pdf: bytes,
    recipient: Recipient,
    sender: str,
    message_id: str,
    approved_at: datetime,
    sent_at: datetime,
) -> MIMEMultipart:
    """The complete message; ``pdf`` must be the approved bytes (the caller checks the digest).

    Built with the classic ``email.mime`` classes because they write the attachment's name
    exactly as given (one ``filename*=`` and one quoted encoded word); the modern
    ``EmailMessage`` re-folds both into RFC 2231 continuations that Outlook does not read.
    """
    message = MIMEMultipart("mixed")
    message["Subject"] = Header(approved.subject, "utf-8")
    message["From"] = formataddr((SENDER_NAME, sender), "utf-8")
    message["To"] = formataddr((recipient.display_name, recipient.address), "utf-8")
    message["Date"] = format_datetime(to_beijing(sent_at))
    message["Message-ID"] = message_id
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(_body("delivery_mail.txt", approved, approved_at), "plain", "utf-8"))
    body.attach(MIMEText(_body("delivery_mail.html", approved, approved_at), "html", "utf-8"))
    message.attach(body)
    name = approved.stored_path.name
    attachment = MIMEApplication(pdf, "pdf")
    attachment.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    attachment.set_param("name", Header(name, "utf-8").encode())
    message.attach(attachment)
    return message
