"""Cell and row rules of forms.md, applied to a whole file before anything is written.

Every cell is checked and every problem counted, so a clerk fixes a file in one round.
Work is done per column over the distinct values of that column (dates, towns and options
repeat a lot), which keeps a 1,000,000-row file to a few seconds of pure Python.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from operator import itemgetter

from reportflow import contract
from reportflow.contract import FieldSpec, FormSpec
from reportflow.intake.content import (
    ContentError,
    column_letter,
    decode,
    map_header,
    parse_records,
    sniff,
)
from reportflow.intake.model import Limits, Problem
from reportflow.intake.names import ascii_lower, fold_width
from reportflow.intake.staged import Staged
from reportflow.periods import Period


class _Invalid:
    """Marks a cell that failed its own check, so row rules do not report it twice."""

    def __repr__(self) -> str:
        return "<invalid>"


INVALID = _Invalid()

Normalised = tuple[object, str | None]

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_WHOLE_RE = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)$")
_DECIMAL_RE = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.([0-9]+))?$")
_NUMBERISH_RE = re.compile(r"^[0-9,]*\.[0-9]*$")
_DATE_RES = (
    re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$"),
)
#: A number as Excel's General format shows a long one (``4.40811E+11``): the digits beyond
#: the sixth are gone, so no column may take it as a value.
SCIENTIFIC_RE = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+$")
SCIENTIFIC_REASON = (
    "是科学计数法（Excel 把长数字显示成了 4.40811E+11 这样），原来的数字已经丢失；"
    "请把这一列的单元格格式设为「文本」，重新输入完整的数字后再保存"
)
#: Ids in the blank templates' example row start with this (see ``home.example_row``).
EXAMPLE_PREFIX = "示例"
EXAMPLE_REASON = "这是模板中的示例行，请删除示例行后再报送"
_SERIAL_RE = re.compile(r"^[0-9]{5}(?:\.[0-9]+)?$")
_TIME_RE = re.compile(r"^(.+?)\s+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$")
_TOTAL_RE = re.compile(r"^(?:合\s*计|小\s*计|总\s*计)")
_FOOTER_RE = re.compile(r"填表人|填报人|审核人|制表人|联系电话")
_YES = {"是", "yes", "1"}
_NO = {"否", "no", "0"}
MAX_WHOLE_DIGITS = 15
MAX_DECIMAL_INT_DIGITS = 16

#: What a county writes, alone in the first cell under the header, to report "nothing this
#: month" for a form (a 零报告, nil return); anything else there is data like any other.
NIL_RETURN_MARKS = ("零报告", "本月无", "无")
EMPTY_REASON = (
    "文件中只有表头，没有数据行。如果本月此表确实没有可报告的内容，"
    "请在表头下第一行的第一个单元格只填写「零报告」（也可写「本月无」或「无」，"
    "这一行其他单元格留空）后重新报送；否则请填入本月的数据后再报送。"
)
DATE_HELP = "请写成 2026-10-05、2026/10/5、2026-10-5 或 2026年10月5日"


# ---------------------------------------------------------------- single cells


def normalise_text(raw: str) -> Normalised:
    """Text is data: kept exactly as written, only surrounding whitespace trimmed."""
    return (raw.strip() or None), None


def is_identifier(spec: FieldSpec) -> bool:
    """Ids and codes typed as text (``*_id``, ``*_code``), as forms.md names them."""
    return spec.type == "text" and spec.key.endswith(("_id", "_code"))


def normalise_identifier(raw: str) -> Normalised:
    """An id as the clerk meant it: full-width characters an input method left on folded
    (``ＳＸ－ＪＦ－２０２６－１５０`` is ``SX-JF-2026-150``, one case, not two); the
    templates' example ids refused."""
    s = fold_width(raw).strip()
    if not s:
        return None, None
    if s.startswith(EXAMPLE_PREFIX):
        return INVALID, EXAMPLE_REASON
    return s, None


def normalise_whole(raw: str) -> Normalised:
    """Non-negative whole number; full-width digits and ``,``/``，`` separators normalised."""
    s = raw.strip().translate(_DIGITS).replace("，", ",")
    if not s:
        return None, None
    if s.startswith("-") and (_WHOLE_RE.match(s[1:]) or _NUMBERISH_RE.match(s[1:])):
        return INVALID, "不能为负数"
    if not _WHOLE_RE.match(s):
        if _NUMBERISH_RE.match(s) and any(ch.isdigit() for ch in s):
            return INVALID, "应为整数，不能带小数"
        return INVALID, "应填写整数（如 12 或 1,234），不能含文字或符号"
    digits = s.replace(",", "").lstrip("0") or "0"
    if len(digits) > MAX_WHOLE_DIGITS:
        return INVALID, "数字过大，请核对"
    return digits, None


