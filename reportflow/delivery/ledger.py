"""The delivery ledger: approvals and every message, in SQLite beside the warehouse.

Why SQLite and not a DuckDB table: DuckDB allows one writer per file, and every warehouse
writer queues in the ``warehouse_writer`` pool behind dbt builds. Delivery must record each
message the moment before it is handed to the SMTP server, however long a build holds the
lock, and that record must survive a SIGKILL. SQLite in ``REPORTFLOW_HOME/delivery/`` gives a
durable commit (``synchronous=FULL``) per row, concurrent readers and no lock shared with the
builds.

Tables:

- ``approvals``: one row per sign-off of a period (who, when, comment, how) and
  ``approved_files``: per edition, the frozen PDF copy, its SHA-256 and the headline figures
  the mail body quotes. Mail is built only from these, so what is sent is what was approved.
- ``rejections``: one row per refused sign-off (who, when, comment, how). Nothing is frozen
  or sent for it; it is kept so that why a month was not sent is on record beside the sends,
  not only in Airflow's metadata database.
- ``deliveries``: one row per message. ``sequence`` 0 is the scheduled delivery, 1, 2, …
  deliberate resends. ``sent_at`` is empty while a message is prepared but not confirmed
  accepted by the server (the crash window); a retry finds it and sends it again under the
  same ``message_id``.
- ``alerts``: one row per alert sent (task failure, missing-forms reminder, late bulletin);
  the open row of a (kind, scope, cause) is what keeps the same cause from alerting twice
  (see :mod:`reportflow.alerts.ledger`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path

LEDGER_NAME = "ledger.sqlite3"

SCHEMA = """
create table if not exists approvals (
    approval_id integer primary key autoincrement,
    period text not null,
    decided_by text not null,
    decided_at text not null,
    comment text not null default '',
    source text not null
);
create table if not exists approved_files (
    approval_id integer not null references approvals (approval_id),
    edition text not null,
    subject text not null,
    stored_path text not null,
    sha256 text not null,
    headlines text not null,
    primary key (approval_id, edition)
);
create table if not exists rejections (
    rejection_id integer primary key autoincrement,
    period text not null,
    decided_by text not null,
    decided_at text not null,
    comment text not null default '',
    source text not null
);
create table if not exists deliveries (
    message_id text primary key,
    period text not null,
    edition text not null,
    recipient text not null,
    sequence integer not null,
    approval_id integer not null references approvals (approval_id),
    sha256 text not null,
    prepared_at text not null,
    sent_at text,
    unique (period, edition, recipient, sequence)
);
create table if not exists alerts (
    alert_id integer primary key autoincrement,
    kind text not null,
    scope text not null,
    cause text not null,
    recipients text not null,
    summary text not null,
    prepared_at text not null,
    sent_at text,
    cleared_at text
);
create unique index if not exists one_open_alert_per_cause
    on alerts (kind, scope, cause) where cleared_at is null;
"""


@dataclass(frozen=True)
class Decision:
    """An answer to a period's sign-off: who, when (ISO 8601), the comment, and how it came
    (``airflow``: a person; ``auto``: the demo setting). Approvals and rejections share it."""

    period: str
    decided_by: str
    decided_at: str
    comment: str
    source: str


@dataclass(frozen=True)
class ApprovedFile:
    """One edition as signed off: the frozen PDF, its digest and the mail body's figures."""

    edition: str
    subject: str
    stored_path: Path
    sha256: str
    headlines: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Approval:
    """The latest sign-off of a period, with its frozen files by edition."""

    approval_id: int
    period: str
    decided_by: str
    decided_at: str
    comment: str
    source: str
    files: dict[str, ApprovedFile]


@dataclass(frozen=True)
class Rejection:
    """A refused sign-off of a period: who, when, why (the comment) and how it was answered."""

    rejection_id: int
    period: str
    decided_by: str
    decided_at: str
    comment: str
    source: str


@dataclass(frozen=True)
class Delivery:
    """One message to one reader; ``sent_at`` is None until the server accepted it."""

    message_id: str
    period: str
    edition: str
    recipient: str
    sequence: int
    approval_id: int
    sha256: str
    prepared_at: str
    sent_at: str | None = None


def ledger_path(delivery_dir: Path) -> Path:
    return delivery_dir / LEDGER_NAME


@contextmanager
def open_ledger(delivery_dir: Path) -> Iterator[sqlite3.Connection]:
    """A connection with the schema in place; every ``with con:`` block commits durably."""
    delivery_dir.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(ledger_path(delivery_dir), timeout=30)) as con:
        con.execute("pragma journal_mode=wal")
        con.execute("pragma synchronous=full")
        con.executescript(SCHEMA)
        yield con


