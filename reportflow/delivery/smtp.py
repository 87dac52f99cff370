"""The SMTP side, through Airflow's SMTP provider and the Connection ``reportflow_smtp``.

Host, port, login, password, TLS/SSL and the sender (``from_email`` in the extra) live only in
that Connection. :class:`SmtpHook` opens and authenticates the session; the message itself is
handed to the hook's client with ``send_message``, because the hook's own ``send_email_smtp``
builds its message itself (HTML only, no fixed Message-ID, attachment names not encoded for
older clients) and retries inside one call, which the ledger could not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # send imports rendering: too heavy for the DAG callbacks that import this
    from reportflow.delivery.send import Transport

SMTP_CONN_ID = "reportflow_smtp"


class NoSmtpConnection(RuntimeError):
    """The Airflow Connection ``reportflow_smtp`` is not configured (or names no sender)."""


def require_smtp_connection(conn_id: str = SMTP_CONN_ID) -> None:
    """Raise :class:`NoSmtpConnection` unless the Connection exists (mail is not set up here)."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    try:
        SmtpHook.get_connection(conn_id)
    except Exception as error:  # the not-found type differs between Airflow's contexts
        raise NoSmtpConnection(f"no Airflow Connection {conn_id!r}: {error}") from error


@contextmanager
def skipped_without_connection() -> Iterator[None]:
    """In an Airflow task, turn :class:`NoSmtpConnection` (decided by its type) into a skip:
    without the Connection mail is not configured here, which is not a failure."""
    from airflow.sdk.exceptions import AirflowSkipException

    try:
        yield
    except NoSmtpConnection as error:
        raise AirflowSkipException(str(error)) from error


@contextmanager
def smtp_transport(conn_id: str = SMTP_CONN_ID) -> Iterator[tuple[str, Transport]]:
    """(sender address, transport) over one authenticated SMTP session of the Connection."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    require_smtp_connection(conn_id)
    hook = SmtpHook(smtp_conn_id=conn_id)
    with hook:
        sender = hook.from_email
        if not sender:
            raise NoSmtpConnection(f"Connection {conn_id!r} has no from_email in its extra")
        client = hook._smtp_client  # the authenticated smtplib client the hook opened

        def send(message: Message, address: str) -> None:
            client.send_message(message, from_addr=sender, to_addrs=[address])

        yield sender, send
