"""Output file names and atomic writes for the bulletin folder.

A bulletin folder is read by people, by the mailer and by the archive index while a render
may be running, so a file appears complete or not at all: bytes go to a hidden temporary
file in the same directory, are flushed to disk, then renamed over the target
(``os.replace`` is atomic within one file system). A kill before the rename leaves the
hidden ``.tmp`` file, which the next publication removes (:mod:`reportflow.bulletin.release`);
the crash tests stop at ``bulletin_temp`` (temporary complete, not renamed) and
``bulletin_file`` (renamed).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from reportflow.contract import county_by_code
from reportflow.crash import crash_point

CITY_TITLE = "湛江市党建指导员工作月报"
TEMP_SUFFIX = ".tmp"


def city_file_stem(period: str) -> str:
    """``湛江市党建指导员工作月报_2026-10``: readable as an e-mail attachment for leaders."""
    return f"{CITY_TITLE}_{period}"


def county_file_stem(county_code: str, period: str) -> str:
    """``湛江市党建指导员工作月报_赤坎区_2026-10``: says what it is when forwarded.

    The county's name comes from the contract by code, so callers (mapped Airflow tasks,
    scripts) still name a county by its code.
    """
    county = county_by_code(county_code)
    if county is None:
        raise ValueError(f"{county_code!r} is not a county-level code of the contract")
    return f"{CITY_TITLE}_{county.name}_{period}"


def atomic_write_bytes(path: Path, payload: bytes) -> Path:
    """Write ``payload`` to ``path`` via a temp file and rename; never leaves a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        crash_point("bulletin_temp")
        os.replace(temp_name, path)
        crash_point("bulletin_file")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))
