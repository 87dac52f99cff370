"""The bulk path never changes an outcome: same status, same errors, same stored rows.

Hypothesis writes files the way the bulk path sees them most (no quotes, plain spellings)
and then breaks them in every way the contract and the parser care about (unknown options,
padding, full-width digits, wrong towns, dates outside the period, duplicates, missing values,
conditional rules, blank rows and lines, stray commas and quotes, lone CR, BOM, GB18030).
Each file is ingested twice into fresh data homes, once with the bulk path taking every file
it can and once with the exact path only, and everything observable must be identical.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reportflow import contract
from reportflow.config import Settings
from reportflow.contract import FieldSpec, FormSpec
from reportflow.intake import FileResult, ingest, pipeline
from reportflow.warehouse import connect

COUNTY = "440881"
PERIOD = "2026-02"
NOW = datetime(2026, 3, 2, tzinfo=UTC)
TOWNS = sorted(t.code for t in contract.towns().values() if t.county_code == COUNTY)
OTHER_TOWN = next(t.code for t in contract.towns().values() if t.county_code != COUNTY)


@contextmanager
def bulk_threshold(min_bytes: int) -> Iterator[list]:
    """Set the bulk path's size threshold; yields the list of what ``stage_bulk`` returned."""
    old_min, real = pipeline.BULK_MIN_BYTES, pipeline.stage_bulk
    seen: list = []

    def spy(*args: object, **kwargs: object):
        seen.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return seen[-1]

    pipeline.BULK_MIN_BYTES, pipeline.stage_bulk = min_bytes, spy
    try:
        yield seen
    finally:
        pipeline.BULK_MIN_BYTES, pipeline.stage_bulk = old_min, real


def _plain(spec: FieldSpec, draw: st.DrawFn, index: int, row: dict) -> str:
    """A spelling real files use for a valid value."""
    if spec.type == "text":
        return f"T{index}-{draw(st.sampled_from(['a', '甲', '张 三', '<b>x</b>', '=1+1']))}"
    if spec.type == "code":
        return draw(st.sampled_from(TOWNS))
    if spec.type == "enum":
        key = draw(st.sampled_from(sorted(spec.values)))
        return draw(st.sampled_from([key, spec.values[key]]))
    if spec.type == "date":
        low = date(2026, 2, 1) if spec.inside_period else date(2025, 1, 1)
        earlier = row.get(f"_{spec.not_before}")
        day = draw(st.dates(min_value=max(low, earlier or low), max_value=date(2026, 2, 28)))
        row[f"_{spec.key}"] = day
        return draw(
            st.sampled_from(
                [day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day:%Y年%m月%d日}"]
            )
        )
    if spec.type == "whole":
        return str(draw(st.integers(0, spec.max if spec.max is not None else 10**9)))
    if spec.type == "decimal":
        return draw(st.sampled_from(["0", "12", "3.5", "1234.56", "007.10"]))
    if spec.type == "yesno":
        return draw(st.sampled_from(["是", "否", "yes", "no", "1", "0"]))
    raise AssertionError(spec.type)


#: Spellings that are wrong, or right but not plain; each must end the same either way.
ODD = [
    "",
    " ",
    "\u3000",
    " x ",
    "１２",
    "12.5",
    "-3",
    "1,234",
    "约30",
    "2026-02-30",
    "0000-01-01",
    "2026-03-01",
    "2025-13-01",
    " 2026-02-03",
    "２０２６-02-03",
    OTHER_TOWN,
    "440881999",
    "其他选项",
    "OTHER",
    "是 ",
    "yes\u3000",
    "'; drop table x",
    "a,b",
    'a"b',
    "a\rb",
]


