"""File-system side of intake: find stable uploads, copy them privately, put copies in place.

An upload stays in ``drop/`` until its outcome is committed: a claim reads its bytes once,
keeps a private copy of exactly those bytes in ``work/`` (with its metadata written first),
and that copy is what is checked, loaded and finally renamed into ``archive/`` or
``quarantine/``. Only then is the upload removed, and only if it is still exactly what was
read; so a crash at any point can be finished by the next run, and a sender still writing
to a file can never make the archive differ from what was loaded. Links are never followed
and uploaded names never become paths.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from reportflow import contract
from reportflow.config import Settings
from reportflow.intake.arrivals import observe
from reportflow.intake.names import is_ignored_name, unsafe_name_reason
from reportflow.periods import to_naive_utc
from reportflow.versions import fsync_dir

RECEIPTS_DIR = "回执"
TEMPLATES_DIR = "模板"
_OWN_DIRS = {RECEIPTS_DIR, TEMPLATES_DIR}

Kind = Literal["file", "ignored", "waiting", "refused", "outside"]


@dataclass(frozen=True)
class Signature:
    """What identifies one state of a file: any write, truncation, ``touch`` or replacement
    changes at least one of these (``ctime`` is set by this system's kernel on every change
    and cannot be set by the sender)."""

    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Signature:
        return cls(st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass(frozen=True)
class Entry:
    """One thing found in the drop area and what discovery decided about it.

    ``received_at`` (naive UTC) is when intake first saw it (``arrivals``), never its mtime.
    """

    kind: Kind
    county_code: str
    name: str
    path: Path
    reason: str = ""
    signature: Signature | None = None
    received_at: datetime | None = None


@dataclass(frozen=True)
class Claim:
    """An upload being processed: its source in ``drop/``, as it was when its bytes were read,
    and the private copy of those bytes in ``work/`` that is checked, loaded and archived."""

    submission_id: str
    county_code: str
    file_name: str
    received_at: datetime
    data_path: Path
    meta_path: Path
    source: Path
    source_signature: Signature

    def source_unchanged(self) -> bool:
        """True if the upload in ``drop/`` still is exactly what was read (same inode and
        size, not written or touched since): only then may its outcome be committed."""
        try:
            return Signature.of(os.lstat(self.source)) == self.source_signature
        except FileNotFoundError:
            return False


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

    A file is stable once this system has seen no change to it for ``stable_seconds`` (its
    ctime, set by the kernel from this system's clock); the sender's mtime plays no part.
    Every file found is stamped with the run time ``now`` of the first run that saw it
    (``arrivals``), and files of a county are processed in that order (then by ctime), so
    of two versions of one form and period dropped in turn, the later one stays current.
    """
    drop = settings.drop_dir
    if not drop.is_dir() or drop.is_symlink():
        return []
    counties = {c.code for c in contract.counties()}
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
        entries.extend(_discover_county(settings, item.name, Path(item.path), now, stable_ns))
    return entries


def _discover_county(
    settings: Settings, county_code: str, folder: Path, now: datetime, stable_ns: int
) -> list[Entry]:
    """The entries of one county folder, stamped with their first sighting and sorted."""
    found: list[Entry] = []
    with os.scandir(folder) as inner:
        children = list(inner)
    clock_ns = time.time_ns()
    for child in children:
        name = child.name
        path = Path(child.path)
        if name in _OWN_DIRS:
            if child.is_symlink() or not child.is_dir(follow_symlinks=False):
                found.append(
                    Entry(
                        "outside",
                        county_code,
                        name,
                        path,
                        f"{name} should be a folder; left untouched",
                    )
                )
            continue
        if is_ignored_name(name):
            found.append(Entry("ignored", county_code, name, path, "temporary or hidden file"))
            continue
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        sig = Signature.of(st)
        reason = unsafe_name_reason(name) or _refusal(st)
        if reason:
            found.append(Entry("refused", county_code, name, path, reason, sig))
        elif clock_ns - st.st_ctime_ns < stable_ns:
            found.append(Entry("waiting", county_code, name, path, "still changing", sig))
        else:
            found.append(Entry("file", county_code, name, path, "", sig))
    inodes = {e.name: e.signature.ino for e in found if e.signature is not None}
    first_seen = observe(settings, county_code, inodes, to_naive_utc(now))  # also forgets gone ones
    stamped = [replace(e, received_at=first_seen.get(e.name)) for e in found]
    stamped.sort(
        key=lambda e: (
            e.kind != "file",
            e.received_at or datetime.min,
            e.signature.ctime_ns if e.signature else 0,
            e.name,
        )
    )
    return stamped


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


