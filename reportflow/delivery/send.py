"""Sending: each reader gets each edition of a period once, and a crash never loses or doubles it.

Per (edition, reader) the steps are: commit the intent to the ledger with a fixed Message-ID
→ hand the message to the SMTP server → commit the confirmation. A kill between the first
two leaves an intent the retry sends; a kill between the last two (the server has the
message, the ledger does not know) makes the retry send it again **with the same
Message-ID**: the alternative, stopping to ask a person, would leave leaders without the
bulletin until someone answers, while a repeated Message-ID lets receiving servers and mail
clients recognise the second copy as the same message. Confirmed deliveries are never sent
again by a re-run; only :func:`resend` sends on purpose, under a new sequence number and id.

Crash test hooks (``REPORTFLOW_TEST_CRASH_AT``, see :mod:`reportflow.crash`):
``delivery_prepared`` (intent committed, nothing sent) and ``delivery_sent`` (server accepted,
not yet confirmed), each optionally ``:N`` for the N-th message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message

from reportflow.config import Settings
from reportflow.crash import crash_point
from reportflow.delivery.approval import NotApproved, sha256_of
from reportflow.delivery.ledger import (
    Approval,
    Delivery,
    approval_by_id,
    confirm,
    latest_approval,
    next_sequence,
    open_ledger,
    prepare,
    scheduled_delivery,
)
from reportflow.delivery.message import build_message, message_id
from reportflow.delivery.recipients import Recipient, RecipientsError, load_recipients

log = logging.getLogger(__name__)

#: Hands one message to the SMTP server for one envelope address; raises if not accepted.
Transport = Callable[[Message, str], None]


@dataclass(frozen=True)
class Outcome:
    """What one delivery run did: messages sent now, and deliveries already done before."""

    sent: tuple[str, ...]
    already: int

    def summary(self, period: str) -> str:
        return f"{period}: {len(self.sent)} message(s) sent, {self.already} already delivered"


def _now() -> datetime:
    return datetime.now(UTC)


def _send_one(
    con, approval: Approval, recipient: Recipient, delivery: Delivery, sender: str, send: Transport
) -> None:
    """Build from the frozen approved copy (digest checked), send, then confirm in the ledger."""
    approved = approval.files[recipient.edition]
    pdf = approved.stored_path.read_bytes()
    if sha256_of(pdf) != approved.sha256 or approved.sha256 != delivery.sha256:
        raise NotApproved(
            f"{approved.stored_path} no longer matches what was approved: approve {delivery.period}"
            " again"
        )
    message = build_message(
        approved=approved,
        pdf=pdf,
        recipient=recipient,
        sender=sender,
        message_id=delivery.message_id,
        approved_at=datetime.fromisoformat(approval.decided_at),
        sent_at=_now(),
    )
    send(message, recipient.address)
    crash_point("delivery_sent")
    confirm(con, delivery.message_id, _now().isoformat(timespec="seconds"))
    log.info("sent %s %s to %s", delivery.period, recipient.edition, recipient.address)


def _new_delivery(approval: Approval, recipient: Recipient, sequence: int, sender: str) -> Delivery:
    period = approval.period
    return Delivery(
        message_id=message_id(period, recipient.edition, sequence, recipient.address, sender),
        period=period,
        edition=recipient.edition,
        recipient=recipient.address,
        sequence=sequence,
        approval_id=approval.approval_id,
        sha256=approval.files[recipient.edition].sha256,
        prepared_at=_now().isoformat(timespec="seconds"),
    )


def _approved(con, period: str) -> Approval:
    """The latest sign-off of the period; without one nothing may be sent."""
    approval = latest_approval(con, period)
    if approval is None:
        raise NotApproved(f"{period} has not been approved: nothing is sent before sign-off")
    return approval


def deliver(settings: Settings, period: str, sender: str, send: Transport) -> Outcome:
    """Send every reader their edition of the period unless the ledger says it was delivered."""
    recipients = load_recipients(settings.recipients_path)
    sent: list[str] = []
    already = 0
    with open_ledger(settings.delivery_dir) as con:
        approval = _approved(con, period)
        for recipient in recipients:
            delivery = scheduled_delivery(con, period, recipient.edition, recipient.address)
            if delivery is not None and delivery.sent_at is not None:
                already += 1
                continue
            if delivery is None:
                delivery = _new_delivery(approval, recipient, 0, sender)
                prepare(con, delivery)
                crash_point("delivery_prepared")
            else:
                log.warning("retrying unconfirmed %s with its Message-ID", delivery.message_id)
            made_from = approval_by_id(con, delivery.approval_id)
            _send_one(con, made_from, recipient, delivery, sender, send)
            sent.append(delivery.message_id)
    return Outcome(tuple(sent), already)


def resend(
    settings: Settings, period: str, sender: str, send: Transport, to: str | None = None
) -> Outcome:
    """Send the approved editions again on purpose (all readers, or only ``to``)."""
    recipients = load_recipients(settings.recipients_path)
    if to is not None:
        recipients = tuple(r for r in recipients if r.address == to.lower())
        if not recipients:
            raise RecipientsError(f"{to} is not in {settings.recipients_path}: add it there first")
    sent: list[str] = []
    with open_ledger(settings.delivery_dir) as con:
        approval = _approved(con, period)
        for recipient in recipients:
            sequence = next_sequence(con, period, recipient.edition, recipient.address)
            delivery = _new_delivery(approval, recipient, sequence, sender)
            prepare(con, delivery)
            _send_one(con, approval, recipient, delivery, sender, send)
            sent.append(delivery.message_id)
    return Outcome(tuple(sent), 0)
