"""Bulletin email through a real SMTP server on localhost (aiosmtpd), sent once per period."""

from __future__ import annotations

import email
import socket
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from reportflow.delivery import SmtpTarget, already_delivered, deliver


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def smtp_server():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _bulletin(tmp_path: Path) -> tuple[Path, list[Path]]:
    folder = tmp_path / "2026-10"
    folder.mkdir()
    pdf = folder / "bulletin.pdf"
    pdf.write_bytes(b"%PDF-1.7 test")
    html = folder / "bulletin.html"
    html.write_text("<p>湛江市</p>", encoding="utf-8")
    return folder, [pdf, html]


def test_sends_once_with_attachments(smtp_server, tmp_path: Path) -> None:
    controller, inbox = smtp_server
    folder, attachments = _bulletin(tmp_path)
    target = SmtpTarget(
        host="127.0.0.1",
        port=controller.port,
        sender="reportflow@example.org",
        recipients=("leader@example.org", "office@example.org"),
    )
    assert deliver(target, "2026-10", folder, attachments).startswith("delivered")
    assert already_delivered(folder)
    assert deliver(target, "2026-10", folder, attachments).startswith("already delivered")
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert "2026年10月" in message["Subject"]
    assert "leader@example.org" in message["To"]
    names = sorted(part.get_filename() for part in message.iter_attachments())
    assert names == ["bulletin.html", "bulletin.pdf"]


def test_unreachable_server_raises_and_marks_nothing(tmp_path: Path) -> None:
    folder, attachments = _bulletin(tmp_path)
    target = SmtpTarget(host="127.0.0.1", port=_free_port(), sender="a@b.c", recipients=("x@y.z",))
    with pytest.raises(OSError):
        deliver(target, "2026-10", folder, attachments)
    assert not already_delivered(folder)
