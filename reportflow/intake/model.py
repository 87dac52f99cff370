"""Result types of county intake, shared by the pipeline, the receipts, the DAG and the CLI.

They are plain dataclasses so a caller (Airflow task, CLI, test) can inspect what happened
to every file without knowing how intake works inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from reportflow import contract

Status = Literal["accepted", "rejected", "ignored", "waiting"]


def printable(text: str) -> str:
    """``text`` with invisible and control characters escaped, safe for one log line."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class IntakeError(Exception):
    """A one-line, user-facing error (bad period argument, unusable data home, ...).

    The CLI prints the message as is; anything else escaping intake is a bug.
    """


class SourceChanged(Exception):
    """The upload in ``drop/`` changed after its bytes were read: nothing may be committed
    for it in this cycle (the transaction is rolled back); it is processed whole later."""


@dataclass(frozen=True)
class Limits:
    """Size limits checked before a file is parsed, so a huge upload cannot exhaust memory."""

    max_bytes: int
    max_data_rows: int
    max_listed_errors: int

    @classmethod
    def from_contract(cls) -> Limits:
        doc = contract.limits()
        return cls(
            max_bytes=int(doc["max_bytes"]),
            max_data_rows=int(doc["max_data_rows"]),
            max_listed_errors=int(doc["max_listed_errors"]),
        )


@dataclass(frozen=True)
class Problem:
    """One reason a file was rejected, in the terms a clerk sees in Excel.

    ``row`` is the Excel row number (header = 1) or None for a problem with the whole file;
    ``column`` is the column's Chinese label (with its Excel letter) or "" for the whole file.
    """

    row: int | None
    column: str
    value: str
    reason: str

    def as_text(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(self.column)
        prefix = " ".join(where)
        value = f"「{self.value}」" if self.value else ""
        return f"{prefix} {value} {self.reason}".strip().replace("  ", " ")


@dataclass
class FileResult:
    """What happened to one entry of a drop folder in one ingest run."""

    county_code: str
    file_name: str
    status: Status
    form: str | None = None
    period: str | None = None
    row_count: int | None = None
    replaced_earlier: bool = False
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    receipt_paths: list[Path] = field(default_factory=list)
    submission_id: str | None = None
    sha256: str | None = None
    archived_as: Path | None = None
    duplicate: bool = False
    note: str = ""

    def summary(self) -> str:
        """One log line (English) for the Airflow task log and the CLI."""
        what = f"{self.county_code}/{printable(self.file_name)}"
        if self.status == "accepted":
            extra = " (replaced earlier file)" if self.replaced_earlier else ""
            return f"accepted {what}: {self.form} {self.period}, {self.row_count} rows{extra}"
        if self.status == "rejected":
            return f"rejected {what}: {self.error_count} problem(s)"
        return f"{self.status} {what}: {self.note}".rstrip(": ")


@dataclass
class IngestReport:
    """Everything one ``ingest`` run did; the DAG emits the raw Asset only if ``loaded_any``."""

    started_at: datetime
    results: list[FileResult] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    finished_at: datetime | None = None

    @property
    def accepted(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "accepted"]

    @property
    def rejected(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "rejected"]

    @property
    def loaded_any(self) -> bool:
        """True if at least one file changed the raw tables in this run."""
        return bool(self.accepted)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        parts = [f"{counts.get(s, 0)} {s}" for s in ("accepted", "rejected", "waiting", "ignored")]
        text = ", ".join(parts)
        if self.internal_errors:
            text += f", {len(self.internal_errors)} internal error(s)"
        return text
