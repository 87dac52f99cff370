"""Setting up a data home: folders, one drop folder per county, blank templates and a guide.

Templates and the guide are generated from the contract (forms.yaml and the town list),
so what counties are handed always matches what intake checks.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from reportflow import contract
from reportflow.config import Settings
from reportflow.contract import County, FieldSpec, FormSpec
from reportflow.intake.files import RECEIPTS_DIR, TEMPLATES_DIR, write_atomic
from reportflow.intake.validate import EXAMPLE_PREFIX, is_identifier
from reportflow.periods import Period
from reportflow.templating import environment

GUIDE_NAME = "填报说明.txt"

#: Example values for text fields, so the example row reads like real data. Ids get
#: ``EXAMPLE_PREFIX`` in front, so a template dropped as it is cannot become a record.
_SAMPLES: dict[str, str] = {
    "instructor_id": "ZDY-0001",
    "project_code": "XM-0001",
    "org_code": "DZZ-0001",
    "org_name": "示例村党支部",
    "mentor_id": "ZDY-0001",
    "case_id": "JF-0001",
    "event_id": "XJ-0001",
    "topic": "学习宣传党的创新理论",
    "project_name": "示例重大项目",
    "cadre_id": "HB-0001",
    "village": "示例村",
    "issue_id": "WT-0001",
    "summary": "简要情况示例",
}
_TYPE_SAMPLES = {"text": "示例", "whole": "1", "decimal": "1.50", "yesno": "是"}


def init_home(settings: Settings, *, now: datetime | None = None) -> None:
    """Create the data home folders and, per county, ``drop/<code>/`` with ``回执/`` and ``模板/``.

    Writes (or refreshes) the blank templates and the guide in every ``模板/``. Safe to run
    again: nothing submitted is touched. ``now`` picks the example row's month (the month
    before it, the one counties are reporting).
    """
    for path in settings.data_dirs():
        path.mkdir(parents=True, exist_ok=True)
    period = Period.reporting(now)
    for county in contract.counties():
        county_dir = settings.drop_dir / county.code
        (county_dir / RECEIPTS_DIR).mkdir(parents=True, exist_ok=True)
        templates = county_dir / TEMPLATES_DIR
        templates.mkdir(parents=True, exist_ok=True)
        for form in contract.forms().values():
            write_atomic(templates / template_name(form), template_csv(form, county, period))
        write_atomic(
            templates / GUIDE_NAME, guide_text(county, settings.deadline_day).encode("utf-8-sig")
        )


def template_name(form: FormSpec) -> str:
    return f"{form.label}_模板.csv"


def example_row(form: FormSpec, county: County, period: Period) -> list[str]:
    """One row showing how every field of ``form`` is filled for ``county`` in ``period``:
    it passes every rule except that its ids are marked as the example's, which intake
    refuses ("请删除示例行")."""
    first_day = period.first_day.isoformat()
    town = contract.towns_of(county.code)[0].code
    chosen: dict[str, str] = {}
    for spec in form.fields:
        chosen[spec.key] = _example_value(spec, town, first_day)
    for spec in form.fields:
        if spec.required_if:
            other = form.field_by_key(spec.required_if["field"])
            other_key = next(k for k, v in other.values.items() if v == chosen[other.key])
            if other_key not in spec.required_if["in"]:
                chosen[spec.key] = ""
    return [chosen[spec.key] for spec in form.fields]


def _example_value(spec: FieldSpec, town: str, first_day: str) -> str:
    if spec.type == "code":
        return town
    if spec.type == "date":
        return first_day
    if spec.type == "enum":
        return next(iter(spec.values.values()))
    if is_identifier(spec):
        return f"{EXAMPLE_PREFIX}-{_SAMPLES[spec.key]}"
    if spec.type == "text":
        return _SAMPLES.get(spec.key, _TYPE_SAMPLES["text"])
    return _TYPE_SAMPLES[spec.type]


def template_csv(form: FormSpec, county: County, period: Period) -> bytes:
    """Blank template: UTF-8 with BOM (Excel opens it correctly), Chinese header, example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spec.label for spec in form.fields])
    writer.writerow(example_row(form, county, period))
    return buffer.getvalue().encode("utf-8-sig")


def _rules(form: FormSpec, spec: FieldSpec) -> str:
    rules: list[str] = []
    if spec.required_if:
        other = form.field_by_key(spec.required_if["field"])
        when = "、".join(other.values[k] for k in spec.required_if["in"])
        rules.append(f"「{other.label}」为{when}时必填，否则留空")
    else:
        rules.append("必填" if spec.required else "可不填")
    if spec.unique:
        rules.append("同一文件中不能重复")
    if spec.type == "enum":
        rules.append("可填：" + "、".join(spec.values.values()))
    if spec.type == "code":
        rules.append("填本单位镇街的 9 位代码（见文末代码表）")
    if spec.type == "date":
        rules.append("不能晚于本月最后一天")
    if spec.inside_period:
        rules.append("必须在本月内")
    if spec.not_before:
        rules.append(f"不能早于「{form.field_by_key(spec.not_before).label}」")
    if spec.max is not None:
        rules.append(f"不超过 {spec.max:,}")
    return "；".join(rules)


def guide_text(county: County, deadline_day: int) -> str:
    """《填报说明》 for one county, generated from the contract and the deadline rule (CRLF
    for Windows Notepad)."""
    types = contract.type_labels()
    forms = [
        {
            "label": form.label,
            "key": form.key,
            "description": form.description,
            "template": template_name(form),
            "fields": [
                {
                    "label": spec.label,
                    "type": types.get(spec.type, spec.type),
                    "rules": _rules(form, spec),
                }
                for spec in form.fields
            ],
        }
        for form in contract.forms().values()
    ]
    towns = contract.towns_of(county.code)
    limits = contract.limits()
    text = (
        environment()
        .get_template("county_template_guide.txt")
        .render(
            county=county,
            forms=forms,
            towns=towns,
            max_mb=int(limits["max_bytes"]) // 1024 // 1024,
            max_rows=int(limits["max_data_rows"]),
            deadline_day=deadline_day,
        )
    )
    return text.replace("\r\n", "\n").replace("\n", "\r\n")
