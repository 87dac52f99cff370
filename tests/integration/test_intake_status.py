"""``reportflow status --period YYYY-MM``: the county × form grid data engineers read.

Checked as a person reads it: one line per county, the four statuses where they belong
(on time, late, rejected, missing), and every status column starting at the same place on
screen, Chinese county names (two columns wide each) included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from reportflow import contract
from reportflow.config import Settings
from reportflow.intake import ingest, init_home
from reportflow.periods import Period

HEAD = "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期\r\n"
NOW = datetime(2026, 11, 3, tzinfo=UTC)


def _drop(settings: Settings, county: str, body: str, received: datetime) -> None:
    path = settings.drop_dir / county / "disputes_2026-10.csv"
    path.write_text(HEAD + body, encoding="utf-8")
    stamp = received.replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _status_columns(line: str, words: set[str]) -> list[int]:
    """Screen column at which each status word of ``line`` starts."""
    columns, position = [], 0
    for token in line.split(" "):
        if token in words:
            columns.append(_width(line[:position]))
        position += len(token) + 1
    return columns


def test_status_prints_a_readable_grid_with_late_files(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", stable_seconds=0)
    init_home(settings, now=NOW)
    # Deadline: 5 November 24:00 Beijing time = 2026-11-05 16:00 UTC. Received = the ingest
    # run that first saw the file; the mtimes (all before the deadline) play no part.
    _drop(
        settings,
        "440802",
        "J1,440802001,2026-10-05,其他,其他,调解中,\r\n",
        datetime(2026, 11, 1),
    )
    ingest(settings, now=datetime(2026, 11, 5, 15, tzinfo=UTC))
    _drop(
        settings,
        "440803",
        "J1,440803001,2026-10-05,其他,其他,调解中,\r\n",
        datetime(2026, 11, 1),
    )
    _drop(
        settings, "440804", "J1,440802001,2026-10-05,其他,其他,调解中,\r\n", datetime(2026, 11, 1)
    )
    ingest(settings, now=datetime(2026, 11, 6, tzinfo=UTC))

    done = subprocess.run(
        [sys.executable, "-m", "reportflow.cli", "status", "--period", "2026-10"],
        env=dict(os.environ, REPORTFLOW_HOME=str(settings.home)),
        capture_output=True,
        text=True,
        check=True,
    )

    lines = done.stdout.splitlines()
    statuses = {"accepted", "late", "rejected", "missing"}
    rows = {line.split()[0]: line for line in lines if line[:6].isdigit()}
    assert list(rows) == [c.code for c in contract.counties()]
    forms = list(contract.forms())
    disputes = forms.index("disputes")
    expected = {"440802": "accepted", "440803": "late", "440804": "rejected", "440811": "missing"}
    for code, status in expected.items():
        words = [w for w in rows[code].split() if w in statuses]
        assert len(words) == len(forms), rows[code]
        assert words[disputes] == status, rows[code]
        assert words.count("missing") == len(forms) - 1 + (status == "missing")
    for code, county in ((c.code, c) for c in contract.counties()):
        assert county.name in rows[code]
    # A grid: every county's statuses start at the same screen columns as the first's.
    columns = {tuple(_status_columns(line, statuses)) for line in rows.values()}
    assert len(columns) == 1, rows
    names = ("disputes", contract.forms()["disputes"].label)  # the header may use either
    header = next(line for line in lines if any(n in line for n in names) and line[:6] != "4408")
    name = next(n for n in names if n in header)
    assert _width(header[: header.index(name)]) == next(iter(columns))[disputes]


def test_status_of_a_period_not_yet_due_says_so(tmp_path: Path) -> None:
    """Before the deadline, a form nobody has sent yet is 未到期, not missing."""
    settings = Settings(home=tmp_path / "home", stable_seconds=0)
    init_home(settings)
    current = Period.current().key  # its deadline is next month
    done = subprocess.run(
        [sys.executable, "-m", "reportflow.cli", "status", "--period", current],
        env=dict(os.environ, REPORTFLOW_HOME=str(settings.home)),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line for line in done.stdout.splitlines() if line[:6].isdigit()]
    assert len(rows) == len(contract.counties())
    assert all(line.split()[2:] == ["未到期"] * len(contract.forms()) for line in rows), rows
