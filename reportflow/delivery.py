"""Email delivery of the city bulletin: once per period, through an SMTP server.

The SMTP host and credentials come from the Airflow Connection ``reportflow_smtp`` (secrets
live only there); this module takes them as arguments so it can be tested against a real
local SMTP server. A marker file records delivery so retries and re-runs never mail twice.
"""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

from reportflow.periods import period_label

MARKER_NAME = "delivered.json"


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    login: str | None = None
    password: str | None = None
    starttls: bool = False


def already_delivered(bulletin_dir: Path) -> bool:
    return (bulletin_dir / MARKER_NAME).exists()


def build_message(target: SmtpTarget, period: str, attachments: list[Path]) -> EmailMessage:
    """A plain Chinese cover note with the bulletin files attached."""
    label = period_label(period)
    message = EmailMessage()
    message["Subject"] = f"湛江市党建指导员工作月报（{label}）"
    message["From"] = formataddr(("reportflow", target.sender))
    message["To"] = ", ".join(target.recipients)
    message.set_content(
        f"各位领导：\n\n附件为{label}湛江市党建指导员工作月报（PDF 与网页版）。"
        "\n各县（市、区）分报告及指标数据见报告目录。\n\n此邮件由 reportflow 自动发送。"
    )
    for path in attachments:
        subtype = "pdf" if path.suffix == ".pdf" else "html"
        maintype = "application" if subtype == "pdf" else "text"
        message.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return message


def deliver(target: SmtpTarget, period: str, bulletin_dir: Path, attachments: list[Path]) -> str:
    """Send once; a second call for the same period reports that it was already sent."""
    if already_delivered(bulletin_dir):
        return f"already delivered for {period}"
    message = build_message(target, period, attachments)
    with smtplib.SMTP(target.host, target.port, timeout=30) as client:
        if target.starttls:
            client.starttls()
        if target.login:
            client.login(target.login, target.password or "")
        client.send_message(message)
    marker = {
        "period": period,
        "recipients": list(target.recipients),
        "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "attachments": [p.name for p in attachments],
    }
    (bulletin_dir / MARKER_NAME).write_text(json.dumps(marker, ensure_ascii=False), "utf-8")
    return f"delivered {period} to {len(target.recipients)} recipient(s)"
