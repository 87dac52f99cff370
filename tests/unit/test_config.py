"""Settings fail loudly: every REPORTFLOW_* value is checked where it is read.

Why: a silent default or a late failure hides the cause (``ingest`` "succeeding" on a missing
data home, ``publish`` blaming the quality gate). The message must name the variable, the value
and what is expected, because it is all an operator sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reportflow.config import SettingsError, load_settings


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (
        "REPORTFLOW_DEADLINE_DAY",
        "REPORTFLOW_STABLE_SECONDS",
        "REPORTFLOW_LOCK_TIMEOUT_SECONDS",
        "REPORTFLOW_AUTO_APPROVE",
        "REPORTFLOW_METADATA_RETENTION_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REPORTFLOW_HOME", str(tmp_path))
    return tmp_path


def test_defaults_on_an_existing_home(home: Path) -> None:
    settings = load_settings()
    assert settings.home == home.resolve()
    assert (settings.deadline_day, settings.stable_seconds) == (5, 2.0)
    assert settings.lock_timeout_seconds == 60.0
    assert settings.metadata_retention_days == 14


def test_values_are_read(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTFLOW_DEADLINE_DAY", "31")
    monkeypatch.setenv("REPORTFLOW_STABLE_SECONDS", "0")
    monkeypatch.setenv("REPORTFLOW_LOCK_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("REPORTFLOW_METADATA_RETENTION_DAYS", "45")
    settings = load_settings()
    assert (settings.deadline_day, settings.stable_seconds) == (31, 0.0)
    assert settings.lock_timeout_seconds == 2.5
    assert settings.metadata_retention_days == 45


def test_missing_home_is_refused_and_not_created(tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "absent"
    monkeypatch.setenv("REPORTFLOW_HOME", str(missing))
    with pytest.raises(SettingsError, match=r"REPORTFLOW_HOME=.*absent.* does not exist"):
        load_settings()
    assert not missing.exists()


def test_setting_up_creates_the_home(tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "new" / "home"
    monkeypatch.setenv("REPORTFLOW_HOME", str(missing))
    assert load_settings(create_home=True).home == missing.resolve()
    assert missing.is_dir()


def test_a_file_is_not_a_home(tmp_path: Path, monkeypatch) -> None:
    file = tmp_path / "home.txt"
    file.write_text("x", encoding="utf-8")
    monkeypatch.setenv("REPORTFLOW_HOME", str(file))
    with pytest.raises(SettingsError, match=r"REPORTFLOW_HOME=.* is not a folder"):
        load_settings(create_home=True)
    monkeypatch.setenv("REPORTFLOW_HOME", str(file / "below"))
    with pytest.raises(SettingsError, match=r"REPORTFLOW_HOME=.* cannot be created"):
        load_settings(create_home=True)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("REPORTFLOW_HOME", " ", "REPORTFLOW_HOME is set but empty"),
        ("REPORTFLOW_DEADLINE_DAY", "0", "whole number from 1 to 31"),
        ("REPORTFLOW_DEADLINE_DAY", "32", "whole number from 1 to 31"),
        ("REPORTFLOW_DEADLINE_DAY", "5.5", "whole number from 1 to 31"),
        ("REPORTFLOW_DEADLINE_DAY", "five", "whole number from 1 to 31"),
        ("REPORTFLOW_DEADLINE_DAY", "", "REPORTFLOW_DEADLINE_DAY is set but empty"),
        ("REPORTFLOW_STABLE_SECONDS", "-1", "number of seconds, 0 or more"),
        ("REPORTFLOW_STABLE_SECONDS", "2s", "number of seconds, 0 or more"),
        ("REPORTFLOW_LOCK_TIMEOUT_SECONDS", "nan", "number of seconds, 0 or more"),
        ("REPORTFLOW_LOCK_TIMEOUT_SECONDS", "inf", "number of seconds, 0 or more"),
        ("REPORTFLOW_METADATA_RETENTION_DAYS", "0", "whole number from 1 to 3650"),
        ("REPORTFLOW_METADATA_RETENTION_DAYS", "2w", "whole number from 1 to 3650"),
    ],
)
def test_malformed_values_name_the_variable_value_and_expectation(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert name in message and expected in message
    assert "\n" not in message
    if value.strip():
        assert repr(value) in message


def test_automatic_approval_is_off_unless_set(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().auto_approve is False
    monkeypatch.setenv("REPORTFLOW_AUTO_APPROVE", "1")
    assert load_settings().auto_approve is True
    monkeypatch.setenv("REPORTFLOW_AUTO_APPROVE", "maybe")
    with pytest.raises(SettingsError, match=r"REPORTFLOW_AUTO_APPROVE='maybe'.*1 or 0"):
        load_settings()


def test_readme_configuration_table_is_generated_from_the_settings() -> None:
    """The operator's table is what the code accepts: regenerate it after changing a setting."""
    from reportflow.config import PROJECT_ROOT
    from reportflow.config_doc import configuration_table, with_table

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert configuration_table() in readme, "run: python -m reportflow.config_doc README.md"
    assert with_table(readme) == readme


#: Environment variables the package reads that are not for operators: the dbt profile's
#: warehouse path (set by reportflow for its own dbt processes) and the crash tests' hooks.
NOT_FOR_OPERATORS = {"REPORTFLOW_WAREHOUSE"}


def test_every_setting_the_package_reads_is_in_the_table() -> None:
    """A new REPORTFLOW_* variable in the code fails here until the table documents it."""
    import re

    from reportflow.config import PROJECT_ROOT
    from reportflow.config_doc import configuration_table

    sources = [*(PROJECT_ROOT / "reportflow").rglob("*.py"), *(PROJECT_ROOT / "dags").glob("*.py")]
    read = {
        name
        for source in sources
        for name in re.findall(r"REPORTFLOW_[A-Z_]+[A-Z]", source.read_text(encoding="utf-8"))
    }
    undocumented = {
        name
        for name in read - NOT_FOR_OPERATORS
        if not name.startswith("REPORTFLOW_TEST_") and f"`{name}`" not in configuration_table()
    }
    assert not undocumented
