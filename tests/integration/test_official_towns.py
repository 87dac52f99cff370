"""``reportflow run`` on submissions that use the official town codes of all ten units.

The files in ``tests/fixtures/official_towns/<unit>/`` were prepared outside reportflow, from the
published division codes (see the README there), as counties would write them from their own
records: each unit's instructor roster names every town the unit reports for, in the unit's own
style (Chinese or English header, UTF-8, UTF-8 with BOM or GBK, CRLF or LF). 经开区's four towns
carry 麻章区 codes. The expected figures below are written out here, not read from the town list.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.reference import read_export
from tests.reportflow_cli import run_reportflow

PERIOD = "2026-10"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "official_towns"

#: Towns per reporting unit in the official list (经开区: 东山, 东简, 民安, 硇洲).
TOWNS = {
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


def test_every_unit_accepts_its_official_towns_and_reaches_full_coverage(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(FIXTURES, home / "drop", ignore=shutil.ignore_patterns("README.md"))

    result = run_reportflow(home, "run", "--period", PERIOD)
    assert result.returncode == 4, result.stdout + result.stderr  # the 麻章区 outreach file
    assert "Traceback" not in result.stderr

    exported = read_export(home / "bulletins" / PERIOD / "indicators.csv")
    for unit, towns in TOWNS.items():
        assert exported[(unit, "towns_with_instructor")] == str(towns), unit
        assert exported[(unit, "town_coverage_rate")] == "1.0000", unit
        assert exported[(unit, "forms_submitted")] == "1", unit
    assert exported[("440800", "towns_with_instructor")] == "125"
    assert exported[("440800", "town_coverage_rate")] == "1.0000"

    receipts = home / "drop" / "440811" / "回执"
    rejected = (receipts / "宣讲活动_2026-10.回执.txt").read_text(encoding="utf-8")
    assert "文件未被接收" in rejected
    assert "440811070" in rejected
    assert "是湛江经济技术开发区东山街道的代码，不属于本单位（麻章区）" in rejected
    assert "440811100" not in rejected  # 麻章镇 is 麻章区's own
    accepted = (receipts / "党建指导员_2026-10.回执.txt").read_text(encoding="utf-8")
    assert "文件已接收" in accepted
