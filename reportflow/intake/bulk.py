"""The bulk path: a big, plain CSV parsed and checked by DuckDB instead of Python row by row.

Why it exists: the exact path (``content`` + ``validate``) needs about 8 s and 1 GB of memory
for a 1,000,000-row file, because every cell becomes a Python object. DuckDB's parallel CSV
reader does the same work in a fraction of that. It must never change an outcome, so it is
deliberately narrow, and whenever it is not sure it steps aside:

* **Same records.** It only takes files on which DuckDB's reader and Python's ``csv`` module
  provably see the same records: no ``"`` anywhere (so no quoted cells), ``\\n`` or ``\\r\\n``
  line ends only, one DuckDB row per line (DuckDB skips an empty line, Python counts it as
  a row), every line at most 131,072 bytes (Python's field limit) and every row exactly as wide
  as the header (DuckDB refuses the file otherwise).
* **Same values.** Each cell is taken only in a spelling whose normalised value is known
  exactly: option labels and keys and town codes from a table built by running the exact
  path's own normalisers on those spellings, plain ASCII dates and numbers, and text trimmed
  of exactly the characters ``str.strip`` removes. Any other spelling is "not sure".
* **Same rules.** Required, unique, required-if-and-only-if and not-before are counted in SQL
  over those values.

Any doubt (a gate, an unknown spelling, a broken rule, a DuckDB error) returns None and the
exact path decides, and lists every error on the receipt. So a file is either loaded by this
path with the very rows the exact path would load, or handed to the exact path: the property
tests compare both. Nothing here writes the raw tables: the checked rows wait in a temporary
table of the writer connection, which ``load.record_accepted`` copies in its one transaction.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from reportflow import contract
from reportflow.contract import FieldSpec, FormSpec
from reportflow.intake.content import ContentError, decode, map_header, sniff
from reportflow.intake.model import Limits
from reportflow.intake.names import fold_width
from reportflow.intake.staged import STAGE_TABLE, Staged, blank_row, drop_stage
from reportflow.intake.validate import (
    Checked,
    Normalised,
    enum_normaliser,
    is_identifier,
    normalise_yesno,
    town_normaliser,
)
from reportflow.periods import Period

log = logging.getLogger(__name__)

#: Files smaller than this take the exact path directly: it is fast for them, and the bulk
#: path's fixed cost (a handful of DuckDB statements) would dominate.
BULK_MIN_BYTES = 1 << 20

#: Python's ``csv.field_size_limit()`` default, in characters; a line of at most this many
#: bytes cannot hold a longer field, so DuckDB may read it.
MAX_LINE_BYTES = 131_072

#: Every code point for which ``str.isspace()`` is true: what ``str.strip()`` removes.
WHITESPACE: tuple[int, ...] = (
    *(0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680),
    *range(0x2000, 0x200B),
    *(0x2028, 0x2029, 0x202F, 0x205F, 0x3000),
)
_WS = "".join(f"\\x{{{code:x}}}" for code in WHITESPACE)
_STRIP_RE = f"^[{_WS}]+|[{_WS}]+$"
_EDGE_RE = f"^[{_WS}]|[{_WS}]$"


#: DuckDB's format for each of the exact path's three date spellings, by the character that
#: follows the four-digit year.
_DATE_FORMATS = {"-": "%Y-%m-%d", "/": "%Y/%m/%d", "年": "%Y年%m月%d日"}
_WHOLE_RE = "[0-9]{1,15}"
_SCIENTIFIC_RE = "[+-]?[0-9]+([.][0-9]*)?[eE][+-]?[0-9]+"  # validate.SCIENTIFIC_RE
_DECIMAL_RE = "[0-9]{1,16}([.][0-9]{1,2})?"

_SQL_TYPES = {
    "text": "varchar",
    "code": "varchar",
    "enum": "varchar",
    "date": "date",
    "whole": "bigint",
    "decimal": "decimal(18, 2)",
    "yesno": "boolean",
}


def _literal(value: str) -> str:
    """SQL literal for a contract-defined string (option labels, codes); never uploaded data."""
    return "'" + value.replace("'", "''") + "'"


def _exact_spellings(
    candidates: set[str], normalise: Callable[[str], Normalised]
) -> dict[str, str]:
    """The candidates the exact path accepts, each with the value it normalises to."""
    result: dict[str, str] = {}
    for spelling in sorted(candidates):
        value, reason = normalise(spelling)
        if reason is None and isinstance(value, str):
            result[spelling] = value
    return result


def _enum_spellings(spec: FieldSpec) -> dict[str, str]:
    candidates: set[str] = set()
    for key, label in spec.values.items():
        for text in (key, label, fold_width(label)):
            candidates.add(text)
            candidates.add(text.replace("(", "（").replace(")", "）"))
    return _exact_spellings(candidates, enum_normaliser(spec))


def _town_spellings(county_code: str) -> dict[str, str]:
    own = {t.code for t in contract.towns_of(county_code)}
    return _exact_spellings(own, town_normaliser(county_code))


def _yesno_spellings() -> dict[str, str]:
    words = {"是", "否", "1", "0"}
    for word in ("yes", "no"):
        words |= {word, word.upper(), word.capitalize()}
    return _exact_spellings(words, normalise_yesno)


def _case(cell: str, spellings: dict[str, str], sql_type: str) -> str:
    if not spellings:
        return f"cast(null as {sql_type})"
    branches = " ".join(
        f"when {_literal(s)} then cast({_literal(v)} as {sql_type})" for s, v in spellings.items()
    )
    return f"case {cell} {branches} end"


def _value_sql(spec: FieldSpec, cell: str, county_code: str) -> str:
    """The normalised, typed value of ``cell``, or NULL if blank or not in a known spelling."""
    kind = spec.type
    if kind == "text":
        # Replace only where an end is whitespace: most cells need no trim, and a match test
        # is cheaper than a replacement. (Not code points IN (...): see keeps_order.)
        edge = f"regexp_matches({cell}, '{_EDGE_RE}')"
        trimmed = f"regexp_replace({cell}, '{_STRIP_RE}', '', 'g')"
        return f"nullif(case when {edge} then {trimmed} else {cell} end, '')"
    if kind == "code":
        return _case(cell, _town_spellings(county_code), "varchar")
    if kind == "enum":
        return _case(cell, _enum_spellings(spec), "varchar")
    if kind == "yesno":
        return _case(cell, _yesno_spellings(), "boolean")
    if kind == "date":
        # The character after a four-digit year picks the format; DuckDB's strptime then takes
        # what the exact path's patterns take (1-2 digit month and day, a real calendar day,
        # trailing ASCII whitespace, which str.strip removes too), and more only in the year:
        # 1-3 digits, or 0 (1 BC). Hence _bad_sql refuses years before 1000.
        formats = " ".join(
            f"when '{sep}' then try_strptime({cell}, '{fmt}')" for sep, fmt in _DATE_FORMATS.items()
        )
        return f"cast(case substr({cell}, 5, 1) {formats} end as date)"
    if kind == "whole":
        return f"case when regexp_full_match({cell}, '{_WHOLE_RE}') then cast({cell} as bigint) end"
    if kind == "decimal":
        return (
            f"case when regexp_full_match({cell}, '{_DECIMAL_RE}') "
            f"then cast({cell} as decimal(18, 2)) end"
        )
    raise ValueError(f"unknown field type {kind!r}")


def _bad_sql(spec: FieldSpec, cell: str, period: Period) -> str:
    """True where a non-blank cell has no known value or breaks a bound.

    Text is taken as it is unless it is a number in scientific notation, which the exact
    path refuses; an id only if it is plain ASCII, which the exact path's folding (full-width,
    NFC) leaves as it is and which cannot be a template's example id.
    """
    value = f"v_{spec.key}"
    if spec.type == "text":
        # Cheap tests first: only a value with an E can be scientific; a value as long in
        # bytes as in characters is ASCII.
        flags = [
            f"case when contains(upper({value}), 'E') "
            f"then regexp_full_match({value}, '{_SCIENTIFIC_RE}') else false end"
        ]
        if is_identifier(spec):
            flags.append(f"strlen({value}) <> length({value})")
        return f"coalesce({' or '.join(flags)}, false)"
    wrong = [f"{value} is null"]
    if spec.type == "date":
        wrong.append(f"{value} < date '1000-01-01'")  # see _value_sql
        wrong.append(f"{value} > date '{period.last_day}'")
        if spec.inside_period:
            wrong.append(f"{value} < date '{period.first_day}'")
    if spec.type == "whole" and spec.max is not None:
        wrong.append(f"{value} > {int(spec.max)}")
    return f"(coalesce({cell}, '') <> '' and ({' or '.join(wrong)}))"


def _rule_counts(form: FormSpec) -> list[str]:
    """A COUNT per unique, required-if and not-before rule: the rows breaking it (must be 0).

    Blank rows are all NULL, so none of these counts sees them.
    """
    counts: list[str] = []
    for spec in form.fields:
        value = f"v_{spec.key}"
        if spec.unique:
            counts.append(f"count({value}) - count(distinct {value})")
        if spec.required_if:
            other = f"cast(v_{spec.required_if['field']} as varchar)"
            needed = ", ".join(_literal(str(v)) for v in spec.required_if["in"])
            counts.append(
                f"count(*) filter (where {other} is not null and "
                f"(case when {other} in ({needed}) then {value} is null "
                f"else {value} is not null end))"
            )
        if spec.not_before:
            counts.append(f"count(*) filter (where {value} < v_{spec.not_before})")
    return counts


def keeps_order(con: duckdb.DuckDBPyConnection, create: str, params: dict) -> bool:
    """True if DuckDB will store the rows in the file's order (row id n = record n).

    ``source_row`` is the staging row id + 2, so the plan must be DuckDB's order-keeping
    ("batch") table creation. An optimiser rewrite that loses the order would shuffle the
    Excel row numbers (DuckDB turns a long ``IN (...)`` list into a join, which does), so
    then the exact path takes the file instead.
    """
    plan = con.execute(f"explain (format json) {create}", params).fetchall()[0][1]
    return json.loads(plan)[0]["name"] == "BATCH_CREATE_TABLE_AS"


def _lines(data: bytes) -> int | None:
    """Lines of ``data`` (header included, empty lines at the end not) if DuckDB's reader will
    see the records Python's ``csv`` sees, one record per line; None (logged) if it might not.

    An empty line inside the file is the one case left: DuckDB skips it where Python counts a
    record, so the caller compares DuckDB's row count with this. Each test is one C-speed pass.
    """
    reason = None
    if b'"' in data:
        reason = "quotes"
    elif data.find(b"\r") >= 0 and data.count(b"\r") != data.count(b"\r\n"):
        reason = "a line end other than LF or CRLF"
    if reason:
        log.debug("intake: bulk path not taken (%s)", reason)
        return None
    end = len(data)
    while end and data[end - 1] in b"\r\n":  # rstrip would copy the whole file
        end -= 1
    return data.count(b"\n", 0, end) + 1


def _one_row_per_line(staged: Staged | None, lines: int | None) -> bool:
    """True if DuckDB read a row for every line after the header (no empty line skipped)."""
    if staged is None or lines is None:
        return False
    if staged.records + 1 != lines:
        log.debug("intake: bulk path not taken (an empty line)")
        return False
    return True


def stage_bulk(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    data: bytes,
    *,
    form: FormSpec,
    county_code: str,
    period: str,
    limits: Limits,
    scratch: Path,
) -> Checked | None:
    """Check ``data`` (the bytes of ``path``) in DuckDB; a clean Checked with ``staged`` set,
    or None when the exact path must decide (it also writes every rejection).

    A UTF-8 file is read by DuckDB from ``path`` while this thread runs the gates over ``data``
    (DuckDB releases the GIL); ``path`` is the claim's private copy, written from ``data`` and
    touched by no one else, so both are the same bytes. A file the exact path decodes as GB18030 is
    re-encoded to UTF-8 in ``scratch`` first (a hidden ``.tmp`` name in ``work/``, removed
    here or by the next run's recovery).
    """
    if len(data) > limits.max_bytes or sniff(data):
        return None
    job = _Job(con, form, county_code, Period.parse(period), limits)
    checked: Checked | None = None
    try:
        header = _utf8_header(data)
        if header is not None:
            checked = _stage_utf8(job, path, data, header)
        if checked is None:  # GB18030 goes on there; UTF-8 and undecodable files stop
            checked = _stage_transcoded(job, data, scratch)
    finally:
        if checked is None:  # also on an unexpected error: no staged rows left behind
            drop_stage(con)
    return checked


def _stage_utf8(
    job: _Job,
    path: Path,
    data: bytes,
    header: list[str],
) -> Checked | None:
    """DuckDB reads ``path`` while this thread runs the gates over ``data``.

    DuckDB's reader refuses every byte sequence that is not UTF-8 (overlong forms, surrogates,
    code points past U+10FFFF, stray or missing continuation bytes: the unit tests check each
    against Python's strict decoder), so a file it reads is a file ``decode`` reads as UTF-8.
    """
    keys = _header_keys(header, job.form)
    if keys is None:
        return None
    with ThreadPoolExecutor(max_workers=1) as pool:
        staging = pool.submit(job.stage, path, keys)
        lines = _lines(data)
        staged = staging.result()
    if not _one_row_per_line(staged, lines):
        return None
    assert staged is not None
    return Checked(row_count=staged.row_count, encoding="utf-8", staged=staged)


@dataclass(frozen=True)
class _Job:
    """What staging one file needs besides the file itself."""

    con: duckdb.DuckDBPyConnection
    form: FormSpec
    county_code: str
    period: Period
    limits: Limits

    def stage(self, source: Path, header_keys: list[str]) -> Staged | None:
        """``_stage`` with DuckDB's errors (a row of another width, a long line) as None."""
        try:
            return _stage(self, source, header_keys)
        except duckdb.Error as error:
            log.debug("intake: bulk path not taken (%s)", str(error).splitlines()[0])
            return None


def _utf8_header(data: bytes) -> list[str] | None:
    """The header cells if the first line is UTF-8 (BOM dropped), else None."""
    end = data.find(b"\n")
    if end < 0:
        return None
    try:
        line = data[:end].decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return line.rstrip("\r").split(",")  # no quotes (a gate): csv would split the same way


def _header_keys(header: list[str], form: FormSpec) -> list[str] | None:
    """Field key of every column; None if the header has any problem or an empty cell."""
    mapped = map_header([header], form)
    if not mapped.ok or None in mapped.keys:
        return None
    return [k for k in mapped.keys if k is not None]


def _stage_transcoded(job: _Job, data: bytes, scratch: Path) -> Checked | None:
    """A GB18030 file: re-encode to UTF-8 in ``scratch`` (DuckDB reads only UTF-8), stage."""
    try:
        text, encoding = decode(data)
    except ContentError:
        return None
    if encoding != "gb18030":
        return None
    utf8 = text.encode("utf-8")
    del text
    header = _utf8_header(utf8)
    keys = _header_keys(header, job.form) if header is not None else None
    lines = _lines(utf8) if keys is not None else None
    if keys is None or lines is None:
        return None
    try:
        _write_new(scratch, utf8)
        del utf8
        staged = job.stage(scratch, keys)
    finally:
        scratch.unlink(missing_ok=True)
    if not _one_row_per_line(staged, lines):
        return None
    assert staged is not None
    return Checked(row_count=staged.row_count, encoding=encoding, staged=staged)


def _duckdb_path(path: Path) -> str | None:
    """``path`` as DuckDB's reader will take it literally, or None.

    DuckDB expands glob characters and ``~`` in a file name: a data home whose path contains
    them could make it read another file than the one that was hashed.
    """
    text = str(path.absolute())
    return None if any(ch in text for ch in "*?[]{}~") else text


def _write_new(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def create_sql(form: FormSpec, header_keys: list[str], county_code: str, period: Period) -> str:
    """CREATE of the staging table from the file at $path whose columns are ``header_keys``."""
    return (
        f"create or replace temp table {STAGE_TABLE} as "
        f"{checked_rows_sql(form, header_keys, county_code, period)}"
    )


def checked_rows_sql(
    form: FormSpec, header_keys: list[str], county_code: str, period: Period
) -> str:
    """SELECT of the file at $path whose columns are ``header_keys``, checked row by row.

    One pass of DuckDB's parallel reader: every cell normalised to its typed value
    (``v_<key>``), plus a ``bad`` flag for a row with a cell in no known spelling or out of
    its bounds. Its own function so that ``make bench`` can time the same read and
    normalisation loaded straight into a raw table, the floor for any checked load.
    """
    keys = tuple(f.key for f in form.fields)
    cell_of = {key: f"c{pos}" for pos, key in enumerate(header_keys)}
    columns = ", ".join(f"'c{pos}': 'VARCHAR'" for pos in range(len(header_keys)))
    values, bad = [], []
    for spec in form.fields:
        cell = cell_of.get(spec.key)
        if cell is None:
            values.append(f"cast(null as {_SQL_TYPES[spec.type]}) as v_{spec.key}")
            continue
        values.append(f"{_value_sql(spec, cell, county_code)} as v_{spec.key}")
        bad.append(_bad_sql(spec, cell, period))
    cells = ", ".join(cell_of.values())
    return (
        f"select {', '.join(f'v_{k}' for k in keys)}, {' or '.join(bad) or 'false'} as bad "
        f"from (select {cells}, {', '.join(values)} from read_csv($path, "
        f"columns = {{{columns}}}, header = false, skip = 1, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
        f"null_padding = false, max_line_size = {MAX_LINE_BYTES}))"
    )


def _stage(job: _Job, source: Path, header_keys: list[str]) -> Staged | None:
    """Read, normalise and check in DuckDB; the Staged rows, or None if anything is off."""
    con, form = job.con, job.form
    keys = tuple(f.key for f in form.fields)
    create = create_sql(form, header_keys, job.county_code, job.period)
    params = {"path": _duckdb_path(source)}
    if params["path"] is None:
        return None
    if not keeps_order(con, create, params):
        return None
    con.execute(create, params)
    required = [f"v_{f.key}" for f in form.fields if f.required]
    counts = [
        "count(*)",
        "count(*) filter (where bad)",
        *(f"count({v})" for v in required),  # cheap: DuckDB counts non-NULLs from validity
        *_rule_counts(form),
    ]
    total, bad_rows, *rest = con.execute(
        f"select {', '.join(counts)} from {STAGE_TABLE}"
    ).fetchall()[0]
    missing = [total - present for present in rest[: len(required)]]
    if bad_rows or any(rest[len(required) :]):
        return None
    blank = 0
    if any(missing):  # blank rows (all NULL) are allowed and skipped; other gaps are errors
        blank = con.execute(
            f"select count(*) filter (where {blank_row(keys)}) from {STAGE_TABLE}"
        ).fetchall()[0][0]
        if any(n != blank for n in missing):
            return None
    if not 0 < total - blank <= job.limits.max_data_rows:
        return None  # an empty file is refused, and a long one listed, by the exact path
    return Staged(keys=keys, row_count=total - blank, records=total, skip_blank=blank > 0)
