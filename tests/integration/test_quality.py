"""The quality stage for real: demo submissions → intake → dbt → GX, then each way data goes bad.

One clean run over 13 months of demo data, then one run on a copy of that warehouse corrupted
in every way the suites exist for, each in its own county and period, so one GX run shows which
expectation fails where and with which severity; the clean run proves the failure is the
corruption's. The corrupted home then goes through the gate, the bulletin, the CLI, the history
table and the Data Docs site (opened in headless Chromium).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from reportflow.cli import main
from reportflow.config import Settings
from reportflow.contract import county_by_code, towns
from reportflow.demo_data import generate_demo_data
from reportflow.pipeline import GateClosed, ingest_once, initialise_home, publish_once
from reportflow.quality import BLOCKING, INFO, WARNING, QualityRun, read_verdict, run_quality
from reportflow.quality.run import period_page, summary_lines
from reportflow.transform import build, stage_snapshot, switch_snapshot

END = "2026-10"
NOW = datetime(2026, 11, 20, tzinfo=UTC)
CHIKAN, XIASHAN, POTOU, MAZHANG = "440802", "440803", "440804", "440811"
SUIXI, XUWEN, LIANJIANG, LEIZHOU, WUCHUAN = "440823", "440825", "440881", "440882", "440883"
WARNING_PERIOD = "2026-06"


@dataclass(frozen=True)
class Corruption:
    """One way data goes bad, and the expectation that must catch it there."""

    sql: str
    params: tuple
    suite: str
    expectation: str
    description: str  # a fragment of the expectation's Chinese description
    severity: str
    period: str
    county: str | None


def _first(table: str, county: str, period: str, extra: str = "") -> str:
    """SQL picking one row of a table in a county and period."""
    return (
        f"rowid = (select min(rowid) from {table} where county_code = '{county}'"
        f" and period = '{period}' {extra})"
    )


A_CHIKAN_TOWN = next(t.code for t in towns().values() if t.county_code == CHIKAN)

CORRUPTIONS = {
    "raw enum": Corruption(
        f"update raw.disputes set category = 'bogus' where {_first('raw.disputes', CHIKAN, END)}",
        (),
        "raw.disputes",
        "expect_column_values_to_be_in_set",
        "纠纷类型",
        BLOCKING,
        END,
        CHIKAN,
    ),
    "raw required if": Corruption(
        "update raw.weak_orgs set status = 'rectified', rectified_on = null"
        f" where {_first('raw.weak_orgs', XIASHAN, END)}",
        (),
        "raw.weak_orgs",
        "expect_column_values_to_not_be_null",
        "摘帽日期：状态为已摘帽时必填",
        BLOCKING,
        END,
        XIASHAN,
    ),
    "raw town of another county": Corruption(
        f"update raw.instructors set town_code = ? where {_first('raw.instructors', POTOU, END)}",
        (A_CHIKAN_TOWN,),
        "raw.instructors",
        "expect_column_values_to_be_in_set",
        "所辖镇街",
        BLOCKING,
        END,
        POTOU,
    ),
    "marts period short of rows": Corruption(
        "delete from marts.fct_indicators where rowid = (select min(rowid)"
        " from marts.fct_indicators where period = '2026-09')",
        (),
        "marts.period_rows",
        "expect_column_values_to_be_between",
        "共429行",
        BLOCKING,
        "2026-09",
        None,
    ),
    "marts county without a status": Corruption(
        "update marts.submission_status set status = null"
        f" where period = '2026-08' and county_code = '{SUIXI}' and form = 'outreach'",
        (),
        "marts.presence",
        "expect_column_values_to_not_be_null",
        "报送状态",
        BLOCKING,
        "2026-08",
        SUIXI,
    ),
    "marts figures without a file": Corruption(
        "update marts.submission_status set status = 'missing'"
        f" where period = '2026-07' and county_code = '{XUWEN}' and form = 'reserve_cadres'",
        (),
        "marts.presence",
        "expect_column_pair_values_to_be_equal",
        "缺报不按零计",
        BLOCKING,
        "2026-07",
        XUWEN,
    ),
    "marts figure beyond the raw rows": Corruption(
        "update marts.fct_indicators set value = 99999"
        f" where period = '{END}' and county_code = '{XUWEN}' and indicator = 'disputes_received'",
        (),
        "marts.raw_bounds",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "原始报表",
        BLOCKING,
        END,
        XUWEN,
    ),
    "cumulative investment falls": Corruption(
        "update raw.project_orgs set investment_to_date = 0"
        f" where county_code = '{LEIZHOU}' and period = '{END}'",
        (),
        "consistency.investment_to_date",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "累计完成投资不应比上月减少",
        BLOCKING,
        END,
        LEIZHOU,
    ),
    "mentor not on the roster": Corruption(
        "update raw.weak_orgs set mentor_id = 'NOT-ON-ROSTER'"
        f" where {_first('raw.weak_orgs', WUCHUAN, END)}",
        (),
        "consistency.mentor_on_roster",
        "expect_column_values_to_be_in_set",
        "指导员名册",
        WARNING,
        END,
        WUCHUAN,
    ),
    "temporary organisation without members": Corruption(
        "update raw.project_orgs set party_members = 0"
        f" where {_first('raw.project_orgs', LIANJIANG, END, 'and temp_org_on is not null')}",
        (),
        "consistency.temp_org_members",
        "expect_column_values_to_be_between",
        "应有党员",
        WARNING,
        END,
        LIANJIANG,
    ),
    "implausible drop against the county's year": Corruption(
        "update marts.fct_indicators set value = 0"
        f" where period = '{WARNING_PERIOD}' and county_code = '{MAZHANG}'"
        " and indicator = 'reserve_cadres'",
        (),
        "plausibility.county_history",
        "expect_column_values_to_be_between",
        "波动异常",
        WARNING,
        WARNING_PERIOD,
        MAZHANG,
    ),
}


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Thirteen months of demo submissions, ingested and built by dbt."""
    settings = Settings(home=tmp_path_factory.mktemp("demo"), stable_seconds=0)
    initialise_home(settings)
    generate_demo_data(settings, end_period=END, months=13, now=NOW)
    ingest_once(settings)
    build(settings)
    return settings


