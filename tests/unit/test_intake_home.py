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
def test_every_template_is_refused_only_for_its_example_row(home: Settings, county: str) -> None:
    """A blank template dropped as it is cannot become data; with its example ids changed,
    its row passes every rule (so the example shows a correct way to fill the form)."""
    folder = home.drop_dir / county / "模板"
    for form in contract.forms().values():
        data = (folder / template_name(form)).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert rows[0] == [f.label for f in form.fields]
        assert len(rows) == 2

        def checked(content: bytes, form=form):
            return check_file(
                content,
                form=form,
                county_code=county,
                period="2026-10",
                limits=Limits.from_contract(),
            )

        refused = checked(data)
        assert refused.problems and all(p.row == 2 for p in refused.problems)
        assert all("请删除示例行" in p.reason for p in refused.problems), refused.problems
        filled = checked(data.replace("示例-".encode(), b""))
        assert filled.ok, (form.key, filled.problems)
        assert filled.row_count == 1


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
    assert "次月 5 日 24:00（北京时间）前报送" in text and "以系统收到文件的时间为准" in text
    assert "隐藏的行、筛选掉的行也会随文件一起保存和报送" in text
    assert "示例行" in text and "「文本」" in text and "合计" in text


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