def normalise_decimal(raw: str) -> Normalised:
    """Non-negative amount with at most two decimal places, stored exactly (DECIMAL(18,2))."""
    s = raw.strip().translate(_DIGITS).replace("，", ",").replace("．", ".")
    if not s:
        return None, None
    if s.startswith("-") and _DECIMAL_RE.match(s[1:]):
        return INVALID, "不能为负数"
    match = _DECIMAL_RE.match(s)
    if not match:
        return INVALID, "应填写数字（如 12.5 或 1,234.56），不能含文字或符号"
    fraction = match.group(1)
    if fraction is not None and len(fraction) > 2:
        return INVALID, "最多保留两位小数"
    whole, _, _frac = s.replace(",", "").partition(".")
    whole = whole.lstrip("0") or "0"
    if len(whole) > MAX_DECIMAL_INT_DIGITS:
        return INVALID, "数字过大，请核对"
    return (f"{whole}.{fraction}" if fraction else whole), None


def normalise_date(raw: str, period: Period, *, inside_period: bool = False) -> Normalised:
    """ISO date from the four accepted spellings; never later than the period's last day."""
    s = fold_width(raw).strip()  # full-width digits, ／ and － as typed in full-width mode
    if not s:
        return None, None
    if _SERIAL_RE.match(s):
        return (
            INVALID,
            "是 Excel 的日期序号（日期被存成了数字）；请把单元格格式设为「日期」或「文本」，"
            "再按 2026-10-05 的样子重新输入",
        )
    timed = _TIME_RE.match(s)
    if timed:
        if any(int(part or 0) for part in timed.group(2, 3, 4)):
            return (
                INVALID,
                "日期带有时间；请把单元格格式设为只有年月日的「日期」格式，或直接写成 2026-10-05",
            )
        s = timed.group(1)  # midnight: Excel's way of showing a plain date with a time format
    for pattern in _DATE_RES:
        match = pattern.match(s)
        if match:
            break
    else:
        return INVALID, f"日期格式无法识别，{DATE_HELP}"
    try:
        value = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return INVALID, "不是有效的日期（没有这一天）"
    if value > period.last_day:
        return INVALID, f"日期晚于本期最后一天（{period.last_day}）"
    if inside_period and value < period.first_day:
        return INVALID, f"日期不在本期（{period.label}）内"
    return value.isoformat(), None


def normalise_yesno(raw: str) -> Normalised:
    """``true``/``false`` from 是/否, yes/no or 1/0."""
    s = ascii_lower(fold_width(raw).strip())
    if not s:
        return None, None
    if s in _YES:
        return "true", None
    if s in _NO:
        return "false", None
    return INVALID, "应填写「是」或「否」"


def enum_normaliser(spec: FieldSpec) -> Callable[[str], Normalised]:
    """English key from the Chinese label or the key itself (full-width brackets accepted)."""
    lookup: dict[str, str] = {}
    for key, label in spec.values.items():
        lookup[fold_width(label)] = key
        lookup[key] = key
    options = "、".join(spec.values.values())

    def normalise(raw: str) -> Normalised:
        s = fold_width(raw).strip()
        if not s:
            return None, None
        key = lookup.get(s) or lookup.get(ascii_lower(s))
        if key is None:
            return INVALID, f"不是可选的值，请填写以下之一：{options}"
        return key, None

    return normalise


def town_normaliser(county_code: str) -> Callable[[str], Normalised]:
    """A town code from the reference list that belongs to the submitting county."""
    towns = contract.towns()
    own = contract.county_by_code(county_code)
    own_name = own.name if own else county_code

    def normalise(raw: str) -> Normalised:
        s = raw.strip().translate(_DIGITS)
        if not s:
            return None, None
        town = towns.get(s)
        if town is None:
            return (
                INVALID,
                "不在全市镇街代码表中（应为 9 位数字，如 440802001），请对照模板中的《填报说明》",
            )
        if town.county_code != county_code:
            other = contract.county_by_code(town.county_code)
            other_name = other.name if other else town.county_code
            return (
                INVALID,
                f"是{other_name}{town.name}的代码，不属于本单位（{own_name}），本单位只能报送本辖区的镇街",
            )
        return s, None

    return normalise


