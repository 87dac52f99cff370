"""The calendar of the demo: when files arrive, which are late, missing, corrected or bad.

Scenario of the latest period ``L`` (see :func:`reportflow.demo_data.generate_demo_data`):

* 徐闻县 (440825) does not submit reserve_cadres; 湛江经济技术开发区 (440871) does not submit
  early_warnings (the bulletin shows 未报送).
* 赤坎区 (440802) submits ``disputes_L.csv`` on time, then a correction ``矛盾纠纷_L.csv`` after
  the deadline: three cases were missing and two closed cases were still marked 调解中. The later
  file replaces the earlier; the form still counts as on time (its *first* accepted file was).
* 雷州市 (440882) instructors and 吴川市 (440883) weak_orgs arrive late; 遂溪县 (440823) outreach
  lands at 23:41 on the deadline day (on time) and 麻章区 (440811) early_warnings 12 minutes after
  midnight (late).
* 湛江经济技术开发区 lists no weak organisations this year: its weak_orgs files are 零报告
  (nil returns), so the rectification rate is 0/0, i.e. missing.
* With ``bad_files``: 霞山区 outreach carries a town code of 赤坎区 (rejected, outreach missing);
  廉江市 reserve_cadres lacks the 纳入日期 column (rejected), the fixed file follows after the
  deadline (accepted, late); 雷州市 sends a "correction" of disputes with a 受理日期 after the
  period end (rejected; the earlier file stands); 坡头区 project_orgs is an ``.xlsx`` renamed to
  ``.csv`` (rejected, project_orgs missing). Without ``bad_files`` the first two and the last are
  replaced by good files (the 廉江 fixed file is still written, late) and the 雷州 one is left out.
* Earlier history: 徐闻县 disputes are missing for ``L-12`` (so its year-on-year is missing),
  麻章区 instructors for ``L-1`` (nothing is carried forward), 吴川市 outreach for ``L-3``;
  about 3 % of earlier files are late.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from reportflow.contract import FormSpec
from reportflow.demo_data.county import Row, days
from reportflow.demo_data.styles import Style, fake_xlsx, fmt_date, render_csv
from reportflow.demo_data.writer import Plan, file_name
from reportflow.periods import Period, shift_period

#: (county, form) pairs whose latest-period file is a correction or a bad file.
SPECIAL_LATEST = {
    ("440803", "outreach"),
    ("440881", "reserve_cadres"),
    ("440804", "project_orgs"),
    ("440802", "disputes"),
    ("440882", "disputes"),
}


def not_submitted(latest: str) -> set[tuple[str, str, str]]:
    """(county, form, period) for which no file is ever sent, counted back from ``latest``."""
    return {
        ("440825", "disputes", shift_period(latest, -12)),
        ("440811", "instructors", shift_period(latest, -1)),
        ("440883", "outreach", shift_period(latest, -3)),
        ("440825", "reserve_cadres", latest),
        ("440871", "early_warnings", latest),
    }


def submission_time(rng: random.Random, period: str, day: int, *, late: bool = False) -> datetime:
    jitter = rng.choice([-2, -1, -1, 0, 0, 0, 1])
    day = rng.randint(6, 11) if late else min(5, max(1, day + jitter))
    hour = rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17, 17, 21, 22])
    return _at(period, day, hour, rng.randint(0, 59)) + timedelta(seconds=rng.randint(0, 59))


def _at(period: str, day: int, hour: int, minute: int) -> datetime:
    """Beijing time on day ``day`` of the month after ``period``, when submissions arrive."""
    return Period.parse(period).end + timedelta(days=day - 1, hours=hour, minutes=minute)


def latest_time(county: str, form: str, period: str, default: datetime) -> datetime:
    """Hand-picked submission times for the latest period, so lateness is part of the story."""
    special = {
        ("440882", "instructors"): (8, 10, 24),
        ("440883", "weak_orgs"): (9, 15, 2),
        ("440823", "outreach"): (5, 23, 41),
        ("440811", "early_warnings"): (6, 0, 12),
    }
    if (county, form) in special:
        return _at(period, *special[(county, form)])
    # Regular files of the latest period are all on time.
    return min(default, _at(period, 5, 17, 30))


def latest_specials(
    plan: Plan,
    form: FormSpec,
    rows: list[Row],
    style: Style,
    rng: random.Random,
    *,
    bad_files: bool,
) -> list[Plan]:
    """The corrections and bad files of the latest period (see the module docstring)."""
    period = plan.period
    _, last = days(period)
    key = (plan.county, plan.form)
    other_name = file_name(form, period, label=not style.label_names, compact=False)

    def label(field_key: str) -> str:
        return form.field_by_key(field_key).label

    def render(changed: list[Row], drop_columns: tuple[str, ...] = ()) -> bytes:
        return render_csv(
            form, changed, style, random.Random(rng.random()), drop_columns=drop_columns
        )

    if key == ("440802", "disputes"):
        received_here = [r for r in rows if r["received_on"] >= last.replace(day=1)]
        newest = sorted(received_here, key=lambda r: (r["received_on"], r["case_id"]))[-3:]
        closed = [r for r in received_here if r["status"] == "agreement" and r not in newest][:2]
        draft = []
        for row in rows:
            if row in newest:
                continue
            if row in closed:
                row = {**row, "status": "in_progress", "closed_on": None}
            draft.append(row)
        first = replace(
            plan,
            payload=render(draft),
            rows=len(draft),
            submitted=_at(period, 3, 10, 15),
            note="replaced by the correction",
        )
        fixed = replace(
            plan,
            name=other_name,
            submitted=_at(period, 7, 16, 5),
            note=f"correction of {plan.name}: 3 cases added, 2 closed",
            order=1,
        )
        return [first, fixed]
    if key == ("440882", "disputes"):
        plan.submitted = _at(period, 4, 11, 20)
        if not bad_files:
            return [plan]
        victim = next(r for r in rows if r["status"] == "in_progress")
        wrong_day = last + timedelta(days=2)
        broken = [{**r, "received_on": wrong_day} if r is victim else r for r in rows]
        position = rows.index(victim) + 2
        value = fmt_date(wrong_day, style.date_style)
        bad_plan = replace(
            plan,
            name=other_name,
            payload=render(broken),
            rows=len(broken),
            submitted=_at(period, 5, 9, 40),
            expected="rejected",
            order=1,
            note=f"failed correction of {plan.name}; the earlier file stands",
            bad={
                "problem": "a correction with a 受理日期 after the end of the period",
                "expected_reason": "date later than the last day of the period "
                "(日期晚于报送期末); the earlier accepted file stays current",
                "row": position,
                "column": label("received_on"),
                "value": value,
            },
        )
        return [plan, bad_plan]
    if key == ("440803", "outreach"):
        plan.submitted = _at(period, 4, 9, 5)
        if not bad_files:
            return [plan]
        position = len(rows) // 2
        foreign = "440802003"
        broken = [{**r, "town_code": foreign} if i == position else r for i, r in enumerate(rows)]
        plan.payload = render(broken)
        plan.expected = "rejected"
        plan.note = "only file for the period: outreach stays missing"
        plan.bad = {
            "problem": "one row's 镇街代码 belongs to 赤坎区 (440802), not 霞山区",
            "expected_reason": "town code of another county (镇街代码不属于本县区); "
            "霞山区 outreach has no accepted file",
            "row": position + 2,
            "column": label("town_code"),
            "value": foreign,
        }
        return [plan]
    if key == ("440881", "reserve_cadres"):
        fixed = replace(
            plan,
            name=other_name,
            submitted=_at(period, 7, 15, 45),
            order=1,
            note="resubmitted after the deadline: accepted but late",
        )
        if not bad_files:
            return [fixed]
        plan.payload = render(rows, drop_columns=("added_on",))
        plan.submitted = _at(period, 4, 16, 30)
        plan.expected = "rejected"
        plan.note = "rejected; the fixed file follows"
        plan.bad = {
            "problem": "the required column 纳入日期 (added_on) is missing",
            "expected_reason": "missing required column 纳入日期 (缺少必填列)",
            "column": label("added_on"),
        }
        return [plan, fixed]
    # 坡头 project_orgs: an Excel workbook renamed to .csv.
    plan.submitted = _at(period, 3, 14, 50)
    if not bad_files:
        return [plan]
    plan.payload = fake_xlsx()
    plan.rows = 0
    plan.encoding = "binary"
    plan.expected = "rejected"
    plan.note = "only file for the period: project_orgs stays missing"
    plan.bad = {
        "problem": "an .xlsx workbook renamed to .csv",
        "expected_reason": "not a CSV text file: decodes as neither UTF-8 nor GB18030 "
        "(文件不是 CSV 文本，可能是 Excel 工作簿)",
    }
    return [plan]