@pytest.fixture(scope="module")
def clean_run(demo_home: Settings) -> QualityRun:
    return run_quality(demo_home)


@pytest.fixture(scope="module")
def corrupted(
    demo_home: Settings, clean_run: QualityRun, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, QualityRun]:
    """A copy of the demo home with every corruption applied, checked, snapshot exported."""
    settings = Settings(home=tmp_path_factory.mktemp("corrupted") / "home", stable_seconds=0)
    shutil.copytree(demo_home.home, settings.home)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        for case in CORRUPTIONS.values():
            con.execute(case.sql, list(case.params))
    version = stage_snapshot(settings)
    run = run_quality(settings, settings.snapshot_root / version)
    switch_snapshot(settings, version)
    return settings, run


def _outcomes(run: QualityRun, case: Corruption) -> list:
    return [
        o
        for o in run.outcomes
        if (o.suite, o.expectation, o.period, o.county_code)
        == (case.suite, case.expectation, case.period, case.county)
        and case.description in o.description
    ]


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_each_corruption_fails_its_expectation_with_its_severity(
    name: str, clean_run: QualityRun, corrupted: tuple[Settings, QualityRun]
) -> None:
    case = CORRUPTIONS[name]
    before, after = _outcomes(clean_run, case), _outcomes(corrupted[1], case)
    assert [o.success for o in before] == [True], before
    assert [(o.success, o.severity) for o in after] == [(False, case.severity)], after
    assert after[0].observed


def test_clean_demo_data_blocks_no_period(clean_run: QualityRun) -> None:
    assert clean_run.failures(BLOCKING) == []
    assert {suite for suite in clean_run.counts} >= {
        "raw.disputes",
        "marts.period_rows",
        "consistency.investment_to_date",
        "plausibility.county_history",
    }


def test_too_little_history_is_said_not_guessed(clean_run: QualityRun) -> None:
    first = min(o.period for o in clean_run.outcomes)
    not_judged = [o for o in clean_run.failures(INFO) if o.period == first]
    assert not_judged and all("不作异常判断" in o.description for o in not_judged)
    judged = [o for o in clean_run.failures(WARNING) if o.suite.startswith("plausibility.")]
    assert all(o.period != first for o in judged)


def test_blocking_failure_stops_its_period_naming_expectation_county_and_value(
    corrupted: tuple[Settings, QualityRun],
) -> None:
    settings, _ = corrupted
    with pytest.raises(GateClosed) as closed:
        publish_once(END, settings)
    message = str(closed.value)
    assert "\n" not in message  # the CLI and the task log show it whole
    assert "consistency.investment_to_date" in message and "雷州市 (440882)" in message
    assert "investment_to_date=0" in message
    assert not settings.period_bulletin_dir(END).exists()