def claim(settings: Settings, entry: Entry, max_bytes: int) -> tuple[Claim, ClaimedContent] | None:
    """Read a stable upload once and keep a private copy of exactly those bytes in ``work/``.

    The upload stays in ``drop/`` until its outcome is committed and its copy archived; what
    is checked, loaded, hashed and archived is the copy, so a sender still writing to the
    upload cannot change any of it (``Claim.source_unchanged`` tells whether it did). None
    if the entry vanished, changed while being read or is no longer a plain file: the next
    cycle looks at it again. The metadata is written (and synced) before the copy, so a
    copy in ``work/`` always has its county, name and received time beside it.
    """
    assert entry.received_at is not None
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    sid = new_submission_id(entry.county_code, entry.received_at)
    data_path = work / f"{sid}.data"
    meta_path = work / f"{sid}.json"
    try:
        fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if _refusal(st):
            return None
        before = Signature.of(st)
        meta = {
            "submission_id": sid,
            "county_code": entry.county_code,
            "file_name": entry.name,
            "received_at": entry.received_at.isoformat(),
            "source": os.fsdecode(entry.path),
            "source_signature": asdict(before),
        }
        write_atomic(meta_path, json.dumps(meta, ensure_ascii=True).encode("ascii"))
        found = Claim(
            sid,
            entry.county_code,
            entry.name,
            entry.received_at,
            data_path,
            meta_path,
            entry.path,
            before,
        )
        content = _copy_private(fd, data_path, before.size, max_bytes)
        if Signature.of(os.fstat(fd)) != before or content.size != before.size:
            discard(found)  # written to while being read: not stable after all
            return None
    finally:
        os.close(fd)
    return found, content


def _copy_private(fd: int, target: Path, size: int, max_bytes: int) -> ClaimedContent:
    """Copy an open upload to ``target`` (new, synced); its bytes if at most ``max_bytes``.

    A file within the limit is read into one buffer and written from it, so the bytes kept
    in memory and the bytes on disk are the same object's; a bigger one is streamed and
    hashed on the way (it is refused by its size, never parsed).
    """
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(out, "wb", closefd=False) as handle:
            if size <= max_bytes:
                with open(fd, "rb", buffering=0, closefd=False) as source:
                    data = source.readall()
                handle.write(data)
                handle.flush()
                os.fsync(out)
                return ClaimedContent(data, len(data), None, None)
            digest = hashlib.sha256()
            copied = 0
            while chunk := os.read(fd, 1 << 20):
                digest.update(chunk)
                handle.write(chunk)
                copied += len(chunk)
            handle.flush()
            os.fsync(out)
            return ClaimedContent(None, copied, digest.hexdigest(), None)
    finally:
        os.close(out)


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
            source=Path(meta["source"]),
            source_signature=Signature(**meta["source_signature"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def retire_source(claim_: Claim) -> bool:
    """Remove the upload from ``drop/`` now that its copy is archived, if it is unchanged.

    A source that changed after its bytes were read (a copy that went on growing) stays:
    the next cycle processes it, whole, as a new version. Returns whether it was removed.
    """
    if not claim_.source_unchanged():
        return False
    claim_.source.unlink(missing_ok=True)
    return True


def release(claim_: Claim) -> None:
    """Forget a finished claim (its copy has reached archive or quarantine)."""
    claim_.meta_path.unlink(missing_ok=True)


def discard(claim_: Claim) -> None:
    """Drop a claim that will not be committed; the upload, still in ``drop/``, is untouched."""
    claim_.data_path.unlink(missing_ok=True)
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
    fsync_dir(candidate.parent)
    return candidate


@dataclass(frozen=True)
class ClaimedContent:
    """The bytes of a claimed upload (None if too big to use), their size and, when already
    known, their sha256 (None: the caller hashes the bytes, in the background for a big file)."""

    data: bytes | None
    size: int
    sha256: str | None
    refusal: str | None = None


def read_private(path: Path, max_bytes: int) -> ClaimedContent:
    """Read back the private copy of a claim (recovery after a crash); bounded like a claim."""
    size = os.path.getsize(path)
    if size > max_bytes:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        return ClaimedContent(None, size, digest.hexdigest())
    return ClaimedContent(path.read_bytes(), size, None)
