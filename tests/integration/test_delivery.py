"""Delivery per role through a real SMTP server on localhost (aiosmtpd), the Airflow SMTP
Connection (as an environment variable) and the SQLite ledger, on real rendered bulletins.

What leaders must be able to rely on: each reader gets their edition of a month exactly
once, with the approved PDF attached under a readable Chinese name, without seeing the other
readers; a re-run sends nothing; ``--resend`` sends on purpose; a failing server or a kill
at any step never loses a message and never sends a different one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reportflow.bulletin import city_bulletin_paths, publish
from reportflow.config import PROJECT_ROOT, Settings
from reportflow.delivery.approval import (
    DRAFT_MARK,
    NotApproved,
    approve,
    draft_dir,
    edition_paths,
    prepare_review,
    reject,
    sha256_of,
)
from reportflow.delivery.ledger import (
    Decision,
    deliveries,
    latest_approval,
    open_ledger,
    rejections,
)
from reportflow.delivery.recipients import RecipientsError
from reportflow.delivery.smtp import NoSmtpConnection
from reportflow.pipeline import deliver_once, resend_once
from tests.integration.test_bulletin import pdf_text, write_snapshot
from tests.smtp_server import free_port, smtp_connection_json

PERIOD = "2026-10"
CHIKAN, XIASHAN = "440802", "440803"
#: Two city leaders, one reader each for two counties; the other counties get nothing.
RECIPIENTS = f"""
city:
  - 市领导甲 <a@city.example>
  - b@city.example
"{CHIKAN}":
  - chikan@county.example
"{XIASHAN}":
  - xiashan@county.example
"""
READERS = 4


@pytest.fixture(scope="module")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home with the period rendered once (PDF rendering is the slow part)."""
    home = Settings(home=tmp_path_factory.mktemp("published") / "home")
    write_snapshot(home.snapshot_dir, {PERIOD: True})
    publish(home, PERIOD)
    home.recipients_path.write_text(RECIPIENTS, encoding="utf-8")
    return home.home


