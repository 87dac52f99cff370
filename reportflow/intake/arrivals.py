"""When an upload arrived, as this system saw it: the ingest run that first found it.

A file's modification time is the sender's: a Windows copy keeps the original's, ``touch``
sets any, and a county's clock is not the city's. So the received time (printed on receipts,
used to judge on-time) is the clock of the first ingest run that saw the file in its drop
folder, recorded here at once and kept until the file has been processed, so a file that
waits a few cycles (still being copied, warehouse busy, a crash) keeps its first sighting.

The record is one small JSON file per county folder in ``work/arrivals/``, replaced
atomically under an exclusive lock, so concurrent runs agree and a crash loses nothing. An
entry belongs to one inode: if another file takes the name before the first was processed,
that is a new arrival.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from reportflow.config import Settings

ARRIVALS_DIR = "arrivals"


def _folder(settings: Settings) -> Path:
    return settings.work_dir / ARRIVALS_DIR


@contextmanager
def _locked(settings: Settings) -> Iterator[Path]:
    """The arrivals folder, held exclusively (an advisory lock released when the run ends)."""
    folder = _folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _key(name: str) -> str:
    """An uploaded name as an ASCII JSON key (names may hold undecodable bytes)."""
    return name.encode("utf-8", "surrogateescape").hex()


def _read(path: Path) -> dict[str, dict]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _write(path: Path, records: dict[str, dict]) -> None:
    from reportflow.intake.files import write_atomic  # files imports this module

    if records:
        write_atomic(path, json.dumps(records, sort_keys=True).encode("ascii"))
    else:
        path.unlink(missing_ok=True)


def observe(
    settings: Settings, county_code: str, inodes: dict[str, int], now: datetime
) -> dict[str, datetime]:
    """First-seen time (naive UTC) of each name in ``inodes`` (name → inode) in one folder.

    Names seen for the first time, or now held by another inode, get ``now``; records of
    names no longer in the folder are dropped (those files were processed or withdrawn).
    """
    seen = {name: (ino, now) for name, ino in inodes.items()}
    records = _merge(settings, county_code, seen, keep_others=False)
    return {name: datetime.fromisoformat(records[_key(name)]["first_seen"]) for name in inodes}


def replay(settings: Settings, county_code: str, arrived: dict[str, datetime]) -> None:
    """Record files now in a county's folder as first seen at the given (naive UTC) instants.

    For replaying history (the demo's months of submissions, ingested later by a DAG run on
    the real clock): the log then holds what runs at those instants would have written, and
    the next ingest takes the received times from it as from any first sighting. A file
    already recorded keeps its record, and records of other files are kept.
    """
    folder = settings.drop_dir / county_code
    seen = {name: (os.lstat(folder / name).st_ino, when) for name, when in arrived.items()}
    _merge(settings, county_code, seen, keep_others=True)


def _merge(
    settings: Settings,
    county_code: str,
    seen: dict[str, tuple[int, datetime]],
    *,
    keep_others: bool,
) -> dict[str, dict]:
    """Add first sightings (name → inode, instant) to one folder's log; a name already known
    with the same inode keeps its earlier record. Returns the log as written."""
    with _locked(settings) as folder:
        path = folder / f"{county_code}.json"
        old = _read(path)
        records: dict[str, dict] = dict(old) if keep_others else {}
        for name, (ino, when) in seen.items():
            key = _key(name)
            known = old.get(key)
            if known is None or known.get("ino") != ino:
                known = {"ino": ino, "first_seen": when.isoformat()}
            records[key] = known
        if records != old:
            _write(path, records)
    return records


def forget(settings: Settings, county_code: str, name: str) -> None:
    """Drop the record of ``name`` once its file has left the drop folder."""
    with _locked(settings) as folder:
        path = folder / f"{county_code}.json"
        records = _read(path)
        if records.pop(_key(name), None) is not None:
            _write(path, records)
