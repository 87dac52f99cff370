"""The scale benchmark's synthetic reference data: N units the dbt tests accept as real ones."""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks import dbt_scale
from reportflow import contract
from reportflow.config import DBT_PROJECT_DIR


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_synthetic_seeds_keep_the_committed_layout(tmp_path: Path) -> None:
    dbt_scale.write_reference_seeds(tmp_path, 25)
    for name in ("ref_counties", "ref_towns"):
        committed = _rows(DBT_PROJECT_DIR / "seeds" / f"{name}.csv")
        assert list(_rows(tmp_path / f"{name}.csv")[0]) == list(committed[0]), name


def test_synthetic_units_are_distinct_from_the_real_ones(tmp_path: Path) -> None:
    dbt_scale.write_reference_seeds(tmp_path, 1000)
    units = _rows(tmp_path / "ref_counties.csv")
    towns = _rows(tmp_path / "ref_towns.csv")
    codes = [u["county_code"] for u in units]
    assert len(set(codes)) == 1000 and all(len(code) == 6 for code in codes)
    assert not set(codes) & {contract.city().code, *(c.code for c in contract.counties())}
    assert [int(u["sort_order"]) for u in units] == list(range(1, 1001))
    # every unit has the towns of a real unit: 100 rounds of the official 125
    assert len(towns) == 100 * len(contract.towns())
    assert {t["county_code"] for t in towns} == set(codes)
    assert len({t["town_code"] for t in towns}) == len(towns)
    # like the official codes, a town's code does not name its unit
    assert not any(t["town_code"].startswith(t["county_code"]) for t in towns)


def test_project_copy_leaves_the_committed_seeds_alone(tmp_path: Path) -> None:
    before = (DBT_PROJECT_DIR / "seeds" / "ref_counties.csv").read_bytes()
    project = dbt_scale.copy_project(tmp_path, 3)
    assert (DBT_PROJECT_DIR / "seeds" / "ref_counties.csv").read_bytes() == before
    assert len(_rows(project / "seeds" / "ref_counties.csv")) == 3
    assert (project / "dbt_project.yml").is_file()
    assert not (project / "target").exists()