@pytest.fixture()
def home(published_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A private copy of the published home, selected through REPORTFLOW_HOME."""
    target = tmp_path / "home"
    shutil.copytree(published_home, target)
    monkeypatch.setenv("REPORTFLOW_HOME", str(target))
    return Settings(home=target)


def _decision() -> Decision:
    when = datetime(2026, 11, 6, 2, 0, tzinfo=UTC).isoformat()
    return Decision(PERIOD, "市委组织部 张三", when, "同意", "test")


def _approve(settings: Settings):
    """Review the period as published now, then approve it (what the publish DAG does)."""
    return approve(settings, _decision(), prepare_review(settings, PERIOD).folder)


def _ledger(settings: Settings):
    with open_ledger(settings.delivery_dir) as con:
        return deliveries(con, PERIOD)


def test_each_role_gets_its_edition_once(home: Settings, smtp_inbox) -> None:
    approval = _approve(home)
    assert deliver_once(PERIOD, home).startswith(f"{PERIOD}: {READERS} message(s) sent")

    assert len(smtp_inbox.messages) == READERS
    assert all(len(rcpt) == 1 for rcpt in smtp_inbox.envelopes), "one envelope reader per message"
    city_pdf = city_bulletin_paths(home, PERIOD)[1]
    for address in ("a@city.example", "b@city.example"):
        (message,) = smtp_inbox.to(address)
        assert message["To"].addresses[0].addr_spec == address
        assert "全市综合" in message["Subject"] and "2026年10月" in message["Subject"]
        (attachment,) = message.iter_attachments()
        assert attachment.get_filename() == city_pdf.name
        assert attachment.get_content_type() == "application/pdf"
        assert sha256_of(attachment.get_content()) == approval.files["city"].sha256
    for address, code, name in (
        ("chikan@county.example", CHIKAN, "赤坎区"),
        ("xiashan@county.example", XIASHAN, "霞山区"),
    ):
        (message,) = smtp_inbox.to(address)
        assert name in message["Subject"]
        (attachment,) = message.iter_attachments()
        assert attachment.get_filename() == edition_paths(home, PERIOD, code)[1].name
    assert len({m["Message-ID"] for m in smtp_inbox.messages}) == READERS
    assert all(m["Date"] is not None for m in smtp_inbox.messages)

    log = _ledger(home)
    assert {(d.edition, d.recipient) for d in log} == {
        ("city", "a@city.example"),
        ("city", "b@city.example"),
        (CHIKAN, "chikan@county.example"),
        (XIASHAN, "xiashan@county.example"),
    }
    assert all(d.sent_at and d.sequence == 0 for d in log)
    assert {d.message_id for d in log} == {m["Message-ID"] for m in smtp_inbox.messages}

    assert deliver_once(PERIOD, home) == f"{PERIOD}: 0 message(s) sent, {READERS} already delivered"
    assert len(smtp_inbox.messages) == READERS, "a re-run must not mail anyone twice"


def test_body_has_headlines_in_html_and_plain_text_and_no_html_attachment(
    home: Settings, smtp_inbox
) -> None:
    approval = _approve(home)
    deliver_once(PERIOD, home)
    (message,) = smtp_inbox.to("a@city.example")
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    label, value = approval.files["city"].headlines[0]
    assert label in plain and value in plain
    assert label in html and value in html and "<table" in html
    assert [p.get_content_type() for p in message.iter_attachments()] == ["application/pdf"]
    raw = smtp_inbox.raw[smtp_inbox.messages.index(message)]
    assert b"filename*=utf-8''%E6%B9%9B" in raw, "RFC 2231 name for modern clients"
    assert b'name="=?utf-8?b?' in raw, "RFC 2047 name for Outlook and other older clients"
    assert b"a@city.example" in raw and b"b@city.example" not in raw


def test_nothing_is_sent_before_approval(home: Settings, smtp_inbox) -> None:
    with pytest.raises(NotApproved, match="has not been approved"):
        deliver_once(PERIOD, home)
    assert smtp_inbox.messages == []


def test_draft_pdfs_carry_the_watermark_and_the_approved_pdfs_do_not(home: Settings) -> None:
    """The office reviews 草稿 PDFs; leaders are mailed the same pages without the mark."""
    from pypdf import PdfReader

    approval = _approve(home)
    for edition, approved in approval.files.items():
        html, pdf = edition_paths(home, PERIOD, edition)
        draft = draft_dir(home, PERIOD) / pdf.name
        assert DRAFT_MARK in (draft_dir(home, PERIOD) / html.name).read_text(encoding="utf-8")
        pages = PdfReader(draft).pages
        assert len(pages) == len(PdfReader(pdf).pages)
        assert all(DRAFT_MARK in (page.extract_text() or "") for page in pages), edition
        assert DRAFT_MARK not in pdf_text(approved.stored_path)
        assert approved.sha256 == sha256_of(pdf.read_bytes())


def test_a_rejection_is_recorded_and_nothing_is_frozen_or_sent(home: Settings, smtp_inbox) -> None:
    when = datetime(2026, 11, 6, 3, 0, tzinfo=UTC)
    reject(home, Decision(PERIOD, "李四", when.isoformat(), "数据需核实", "airflow"))
    with open_ledger(home.delivery_dir) as con:
        (rejection,) = rejections(con, PERIOD)
        assert latest_approval(con, PERIOD) is None
    assert (rejection.decided_by, rejection.comment) == ("李四", "数据需核实")
    assert datetime.fromisoformat(rejection.decided_at) == when
    with pytest.raises(NotApproved):
        deliver_once(PERIOD, home)
    assert smtp_inbox.messages == [] and not (home.delivery_dir / "approved").exists()


def test_approved_bytes_are_sent_even_after_a_re_render(home: Settings, smtp_inbox) -> None:
    approval = _approve(home)
    city_pdf = city_bulletin_paths(home, PERIOD)[1]
    city_pdf.write_bytes(b"%PDF-1.7 rendered again after approval")
    deliver_once(PERIOD, home)
    (message,) = smtp_inbox.to("a@city.example")
    (attachment,) = message.iter_attachments()
    assert sha256_of(attachment.get_content()) == approval.files["city"].sha256


def test_approval_records_the_reviewed_set_even_if_re_published_while_waiting(
    home: Settings, smtp_inbox
) -> None:
    """The office signs off what it reviewed: a re-publish between review and approval (a
    manual ``reportflow publish`` while the sign-off waits) changes neither what is approved
    nor what is mailed."""
    from pypdf import PdfReader

    review = prepare_review(home, PERIOD)
    city_pdf = city_bulletin_paths(home, PERIOD)[1]
    reviewed = sha256_of(city_pdf.read_bytes())
    draft = draft_dir(home, PERIOD) / city_pdf.name
    assert len(PdfReader(draft).pages) == len(PdfReader(city_pdf).pages)
    city_pdf.write_bytes(b"%PDF-1.7 re-published while the sign-off waited")

    approval = approve(home, _decision(), review.folder)
    assert approval.files["city"].sha256 == reviewed
    deliver_once(PERIOD, home)
    (message,) = smtp_inbox.to("a@city.example")
    (attachment,) = message.iter_attachments()
    assert sha256_of(attachment.get_content()) == reviewed


def test_a_reviewed_copy_changed_before_approval_is_refused(home: Settings) -> None:
    review = prepare_review(home, PERIOD)
    (review.folder / city_bulletin_paths(home, PERIOD)[1].name).write_bytes(b"%PDF-1.7 other")
    with pytest.raises(NotApproved, match="changed after it was reviewed"):
        approve(home, _decision(), review.folder)
    with open_ledger(home.delivery_dir) as con:
        assert latest_approval(con, PERIOD) is None


def test_a_changed_frozen_copy_is_refused(home: Settings, smtp_inbox) -> None:
    approval = _approve(home)
    approval.files["city"].stored_path.write_bytes(b"%PDF-1.7 not what was approved")
    with pytest.raises(NotApproved, match="no longer matches"):
        deliver_once(PERIOD, home)
    assert smtp_inbox.messages == []


def test_resend_all_then_one_reader(home: Settings, smtp_inbox) -> None:
    _approve(home)
    deliver_once(PERIOD, home)
    assert resend_once(PERIOD, None, home).startswith(f"{PERIOD}: {READERS} message(s) sent")
    assert resend_once(PERIOD, "Chikan@County.example", home).startswith(f"{PERIOD}: 1 message")
    assert len(smtp_inbox.messages) == 2 * READERS + 1
    chikan = smtp_inbox.to("chikan@county.example")
    assert len({m["Message-ID"] for m in chikan}) == 3, "a deliberate resend is a new message"
    assert sorted(d.sequence for d in _ledger(home) if d.edition == CHIKAN) == [0, 1, 2]
    with pytest.raises(RecipientsError, match="not in"):
        resend_once(PERIOD, "stranger@example.org", home)


def test_cli_publish_resend(home: Settings, smtp_inbox) -> None:
    _approve(home)
    command = [sys.executable, "-m", "reportflow.cli", "publish", "--period", PERIOD, "--resend"]
    done = subprocess.run(
        [*command, "--to", "b@city.example"], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert done.returncode == 0, done.stderr
    assert [m["To"].addresses[0].addr_spec for m in smtp_inbox.messages] == ["b@city.example"]


def test_server_refusing_a_reader_fails_then_the_retry_resumes(home: Settings, smtp_inbox) -> None:
    """A failure keeps what was sent, re-renders nothing, and the retry sends only the rest."""
    _approve(home)
    rendered = {p: p.stat().st_mtime_ns for p in home.period_bulletin_dir(PERIOD).glob("*.pdf")}
    smtp_inbox.refuse.add("chikan@county.example")
    with pytest.raises(Exception, match="550"):
        deliver_once(PERIOD, home)
    assert len(smtp_inbox.messages) == 2, "the city readers before the refused one got theirs"
    unconfirmed = [d for d in _ledger(home) if d.sent_at is None]
    assert [d.recipient for d in unconfirmed] == ["chikan@county.example"]

    smtp_inbox.refuse.clear()
    deliver_once(PERIOD, home)
    assert len(smtp_inbox.messages) == READERS
    (chikan,) = smtp_inbox.to("chikan@county.example")
    assert chikan["Message-ID"] == unconfirmed[0].message_id
    assert all(d.sent_at for d in _ledger(home))
    assert rendered == {p: p.stat().st_mtime_ns for p in rendered}, "nothing was re-rendered"


def test_unreachable_server_sends_and_records_nothing(
    home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _approve(home)
    monkeypatch.setenv("AIRFLOW_CONN_REPORTFLOW_SMTP", smtp_connection_json(free_port()))
    with pytest.raises(OSError):
        deliver_once(PERIOD, home)
    assert _ledger(home) == []


def test_without_the_smtp_connection_delivery_says_so_by_type(
    home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DAG skips on this exception's type, never on the wording of a message."""
    _approve(home)
    monkeypatch.delenv("AIRFLOW_CONN_REPORTFLOW_SMTP", raising=False)
    with pytest.raises(NoSmtpConnection, match="reportflow_smtp"):
        deliver_once(PERIOD, home)
    assert _ledger(home) == []


def _deliver_in_subprocess(crash_at: str | None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "REPORTFLOW_TEST_CRASH_AT"}
    if crash_at:
        environment["REPORTFLOW_TEST_CRASH_AT"] = crash_at
    script = f"from reportflow.pipeline import deliver_once; print(deliver_once({PERIOD!r}))"
    return subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("step", "copies_of_second"),
    [("delivery_prepared", 1), ("delivery_sent", 2)],
)
def test_sigkill_at_each_step_then_retry(
    home: Settings, smtp_inbox, step: str, copies_of_second: int
) -> None:
    """Killed while handling the second reader: the retry completes every delivery; a copy the
    server already had is sent again only under the same Message-ID."""
    _approve(home)
    killed = _deliver_in_subprocess(f"{step}:2")
    assert killed.returncode == -9, killed.stderr
    second = "b@city.example"
    assert len(smtp_inbox.to(second)) == copies_of_second - 1

    retried = _deliver_in_subprocess(None)
    assert retried.returncode == 0, retried.stderr
    copies = smtp_inbox.to(second)
    assert len(copies) == copies_of_second
    assert len({m["Message-ID"] for m in copies}) == 1
    for address in ("a@city.example", "chikan@county.example", "xiashan@county.example"):
        assert len(smtp_inbox.to(address)) == 1
    log = _ledger(home)
    assert len(log) == READERS and all(d.sent_at for d in log)
    assert _deliver_in_subprocess(None).stdout.strip().endswith(f"{READERS} already delivered")
