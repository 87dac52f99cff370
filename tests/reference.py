"""Independent reference implementation of the indicator contract, for tests only.

Why: the warehouse computes indicators through intake (Python) and dbt (SQL). A test that
re-derives the expected numbers with the same code proves nothing, so this module recomputes
every indicator of ``indicators.md`` straight from the dropped CSV files with nothing but the
``csv`` module, ``decimal`` and ``datetime``. It deliberately does not import intake, warehouse
or dbt code; from ``reportflow.contract`` it takes only the contract data (forms, fields,
labels, enum values, towns, counties, indicator keys and kinds), which *is* the specification,
and from ``reportflow.periods`` the calendar: month bounds, Beijing time and the deadline
instant (indicators.md v1.1 says all stages share that one definition).

It also validates files itself (decoding, header, every cell rule of ``forms.md``), so it can
tell which files intake must reject; callers may additionally pass files they know to be
rejected. Choices where the contract is silent are written down where they are made:

* a file's arrival time is given by the caller (``arrivals``: path → aware datetime, e.g. the
  demo's planned arrivals or a test's own), never read from the file system: the received time
  is the city system's clock when the file arrived, which no file attribute records;
* a later accepted file for the same county/form/period wins; "later" means a later arrival,
  ties broken by file name (so the answer never depends on directory order);
* ``forms_on_time`` compares the arrival of the *first* accepted file with the deadline of
  :meth:`Period.deadline` (at or before it is on time);
* city ``disputes_received_yoy`` compares the city's own figures: the sum over the counties that
  submitted in P against the sum over the counties that submitted in P-12;
* thousands separators are accepted only in well-formed groups (``1,234``, ``12，345``);
* rows whose cells are all blank at the end of a file are ignored (Excel leaves them); a blank
  row in the middle is validated like any other row and fails for its required cells;
* a file with no data rows is rejected as empty; a 零报告 (nil return: ``零报告``, ``本月无`` or
  ``无`` alone in the first cell of the only row under the header) is accepted with no rows, so
  the form counts as submitted with every count 0.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from reportflow.contract import (
    FieldSpec,
    FormSpec,
    city,
    counties,
    forms,
    ignored_name_patterns,
    indicators,
    limits,
    towns,
)
from reportflow.periods import BEIJING, Period, shift_period

CITY_CODE = "440800"

Value = Decimal | None
Indicators = dict[tuple[str, str], Value]

_NAME_RE = re.compile(r"^(?P<form>.+)_(?P<period>\d{4}-\d{2}|\d{6})\.csv$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_GROUPED = re.compile(r"^\d{1,3}([,，]\d{3})+$")
_PLAIN_WHOLE = re.compile(r"^\d+$")
_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")
_YES = {"是", "yes", "1"}
_NO = {"否", "no", "0"}
_NIL_RETURN = {"零报告", "本月无", "无"}


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedFile:
    """One dropped file after reading and validation by the reference."""

    path: Path
    county_code: str
    form: str | None
    period: str | None
    rows: tuple[dict[str, Any], ...]
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_file_name(name: str) -> tuple[str, str] | None:
    """(form key, ``YYYY-MM``) from ``<form>_<period>.csv``, or None if the name is not valid."""
    match = _NAME_RE.match(name)
    if not match:
        return None
    stem, raw_period = match.group("form"), match.group("period")
    by_label = {spec.label: key for key, spec in forms().items()}
    form = stem if stem in forms() else by_label.get(stem)
    period = raw_period if "-" in raw_period else f"{raw_period[:4]}-{raw_period[4:]}"
    if form is None or not 1 <= int(period[5:7]) <= 12:
        return None
    return form, period


def is_ignored(name: str) -> bool:
    """Names of files still being written, which intake leaves alone."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in ignored_name_patterns())


