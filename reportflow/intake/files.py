"""File-system side of intake: find stable uploads, claim them, and put them in their final place.

Every upload is, at any instant, in exactly one of ``drop/``, ``work/``, ``archive/`` or
``quarantine/``: it moves only by ``rename`` (atomic within the data home), and a claim
writes its metadata next to it in ``work/`` first, so a crash at any point can be finished
by the next run. Links are never followed and uploaded names never become paths.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from reportflow import contract
from reportflow.config import Settings
from reportflow.intake.model import IntakeError
from reportflow.intake.names import is_ignored_name, unsafe_name_reason

RECEIPTS_DIR = "回执"
TEMPLATES_DIR = "模板"
_OWN_DIRS = {RECEIPTS_DIR, TEMPLATES_DIR}

Kind = Literal["file", "ignored", "waiting", "refused", "outside"]


@dataclass(frozen=True)
class Entry:
    """One thing found in the drop area and what discovery decided about it."""

    kind: Kind
    county_code: str
    name: str
    path: Path
    reason: str = ""
    mtime_ns: int = 0
    size: int = 0


@dataclass(frozen=True)
class Claim:
    """An upload moved into ``work/`` together with what is known about it."""

    submission_id: str
    county_code: str
    file_name: str
    received_at: datetime
    data_path: Path
    meta_path: Path


def naive_utc(moment: datetime) -> datetime:
    """Naive UTC, the warehouse's timestamp convention (naive input is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _mtime_utc(mtime_ns: int) -> datetime:
    return datetime.fromtimestamp(mtime_ns / 1e9, UTC).replace(tzinfo=None)


def _refusal(st: os.stat_result) -> str | None:
    """Why an lstat result is not a plain single-link regular file, or None."""
    if stat.S_ISLNK(st.st_mode):
        return "这是一个快捷方式（符号链接），不是文件本身；请直接放入文件。"
    if stat.S_ISDIR(st.st_mode):
        return "这是一个文件夹；请把报表文件直接放在本单位的文件夹中，不要放在子文件夹里。"
    if not stat.S_ISREG(st.st_mode):
        return "这不是普通文件，无法处理。"
    if st.st_nlink > 1:
        return "这个文件同时链接在其他位置（硬链接）；请放入一份独立的文件副本。"
    return None


def discover(settings: Settings, now: datetime) -> list[Entry]:
    """Everything in the drop area, each classified; files in processing order.

    Files of a county are ordered by modification time so that of two files for the same
    form and period dropped in one cycle, the later one is the one that stays current.
    """
    drop = settings.drop_dir
    if not drop.is_dir() or drop.is_symlink():
        return []
    counties = {c.code for c in contract.counties()}
    now_ns = int(naive_utc(now).replace(tzinfo=UTC).timestamp() * 1e9)
    stable_ns = int(settings.stable_seconds * 1e9)
    entries: list[Entry] = []
    with os.scandir(drop) as top:
        tops = sorted(top, key=lambda e: e.name)
    for item in tops:
        if is_ignored_name(item.name):
            continue
        if item.name not in counties or item.is_symlink() or not item.is_dir(follow_symlinks=False):
            entries.append(
                Entry(
                    "outside",
                    "",
                    item.name,
                    Path(item.path),
                    "not a county drop folder; left untouched",
                )
            )
            continue
        county_entries: list[Entry] = []
        with os.scandir(item.path) as inner:
            children = list(inner)
        for child in children:
            name = child.name
            path = Path(child.path)
            if name in _OWN_DIRS:
                if child.is_symlink() or not child.is_dir(follow_symlinks=False):
                    entries.append(
                        Entry(
                            "outside",
                            item.name,
                            name,
                            path,
                            f"{name} should be a folder; left untouched",
                        )
                    )
                continue
            if is_ignored_name(name):
                county_entries.append(
                    Entry("ignored", item.name, name, path, "temporary or hidden file")
                )
                continue
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            reason = unsafe_name_reason(name) or _refusal(st)
            if reason:
                county_entries.append(
                    Entry("refused", item.name, name, path, reason, st.st_mtime_ns, st.st_size)
                )
                continue
            if abs(now_ns - st.st_mtime_ns) < stable_ns:
                county_entries.append(
                    Entry(
                        "waiting",
                        item.name,
                        name,
                        path,
                        "still changing; next cycle",
                        st.st_mtime_ns,
                        st.st_size,
                    )
                )
                continue
            county_entries.append(
                Entry("file", item.name, name, path, "", st.st_mtime_ns, st.st_size)
            )
        county_entries.sort(key=lambda e: (e.kind != "file", e.mtime_ns, e.name))
        entries.extend(county_entries)
    return entries


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``path`` via a fresh temporary file and rename: never a half file, never through a
    link planted at ``path`` (the rename replaces the link itself)."""
    tmp = path.with_name(f".{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def new_submission_id(county_code: str, received_at: datetime) -> str:
    return f"{received_at:%Y%m%dT%H%M%S}-{county_code}-{uuid.uuid4().hex[:12]}"


def claim(settings: Settings, entry: Entry) -> Claim | None:
    """Move a stable upload into ``work/`` under a generated name; None if it vanished.

    The metadata file is written (and synced) before the rename, so a file in ``work/``
    always has its county, original name and receipt time beside it.
    """
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    received_at = _mtime_utc(entry.mtime_ns)
    sid = new_submission_id(entry.county_code, received_at)
    data_path = work / f"{sid}.data"
    meta_path = work / f"{sid}.json"
    meta = {
        "submission_id": sid,
        "county_code": entry.county_code,
        "file_name": entry.name,
        "received_at": received_at.isoformat(),
        "size": entry.size,
    }
    write_atomic(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))
    try:
        os.rename(entry.path, data_path)
    except FileNotFoundError:
        meta_path.unlink(missing_ok=True)
        return None
    except OSError as error:
        meta_path.unlink(missing_ok=True)
        if error.errno == 18:  # EXDEV
            raise IntakeError(
                f"{settings.drop_dir} and {work} must be on the same file system"
            ) from error
        raise
    _fsync_dir(work)
    return Claim(sid, entry.county_code, entry.name, received_at, data_path, meta_path)


def load_claim(meta_path: Path) -> Claim | None:
    """The claim described by a metadata file left in ``work/``, or None if unreadable."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return Claim(
            submission_id=meta["submission_id"],
            county_code=meta["county_code"],
            file_name=meta["file_name"],
            received_at=datetime.fromisoformat(meta["received_at"]),
            data_path=meta_path.with_suffix(".data"),
            meta_path=meta_path,
        )
    except (OSError, ValueError, KeyError):
        return None


