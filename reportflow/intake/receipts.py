"""Receipts (回执): what a clerk reads after dropping a file, in plain Simplified Chinese.

Rendered through the project's one Jinja environment (``reportflow.templating``), which
autoescapes HTML, so whatever a cell contains (``<script>``, formulas, quotes) is shown as
text, never run; the plain-text twin is rendered from its own ``.txt`` template, unescaped.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from reportflow import contract
from reportflow.intake.files import RECEIPTS_DIR, write_atomic
from reportflow.intake.model import Problem
from reportflow.intake.names import receipt_stem
from reportflow.templating import environment

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
MAX_SHOWN_VALUE = 60


def shown_value(value: object) -> str:
    """A cell value as shown in a receipt: one line, bounded, invisible characters made visible."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵")
    text = "".join("�" if unicodedata.category(ch) in {"Cc", "Cf", "Cs"} else ch for ch in text)
    if len(text) > MAX_SHOWN_VALUE:
        text = text[: MAX_SHOWN_VALUE - 1] + "…"
    return text


def beijing_time(moment: datetime | None) -> str:
    """A naive-UTC timestamp as Beijing wall-clock time, the way clerks read time."""
    if moment is None:
        return ""
    local = moment.replace(tzinfo=UTC).astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}"


def period_label(period: str | None) -> str:
    return f"{int(period[:4])}年{int(period[5:7])}月" if period else ""


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

    def variables(self) -> dict[str, object]:
        county = contract.county_by_code(self.county_code)
        form = contract.forms().get(self.form or "")
        return {
            "kind": self.kind,
            "county_name": county.name if county else self.county_code,
            "county_code": self.county_code,
            "file_name": shown_value(self.file_name),
            "form_label": form.label if form else "",
            "period_label": period_label(self.period),
            "received": beijing_time(self.received_at),
            "processed": beijing_time(self.processed_at),
            "row_count": self.row_count,
            "replaced_earlier": self.replaced_earlier,
            "previous_name": shown_value(self.previous_name) if self.previous_name else "",
            "previous_received": beijing_time(self.previous_received_at),
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