@st.composite
def cell(draw: st.DrawFn, spec: FieldSpec, index: int, row: dict, odd: bool) -> str:
    if spec.required_if:
        needed = row.get(f"_{spec.required_if['field']}") in spec.required_if["in"]
        if not needed and (not odd or draw(st.integers(0, 9))):
            return ""
    if odd and draw(st.integers(0, 29)) == 0:
        return draw(st.sampled_from(ODD))
    if not spec.required and not spec.required_if and draw(st.booleans()):
        return ""
    text = _plain(spec, draw, index, row)
    if spec.type == "enum":
        row[f"_{spec.key}"] = next(k for k, v in spec.values.items() if text in (k, v))
    return text


@st.composite
def odd_file(draw: st.DrawFn) -> tuple[FormSpec, bytes]:
    form = draw(st.sampled_from(list(contract.forms().values())))
    order = list(form.fields)
    if draw(st.booleans()):
        order = draw(st.permutations(order))
    english = draw(st.booleans())
    odd = draw(st.booleans())  # half the files only plain: those the bulk path should take
    lines = [",".join(f.key if english else f.label for f in order)]
    for index in range(draw(st.integers(1, 12))):
        row: dict = {}
        cells = {f.key: draw(cell(f, index, row, odd)) for f in form.fields}
        if odd and draw(st.integers(0, 19)) == 0:  # a duplicated id
            cells[form.fields[0].key] = "T0-a"
        lines.append(",".join(cells[f.key] for f in order))
        if odd and draw(st.integers(0, 19)) == 0:
            lines.append(draw(st.sampled_from(["", ",,", "," * (len(order) - 1), " "])))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(lines) + draw(st.sampled_from(["", end, end * 2, "," * 3 + end]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gb18030"]))
    return form, text.encode(encoding, errors="replace")


def _outcome(home: Path, data: bytes, form: FormSpec) -> tuple:
    folder = home / "drop" / COUNTY
    folder.mkdir(parents=True)
    path = folder / f"{form.key}_{PERIOD}.csv"
    path.write_bytes(data)
    # received_at is the run's clock (NOW), never the mtime: the same in both homes
    report = ingest(Settings(home=home, stable_seconds=0), now=NOW)
    [result] = report.results
    with connect(home / "warehouse" / "reportflow.duckdb", read_only=True) as con:
        rows = con.execute(
            f"select * exclude (submission_id) from {form.raw_table} order by source_row"
        ).fetchall()
        logged = con.execute(
            "select * exclude (submission_id) from raw.submissions order by file_name"
        ).fetchall()
    return _summary(result), rows, logged


def _summary(result: FileResult) -> tuple:
    return (
        result.status,
        result.row_count,
        result.error_count,
        [p.as_text() for p in result.errors],
        result.replaced_earlier,
    )


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(odd_file())
def test_bulk_path_and_exact_path_agree(generated: tuple[FormSpec, bytes]) -> None:
    form, data = generated
    with tempfile.TemporaryDirectory() as tmp:
        with bulk_threshold(0) as seen:
            fast = _outcome(Path(tmp) / "bulk", data, form)
        with bulk_threshold(sys.maxsize):
            exact = _outcome(Path(tmp) / "exact", data, form)
    event(f"bulk path took the file: {bool(seen and seen[0] is not None)}")
    if seen and seen[0] is not None:
        assert fast[0][0] == "accepted"
    assert fast == exact


def test_a_plain_file_takes_the_bulk_path_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    lines = ["案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期"]
    lines += [f"J{i},440881001,2026/2/{i % 27 + 1},其他,other,调解中," for i in range(50)]
    lines.insert(20, ",,,,,,")  # a blank row in the middle: skipped, numbering unchanged
    data = ("\r\n".join(lines) + "\r\n,,,,,,\r\n").encode("utf-8-sig")
    form = contract.forms()["disputes"]
    with bulk_threshold(0) as seen:
        fast = _outcome(tmp_path / "bulk", data, form)
    assert seen and seen[0] is not None and seen[0].staged.skip_blank
    with bulk_threshold(sys.maxsize):
        exact = _outcome(tmp_path / "exact", data, form)
    assert fast == exact
    assert fast[0][:2] == ("accepted", 50)
    assert [r[2] for r in fast[1]][18:21] == [20, 22, 23]  # Excel row 21 was the blank one
