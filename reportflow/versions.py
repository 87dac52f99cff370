"""Versioned folders switched by one rename: what the snapshot and the bulletins share.

A set of files that readers must see whole (the Parquet snapshot of the marts, a month's
bulletins) is written into a new version folder and made current by one atomic rename of a
pointer. Version names are ``v`` and a UTC time to the microsecond, so they sort by age and
never repeat; a rename is only durable once its directory is flushed (:func:`fsync_dir`).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

#: Name of a version folder: ``v`` and a UTC time to the microsecond.
VERSION_PATTERN = re.compile(r"v\d{8}T\d{12}Z")


class VersionClockError(RuntimeError):
    """The newest version is dated after now: the clock went back, names would collide."""


def new_version(root: Path) -> str:
    """A fresh version name, later than every existing one under ``root``."""
    version = "v" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    existing = versions(root)
    if existing and version <= existing[-1]:
        raise VersionClockError(
            f"version {existing[-1]} in {root} is in the future: check the clock"
        )
    return version


def versions(root: Path) -> list[str]:
    """The complete version folders under ``root``, oldest first (staging folders are hidden)."""
    if not root.is_dir():
        return []
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and VERSION_PATTERN.fullmatch(p.name)
    )


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (the directory entry itself is flushed)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
