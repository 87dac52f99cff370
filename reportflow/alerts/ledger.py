"""The ``alerts`` table of the delivery ledger: what was sent, and the once-per-cause rule.

An alert is identified by its ``kind`` (``task_failure``, ``missing_forms``, ``late_bulletin``),
its ``scope`` (what it is about: a DAG's task, a county's period, a period) and its ``cause``
(an error fingerprint, the set of missing forms, ...). While an alert of the same kind, scope
and cause is *open* (not cleared), the same cause sends nothing; a unique partial index makes
that hold even when two failing task instances race. An alert is cleared when its scope is
fixed (a task succeeded again): the same cause then alerts again.

A row is claimed (committed) before the message goes out and marked sent after the server
accepted it; a failed send deletes the claim so the next occurrence tries again. A claim left
unsent by a crash is taken over after :data:`STALE_CLAIM`, so it cannot silence its cause.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

#: An unsent claim older than this was left by a crash (a send takes seconds), not in flight.
STALE_CLAIM = timedelta(minutes=10)

_COLUMNS = "alert_id, kind, scope, cause, recipients, summary, prepared_at, sent_at, cleared_at"


@dataclass(frozen=True)
class Alert:
    """One alert as recorded; ``sent_at`` is None while it is being sent."""

    alert_id: int
    kind: str
    scope: str
    cause: str
    recipients: tuple[str, ...]
    summary: str
    prepared_at: str
    sent_at: str | None
    cleared_at: str | None


def _alert(row: tuple) -> Alert:
    alert_id, kind, scope, cause, recipients, *rest = row
    return Alert(alert_id, kind, scope, cause, tuple(json.loads(recipients)), *rest)


def claim(
    con: sqlite3.Connection,
    kind: str,
    scope: str,
    cause: str,
    recipients: tuple[str, ...],
    summary: str,
    now: datetime,
) -> int | None:
    """Reserve the alert of this cause; its id, or None when an open alert already covers it."""
    stamp = now.isoformat(timespec="seconds")
    with con:
        stale = (now - STALE_CLAIM).isoformat(timespec="seconds")
        con.execute(
            "delete from alerts where kind = ? and scope = ? and cause = ? and cleared_at is null"
            " and sent_at is null and prepared_at < ?",
            (kind, scope, cause, stale),
        )
        cursor = con.execute(
            "insert or ignore into alerts (kind, scope, cause, recipients, summary, prepared_at)"
            " values (?, ?, ?, ?, ?, ?)",
            (kind, scope, cause, json.dumps(recipients), summary, stamp),
        )
    return int(cursor.lastrowid) if cursor.rowcount == 1 and cursor.lastrowid else None


def mark_sent(con: sqlite3.Connection, alert_id: int, now: datetime) -> None:
    """The server accepted the message: this cause stays quiet until it is cleared."""
    with con:
        con.execute(
            "update alerts set sent_at = ? where alert_id = ?",
            (now.isoformat(timespec="seconds"), alert_id),
        )


def release(con: sqlite3.Connection, alert_id: int) -> None:
    """Sending failed: forget the claim so that the next occurrence tries again."""
    with con:
        con.execute("delete from alerts where alert_id = ? and sent_at is null", (alert_id,))


def clear(con: sqlite3.Connection, kind: str, scope: str, now: datetime) -> int:
    """Close every open alert of ``scope`` (it was fixed); returns how many were open."""
    with con:
        cursor = con.execute(
            "update alerts set cleared_at = ? where kind = ? and scope = ? and cleared_at is null",
            (now.isoformat(timespec="seconds"), kind, scope),
        )
    return cursor.rowcount


def reopen(con: sqlite3.Connection, alert_id: int, now: datetime) -> bool:
    """Clear one alert by hand, so that its cause is sent again when next seen (a re-send)."""
    with con:
        cursor = con.execute(
            "update alerts set cleared_at = ? where alert_id = ? and cleared_at is null",
            (now.isoformat(timespec="seconds"), alert_id),
        )
    return cursor.rowcount == 1


def alerts_of(
    con: sqlite3.Connection, kind: str | None = None, scope: str | None = None
) -> list[Alert]:
    """The alerts (of a kind, of one scope), oldest first."""
    rows = con.execute(
        f"select {_COLUMNS} from alerts where (? is null or kind = ?) and (? is null or scope = ?)"
        " order by alert_id",
        (kind, kind, scope, scope),
    )
    return [_alert(row) for row in rows]
