"""dbt's copy of the contract is generated from ``reportflow/contract/`` and committed as generated.

These replace the hand-kept checks that the seeds, sources and docs matched the contract YAML.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reportflow import contract_codegen
from reportflow.config import DBT_PROJECT_DIR
from reportflow.contract import CONTRACT_DIR


def _generated(project_dir: Path, contract_dir: Path = CONTRACT_DIR) -> dict[str, bytes]:
    """Generate into ``project_dir`` and read back every generated file."""
    contract_codegen.write(project_dir, contract_dir)
    return {
        relative: (project_dir / relative).read_bytes()
        for relative in contract_codegen.render(contract_dir)
    }


def test_committed_dbt_copy_is_what_the_contract_generates(tmp_path: Path) -> None:
    stale = [
        relative
        for relative, text in _generated(tmp_path).items()
        if not (DBT_PROJECT_DIR / relative).exists()
        or (DBT_PROJECT_DIR / relative).read_bytes() != text
    ]
    assert stale == [], f"dbt's copy of the contract is out of date, run `make contract`: {stale}"


def test_every_generated_file_says_so() -> None:
    for relative, text in contract_codegen.render().items():
        if relative.endswith(".csv"):
            continue
        assert contract_codegen.MARKER[0] in text.splitlines()[0], relative
    assert "ref_*.csv" in contract_codegen.render()["seeds/_seeds.yml"].splitlines()[2]


STAGING = {"models/staging/_sources.yml", "models/staging/_staging.yml"}


@pytest.mark.parametrize(
    ("edit", "old", "new", "changed"),
    [
        # an enum label: descriptions of the raw table and the staging model
        ("full_time: 专职,", "专职", "专职干部", STAGING),
        # an enum key: also the accepted values of the staging test
        ("night_talk: 围农夜话", "night_talk", "evening_talk", STAGING),
        # a form label: the ref_forms seed too
        ("label: 宣讲活动\n", "宣讲活动", "理论宣讲活动", {"seeds/ref_forms.csv", *STAGING}),
    ],
)
def test_one_edit_of_the_contract_yaml_changes_dbt_accordingly_and_nothing_else(
    tmp_path: Path, edit: str, old: str, new: str, changed: set[str]
) -> None:
    """Edit one word where forms.yaml defines it; dbt's copy changes exactly there."""
    edited = tmp_path / "contract"
    shutil.copytree(CONTRACT_DIR, edited)
    forms_yaml = edited / "forms.yaml"
    text = forms_yaml.read_text("utf-8")
    assert text.count(edit) == 1
    forms_yaml.write_text(text.replace(edit, edit.replace(old, new)), "utf-8")

    before = _generated(tmp_path / "before")
    after = _generated(tmp_path / "after", edited)

    assert {relative for relative in before if before[relative] != after[relative]} == changed
    for relative in changed:
        was, now = before[relative].decode(), after[relative].decode()
        assert new not in was
        assert new in now
        assert now.replace(new, old) == was, relative
