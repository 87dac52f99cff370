"""One ingest run: finish what a crashed run left in ``work/``, then process every stable upload.

Per file: claim (read once, no links, bounded; private copy in ``work/``) → name → duplicate?
→ check everything → is the upload still exactly what was read? → one warehouse transaction
→ receipts → the copy to archive or quarantine → the upload out of ``drop/`` → forget the
claim. The order is chosen so that a crash between any two steps is finished, not repeated,
by the next run, and an upload that changes while it is processed loads nothing in that
cycle and is processed whole in a later one (``crash.py`` lets the tests kill a real run, or
append to the upload, at each step).

"Check everything" is the bulk path (``bulk.py``: DuckDB reads and checks a big plain file
itself) when it is sure of the outcome, else the exact path (``validate.py``), which also
writes every rejection. Both give the same rows; the tests compare them.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reportflow import contract
from reportflow.config import Settings
from reportflow.crash import crash_point
from reportflow.intake.arrivals import forget
from reportflow.intake.bulk import BULK_MIN_BYTES, stage_bulk
from reportflow.intake.files import (
    Claim,
    ClaimedContent,
    Entry,
    claim,
    discard,
    discover,
    load_claim,
    place,
    read_private,
    release,
    retire_source,
)
from reportflow.intake.load import (
    Submission,
    Warehouse,
    current_accepted,
    record_accepted,
    record_rejected,
    submission_by_id,
    superseded_by,
)
from reportflow.intake.model import (
    FileResult,
    IngestReport,
    IntakeError,
    Limits,
    Problem,
    SourceChanged,
    printable,
)
from reportflow.intake.names import (
    NameProblem,
    naming_help,
    not_begun_reason,
    parse_submission_name,
)
from reportflow.intake.receipts import ReceiptContext, write_receipts
from reportflow.intake.validate import Checked, check_file, size_reason
from reportflow.periods import to_naive_utc
from reportflow.warehouse import WarehouseBusy

log = logging.getLogger(__name__)


def current_limits() -> Limits:
    """The contract's limits (a function so tests can lower them)."""
    return Limits.from_contract()


def ingest(settings: Settings, *, now: datetime | None = None) -> IngestReport:
    """Process every stable file in every ``drop/<county_code>/`` once.

    ``now`` (default: the clock) decides which files are stable and stamps ``processed_at``.
    Raises IntakeError if the warehouse stays locked; files already claimed then wait in
    ``work/`` and the next run finishes them.
    """
    moment = to_naive_utc(now or datetime.now(UTC))
    report = IngestReport(started_at=moment)
    limits = current_limits()
    run = _Run(settings, moment, limits, report)
    try:
        with Warehouse(settings) as warehouse, closing(run):
            run.warehouse = warehouse
            entries = discover(settings, moment)
            if _has_claims(settings) or any(e.kind in ("file", "refused") for e in entries):
                # Take the writer lock before touching work/ or claiming anything, so two
                # runs (CLI and DAG) never interleave; then look again under the lock.
                warehouse.con  # noqa: B018 - opening the connection takes the lock
                run.recover()
                entries = discover(settings, moment)
            for entry in entries:
                run.handle(entry)
    except WarehouseBusy as error:
        raise IntakeError(str(error)) from error
    report.finished_at = to_naive_utc(datetime.now(UTC))
    log.info("intake: %s", report.summary())
    return report


