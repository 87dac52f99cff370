"""``reportflow run`` on submissions prepared here, apart from the demo generator's choices.

Thirteen months of demo submissions, with two files replaced by files written by this test:

- 遂溪县's 宣讲活动 for 2026-09 lists 240 events, several times its usual month: plausible (every
  row is valid) but extreme. It must be published, as a warning in the bulletin and Data Docs.
- 徐闻县's 重点项目党建 for 2026-10 repeats its September projects with one project's 累计完成投资
  halved: a cumulative figure cannot fall. ``reportflow run`` must refuse to publish 2026-10,
  naming the county.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from reportflow.bulletin import city_bulletin_paths
from reportflow.config import Settings
from reportflow.contract import county_by_code, forms, towns
from reportflow.demo_data import DemoSummary, generate_demo_data
from reportflow.quality import period_page
from tests.integration.test_quality import chromium_dom
from tests.reference import read_submission
from tests.reportflow_cli import run_reportflow

END, EXTREME_PERIOD = "2026-10", "2026-09"
EXTREME_COUNTY, IMPOSSIBLE_COUNTY = "440823", "440825"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _replace(demo: DemoSummary, county: str, form: str, period: str, rows: list[dict]) -> None:
    """Remove the demo's files for (county, form, period) and drop this test's own file."""
    for file in demo.files:
        if (file.county_code, file.form, file.period) == (county, form, period):
            file.path.unlink(missing_ok=True)
    keys = [f.key for f in forms()[form].fields]
    path = demo.drop_dir / county / f"{form}_{period}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(keys)
        writer.writerows([_cell(row.get(k)) for k in keys] for row in rows)


def _extreme_outreach(county: str, period: str) -> list[dict]:
    """240 valid events on the county's own towns: far above any month it has reported."""
    county_towns = sorted(t.code for t in towns().values() if t.county_code == county)
    year, month = map(int, period.split("-"))
    return [
        {
            "event_id": f"XT{county}{period.replace('-', '')}{n:04d}",
            "town_code": county_towns[n % len(county_towns)],
            "held_on": date(year, month, 1 + n % 28),
            "format": "night_talk",
            "topic": "学习贯彻党的二十届四中全会精神",
            "audience": 60,
            "dialect": n % 2 == 0,
        }
        for n in range(240)
    ]


def _falling_investment(demo: DemoSummary, county: str) -> list[dict]:
    """September's projects again, the largest investment halved (it is a running total)."""
    september = max(
        (
            f
            for f in demo.files
            if (f.county_code, f.form, f.period) == (county, "project_orgs", EXTREME_PERIOD)
            and f.expected != "rejected"
        ),
        key=lambda f: f.submitted_at,
    )
    rows = [dict(r) for r in read_submission(september.path, county).rows]
    largest = max(rows, key=lambda r: r["investment_to_date"])
    largest["investment_to_date"] = (largest["investment_to_date"] / 2).quantize(Decimal("0.01"))
    return rows


def test_extreme_month_warns_and_impossible_figure_stops_publication(tmp_path: Path) -> None:
    home = tmp_path / "home"
    demo = generate_demo_data(Settings(home=home), end_period=END, months=13, now=NOW)
    falling = _falling_investment(demo, IMPOSSIBLE_COUNTY)
    _replace(demo, IMPOSSIBLE_COUNTY, "project_orgs", END, falling)
    outreach = _extreme_outreach(EXTREME_COUNTY, EXTREME_PERIOD)
    _replace(demo, EXTREME_COUNTY, "outreach", EXTREME_PERIOD, outreach)

    run = run_reportflow(home, "run", "--period", END)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    impossible = county_by_code(IMPOSSIBLE_COUNTY).name
    assert f"{impossible} ({IMPOSSIBLE_COUNTY})" in run.stderr
    assert "consistency.investment_to_date" in run.stderr
    assert not (home / "bulletins" / END).exists()

    published = run_reportflow(home, "publish", "--period", EXTREME_PERIOD)
    assert published.returncode == 0, published.stderr
    extreme = county_by_code(EXTREME_COUNTY).name
    city_html, _ = city_bulletin_paths(Settings(home=home), EXTREME_PERIOD)
    text = city_html.read_text(encoding="utf-8")
    notes = text[text.index('<section class="quality-notes">') :]  # the section, not the summary
    assert extreme in notes and "指标=宣讲活动场次，本月数=" in notes and "波动异常" in notes

    page = period_page(Settings(home=home), EXTREME_PERIOD)
    assert page is not None
    dom = chromium_dom(page)
    assert EXTREME_COUNTY in dom and EXTREME_PERIOD in dom and "outreach_events" in dom
    assert "波动异常" in dom
