"""Receipts (回执): what a clerk reads after dropping a file, in plain Simplified Chinese.

Rendered through the project's one Jinja environment (``reportflow.templating``), which
autoescapes HTML, so whatever a cell contains (``<script>``, formulas, quotes) is shown as
text, never run; the plain-text twin is rendered from its own ``.txt`` template, unescaped.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from reportflow import contract
from reportflow.intake.files import RECEIPTS_DIR, write_atomic
from reportflow.intake.model import Problem
from reportflow.intake.names import receipt_stem
from reportflow.periods import Period, format_beijing, to_beijing
from reportflow.templating import environment

MAX_SHOWN_VALUE = 60


def shown_value(value: object) -> str:
    """A cell value as shown in a receipt: one line, bounded, invisible characters made visible."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵")
    text = "".join("�" if unicodedata.category(ch) in {"Cc", "Cf", "Cs"} else ch for ch in text)
    if len(text) > MAX_SHOWN_VALUE:
        text = text[: MAX_SHOWN_VALUE - 1] + "…"
    return text


def deadline_text(deadline: datetime) -> str:
    """A deadline (an instant at midnight) the way the rule is said: ``2026年11月5日 24:00``."""
    day = (to_beijing(deadline) - timedelta(days=1)).date()
    return f"{day.year}年{day.month}月{day.day}日 24:00"


@dataclass
class ReceiptContext:
    """Everything a receipt says; ``kind`` is accepted, duplicate or rejected."""

    kind: str
    county_code: str
    file_name: str
    received_at: datetime | None
    processed_at: datetime
    form: str | None = None
    period: str | None = None
    row_count: int | None = None
    replaced_earlier: bool = False
    previous_name: str | None = None
    previous_received_at: datetime | None = None
    sha256: str | None = None
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    advice: list[str] = field(default_factory=list)
    deadline_day: int | None = None

    def variables(self) -> dict[str, object]:
        county = contract.county_by_code(self.county_code)
        form = contract.forms().get(self.form or "")
        period = Period.parse(self.period) if self.period else None
        # A duplicate changes nothing: the data counts from when it was first received.
        arrived = self.previous_received_at if self.kind == "duplicate" else self.received_at
        timed = period is not None and self.deadline_day is not None and arrived is not None
        return {
            "kind": self.kind,
            "county_name": county.name if county else self.county_code,
            "county_code": self.county_code,
            "file_name": shown_value(self.file_name),
            "form_label": form.label if form else "",
            "period_label": period.label if period else "",
            "deadline": deadline_text(period.deadline(self.deadline_day)) if timed else "",
            "on_time": period.is_on_time(arrived, self.deadline_day) if timed else None,
            "received": format_beijing(self.received_at),
            "processed": format_beijing(self.processed_at),
            "row_count": self.row_count,
            # Only a 零报告 is accepted with no rows (a file without data rows is refused).
            "nil_return": self.kind == "accepted" and self.row_count == 0,
            "replaced_earlier": self.replaced_earlier,
            "previous_name": shown_value(self.previous_name) if self.previous_name else "",
            "previous_received": format_beijing(self.previous_received_at),
            "sha256": self.sha256 or "",
            "problems": [
                {
                    "row": p.row,
                    "column": p.column,
                    "value": shown_value(p.value),
                    "reason": p.reason,
                }
                for p in self.problems
            ],
            "error_count": self.error_count,
            "more": max(0, self.error_count - len(self.problems)),
            "advice": self.advice,
        }


def render(context: ReceiptContext) -> tuple[str, str]:
    """HTML and plain-text receipt for one file."""
    env = environment()
    variables = context.variables()
    html = env.get_template("receipt.html").render(**variables)
    text = env.get_template("receipt.txt").render(**variables)
    return html, text.replace("\n", "\r\n")


def write_receipts(county_dir: Path, file_name: str, context: ReceiptContext) -> list[Path]:
    """Write ``回执/<stem>.回执.html`` and ``.txt`` atomically; [] if the folder is unusable.

    The receipt folder must be a real directory: a link planted in its place is not followed.
    The text twin uses UTF-8 with BOM so Notepad on Chinese Windows shows it correctly.
    """
    folder = county_dir / RECEIPTS_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        return []
    folder.mkdir(parents=True, exist_ok=True)
    html, text = render(context)
    stem = receipt_stem(file_name)
    html_path = folder / f"{stem}.回执.html"
    txt_path = folder / f"{stem}.回执.txt"
    write_atomic(html_path, html.encode("utf-8"))
    write_atomic(txt_path, ("\ufeff" + text).encode("utf-8"))
    return [html_path, txt_path]