def _insert_decision(con: sqlite3.Connection, table: str, decision: Decision) -> int:
    """One row of ``approvals`` or ``rejections`` (a constant of this module); its id."""
    cursor = con.execute(
        f"insert into {table} (period, decided_by, decided_at, comment, source)"
        " values (?, ?, ?, ?, ?)",
        astuple(decision),
    )
    return int(cursor.lastrowid or 0)


def add_approval(con: sqlite3.Connection, decision: Decision, files: list[ApprovedFile]) -> int:
    """Record a sign-off and its frozen files in one transaction; returns its id."""
    with con:
        approval_id = _insert_decision(con, "approvals", decision)
        con.executemany(
            "insert into approved_files values (?, ?, ?, ?, ?, ?)",
            [
                (
                    approval_id,
                    f.edition,
                    f.subject,
                    str(f.stored_path),
                    f.sha256,
                    json.dumps(f.headlines, ensure_ascii=False),
                )
                for f in files
            ],
        )
    return approval_id


def add_rejection(con: sqlite3.Connection, decision: Decision) -> Rejection:
    """Record a refused sign-off durably; returns it as stored."""
    with con:
        rejection_id = _insert_decision(con, "rejections", decision)
    return Rejection(rejection_id, *astuple(decision))


def rejections(con: sqlite3.Connection, period: str) -> list[Rejection]:
    """Every refused sign-off of ``period``, oldest first."""
    rows = con.execute(
        "select rejection_id, period, decided_by, decided_at, comment, source from rejections"
        " where period = ? order by rejection_id",
        (period,),
    )
    return [Rejection(*row) for row in rows]


def _approval(con: sqlite3.Connection, where: str, value: object) -> Approval | None:
    """The newest approval matching ``where`` (a column = ? test), with its files."""
    row = con.execute(
        "select approval_id, period, decided_by, decided_at, comment, source from approvals"
        f" where {where} = ? order by approval_id desc limit 1",
        (value,),
    ).fetchone()
    if row is None:
        return None
    files = {
        edition: ApprovedFile(
            edition, subject, Path(stored), digest, tuple(map(tuple, json.loads(headlines)))
        )
        for edition, subject, stored, digest, headlines in con.execute(
            "select edition, subject, stored_path, sha256, headlines from approved_files"
            " where approval_id = ?",
            (row[0],),
        )
    }
    return Approval(*row, files=files)


def latest_approval(con: sqlite3.Connection, period: str) -> Approval | None:
    """The most recent sign-off of ``period``, or None when it was never approved."""
    return _approval(con, "period", period)


def approval_by_id(con: sqlite3.Connection, approval_id: int) -> Approval:
    """The sign-off a prepared message was built from (a retry resends exactly that)."""
    approval = _approval(con, "approval_id", approval_id)
    if approval is None:
        raise LookupError(f"approval {approval_id} is not in the ledger")
    return approval


_DELIVERY_COLUMNS = (
    "message_id, period, edition, recipient, sequence, approval_id, sha256, prepared_at, sent_at"
)


def deliveries(
    con: sqlite3.Connection, period: str, edition: str | None = None, recipient: str | None = None
) -> list[Delivery]:
    """Messages of a period (optionally one edition and reader), oldest first."""
    rows = con.execute(
        f"select {_DELIVERY_COLUMNS} from deliveries where period = ?"
        " and (? is null or edition = ?) and (? is null or recipient = ?)"
        " order by prepared_at, sequence",
        (period, edition, edition, recipient, recipient),
    )
    return [Delivery(*row) for row in rows]


def scheduled_delivery(
    con: sqlite3.Connection, period: str, edition: str, recipient: str
) -> Delivery | None:
    """The once-only delivery of an edition to a reader (sequence 0), if it was prepared."""
    found = [d for d in deliveries(con, period, edition, recipient) if d.sequence == 0]
    return found[0] if found else None


def next_sequence(con: sqlite3.Connection, period: str, edition: str, recipient: str) -> int:
    """The sequence number a deliberate resend takes: one past the highest so far."""
    (highest,) = con.execute(
        "select max(sequence) from deliveries where period = ? and edition = ? and recipient = ?",
        (period, edition, recipient),
    ).fetchone()
    return 0 if highest is None else int(highest) + 1


def prepare(con: sqlite3.Connection, delivery: Delivery) -> None:
    """Commit the intent to send before the SMTP server sees the message (crash window)."""
    with con:
        con.execute(
            f"insert into deliveries ({_DELIVERY_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                delivery.message_id,
                delivery.period,
                delivery.edition,
                delivery.recipient,
                delivery.sequence,
                delivery.approval_id,
                delivery.sha256,
                delivery.prepared_at,
                None,
            ),
        )


def confirm(con: sqlite3.Connection, message_id: str, sent_at: str) -> None:
    """The server accepted the message: the delivery is done and is never sent again."""
    with con:
        con.execute("update deliveries set sent_at = ? where message_id = ?", (sent_at, message_id))
