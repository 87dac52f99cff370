"""What counts as "the same cause" of a task failure: the error's type and first line, with
the parts that change between runs (timestamps, ids, durations) left out."""

from __future__ import annotations

from datetime import UTC, datetime

from reportflow.alerts.failure import error_fingerprint


def test_the_same_error_in_another_run_is_the_same_cause() -> None:
    first = TimeoutError("lock held since 2026-11-06T09:00:01.5 by run 3f2a9c1be0 for 61.2 s")
    again = TimeoutError("lock held since 2026-11-07 10:15:59 by run 77aa00ff13 for 60.9 s")
    assert error_fingerprint(first) == error_fingerprint(again)


def test_another_type_message_or_county_is_another_cause() -> None:
    base = error_fingerprint(ValueError("county 440802: raw.disputes is missing"))
    assert base != error_fingerprint(KeyError("county 440802: raw.disputes is missing"))
    assert base != error_fingerprint(ValueError("county 440803: raw.disputes is missing"))
    assert base != error_fingerprint(ValueError("county 440802: raw.members is missing"))
    town = error_fingerprint(ValueError("town 440802001 unknown"))
    assert town != error_fingerprint(ValueError("town 440802002 unknown")), "codes are not ids"


def test_only_the_first_line_counts() -> None:
    """Tracebacks and details below the first line vary; the message itself does not."""
    assert error_fingerprint(OSError("disk full\nat /tmp/a")) == error_fingerprint(
        OSError("disk full\nat /tmp/b")
    )


def test_a_task_failed_from_outside_says_so() -> None:
    """A task killed or lost has no exception in its context: the mail says so, not NoneType."""
    from types import SimpleNamespace

    from reportflow.alerts.failure import failure_mail

    ti = SimpleNamespace(
        dag_id="ingest_submissions", task_id="ingest_drop_folders", run_id="r", try_number=3
    )
    mail = failure_mail({"task_instance": ti}, (), datetime(2026, 11, 6, tzinfo=UTC))
    assert mail.subject.endswith("ingest_submissions.ingest_drop_folders: no exception recorded")
    assert mail.values["error_text"] == "(see the task log)" and mail.values["map_index"] == -1
