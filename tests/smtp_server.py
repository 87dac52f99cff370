"""A real SMTP server on localhost (aiosmtpd) for the tests that send mail, configured the way
production is: only as the Airflow Connection ``reportflow_smtp`` (an environment variable).

Tests use the fixture ``smtp_inbox`` (``tests/conftest.py``), which runs :func:`local_smtp_server`.
"""

from __future__ import annotations

import email
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

#: The sender the test Connection names in its extra (``from_email``).
SENDER = "bulletin@zhanjiang.example"


class Inbox:
    """What the server accepted: the parsed message and its envelope recipients."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[list[str]] = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, rcpt in zip(self.messages, self.envelopes, strict=True) if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_connection_json(port: int) -> str:
    """The Airflow Connection ``reportflow_smtp`` for a plain local server (no TLS/SSL)."""
    return json.dumps(
        {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": port,
            "extra": {"from_email": SENDER, "disable_ssl": True, "disable_tls": True},
        }
    )


@contextmanager
def local_smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A running server and the Connection pointing at it, for the block; yields its inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("AIRFLOW_CONN_REPORTFLOW_SMTP", smtp_connection_json(controller.port))
    yield inbox
    controller.stop()