def _has_claims(settings: Settings) -> bool:
    """True if a run left a claim in ``work/`` (its arrivals record does not count)."""
    work = settings.work_dir
    return work.is_dir() and any(work.glob("*.json"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Digest:
    """An upload's sha256, ``known`` or ``pending`` in a background thread."""

    known: str | None = None
    pending: Future[str] | None = None

    def value(self) -> str:
        if self.known is None:
            assert self.pending is not None
            self.known = self.pending.result()
        return self.known


@dataclass
class _Outcome:
    """What to tell the clerk and where the file goes, decided before anything moves."""

    result: FileResult
    receipt: ReceiptContext
    destination: Path


class _Run:
    def __init__(self, settings: Settings, now: datetime, limits: Limits, report: IngestReport):
        self.settings = settings
        self.now = now
        self.limits = limits
        self.report = report
        self.warehouse: Warehouse | None = None
        self._hasher: ThreadPoolExecutor | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        assert self.warehouse is not None
        return self.warehouse.con

    # ------------------------------------------------------------ entry points

    def recover(self) -> None:
        """Finish claims a previous run left in ``work/`` (it crashed or was killed).

        A claim whose outcome was committed is finished (receipts, archive, upload removed);
        one that was not is dropped, and its upload, still in ``drop/``, is processed anew.
        """
        work = self.settings.work_dir
        if not work.is_dir():
            return
        for partial in work.glob(".*.tmp"):
            partial.unlink(missing_ok=True)  # a claim's metadata cut off mid-write
        for meta_path in sorted(work.glob("*.json")):
            found = load_claim(meta_path)
            if found is None:
                log.error("intake: unreadable claim file %s left in place", meta_path)
                self.report.internal_errors.append(f"unreadable claim file {meta_path.name}")
                continue
            recorded = submission_by_id(self.con, found.submission_id)
            if not found.data_path.exists():
                # Its copy already reached archive/quarantine (committed or a duplicate).
                self._retire(found)
            elif recorded is None:
                discard(found)
            else:
                log.warning(
                    "intake: recovering %s (%s)", printable(found.file_name), found.submission_id
                )
                content = read_private(found.data_path, self.limits.max_bytes)
                self._process_safely(found, content, recorded)
        for orphan in sorted(work.glob("*.data")):
            if not orphan.with_suffix(".json").exists():
                orphan.unlink()  # a private copy whose claim is gone; its upload is in drop/
                log.error("intake: orphan work file %s removed", orphan.name)

    def handle(self, entry: Entry) -> None:
        if entry.kind == "outside":
            log.warning("intake: %s: %s", printable(str(entry.path)), entry.reason)
            self.report.results.append(
                FileResult(entry.county_code, entry.name, "ignored", note=entry.reason)
            )
        elif entry.kind in ("ignored", "waiting"):
            self.report.results.append(
                FileResult(entry.county_code, entry.name, entry.kind, note=entry.reason)
            )
        elif entry.kind == "refused":
            self.report.results.append(self._refuse_entry(entry))
        else:
            crash_point("before_claim")
            claimed = claim(self.settings, entry, self.limits.max_bytes)
            if claimed is None:
                note = "changed or vanished while being read; next cycle"
                self.report.results.append(
                    FileResult(entry.county_code, entry.name, "waiting", note=note)
                )
                return
            crash_point("after_claim")
            self._process_safely(*claimed)

    # ------------------------------------------------------------ processing

    def _process_safely(
        self, claimed: Claim, content: ClaimedContent, recorded: Submission | None = None
    ) -> None:
        try:
            result = self._process(claimed, content, recorded)
        except (WarehouseBusy, IntakeError):
            raise
        except SourceChanged:
            discard(claimed)
            result = FileResult(
                claimed.county_code,
                claimed.file_name,
                "waiting",
                note="changed while being processed; nothing loaded, processed whole once stable",
            )
        except Exception as error:  # a bug must not stop the other counties' files
            log.exception(
                "intake: failed on %s (%s)", printable(claimed.file_name), claimed.submission_id
            )
            self.report.internal_errors.append(
                f"{claimed.county_code}/{printable(claimed.file_name)}: "
                f"{type(error).__name__}: {error}"
            )
            if submission_by_id(self.con, claimed.submission_id) is None:
                discard(claimed)  # nothing committed: the upload, still in drop/, is retried
            result = FileResult(
                claimed.county_code,
                claimed.file_name,
                "waiting",
                submission_id=claimed.submission_id,
                note="internal error; the file is retried next run",
            )
        log.info("intake: %s", result.summary())
        self.report.results.append(result)

    def _process(
        self, claimed: Claim, content: ClaimedContent, recorded: Submission | None
    ) -> FileResult:
        """Check and commit one claim (or, ``recorded``, finish one committed before a crash)."""
        size, data = content.size, content.data
        digest = self._digest(content.sha256, data)
        del content

        form: str | None = None
        period: str | None = None
        try:
            name = parse_submission_name(claimed.file_name)
            reason = not_begun_reason(name.period, self.now)
            if reason:  # a wrong name, most likely: it gets the naming advice
                raise NameProblem(reason)
            form, period = name.form, name.period
        except NameProblem as problem:
            checked = Checked(
                problems=[Problem(None, "文件名", claimed.file_name, str(problem))], error_count=1
            )
        else:
            if recorded is None:
                current = current_accepted(self.con, claimed.county_code, form, period)
                if current is not None and current.sha256 == digest.value():
                    return self._finish(
                        self._duplicate_outcome(claimed, form, period, digest.value(), current),
                        claimed,
                    )
            if recorded is not None and recorded.status == "accepted":
                checked = Checked(row_count=recorded.row_count or 0)
            elif data is None:
                checked = Checked(
                    problems=[Problem(None, "", "", size_reason(size, self.limits))],
                    error_count=1,
                )
            else:
                crash_point("mid_check")
                checked = self._check(claimed, data, form, period)
        del data  # the bytes are no longer needed; keep peak memory down for big files
        sub = recorded or self._record(claimed, form, period, digest.value(), size, checked)
        crash_point("after_commit")
        previous = superseded_by(self.con, sub.submission_id) if sub.status == "accepted" else None
        return self._finish(self._checked_outcome(claimed, sub, checked, previous), claimed)

    def _digest(self, known: str | None, data: bytes | None) -> _Digest:
        """The upload's sha256: known already, or hashed now, or, for a big file, hashed in
        the background (hashlib releases the GIL) while DuckDB checks it."""
        if known is not None or data is None:
            return _Digest(known)
        if len(data) < BULK_MIN_BYTES:
            return _Digest(hashlib.sha256(data).hexdigest())
        if self._hasher is None:
            self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-sha256")
        return _Digest(pending=self._hasher.submit(_sha256, data))

    def close(self) -> None:
        if self._hasher is not None:
            self._hasher.shutdown()
            self._hasher = None

    def _check(self, claimed: Claim, data: bytes, form: str, period: str) -> Checked:
        """The bulk path for a big plain file if it is sure, else the exact path (see bulk.py)."""
        spec = contract.forms()[form]
        if len(data) >= BULK_MIN_BYTES:
            try:
                checked = stage_bulk(
                    self.con,
                    claimed.data_path,
                    data,
                    form=spec,
                    county_code=claimed.county_code,
                    period=period,
                    limits=self.limits,
                    scratch=self.settings.work_dir / f".{claimed.submission_id}.bulk.tmp",
                )
            except Exception:  # the exact path below decides; a bulk-path bug must not block
                log.exception("intake: bulk path failed on %s", printable(claimed.file_name))
                checked = None
            if checked is not None:
                return checked
        return check_file(
            data, form=spec, county_code=claimed.county_code, period=period, limits=self.limits
        )

    def _record(
        self,
        claimed: Claim,
        form: str | None,
        period: str | None,
        sha256: str,
        size: int,
        checked: Checked,
    ) -> Submission:
        """Write the outcome to the warehouse (the commit point of the file)."""
        accepted = checked.ok and form is not None and period is not None
        destination = self._destination(claimed, form, period, sha256, archive=accepted)
        sub = Submission(
            submission_id=claimed.submission_id,
            county_code=claimed.county_code,
            form=form,
            period=period,
            file_name=claimed.file_name,
            sha256=sha256,
            size_bytes=size,
            row_count=checked.row_count if (accepted or checked.row_count) else None,
            status="accepted" if accepted else "rejected",
            reasons=None if accepted else _reasons_text(checked),
            error_count=checked.error_count,
            replaced_earlier=False,
            received_at=claimed.received_at,
            processed_at=self.now,
            superseded_by=None,
            archived_as=destination.relative_to(self.settings.home).as_posix(),
        )
        if accepted:
            assert form is not None
            sub, _previous = record_accepted(
                self.con,
                contract.forms()[form],
                sub,
                checked.columns,
                checked.source_rows,
                staged=checked.staged,
                unchanged=claimed.source_unchanged,
            )
        else:
            record_rejected(self.con, sub, unchanged=claimed.source_unchanged)
        return sub

    def _destination(
        self, claimed: Claim, form: str | None, period: str | None, sha256: str, *, archive: bool
    ) -> Path:
        root = self.settings.archive_dir if archive else self.settings.quarantine_dir
        stamp = f"{claimed.received_at:%Y%m%dT%H%M%SZ}_{sha256[:12]}"
        target = (
            root
            / claimed.county_code
            / (form or "_unrecognised")
            / (period or "_")
            / (f"{stamp}.csv")
        )
        return _free(target)

    # ------------------------------------------------------------ outcomes

    def _checked_outcome(
        self, claimed: Claim, sub: Submission, checked: Checked, previous: Submission | None
    ) -> _Outcome:
        accepted = sub.status == "accepted"
        result = FileResult(
            county_code=claimed.county_code,
            file_name=claimed.file_name,
            status="accepted" if accepted else "rejected",
            form=sub.form,
            period=sub.period,
            row_count=sub.row_count,
            replaced_earlier=sub.replaced_earlier,
            errors=list(checked.problems),
            error_count=sub.error_count,
            submission_id=sub.submission_id,
            sha256=sub.sha256,
        )
        receipt = ReceiptContext(
            kind="accepted" if accepted else "rejected",
            county_code=claimed.county_code,
            file_name=claimed.file_name,
            received_at=claimed.received_at,
            processed_at=self.now,
            form=sub.form,
            period=sub.period,
            row_count=sub.row_count,
            replaced_earlier=sub.replaced_earlier,
            previous_name=previous.file_name if previous else None,
            previous_received_at=previous.received_at if previous else None,
            sha256=sub.sha256,
            problems=list(checked.problems),
            error_count=sub.error_count,
            advice=_advice(sub, checked),
            deadline_day=self.settings.deadline_day,
        )
        assert sub.archived_as is not None
        return _Outcome(result, receipt, self.settings.home / sub.archived_as)

    def _duplicate_outcome(
        self, claimed: Claim, form: str, period: str, sha256: str, current: Submission
    ) -> _Outcome:
        result = FileResult(
            county_code=claimed.county_code,
            file_name=claimed.file_name,
            status="ignored",
            form=form,
            period=period,
            row_count=current.row_count,
            sha256=sha256,
            duplicate=True,
            note=f"same bytes as accepted submission {current.submission_id}; nothing changed",
        )
        receipt = ReceiptContext(
            kind="duplicate",
            county_code=claimed.county_code,
            file_name=claimed.file_name,
            received_at=claimed.received_at,
            processed_at=self.now,
            form=form,
            period=period,
            previous_name=current.file_name,
            previous_received_at=current.received_at,
            sha256=sha256,
            advice=[
                "无需任何操作。",
                "如需更正数据，请修改后再报送完整的文件，新文件会整体替换原来的数据。",
            ],
            deadline_day=self.settings.deadline_day,
        )
        destination = self._destination(claimed, form, period, sha256, archive=True)
        return _Outcome(result, receipt, destination)

    def _refusal(
        self,
        county_code: str,
        name: str,
        received_at: datetime | None,
        reason: str,
        destination: Path,
    ) -> _Outcome:
        problem = Problem(None, "", "", reason)
        result = FileResult(
            county_code, name, "rejected", errors=[problem], error_count=1, note=reason
        )
        receipt = ReceiptContext(
            kind="rejected",
            county_code=county_code,
            file_name=name,
            received_at=received_at,
            processed_at=self.now,
            problems=[problem],
            error_count=1,
            advice=[
                "请把报表文件本身（CSV 文件，不是快捷方式、文件夹或链接）"
                "直接放入本单位的报送文件夹。",
                naming_help(),
            ],
        )
        return _Outcome(result, receipt, destination)

    def _refuse_entry(self, entry: Entry) -> FileResult:
        """Move a refused entry (link, folder, bad name) to quarantine untouched and explain."""
        received = entry.received_at or self.now
        stamp = f"{received:%Y%m%dT%H%M%SZ}_{_short_id()}"
        destination = _free(self.settings.quarantine_dir / entry.county_code / "_refused" / stamp)
        outcome = self._refusal(entry.county_code, entry.name, received, entry.reason, destination)
        outcome.result.receipt_paths = self._write_receipts(
            entry.county_code, entry.name, outcome.receipt
        )
        try:
            outcome.result.archived_as = place(entry.path, destination)
        except FileNotFoundError:
            outcome.result.note = "vanished before it could be quarantined"
        forget(self.settings, entry.county_code, entry.name)
        log.warning(
            "intake: refused %s/%s: %s", entry.county_code, printable(entry.name), entry.reason
        )
        return outcome.result

    def _finish(self, outcome: _Outcome, claimed: Claim) -> FileResult:
        """Receipts, then the copy into place, then the upload out of ``drop/``, then forget the
        claim: each step safe to redo after a crash."""
        outcome.result.receipt_paths = self._write_receipts(
            claimed.county_code, claimed.file_name, outcome.receipt
        )
        crash_point("after_receipt")
        outcome.result.archived_as = place(claimed.data_path, outcome.destination)
        crash_point("after_archive")
        if not self._retire(claimed):
            outcome.result.note = "changed after it was read; its new content is processed next"
        return outcome.result

    def _retire(self, claimed: Claim) -> bool:
        """Remove the upload (if unchanged) and forget its arrival, then the claim."""
        retired = retire_source(claimed)
        if retired:
            forget(self.settings, claimed.county_code, claimed.file_name)
        release(claimed)
        return retired

    def _write_receipts(self, county_code: str, name: str, context: ReceiptContext) -> list[Path]:
        paths = write_receipts(self.settings.drop_dir / county_code, name, context)
        if not paths:
            log.error(
                "intake: receipt folder of %s is not a directory; no receipt written", county_code
            )
        return paths


def _short_id() -> str:
    return uuid.uuid4().hex[:12]


def _free(target: Path) -> Path:
    """``target`` or the first ``<stem>_N<suffix>`` that does not exist yet."""
    candidate, n = target, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = target.with_name(f"{target.stem}_{n}{target.suffix}")
    return candidate


def _reasons_text(checked: Checked) -> str:
    lines = [p.as_text() for p in checked.problems]
    more = checked.error_count - len(checked.problems)
    if more > 0:
        lines.append(f"另有 {more} 处错误未列出")
    return "\n".join(lines)


def _advice(sub: Submission, checked: Checked) -> list[str]:
    forms = contract.forms()
    if sub.status == "accepted":
        label = forms[sub.form].label if sub.form in forms else ""
        return [
            "无需其他操作。",
            "如发现数据有误，请修改后重新报送同一报表、同一月份的完整文件"
            f"（例如「{label}_{sub.period}.csv」），新文件会整体替换本文件的数据。",
        ]
    if sub.form is None:
        return ["请把文件改名后重新放入本单位的报送文件夹。", naming_help()]
    suggested = f"{forms[sub.form].label}_{sub.period}.csv"
    return [
        "请在原 Excel 表中按问题清单逐项修改（行号就是 Excel 左侧的行号）。",
        f"改好后另存为 CSV 文件，命名为「{suggested}」，重新放入本单位的报送文件夹。",
        "填写方法见本单位文件夹下「模板」中的《填报说明》和空白模板。",
        "本月此表此前已接收的数据（如有）保持不变，不受本次退回影响。",
    ]
