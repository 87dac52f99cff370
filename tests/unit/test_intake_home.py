"""init_home: folders, drop folders, and templates that pass intake's own checks."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reportflow import contract
from reportflow.config import Settings
from reportflow.intake import init_home
from reportflow.intake.home import GUIDE_NAME, template_name
from reportflow.intake.model import Limits
from reportflow.intake.validate import check_file

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    init_home(settings, now=NOW)
    return settings


def test_data_dirs_and_drop_folders(home: Settings) -> None:
    for path in home.data_dirs():
        assert path.is_dir()
    for county in contract.counties():
        base = home.drop_dir / county.code
        assert (base / "回执").is_dir() and (base / "模板").is_dir()


@pytest.mark.parametrize("county", [c.code for c in contract.counties()])
def test_every_template_is_valid_for_its_county(home: Settings, county: str) -> None:
    folder = home.drop_dir / county / "模板"
    for form in contract.forms().values():
        data = (folder / template_name(form)).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert rows[0] == [f.label for f in form.fields]
        assert len(rows) == 2
        result = check_file(
            data, form=form, county_code=county, period="2026-10", limits=Limits.from_contract()
        )
        assert result.ok, (form.key, result.problems)
        assert result.row_count == 1


def test_guide_is_generated_from_the_contract(home: Settings) -> None:
    text = (home.drop_dir / "440802" / "模板" / GUIDE_NAME).read_bytes().decode("utf-8-sig")
    assert "\r\n" in text
    assert text.startswith("赤坎区（440802）报表填报说明")
    for form in contract.forms().values():
        assert f"【{form.label}】" in text
        for field in form.fields:
            assert field.label in text
    assert "「办理状态」为调解成功、调解不成、移交时必填，否则留空" in text
    assert "440802001  中华街道" in text
    assert "440803001" not in text  # another county's towns are not listed
    assert "&lt;" not in text and "&#" not in text  # plain text, not HTML-escaped


def test_init_home_is_idempotent_and_leaves_uploads_alone(home: Settings) -> None:
    upload = home.drop_dir / "440802" / "disputes_2026-10.csv"
    upload.write_text("keep", encoding="utf-8")
    receipt = home.drop_dir / "440802" / "回执" / "x.回执.txt"
    receipt.write_text("keep", encoding="utf-8")
    init_home(home, now=NOW)
    assert upload.read_text(encoding="utf-8") == "keep"
    assert receipt.read_text(encoding="utf-8") == "keep"
    upload.unlink()
    receipt.unlink()


def test_templates_folder_is_not_scanned_as_uploads(home: Settings, tmp_path: Path) -> None:
    from reportflow.intake.files import discover

    names = [e.name for e in discover(home, NOW)]
    assert "模板" not in names and "回执" not in names