def test_warnings_publish_and_show_per_county_in_both_editions(
    corrupted: tuple[Settings, QualityRun],
) -> None:
    settings, run = corrupted
    result = publish_once(WARNING_PERIOD, settings)
    warnings = read_verdict(settings, WARNING_PERIOD).warnings
    city_html = result.city_html.read_text(encoding="utf-8")
    section = city_html[city_html.index('<section class="quality-notes">') :]  # not the summary
    assert len(re.findall(r"<td>", section.split("</table>")[0])) == len(warnings)
    assert run.per_period(WARNING)[WARNING_PERIOD] == len(warnings)
    mazhang = county_by_code(MAZHANG).name
    assert mazhang in section and "波动异常" in section and "指标=后备干部数，本月数=0" in section
    county_html = result.counties[MAZHANG][0].read_text(encoding="utf-8")
    assert "数据质量提示" in county_html and "指标=后备干部数" in county_html
    index = result.index_html.read_text(encoding="utf-8")
    assert 'href="../quality/data_docs/index.html"' in index
    section = index[index.index(f'id="p{WARNING_PERIOD}"') :].split("</section>")[0]
    href = re.search(r'本期数据质量：<a href="([^"]+)"', section).group(1)
    # Resolved as a browser does, by the URL's path: ``bulletins`` is a symlink to a version.
    target = os.path.normpath(settings.bulletins_dir / unquote(href))
    assert target == str(period_page(settings, WARNING_PERIOD))


def test_cli_quality_prints_the_verdict(
    corrupted: tuple[Settings, QualityRun],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings, run = corrupted
    monkeypatch.setenv("REPORTFLOW_HOME", str(settings.home))
    assert main(["quality", "--period", END]) == 1
    out = capsys.readouterr().out
    assert f"{END}: NOT publishable" in out
    assert f"Data Docs: {period_page(settings, END)}" in out
    assert "雷州市 (440882)" in out and "consistency.investment_to_date" in out
    assert main(["quality", "--period", WARNING_PERIOD]) == 0
    out = capsys.readouterr().out
    count = run.per_period(WARNING)[WARNING_PERIOD]
    assert count == len(read_verdict(settings, WARNING_PERIOD).warnings) >= 1
    assert f"0 blocking failure(s), {count} warning(s)" in out
    log = "\n".join(summary_lines(run))
    assert f"period {WARNING_PERIOD}: 0 blocking failure(s), {count} warning(s)" in log
    assert main(["publish", "--period", END]) == 1
    assert "雷州市" in capsys.readouterr().err


def test_history_answers_questions_in_sql(
    demo_home: Settings, clean_run: QualityRun, corrupted: tuple[Settings, QualityRun]
) -> None:
    settings, run = corrupted
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        runs = con.execute(
            "select count(distinct run_id) filter (run_id like 'quality-%'),"
            " count(distinct run_id) filter (run_id like 'acceptance-%') from quality.results"
        ).fetchone()
        failed = con.execute(
            "select count(*) from quality.results where county_code = ? and run_id = ?"
            " and suite like 'plausibility.%' and severity = 'warning' and not success"
            " and period like '2026-%'",
            [MAZHANG, run.run_id],
        ).fetchone()[0]
        rows = con.execute(
            "select count(*) from quality.results where run_id = ?", [run.run_id]
        ).fetchone()[0]
    # The clean run (copied with the home) and this one; the ingest checked its files once.
    assert runs == (2, 1)
    expected = [
        o
        for o in run.failures(WARNING)
        if o.county_code == MAZHANG
        and o.suite.startswith("plausibility.")
        and o.period.startswith("2026-")
    ]
    assert failed == len(expected) >= 1
    assert rows == len(run.outcomes)


def chromium_dom(page: Path) -> str:
    """The page's DOM after headless Chromium has loaded and scripted it."""
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def test_data_docs_page_shows_the_failed_expectation(
    corrupted: tuple[Settings, QualityRun],
) -> None:
    settings, _ = corrupted
    site = settings.quality_dir / "data_docs"
    pages = list((site / "validations" / "consistency" / "investment_to_date").rglob("*.html"))
    assert len(pages) == 1
    dom = chromium_dom(pages[0])
    assert "重点项目累计完成投资不应比上月减少" in dom
    assert LEIZHOU in dom and END in dom
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "investment_to_date" in index


def _text(dom: str) -> str:
    """The page's words with tags dropped and whitespace squeezed, as a reader sees them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


def test_period_page_lists_that_months_failures_with_county_and_counts(
    corrupted: tuple[Settings, QualityRun],
) -> None:
    settings, run = corrupted
    page = period_page(settings, END)
    assert page is not None
    text = _text(chromium_dom(page))
    assert "重点项目累计完成投资不应比上月减少" in text
    assert LEIZHOU in text and END in text
    blocking, warnings = run.per_period(BLOCKING)[END], run.per_period(WARNING)[END]
    assert blocking >= 1
    assert f"阻断（检查×县） {blocking} " in text and f"提示（检查×县） {warnings} " in text
    # Another month's page shows its own failures only: the falling investment is October's.
    other = _text(chromium_dom(period_page(settings, WARNING_PERIOD)))
    assert "重点项目累计完成投资不应比上月减少" not in other
    assert f"提示（检查×县） {run.per_period(WARNING)[WARNING_PERIOD]} " in other
    assert period_page(settings, "2019-01") is None
