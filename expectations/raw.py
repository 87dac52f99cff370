"""Raw layer: the form contract checked again on every accepted file's rows, behind intake.

Generated from ``reportflow/contract/forms.yaml`` (the same source intake validates with), so a
change to a form changes this suite. Column types are fixed by the raw tables' DDL, which is
generated from the same contract; here GX checks what a type cannot: required cells, enum
values, whole-number bounds, unique ids per file, the town belonging to the submitting county,
the conditional rules (required if, not before) and dates within the period. All blocking:
a row that breaks the contract got past intake and must not reach a leader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

from expectations import BLOCKING, SuiteSpec
from reportflow.contract import FieldSpec, FormSpec, forms, towns
from reportflow.warehouse import RAW_META_COLUMNS

#: Derived columns each raw query adds: period bounds for the date rules, and town with county
#: as one value, so that "a town of the submitting county" is a vectorised set lookup (GX's
#: column-pair set check walks the rows in Python).
DERIVED_COLUMNS = ("period_start", "period_end", "town_in_county")
DERIVED_SQL = (
    "cast(period || '-01' as date) as period_start, "
    "last_day(cast(period || '-01' as date)) as period_end, "
    "town_code || '/' || county_code as town_in_county"
)


def _frame_sql(form: FormSpec) -> str:
    return f"select {DERIVED_SQL}, * from {form.raw_table}"


def _field_expectations(form: FormSpec, spec: FieldSpec) -> list[Expectation]:
    """What the contract says of one column, each with its Chinese reason."""
    label = f"{form.label}·{spec.label}"
    found: list[Expectation] = []
    if spec.required:
        found.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column=spec.key, severity=BLOCKING, description=f"{label}：必填，不能为空"
            )
        )
    if spec.values:
        found.append(
            gxe.ExpectColumnValuesToBeInSet(
                column=spec.key,
                value_set=list(spec.values),
                severity=BLOCKING,
                description=f"{label}：只能是{'、'.join(spec.values.values())}之一",
            )
        )
    if spec.type in ("whole", "decimal"):
        bound = f"不超过{spec.max}的" if spec.max is not None else ""
        found.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=spec.key,
                min_value=0,
                max_value=spec.max,
                severity=BLOCKING,
                description=f"{label}：应为{bound}非负数",
            )
        )
    if spec.unique:
        found.append(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["county_code", "period", spec.key],
                severity=BLOCKING,
                description=f"{label}：同一报表内不得重复",
            )
        )
    if spec.type == "code":
        found.append(
            gxe.ExpectColumnValuesToBeInSet(
                column="town_in_county",
                value_set=[f"{t.code}/{t.county_code}" for t in towns().values()],
                severity=BLOCKING,
                description=f"{label}：须为本县（市、区）所辖镇街的统计用区划代码",
            )
        )
    if spec.type == "date":
        found += _date_expectations(label, spec)
    return found


def _date_expectations(label: str, spec: FieldSpec) -> list[Expectation]:
    """No date after the period; some not before another date or before the period."""
    rules = [("period_end", spec.key, f"{label}：不得晚于统计期末")]
    if spec.inside_period:
        rules.append((spec.key, "period_start", f"{label}：须在统计期内"))
    if spec.not_before:
        rules.append((spec.key, spec.not_before, f"{label}：不得早于{spec.not_before}"))
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=later,
            column_B=earlier,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=BLOCKING,
            description=text,
        )
        for later, earlier, text in rules
    ]


def _required_if(form: FormSpec, spec: FieldSpec) -> list[Expectation]:
    """``required_if``: filled exactly when the other field has one of the listed values."""
    if not spec.required_if:
        return []
    other, values = spec.required_if["field"], list(spec.required_if["in"])
    other_spec = form.field_by_key(other)
    shown = "、".join(other_spec.values.get(v, v) for v in values)
    label = f"{form.label}·{spec.label}"
    condition = f"{other} in {values!r}"
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column=spec.key,
            row_condition=condition,
            condition_parser="pandas",
            severity=BLOCKING,
            description=f"{label}：{other_spec.label}为{shown}时必填",
        ),
        gxe.ExpectColumnValuesToBeNull(
            column=spec.key,
            row_condition=f"not ({condition})",
            condition_parser="pandas",
            severity=BLOCKING,
            description=f"{label}：{other_spec.label}不是{shown}时应为空",
        ),
    ]


def form_expectations(form: FormSpec) -> list[Expectation]:
    """The whole contract of one form: its columns, then each field's rules."""
    columns = [name for name, _ in RAW_META_COLUMNS] + [f.key for f in form.fields]
    found: list[Expectation] = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=[*DERIVED_COLUMNS, *columns],
            exact_match=True,
            severity=BLOCKING,
            description=f"{form.label}：列与报送规范一致",
        )
    ]
    for spec in form.fields:
        found += _field_expectations(form, spec) + _required_if(form, spec)
    return found


def _suite(
    form: FormSpec, where: str = "", params: Mapping[str, object] | None = None
) -> SuiteSpec:
    """The form's suite, named ``raw.<form>``; a failing row is named by its source row."""
    return SuiteSpec(
        name=f"raw.{form.key}",
        frame_sql=_frame_sql(form) + where,
        expectations=lambda: form_expectations(form),
        keys=("source_row",),
        params=params or {},
    )


def accepted_suite(form_key: str, submission_ids: Sequence[str]) -> SuiteSpec:
    """The form's suite on the rows of some submissions only: run as files are accepted."""
    return _suite(
        forms()[form_key],
        " where list_contains($submission_ids, submission_id)",
        {"submission_ids": list(submission_ids)},
    )


def suites() -> list[SuiteSpec]:
    """One suite per form over all its raw rows: run by every build."""
    return [_suite(form) for form in forms().values()]