def normaliser_for(
    spec: FieldSpec, county_code: str, period: Period
) -> Callable[[str], Normalised]:
    """The cell check for one field, closed over what it needs (period, county); in every
    column a number in scientific notation is refused with the hint to fix the cell format."""
    normalise = _typed_normaliser(spec, county_code, period)

    def checked(raw: str) -> Normalised:
        if SCIENTIFIC_RE.match(raw.strip().translate(_DIGITS)):
            return INVALID, SCIENTIFIC_REASON
        return normalise(raw)

    return checked


def _typed_normaliser(
    spec: FieldSpec, county_code: str, period: Period
) -> Callable[[str], Normalised]:
    if is_identifier(spec):
        return normalise_identifier
    if spec.type == "text":
        return normalise_text
    if spec.type == "code":
        return town_normaliser(county_code)
    if spec.type == "enum":
        return enum_normaliser(spec)
    if spec.type == "whole":
        if spec.max is not None:
            limit = spec.max

            def bounded(raw: str) -> Normalised:
                value, reason = normalise_whole(raw)
                if isinstance(value, str) and int(value) > limit:
                    return INVALID, f"不能超过 {limit:,}"
                return value, reason

            return bounded
        return normalise_whole
    if spec.type == "decimal":
        return normalise_decimal
    if spec.type == "yesno":
        return normalise_yesno
    if spec.type == "date":
        inside = spec.inside_period

        def dated(raw: str) -> Normalised:
            return normalise_date(raw, period, inside_period=inside)

        return dated
    raise ValueError(f"unknown field type {spec.type!r}")


# ---------------------------------------------------------------- problem collection


