"""Arrivals: a file's received time is when intake first saw it, kept until it is processed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from reportflow.config import Settings
from reportflow.intake.arrivals import forget, observe, replay

T1, T2 = datetime(2026, 11, 5, 15), datetime(2026, 11, 5, 17)


def test_first_sighting_is_kept_while_the_file_stays(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert observe(settings, "440802", {"a.csv": 11}, T1) == {"a.csv": T1}
    assert observe(settings, "440802", {"a.csv": 11, "b.csv": 12}, T2) == {
        "a.csv": T1,
        "b.csv": T2,
    }


def test_another_file_under_the_same_name_is_a_new_arrival(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    observe(settings, "440802", {"a.csv": 11}, T1)
    assert observe(settings, "440802", {"a.csv": 99}, T2) == {"a.csv": T2}


def test_processed_or_withdrawn_files_are_forgotten(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    observe(settings, "440802", {"a.csv": 11, "b.csv": 12}, T1)
    forget(settings, "440802", "a.csv")
    assert observe(settings, "440802", {"a.csv": 11}, T2) == {"a.csv": T2}
    observe(settings, "440802", {}, T2)  # b.csv withdrawn: nothing left to remember
    assert not (settings.work_dir / "arrivals" / "440802.json").exists()


def test_names_with_undecodable_bytes_are_recorded(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    name = b"bad\xff_2026-10.csv".decode("utf-8", "surrogateescape")
    assert observe(settings, "440802", {name: 5}, T1) == {name: T1}
    assert observe(settings, "440802", {name: 5}, T2) == {name: T1}


def test_a_replayed_arrival_is_what_later_runs_see(tmp_path: Path) -> None:
    """History replayed into the log (the demo) counts as the first sighting; files not
    replayed, and records already there, are left alone."""
    settings = Settings(home=tmp_path)
    folder = settings.drop_dir / "440802"
    folder.mkdir(parents=True)
    for name in ("a.csv", "b.csv", "c.csv"):
        (folder / name).write_text("x")
    ino = {p.name: p.stat().st_ino for p in folder.iterdir()}
    observe(settings, "440802", {"c.csv": ino["c.csv"]}, T1)
    replay(settings, "440802", {"a.csv": T1, "c.csv": T2})
    later = datetime(2026, 12, 1)
    assert observe(settings, "440802", ino, later) == {"a.csv": T1, "b.csv": later, "c.csv": T1}
