"""How each county's clerk saves files: the variety of real submissions intake must accept.

Headers in Chinese or English keys, padded, reordered or missing an optional column; GB18030,
UTF-8 with or without BOM, CRLF or LF (one county switches half-way through, as happens when
the clerk changes); four date styles, enum labels or keys, 是/否 or yes/no or 1/0, full-width
digits and thousands separators, Excel's blank trailing rows, 零报告 nil returns; and the Excel
workbook renamed to ``.csv``.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from reportflow.contract import FieldSpec, FormSpec
from reportflow.demo_data.county import Row
from reportflow.intake.validate import NIL_RETURN_MARKS


@dataclass(frozen=True)
class Style:
    """How one county's clerk saves files; the variety intake must accept."""

    english_headers: bool = False
    enum_keys: bool = False
    label_names: bool = False
    compact_period: bool = False
    encoding: str = "gb18030"
    crlf: bool = True
    date_style: str = "iso"
    yes_no: tuple[str, str] = ("是", "否")
    thousands: str = ""
    fullwidth: bool = False
    reorder: bool = False
    padded_header: bool = False
    trailing_blank_rows: bool = False
    omit_optional: tuple[str, ...] = ()
    submit_day: int = 3


_STYLES: dict[str, Style] = {
    # 赤坎: figures come out of the district's own system: English keys, UTF-8, LF.
    "440802": Style(
        english_headers=True,
        enum_keys=True,
        encoding="utf-8",
        crlf=False,
        yes_no=("yes", "no"),
        submit_day=2,
    ),
    "440803": Style(label_names=True, compact_period=True, date_style="slash", submit_day=4),
    "440804": Style(encoding="utf-8-sig", padded_header=True, submit_day=3),
    "440811": Style(
        compact_period=True,
        date_style="dash_short",
        yes_no=("1", "0"),
        omit_optional=("summary",),
        submit_day=4,
    ),
    # 遂溪 switches from GB18030/YYYYMM to UTF-8 BOM/YYYY-MM half-way (see style_for).
    "440823": Style(
        label_names=True,
        encoding="utf-8-sig",
        date_style="cn",
        thousands=",",
        submit_day=3,
    ),
    "440825": Style(date_style="slash", submit_day=5),
    "440881": Style(
        compact_period=True,
        date_style="slash",
        thousands=",",
        reorder=True,
        submit_day=4,
    ),
    "440882": Style(
        label_names=True,
        compact_period=True,
        encoding="utf-8-sig",
        fullwidth=True,
        submit_day=5,
    ),
    "440883": Style(
        label_names=True,
        compact_period=True,
        date_style="cn",
        thousands="，",
        trailing_blank_rows=True,
        submit_day=4,
    ),
    # 开发区: English column names from a system, but the values keep the Chinese labels.
    "440871": Style(
        english_headers=True,
        encoding="utf-8",
        crlf=False,
        yes_no=("yes", "no"),
        submit_day=2,
    ),
}

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def style_for(county_code: str, index: int, n_periods: int) -> Style:
    style = _STYLES[county_code]
    if county_code == "440823" and index < n_periods // 2:
        return replace(style, encoding="gb18030", compact_period=True)
    return style


def fmt_date(value: date, style: str) -> str:
    if style == "slash":
        return f"{value.year}/{value.month}/{value.day}"
    if style == "dash_short":
        return f"{value.year}-{value.month}-{value.day}"
    if style == "cn":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def _fmt_cell(spec: FieldSpec, value: Any, style: Style, rng: random.Random) -> str:
    if value is None:
        return ""
    if spec.type == "date":
        return fmt_date(value, style.date_style)
    if spec.type == "enum":
        return str(value) if style.enum_keys else spec.values[value]
    if spec.type == "yesno":
        return style.yes_no[0] if value else style.yes_no[1]
    if spec.type == "whole":
        text = str(value)
        if style.thousands and value >= 1000:
            text = f"{value:,}".replace(",", style.thousands)
        if style.fullwidth and rng.random() < 0.08:
            text = text.translate(_FULLWIDTH)
        return text
    if spec.type == "decimal":
        return f"{value:.2f}"
    return str(value)


def render_csv(
    form: FormSpec,
    rows: Sequence[Row],
    style: Style,
    rng: random.Random,
    *,
    drop_columns: tuple[str, ...] = (),
) -> bytes:
    """Bytes of one CSV file as this county's clerk would save it; with no rows, a 零报告
    (the nil return a county sends for "nothing this month", as Excel saves it)."""
    specs = [
        f
        for f in form.fields
        if f.key not in drop_columns and not (not f.required and f.key in style.omit_optional)
    ]
    if style.reorder:
        specs.sort(key=lambda f: f.key != "town_code")
    header = [f.key if style.english_headers else f.label for f in specs]
    if style.padded_header:
        header = [f" {h} " if i % 2 else h for i, h in enumerate(header)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if style.crlf else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_fmt_cell(f, row.get(f.key), style, rng) for f in specs])
    if not rows:
        writer.writerow([NIL_RETURN_MARKS[0]] + [""] * (len(specs) - 1))
    if style.trailing_blank_rows:
        for _ in range(2):
            writer.writerow([""] * len(specs))
    return buffer.getvalue().encode(style.encoding)


def fake_xlsx() -> bytes:
    """A small Excel workbook: what arrives when someone renames ``报表.xlsx`` to ``.csv``.

    It carries a JPEG thumbnail stored uncompressed, so its bytes contain 0xFF, which is valid
    in neither UTF-8 nor GB18030: the file can never be mistaken for text.
    """
    buffer = io.BytesIO()
    stamp = (2026, 1, 1, 0, 0, 0)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types/>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook/>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet><sheetData/></worksheet>',
    }
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
        thumb = zipfile.ZipInfo("docProps/thumbnail.jpeg", date_time=stamp)
        archive.writestr(thumb, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    return buffer.getvalue()