class ProblemLog:
    """Counts every problem but keeps only what a receipt can list.

    Problems arrive in streams (one per column and check), each in row order; keeping the
    first ``keep`` of each stream is enough to list the first ``keep`` overall in row order.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.count = 0
        self._streams: list[list[tuple[int, int, Problem]]] = []

    def stream(self) -> Callable[[int | None, int, str, str, str], None]:
        items: list[tuple[int, int, Problem]] = []
        self._streams.append(items)
        keep = self.keep

        def add(row: int | None, position: int, column: str, value: str, reason: str) -> None:
            self.count += 1
            if len(items) < keep:
                items.append((row or 0, position, Problem(row, column, value, reason)))

        return add

    def extend(self, problems: Iterable[Problem]) -> None:
        add = self.stream()
        for p in problems:
            add(p.row, 0, p.column, p.value, p.reason)

    def listed(self) -> list[Problem]:
        merged = heapq.nsmallest(
            self.keep, chain.from_iterable(self._streams), key=lambda t: (t[0], t[1])
        )
        return [p for _row, _pos, p in merged]


# ---------------------------------------------------------------- whole file


@dataclass
class Checked:
    """Outcome of checking one file: normalised columns if clean, else the problems.

    A file checked by the bulk path has no columns here: its rows wait in DuckDB (``staged``).
    """

    row_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    columns: dict[str, list] = field(default_factory=dict)
    source_rows: list[int] = field(default_factory=list)
    encoding: str | None = None
    staged: Staged | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _file_problem(problem: Problem, encoding: str | None = None) -> Checked:
    return Checked(problems=[problem], error_count=1, encoding=encoding)


def check_file(
    data: bytes, *, form: FormSpec, county_code: str, period: str, limits: Limits
) -> Checked:
    """Sniff, decode, parse and validate one upload; nothing is written anywhere."""
    if len(data) > limits.max_bytes:
        return _file_problem(Problem(None, "", "", size_reason(len(data), limits)))
    reason = sniff(data)
    if reason:
        return _file_problem(Problem(None, "", "", reason))
    try:
        text, encoding = decode(data)
        records = parse_records(text, limits)
    except ContentError as error:
        return _file_problem(error.problem)
    del text
    return check_records(
        records, form=form, county_code=county_code, period=period, limits=limits, encoding=encoding
    )


def size_reason(size: int, limits: Limits) -> str:
    return (
        f"文件过大（{size / 1024 / 1024:.1f} MB），"
        f"超过 {limits.max_bytes // 1024 // 1024} MB 的上限；"
        "请删除多余内容或联系市里分批报送。"
    )


def check_records(
    records: list[list[str]],
    *,
    form: FormSpec,
    county_code: str,
    period: str,
    limits: Limits,
    encoding: str | None = None,
) -> Checked:
    """Validate parsed records (header first) against ``form`` for one county and period."""
    log = ProblemLog(limits.max_listed_errors)
    header = map_header(records, form)
    if not header.ok:
        log.extend(header.problems)
        return Checked(problems=log.listed(), error_count=log.count, encoding=encoding)
    the_period = Period.parse(period)
    width = len(records[0])
    body = _rectangular(records[1:], width, log)
    body, source_rows = _drop_blank_rows(body)
    if not log.count and is_nil_return(body, source_rows):
        # Accepted with 0 rows: the form counts as submitted, every count 0.
        return Checked(columns={spec.key: [] for spec in form.fields}, encoding=encoding)
    required_keys = {spec.key for spec in form.fields if spec.required}
    required = [pos for pos, key in enumerate(header.keys) if key in required_keys]
    body, source_rows = _drop_non_data_rows(body, source_rows, required, log)
    if not body and not log.count:
        return _file_problem(Problem(None, "", "", EMPTY_REASON), encoding)
    if len(body) > limits.max_data_rows:
        reason = f"数据超过 {limits.max_data_rows:,} 行的上限，请拆分或删除多余的行后重新上传。"
        return _file_problem(Problem(None, "", "", reason), encoding)

    positions = {key: pos for pos, key in enumerate(header.keys) if key}
    labels: dict[str, str] = {}
    values: dict[str, list] = {}
    for spec in form.fields:
        pos = positions.get(spec.key)
        if pos is None:
            labels[spec.key] = spec.label
            values[spec.key] = [None] * len(body)
            continue
        labels[spec.key] = f"{spec.label}（{column_letter(pos)}列）"
        raw = list(map(itemgetter(pos), body))
        values[spec.key] = _check_column(
            spec,
            raw,
            normaliser_for(spec, county_code, the_period),
            source_rows,
            log,
            pos,
            labels[spec.key],
        )
        del raw
    position_of = {k: positions.get(k, width + i) for i, k in enumerate(values)}
    for spec in form.fields:
        _check_row_rules(form, spec, values, source_rows, log, position_of, labels)

    if log.count:
        return Checked(
            row_count=len(body), problems=log.listed(), error_count=log.count, encoding=encoding
        )
    return Checked(row_count=len(body), columns=values, source_rows=source_rows, encoding=encoding)


def is_nil_return(body: list[list[str]], source_rows: list[int]) -> bool:
    """True if the only non-blank row is the first under the header and holds nothing but
    a nil-return mark in its first cell: the county's way to say "nothing this month",
    since a file with no data rows is refused (a blank template must never become data)."""
    if source_rows != [2]:
        return False
    first, *rest = body[0]
    return first.strip() in NIL_RETURN_MARKS and not any(cell.strip() for cell in rest)


def _rectangular(body: list[list[str]], width: int, log: ProblemLog) -> list[list[str]]:
    """Pad short rows with empty cells; a row with data beyond the header is a problem."""
    if set(map(len, body)) <= {width}:
        return body
    add = log.stream()
    fixed: list[list[str]] = []
    for index, row in enumerate(body):
        n = len(row)
        if n == width:
            fixed.append(row)
        elif n < width:
            fixed.append(row + [""] * (width - n))
        else:
            extra = [c.strip() for c in row[width:] if c.strip()]
            if extra:
                add(
                    index + 2,
                    width,
                    f"{column_letter(width)}列及以后",
                    extra[0],
                    f"这一行比表头多出 {n - width} 个单元格（表头只有 {width} 列），"
                    "请删除多余内容或补上表头。",
                )
            fixed.append(row[:width])
    return fixed


def _non_data_reason(row: list[str], required: list[int]) -> str | None:
    """Why a row is a sheet's total line or footer rather than data, or None.

    Only a row with an empty required cell qualifies, so data that merely mentions 合计 or
    联系电话 in a text column is never mistaken for one.
    """
    if all(row[pos].strip() for pos in required):
        return None
    for cell in row:
        text = cell.strip()
        if _TOTAL_RE.match(text):
            return "这是合计/小计行，不是数据；请删除此行（合计由系统计算）"
        if _FOOTER_RE.search(text):
            return "这是表尾的填表人/审核人/联系电话等信息，不是数据；请删除此行"
    return None


def _drop_non_data_rows(
    body: list[list[str]], source_rows: list[int], required: list[int], log: ProblemLog
) -> tuple[list[list[str]], list[int]]:
    """Report each total line or footer once (not as a row of empty required cells) and
    leave it out of the cell checks. Rows are looked at only if their text holds one of
    the characters those words need, which keeps a big clean file to one pass."""
    candidates = [
        i
        for i, joined in enumerate(map("".join, body))
        if "计" in joined or "人" in joined or "话" in joined
    ]
    reasons = {i: r for i in candidates if (r := _non_data_reason(body[i], required))}
    if not reasons:
        return body, source_rows
    add = log.stream()
    for i, reason in reasons.items():
        value = next((c.strip() for c in body[i] if c.strip()), "")
        add(source_rows[i], -1, "", value, reason)
    kept = [i for i in range(len(body)) if i not in reasons]
    return [body[i] for i in kept], [source_rows[i] for i in kept]


def _drop_blank_rows(body: list[list[str]]) -> tuple[list[list[str]], list[int]]:
    """Remove rows whose cells are all empty; keep each remaining row's Excel row number.

    A blank row carries no data; the contract ignores trailing ones and ignoring one in the
    middle loses nothing either. Only rows with an empty first cell can be blank, which keeps
    the common case (no blank rows) to one pass over the first column.
    """
    if not body:
        return body, []
    candidates = [i for i, row in enumerate(body) if not row[0].strip()]
    blank = {i for i in candidates if not any(c.strip() for c in body[i])}
    if not blank:
        return body, list(range(2, len(body) + 2))
    kept = [i for i in range(len(body)) if i not in blank]
    return [body[i] for i in kept], [i + 2 for i in kept]


def _check_column(
    spec: FieldSpec,
    raw: list[str],
    normalise: Callable[[str], Normalised],
    source_rows: list[int],
    log: ProblemLog,
    position: int,
    label: str,
) -> list:
    """Normalised values of one column (INVALID where a cell failed), problems logged."""
    if spec.type == "text" and not is_identifier(spec):
        values: list = list(map(str.strip, raw))
        if "" in values:
            values = [v or None for v in values]
        bad_text = {v for v in set(values) if v and v[-1].isdigit() and SCIENTIFIC_RE.match(v)}
        if bad_text:
            add = log.stream()
            for i, v in enumerate(values):
                if v in bad_text:
                    add(source_rows[i], position, label, v, SCIENTIFIC_REASON)
                    values[i] = INVALID
    else:
        cache = {u: normalise(u) for u in set(raw)}
        normalised = {u: value for u, (value, _reason) in cache.items()}
        values = list(map(normalised.__getitem__, raw))
        bad = {u for u, (_v, reason) in cache.items() if reason}
        if bad:
            add = log.stream()
            for i, v in enumerate(raw):
                if v in bad:
                    add(source_rows[i], position, label, v.strip(), cache[v][1] or "")
    if spec.required and None in values:
        add = log.stream()
        for i, v in enumerate(values):
            if v is None:
                add(source_rows[i], position, label, "", "必填，不能为空")
    if spec.unique and len(set(values)) != len(values):
        add = log.stream()
        first: dict[str, int] = {}
        for i, v in enumerate(values):
            if v is None or v is INVALID:
                continue
            j = first.setdefault(v, i)
            if j != i:
                add(
                    source_rows[i],
                    position,
                    label,
                    v,
                    f"与第{source_rows[j]}行重复，同一文件中{spec.label}不能重复",
                )
    return values


def _check_row_rules(
    form: FormSpec,
    spec: FieldSpec,
    values: dict[str, list],
    source_rows: list[int],
    log: ProblemLog,
    position_of: dict[str, int],
    labels: dict[str, str],
) -> None:
    """Rules between cells of a row: required-if-and-only-if, and not-before."""
    target = values[spec.key]
    position = position_of[spec.key]
    label = labels[spec.key]
    if spec.required_if:
        other_spec = form.field_by_key(spec.required_if["field"])
        other = values[other_spec.key]
        needed = set(spec.required_if["in"])
        add = log.stream()
        for i, (s, t) in enumerate(zip(other, target, strict=True)):
            if s is None or s is INVALID:
                continue
            option = other_spec.values.get(s, s)
            if s in needed and t is None:
                add(
                    source_rows[i],
                    position,
                    label,
                    "",
                    f"「{other_spec.label}」为「{option}」时必须填写{spec.label}",
                )
            elif s not in needed and t is not None and t is not INVALID:
                add(
                    source_rows[i],
                    position,
                    label,
                    str(t),
                    f"「{other_spec.label}」为「{option}」时不应填写{spec.label}，请留空",
                )
    if spec.not_before:
        other_spec = form.field_by_key(spec.not_before)
        other = values[other_spec.key]
        add = log.stream()
        for i, (o, t) in enumerate(zip(other, target, strict=True)):
            if type(t) is str and type(o) is str and t < o:
                add(source_rows[i], position, label, t, f"不能早于{other_spec.label}（{o}）")