def decode(data: bytes) -> str | None:
    """Text of a submission: UTF-8 (BOM or not), else GB18030, else None; strict, no guessing."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse_date(text: str) -> date | None:
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    return None


def parse_whole(text: str) -> int | None:
    text = text.translate(_FULLWIDTH_DIGITS)
    if _GROUPED.match(text):
        text = text.replace(",", "").replace("，", "")
    return int(text) if _PLAIN_WHOLE.match(text) else None


def parse_amount(text: str) -> Decimal | None:
    text = text.translate(_FULLWIDTH_DIGITS)
    if "." in text:
        whole, _, fraction = text.partition(".")
        if _GROUPED.match(whole):
            text = whole.replace(",", "").replace("，", "") + "." + fraction
    elif _GROUPED.match(text):
        text = text.replace(",", "").replace("，", "")
    return Decimal(text) if _AMOUNT.match(text) else None


def parse_yes_no(text: str) -> bool | None:
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def _cell(spec: FieldSpec, raw: str, county: str, last: date, first: date) -> tuple[Any, str]:
    """Typed value of one non-empty cell and an error text ('' when fine)."""
    if spec.type == "code":
        town = towns().get(raw)
        if town is None:
            return None, "unknown town code"
        if town.county_code != county:
            return None, "town code of another county"
        return raw, ""
    if spec.type == "enum":
        if raw in spec.values:
            return raw, ""
        by_label = {label: key for key, label in spec.values.items()}
        return by_label.get(raw), "" if raw in by_label else "not an allowed option"
    if spec.type == "date":
        value = parse_date(raw)
        if value is None:
            return None, "not a date"
        if value > last:
            return None, "date after the end of the period"
        if spec.inside_period and value < first:
            return None, "date before the start of the period"
        return value, ""
    if spec.type == "whole":
        number = parse_whole(raw)
        if number is None:
            return None, "not a whole number"
        if spec.max is not None and number > spec.max:
            return None, "above the maximum"
        return number, ""
    if spec.type == "decimal":
        amount = parse_amount(raw)
        return amount, "" if amount is not None else "not an amount with up to 2 decimals"
    if spec.type == "yesno":
        flag = parse_yes_no(raw)
        return flag, "" if flag is not None else "not yes/no"
    return raw, ""


def _rows_of(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    while rows and all(not cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def read_submission(path: Path, county_code: str) -> ParsedFile:
    """Read and validate one dropped file as the contract says intake must."""
    parsed_name = parse_file_name(path.name)
    if parsed_name is None:
        return ParsedFile(path, county_code, None, None, (), ("bad file name",))
    form_key, period = parsed_name
    form = forms()[form_key]

    def fail(*errors: str) -> ParsedFile:
        return ParsedFile(path, county_code, form_key, period, (), errors)

    data = path.read_bytes()
    if len(data) > limits()["max_bytes"]:
        return fail("file too large")
    if data.startswith(b"PK\x03\x04"):
        return fail("an Excel workbook, not CSV")
    text = decode(data)
    if text is None:
        return fail("neither UTF-8 nor GB18030")
    table = _rows_of(text)
    if not table:
        return fail("empty file: no header")
    if len(table) - 1 > limits()["max_data_rows"]:
        return fail("too many rows")
    columns, errors = _header(form, table[0])
    if errors:
        return fail(*errors)
    if len(table) == 1:
        return fail("empty file: header only (a nil return needs 零报告)")
    if len(table) == 2 and _is_nil_return(table[1]):
        return ParsedFile(path, county_code, form_key, period, (), ())
    month = Period.parse(period)
    first, last = month.first_day, month.last_day
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for excel_row, cells in enumerate(table[1:], start=2):
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            problems.append(f"row {excel_row}: more cells than columns")
        row: dict[str, Any] = {spec.key: None for spec in form.fields}
        for position, key in enumerate(columns):
            raw = cells[position].strip() if position < len(cells) else ""
            spec = form.field_by_key(key)
            if not raw:
                if spec.required:
                    problems.append(f"row {excel_row} {spec.label}: required")
                continue
            value, error = _cell(spec, raw, county_code, last, first)
            if error:
                problems.append(f"row {excel_row} {spec.label} {raw!r}: {error}")
            row[key] = value
        problems += [f"row {excel_row}: {e}" for e in _row_rules(form, row)]
        rows.append(row)
    for spec in form.fields:
        if spec.unique:
            seen: set[Any] = set()
            for number, row in enumerate(rows, start=2):
                if row[spec.key] is not None and row[spec.key] in seen:
                    problems.append(f"row {number} {spec.label}: duplicate")
                seen.add(row[spec.key])
    if problems:
        return fail(*problems)
    return ParsedFile(path, county_code, form_key, period, tuple(rows), ())


def _is_nil_return(cells: list[str]) -> bool:
    """The row says "nothing this month": a nil-return word in its first cell, nothing else."""
    return bool(cells) and cells[0].strip() in _NIL_RETURN and not any(c.strip() for c in cells[1:])


def _header(form: FormSpec, header: list[str]) -> tuple[list[str], list[str]]:
    names = {spec.label: spec.key for spec in form.fields}
    names.update({spec.key: spec.key for spec in form.fields})
    columns: list[str] = []
    errors: list[str] = []
    for cell in header:
        key = names.get(cell.strip())
        if key is None:
            errors.append(f"unknown column {cell.strip()!r}")
        elif key in columns:
            errors.append(f"duplicated column {cell.strip()!r}")
        else:
            columns.append(key)
    for spec in form.fields:
        if spec.required and spec.key not in columns:
            errors.append(f"missing required column {spec.label}")
    return columns, errors


def _row_rules(form: FormSpec, row: dict[str, Any]) -> list[str]:
    errors = []
    for spec in form.fields:
        value = row[spec.key]
        if spec.required_if:
            needed = row[spec.required_if["field"]] in spec.required_if["in"]
            if needed and value is None:
                errors.append(f"{spec.label} required for this status")
            if not needed and value is not None and row[spec.required_if["field"]] is not None:
                errors.append(f"{spec.label} must be empty for this status")
        if spec.not_before and value is not None:
            other = row[spec.not_before]
            if other is not None and value < other:
                errors.append(f"{spec.label} before {form.field_by_key(spec.not_before).label}")
    return errors


def validate_file(path: Path, county_code: str | None = None) -> list[str]:
    """Errors the reference finds in one file ([] means intake must accept it)."""
    return list(read_submission(path, county_code or path.parent.name).errors)


# --------------------------------------------------------------------------- the model


def _count(rows: Iterable[Any]) -> Decimal:
    return Decimal(sum(1 for _ in rows))


def _in(value: date | None, first: date, last: date) -> bool:
    return value is not None and first <= value <= last


def _ratio(numerator: Decimal, denominator: Decimal) -> Value:
    return None if denominator == 0 else numerator / denominator


class Reference:
    """All accepted submissions of a drop folder, and the indicators they imply.

    ``arrivals`` says when each file arrived (path → aware datetime; every file the reference
    accepts must be in it); ``rejected`` lists files known to be rejected (both compared by
    resolved path) on top of the ones the reference's own validation rejects.
    """

    def __init__(
        self,
        drop_dir: Path,
        *,
        arrivals: Mapping[Path, datetime],
        rejected: Collection[Path] = (),
        deadline_day: int = 5,
    ) -> None:
        self.drop_dir = drop_dir
        self.deadline_day = deadline_day
        self._arrivals = {Path(p).resolve(): when for p, when in arrivals.items()}
        forced = {Path(p).resolve() for p in rejected}
        self.files: list[ParsedFile] = []
        known = {c.code for c in counties()}
        for folder in sorted(p for p in drop_dir.iterdir() if p.is_dir()):
            if folder.name not in known:
                continue
            for path in sorted(p for p in folder.iterdir() if p.is_file()):
                if is_ignored(path.name):
                    continue
                parsed = read_submission(path, folder.name)
                if path.resolve() in forced and parsed.ok:
                    parsed = replace(parsed, rows=(), errors=("rejected by the caller",))
                self.files.append(parsed)
        self._accepted: dict[tuple[str, str, str], list[ParsedFile]] = {}
        for parsed in self.files:
            if parsed.ok and parsed.form and parsed.period:
                key = (parsed.county_code, parsed.form, parsed.period)
                self._accepted.setdefault(key, []).append(parsed)
        for group in self._accepted.values():
            group.sort(key=lambda f: (self.arrived(f), f.path.name))

    # -- submissions -------------------------------------------------------------------

    def rejected(self) -> dict[Path, tuple[str, ...]]:
        """Every rejected file and why."""
        return {f.path: f.errors for f in self.files if not f.ok}

    def arrived(self, parsed: ParsedFile) -> datetime:
        """When the caller says ``parsed`` arrived (a missing arrival is the caller's error)."""
        when = self._arrivals.get(parsed.path.resolve())
        if when is None or when.tzinfo is None:
            raise KeyError(f"no aware arrival time given for {parsed.path}")
        return when

    def current(self, county: str, form: str, period: str) -> ParsedFile | None:
        """The accepted file in force: the one that arrived last."""
        group = self._accepted.get((county, form, period))
        return group[-1] if group else None

    def first_accepted_at(self, county: str, form: str, period: str) -> datetime | None:
        group = self._accepted.get((county, form, period))
        return self.arrived(group[0]).astimezone(BEIJING) if group else None

    def _case_rows(self, county: str, form: str, period: str) -> list[dict[str, Any]]:
        """Current row per id: the row of the latest period up to ``period`` naming the id."""
        id_field = forms()[form].id_field
        assert id_field is not None
        periods = sorted(
            p for (c, f, p) in self._accepted if c == county and f == form and p <= period
        )
        latest: dict[str, dict[str, Any]] = {}
        for each in periods:
            current = self.current(county, form, each)
            assert current is not None
            for row in current.rows:
                latest[row[id_field]] = row
        return list(latest.values())

    # -- per county parts --------------------------------------------------------------

    def _parts(self, county: str, form: str, period: str) -> dict[str, Decimal] | None:
        """Numerators and denominators of one form for one county, None when not submitted."""
        current = self.current(county, form, period)
        if current is None:
            return None
        month = Period.parse(period)
        first, last = month.first_day, month.last_day
        rows = current.rows
        if form == "instructors":
            return {
                "instructors_full_time": _count(r for r in rows if r["employment"] == "full_time"),
                "instructors_part_time": _count(r for r in rows if r["employment"] == "part_time"),
                "instructors_retired_cadre": _count(
                    r for r in rows if r["source"] == "retired_cadre"
                ),
                "towns_with_instructor": Decimal(len({r["town_code"] for r in rows})),
                "_towns": _count(t for t in towns().values() if t.county_code == county),
                "orgs_covered": Decimal(sum(r["orgs_covered"] for r in rows)),
            }
        if form == "weak_orgs":
            return {
                "weak_orgs_listed": _count(rows),
                "weak_orgs_rectified": _count(r for r in rows if r["status"] == "rectified"),
                "weak_orgs_rectified_in_period": _count(
                    r for r in rows if _in(r["rectified_on"], first, last)
                ),
                "weak_orgs_paired": _count(r for r in rows if r["mentor_id"] is not None),
            }
        if form == "disputes":
            cases = self._case_rows(county, form, period)
            closed = [c for c in cases if _in(c["closed_on"], first, last)]
            received = [c for c in cases if _in(c["received_on"], first, last)]
            year_start = date(first.year, 1, 1)
            return {
                "disputes_received": _count(received),
                "disputes_received_ytd": _count(
                    c for c in cases if _in(c["received_on"], year_start, last)
                ),
                "disputes_closed": _count(closed),
                "disputes_agreement": _count(c for c in closed if c["status"] == "agreement"),
                "_mediated": _count(
                    c for c in closed if c["status"] in ("agreement", "no_agreement")
                ),
                "disputes_elders_studio": _count(
                    c for c in received if c["mediator"] == "elders_studio"
                ),
            }
        if form == "outreach":
            held = [r for r in rows if _in(r["held_on"], first, last)]
            return {
                "outreach_events": _count(held),
                "outreach_audience": Decimal(sum(r["audience"] for r in held)),
                "outreach_dialect_events": _count(r for r in held if r["dialect"]),
            }
        if form == "project_orgs":
            return {
                "projects_total": _count(rows),
                "projects_under_construction": _count(
                    r for r in rows if r["project_status"] == "under_construction"
                ),
                "temp_party_orgs": _count(
                    r for r in rows if r["temp_org_on"] is not None and r["temp_org_on"] <= last
                ),
                "project_party_members": Decimal(sum(r["party_members"] for r in rows)),
                "commando_teams": Decimal(sum(r["commando_teams"] for r in rows)),
                "responsibility_zones": Decimal(sum(r["responsibility_zones"] for r in rows)),
                "investment_to_date": sum((r["investment_to_date"] for r in rows), Decimal("0.00")),
            }
        if form == "reserve_cadres":
            return {
                "reserve_cadres": _count(rows),
                "reserve_cadres_veteran": _count(r for r in rows if r["source"] == "veteran"),
                "reserve_cadres_graduate": _count(r for r in rows if r["source"] == "graduate"),
                "reserve_cadres_entrepreneur": _count(
                    r for r in rows if r["source"] == "entrepreneur"
                ),
            }
        if form == "early_warnings":
            issues = self._case_rows(county, form, period)
            reported = [i for i in issues if _in(i["reported_on"], first, last)]
            return {
                "warnings_reported": _count(reported),
                "warnings_village_election": _count(
                    i for i in reported if i["category"] == "village_election"
                ),
                "warnings_epidemic": _count(i for i in reported if i["category"] == "epidemic"),
                "warnings_resolved": _count(
                    i for i in issues if _in(i["resolved_on"], first, last)
                ),
                "warnings_open": _count(
                    i
                    for i in issues
                    if i["reported_on"] <= last
                    and (i["resolved_on"] is None or i["resolved_on"] > last)
                ),
            }
        raise ValueError(f"unknown form {form}")

    @staticmethod
    def _finish(parts: dict[str, Decimal]) -> dict[str, Value]:
        """Indicator values from (possibly summed) parts: rates recomputed, helpers dropped."""
        values: dict[str, Value] = {k: v for k, v in parts.items() if not k.startswith("_")}
        if "_towns" in parts:
            values["town_coverage_rate"] = _ratio(parts["towns_with_instructor"], parts["_towns"])
        if "weak_orgs_listed" in parts:
            values["weak_orgs_rectification_rate"] = _ratio(
                parts["weak_orgs_rectified"], parts["weak_orgs_listed"]
            )
        if "_mediated" in parts:
            values["mediation_success_rate"] = _ratio(
                parts["disputes_agreement"], parts["_mediated"]
            )
        return values

    # -- indicators --------------------------------------------------------------------

    def indicators(self, period: str) -> Indicators:
        """Every indicator for the ten counties and the city for ``period``."""
        specs = indicators()
        result: Indicators = {}
        codes = [c.code for c in counties()]
        city_code = city().code
        assert city_code == CITY_CODE
        for form in forms():
            keys = [s.key for s in specs if s.form == form]
            city_parts: dict[str, Decimal] | None = None
            for county in codes:
                parts = self._parts(county, form, period)
                values = self._finish(parts) if parts is not None else {}
                for key in keys:
                    result[(county, key)] = values.get(key)
                if parts is not None:
                    if city_parts is None:
                        city_parts = dict(parts)
                    else:
                        for name, value in parts.items():
                            city_parts[name] += value
            city_values = self._finish(city_parts) if city_parts is not None else {}
            for key in keys:
                result[(city_code, key)] = city_values.get(key)
        base_period = shift_period(period, -12)
        for county in codes:
            now = result[(county, "disputes_received")]
            base_parts = self._parts(county, "disputes", base_period)
            base = None if base_parts is None else base_parts["disputes_received"]
            result[(county, "disputes_received_yoy")] = _yoy(now, base)
        city_base = [self._parts(county, "disputes", base_period) for county in codes]
        submitted_base = [p["disputes_received"] for p in city_base if p is not None]
        result[(city_code, "disputes_received_yoy")] = _yoy(
            result[(city_code, "disputes_received")],
            sum(submitted_base, Decimal(0)) if submitted_base else None,
        )
        deadline = Period.parse(period).deadline(self.deadline_day)
        totals = {"forms_submitted": Decimal(0), "forms_on_time": Decimal(0)}
        for county in codes:
            groups = [self._accepted.get((county, form, period)) for form in forms()]
            submitted = [g for g in groups if g]
            counts = {
                "forms_submitted": Decimal(len(submitted)),
                "forms_on_time": Decimal(
                    sum(1 for g in submitted if self.arrived(g[0]) <= deadline)
                ),
            }
            for key, value in counts.items():
                result[(county, key)] = value
                totals[key] += value
        for key, value in totals.items():
            result[(city_code, key)] = value
        expected = {(u, s.key) for u in [city_code, *codes] for s in specs}
        assert set(result) == expected, sorted(set(result) ^ expected)
        return result


def _yoy(now: Value, base: Value) -> Value:
    if now is None or base is None or base == 0:
        return None
    return (now - base) / base


# --------------------------------------------------------------------------- front doors


def compute_indicators(
    drop_dir: Path,
    period: str,
    *,
    arrivals: Mapping[Path, datetime],
    rejected: Collection[Path] = (),
    deadline_day: int = 5,
) -> Indicators:
    """``{(unit_code, indicator_key): value}`` for the ten counties and 440800; None = missing."""
    reference = Reference(drop_dir, arrivals=arrivals, rejected=rejected, deadline_day=deadline_day)
    return reference.indicators(period)


def format_export_value(key: str, value: Value, *, rounding: str = ROUND_HALF_UP) -> str:
    """Text of ``value`` in ``indicators.csv``: counts whole, rates/ratios 4 dp, amounts 2 dp.

    Rounding is half-up (四舍五入) by default. An implementation rounding binary floats may
    differ in the last digit on exact ties such as 1/32 = 0.03125; compare such cells with
    ``rounding=ROUND_HALF_EVEN`` as the alternative, or numerically within 0.00005.
    """
    if value is None:
        return ""
    kind = next(s.kind for s in indicators() if s.key == key)
    if kind == "count":
        if value != value.to_integral_value():
            raise ValueError(f"{key} is a count but {value} is not whole")
        return str(int(value))
    places = Decimal("0.01") if kind == "amount" else Decimal("0.0001")
    text = str(Decimal(value).quantize(places, rounding=rounding))
    return "0" + text[2:] if text.startswith("-0") and Decimal(text) == 0 else text


def expected_export(
    drop_dir: Path,
    period: str,
    *,
    arrivals: Mapping[Path, datetime],
    rejected: Collection[Path] = (),
    deadline_day: int = 5,
) -> dict[tuple[str, str], str]:
    """The ``value`` column of ``indicators.csv`` as it must read, keyed by (unit, indicator)."""
    values = compute_indicators(
        drop_dir, period, arrivals=arrivals, rejected=rejected, deadline_day=deadline_day
    )
    return {key: format_export_value(key[1], value) for key, value in values.items()}


def read_export(path: Path) -> dict[tuple[str, str], str]:
    """``indicators.csv`` as written by the pipeline, keyed like :func:`expected_export`."""
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return {(row["county_code"], row["indicator"]): row["value"] for row in reader}
