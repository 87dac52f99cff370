"""A period's bulletins, export, record and archive page switch as one unit, even under SIGKILL.

Why: a kill after the city PDF used to leave new city files beside old county files and an old
``indicators.csv``, the archive page listed a half-published month, and a kill inside a write
left a hidden ``.tmp`` file forever. These tests publish October once, correct its data, then
start a real ``reportflow publish`` that SIGKILLs itself at each file of the new set (each of
the 24 files of the period, the archive page, inside a write before its rename, and at the two
steps of the switch). A reader must then find every file of the old publication byte for byte;
the next run must remove what the kill left and publish the whole new set.
"""

from __future__ import annotations

import signal
from pathlib import Path

import duckdb
import pytest

from reportflow.bulletin import publish
from reportflow.bulletin.release import begin, set_names, staging_dir, versions_root
from reportflow.config import Settings
from reportflow.crash import CRASH_ENV
from reportflow.quality import BLOCKING
from reportflow.quality.history import export_verdicts
from tests.bulletin_snapshot import PERIOD, write_snapshot
from tests.reportflow_cli import run_reportflow
from tests.unit.test_quality_model import _outcome

#: Files written by one publication: the period's set, then the archive page.
FILES_WRITTEN = len(set_names(PERIOD)) + 1
KILL_POINTS = [
    *(f"bulletin_file:{n}" for n in range(1, FILES_WRITTEN + 1)),
    "bulletin_temp:1",
    f"bulletin_temp:{FILES_WRITTEN}",
    "bulletins_version_staged",
    "bulletins_link_written",
]


def _checked_snapshot(settings: Settings) -> None:
    """The fixture snapshot of October with a passing quality verdict, so the gate opens."""
    write_snapshot(settings.snapshot_dir, {PERIOD: True})
    passed = _outcome(BLOCKING, success=True, county=None)  # of October
    export_verdicts(settings.snapshot_dir, [passed])


def _correct_the_data(settings: Settings) -> None:
    """A data correction: one more dispute received everywhere, so every edition changes."""
    path = str(settings.snapshot_dir / "fct_indicators.parquet").replace("'", "''")
    with duckdb.connect(":memory:") as con:
        con.execute(
            "create table corrected as select * replace (case when indicator ="
            f" 'disputes_received' then value + 1 else value end as value) from '{path}'"
        )
        con.execute(f"copy corrected to '{path}' (format parquet)")


def _what_readers_see(settings: Settings) -> dict[str, bytes]:
    """Every file a reader reaches under ``bulletins/`` (the archive page and the period)."""
    root = settings.bulletins_dir
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home with October published, and its data corrected since."""
    settings = Settings(home=tmp_path_factory.mktemp("crash") / "home")
    _checked_snapshot(settings)
    publish(settings, PERIOD)
    _correct_the_data(settings)
    return settings.home


@pytest.fixture()
def home(published_once: Path, tmp_path: Path) -> Settings:
    import shutil

    target = tmp_path / "home"
    shutil.copytree(published_once, target, symlinks=True)
    return Settings(home=target)


def _publish_killed_at(settings: Settings, point: str) -> None:
    completed = run_reportflow(settings.home, "publish", "--period", PERIOD, env={CRASH_ENV: point})
    assert completed.returncode == -signal.SIGKILL, completed.stderr


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_kill_at_each_file_leaves_the_old_publication_whole(home: Settings, point: str) -> None:
    before = _what_readers_see(home)
    assert f"{PERIOD}/indicators.csv" in before and "index.html" in before

    _publish_killed_at(home, point)

    assert _what_readers_see(home) == before
    current = home.bulletins_dir.resolve().name
    left = [p.name for p in versions_root(home).iterdir() if p.name != current]
    assert left, "the kill should have left staging, an unfinished or an unused version"

    begin(home, PERIOD)  # what the next run does first

    assert _what_readers_see(home) == before
    left = sorted(p.name for p in versions_root(home).iterdir())
    assert left == sorted([current, staging_dir(home, PERIOD).name])
    assert [p.name for p in staging_dir(home, PERIOD).iterdir()] == ["publication.json"]
    assert not [p for p in home.home.rglob("*.tmp")]


def test_the_run_after_a_kill_publishes_the_whole_new_set(home: Settings) -> None:
    before = _what_readers_see(home)
    _publish_killed_at(home, f"bulletin_temp:{len(set_names(PERIOD)) // 2}")

    completed = run_reportflow(home.home, "publish", "--period", PERIOD)

    assert completed.returncode == 0, completed.stderr
    after = _what_readers_see(home)
    assert after.keys() == before.keys()
    assert [name for name in after if after[name] == before[name]] == []
    assert not [p for p in home.home.rglob("*") if p.name.startswith(".")]
    assert len([p for p in versions_root(home).iterdir()]) == 2  # the current and the previous