def release(claim_: Claim) -> None:
    """Forget a finished claim (its file has reached archive or quarantine)."""
    claim_.meta_path.unlink(missing_ok=True)


def place(source: Path, target: Path) -> Path:
    """Rename ``source`` to ``target`` (or ``<stem>_2<suffix>``, ... if taken) and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    candidate = target
    n = 1
    while os.path.lexists(candidate):
        n += 1
        candidate = target.with_name(f"{target.stem}_{n}{target.suffix}")
    os.rename(source, candidate)
    _fsync_dir(candidate.parent)
    return candidate


@dataclass(frozen=True)
class ClaimedContent:
    """What reading a claimed file found: its bytes (None if too big or refused) and hash.

    ``identity`` (inode, size, mtime in ns) lets a later reader of the same path (the bulk
    path hands the path to DuckDB) check that it still holds exactly these bytes.
    """

    data: bytes | None
    size: int
    sha256: str | None
    refusal: str | None
    identity: tuple[int, int, int] | None = None


def read_claimed(path: Path, max_bytes: int, *, hash_data: bool = True) -> ClaimedContent:
    """Read a claimed file without following links; hash it even when it is too big to use.

    The checks made at discovery are repeated on the open descriptor, since the entry could
    have been swapped for a link or a directory between discovery and the rename. With
    ``hash_data`` false, bytes that are returned are not hashed (``sha256`` None): the caller
    hashes them itself, in the background while other work goes on.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        st = os.lstat(path)
        return ClaimedContent(None, st.st_size, None, _refusal(st) or "这不是普通文件，无法处理。")
    try:
        st = os.fstat(fd)
        refusal = _refusal(st)
        if refusal:
            return ClaimedContent(None, st.st_size, None, refusal)
        identity = (st.st_ino, st.st_size, st.st_mtime_ns)
        digest = hashlib.sha256()
        if st.st_size > max_bytes:
            while chunk := os.read(fd, 1 << 20):
                digest.update(chunk)
            return ClaimedContent(None, st.st_size, digest.hexdigest(), None)
        # One buffer sized from fstat: no chunk list to join (a copy of a 50 MB file).
        with open(fd, "rb", buffering=0, closefd=False) as handle:
            data = handle.readall()
    finally:
        os.close(fd)
    if not hash_data:
        return ClaimedContent(data, len(data), None, None, identity)
    digest.update(data)
    return ClaimedContent(data, len(data), digest.hexdigest(), None, identity)
