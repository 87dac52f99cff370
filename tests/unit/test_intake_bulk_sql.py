"""The bulk path's SQL gives exactly the exact path's values, or steps aside: cell by cell.

Every spelling the bulk path accepts must normalise to what ``validate`` makes of it; every
spelling ``validate`` refuses must be refused (flagged ``bad``) here. Spellings the bulk path
does not know may be flagged too (the exact path then decides), so the tests also check that
the plain spellings of real files are taken.
"""

from __future__ import annotations

import itertools
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from reportflow import contract
from reportflow.contract import FieldSpec
from reportflow.intake import bulk
from reportflow.intake.model import Limits
from reportflow.intake.validate import (
    INVALID,
    normalise_date,
    normalise_decimal,
    normalise_whole,
    normaliser_for,
)
from reportflow.periods import Period

PERIOD = Period.parse("2026-10")
COUNTY = "440802"


def _evaluate(spec: FieldSpec, cells: list[str | None]) -> list[tuple[object, bool]]:
    """(value, bad) the bulk path's SQL gives each cell (None: an empty CSV cell)."""
    con = duckdb.connect()
    con.execute("create table t (i integer, c varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(cells)))
    value = bulk._value_sql(spec, "c", COUNTY)
    flag = bulk._bad_sql(spec, "c", PERIOD) or "false"  # text: never bad
    return con.execute(
        f"select v_{spec.key}, {flag} from (select i, c, {value} as v_{spec.key} from t) order by i"
    ).fetchall()


def _field(type_: str, **extra: object) -> FieldSpec:
    return FieldSpec(key="x", label="某列", type=type_, required=True, **extra)


def _assert_exact(spec: FieldSpec, cells: list[str], python, convert) -> int:
    """Each cell: bulk value == Python's (converted to the stored type) or bulk says bad.

    Returns how many cells the bulk path took itself.
    """
    taken = 0
    for cell, (value, bad) in zip(cells, _evaluate(spec, cells), strict=True):
        expected, reason = python(cell)
        if bad:
            continue
        assert reason is None and expected is not INVALID, (cell, value, reason)
        assert value == (None if expected is None else convert(expected)), cell
        taken += 1
    return taken


def test_whitespace_is_exactly_what_str_strip_removes() -> None:
    assert set(bulk.WHITESPACE) == {c for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_text_is_trimmed_like_str_strip() -> None:
    spaces = [chr(c) for c in bulk.WHITESPACE]
    cells = [f"{a}a{b}b{c}" for a, b, c in itertools.product(spaces, repeat=3)][:3000]
    cells += ["", *spaces, "".join(spaces), "=HYPERLINK(1)", "'; drop table x", "\u200b x \u200b"]
    spec = _field("text")
    results = _evaluate(spec, cells)
    for cell, (value, bad) in zip(cells, results, strict=True):
        assert not bad
        assert value == (cell.strip() or None), repr(cell)


def test_dates_every_spelling_of_the_three_patterns() -> None:
    years = ["0000", "0001", "1900", "1999", "2000", "2024", "2025", "2026", "2027"]
    months = ["0", "00", "1", "01", "2", "02", "9", "09", "10", "11", "12", "13", "010"]
    days = ["0", "00", "1", "01", "9", "09", "10", "28", "29", "30", "31", "32", "001"]
    cells = [
        f"{y}-{m}-{d}" if sep == "-" else (f"{y}/{m}/{d}" if sep == "/" else f"{y}年{m}月{d}日")
        for y, m, d, sep in itertools.product(years, months, days, ["-", "/", "年"])
    ]
    cells += [
        " 2026-10-05",
        "\t2026/10/05",
        "2026-10-05 ",
        "2026/10/05\t",
        "2026年10月5日 ",
        "2026-10-05\u3000",
        "2026-10-05\u200b",
        " 026-10-05",
        "+026-10-05",
        "2026-+1-05",
        "2026-1-+5",
        "2026- 1-05",
        "2026/10/5日",
        "2026年10-5",
        "2026年10月5",
        "26/1/05",
        "2/10/05",
        "999-1-05",
        "0999-10-05",
        "12年1月5日",
        "2026年1月5日日",
        "２０２６-10-05",
        "2026.10.05",
        "26-10-05",
        "2026-10/05",
        "2026年10月5",
        "2026-10-05\n",
        "",
    ]
    for inside in (False, True):
        spec = _field("date", inside_period=inside)
        taken = _assert_exact(
            spec,
            cells,
            lambda c, inside=inside: normalise_date(c, PERIOD, inside_period=inside),
            date.fromisoformat,
        )
        # The plain spellings are taken, not handed back: 9 day spellings x 3 patterns in
        # October 2026 (+ the empty cell, + trailing ASCII whitespace), hundreds more otherwise.
        assert taken >= 28 if inside else taken > 300


@pytest.mark.parametrize("maximum", [None, 100000])
def test_whole_numbers(maximum: int | None) -> None:
    cells = ["0", "7", "007", "100000", "100001", "999999999999999", "1" * 16, "0" * 20 + "5"]
    cells += ["-1", "1.0", "1,234", "１２", " 12", "12 ", "约30", "#N/A", "1e3", "+1", ""]
    spec = _field("whole", max=maximum)

    def python(cell: str) -> tuple[object, str | None]:
        return normaliser_for(spec, COUNTY, PERIOD)(cell)

    assert _assert_exact(spec, cells, python, int) >= 5


def test_decimal_amounts() -> None:
    cells = ["0", "12", "12.5", "12.50", "012.05", "9" * 16 + ".99", "9" * 17, "1.234", "12."]
    cells += [".5", "-1", "1,234.5", "１.5", " 1", "1e2", ""]
    taken = _assert_exact(
        _field("decimal"), cells, normalise_decimal, lambda v: Decimal(v).quantize(Decimal("0.01"))
    )
    assert taken >= 6
    assert normalise_whole("1") == ("1", None)  # (the helper above uses the same contract)


@pytest.mark.parametrize(
    "spec", [f for form in contract.forms().values() for f in form.fields if f.type == "enum"]
)
def test_options_by_label_or_key(spec: FieldSpec) -> None:
    cells = [*spec.values, *spec.values.values(), "其他选项", " other", "OTHER", ""]
    cells += [label.replace("(", "（").replace(")", "）") for label in spec.values.values()]
    taken = _assert_exact(spec, cells, normaliser_for(spec, COUNTY, PERIOD), str)
    assert taken >= 2 * len(spec.values)


def test_towns_of_the_county_only() -> None:
    spec = next(f for f in contract.forms()["disputes"].fields if f.type == "code")
    own = sorted(t.code for t in contract.towns().values() if t.county_code == COUNTY)
    other = next(t.code for t in contract.towns().values() if t.county_code != COUNTY)
    cells = [*own, other, "440802999", " " + own[0], "", "x"]
    taken = _assert_exact(spec, cells, normaliser_for(spec, COUNTY, PERIOD), str)
    assert taken == len(own) + 1  # its own towns and the empty cell


def test_yes_no() -> None:
    spec = _field("yesno")
    cells = ["是", "否", "yes", "no", "YES", "No", "1", "0", "对", "y", "true", " 是", "２", ""]
    taken = _assert_exact(spec, cells, normaliser_for(spec, COUNTY, PERIOD), lambda v: v == "true")
    assert taken >= 9


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b'h\r\n"a,b"\r\n', None),  # quotes: the exact path parses those
        (b"h\ra\r", None),  # a lone CR ends a record for Python only
        (b"h\r\na\rb\r\n", None),
        (b"h\na\n\nb\n", 4),  # an empty line: 4 lines where DuckDB reads 2 rows
        (b"h\r\na\r\n\r\nb\r\n", 4),
        (b"h\n", 1),
        (b"h\na\nb\n\n\n", 3),  # empty lines at the end do not count
        (b"h\r\na\r\nb", 3),
    ],
)
def test_lines(data: bytes, lines: int | None) -> None:
    assert bulk._lines(data) == lines


def test_an_empty_line_inside_the_file_is_left_to_the_exact_path(tmp_path: Path) -> None:
    """DuckDB skips it silently: the row numbers after it would be one off."""
    form = contract.forms()["disputes"]
    row = "J{},440802001,2026-10-05,其他,其他,调解中,"
    header = ",".join(f.label for f in form.fields)

    def staged(lines: list[str]) -> bool:
        path = tmp_path / "x.data"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return (
            bulk.stage_bulk(
                duckdb.connect(),
                path,
                path.read_bytes(),
                form=form,
                county_code=COUNTY,
                period=PERIOD.key,
                limits=Limits.from_contract(),
                scratch=tmp_path / ".s.tmp",
            )
            is not None
        )

    assert staged([header, row.format(1), row.format(2), ""])
    assert not staged([header, row.format(1), "", row.format(2)])
    # The bulk path never accepts a file without data rows (refused, or a 零报告: the exact
    # path decides), however it is padded to bulk size.
    padding = ["," * (len(form.fields) - 1)] * 200_000
    assert len("\n".join([header, *padding]).encode()) >= bulk.BULK_MIN_BYTES
    assert not staged([header, *padding])
    assert not staged([header, "零报告" + "," * (len(form.fields) - 1), *padding])


@pytest.mark.parametrize(
    "bad",
    [
        b"\xc0\xaf",  # overlong
        b"\xe0\x80\xaf",
        b"\xf0\x80\x80\xaf",
        b"\xed\xa0\x80",  # surrogates
        b"\xed\xbf\xbf",
        b"\xf4\x90\x80\x80",  # past U+10FFFF
        b"\xf5\x80\x80\x80",
        b"\x80",  # stray continuation byte
        b"\xe4\xb8",  # cut short
        b"\xe4\x41",
        b"\xff",
        b"\xf8\x88\x80\x80\x80",  # five-byte form
    ],
)
def test_duckdb_refuses_what_strict_utf8_refuses(tmp_path: Path, bad: bytes) -> None:
    """The bulk path leaves UTF-8 checking of the data rows to DuckDB's reader."""
    with pytest.raises(UnicodeDecodeError):
        bad.decode("utf-8")
    form = contract.forms()["disputes"]
    row = "J{},440802001,2026-10-05,其他,其他,调解中,\n"
    path = tmp_path / "f.csv"
    path.write_bytes(
        b"header line (skipped)\n"
        + row.format(1).encode()
        + row.format(2).encode().replace(b"J2", b"J" + bad + b"2")
    )
    job = bulk._Job(duckdb.connect(), form, COUNTY, PERIOD, Limits.from_contract())
    assert job.stage(path, [f.key for f in form.fields]) is None
    path.write_bytes(path.read_bytes().replace(b"J" + bad + b"2", b"J2"))
    assert job.stage(path, [f.key for f in form.fields]) is not None  # only the bytes differed


@pytest.mark.parametrize("form", list(contract.forms().values()), ids=lambda f: f.key)
def test_staging_keeps_the_file_order_for_every_form(tmp_path: Path, form) -> None:
    """source_row is the staging row id + 2: DuckDB must plan an order-keeping load.

    (A long IN list, for one, becomes a join that shuffles rows; the bulk path would then
    step aside for every file of that form.)
    """
    path = tmp_path / "f.csv"
    path.write_bytes(b"h\n")
    keys = [f.key for f in reversed(form.fields)]
    create = bulk.create_sql(form, keys, COUNTY, PERIOD)
    assert bulk.keeps_order(duckdb.connect(), create, {"path": str(path)})


@pytest.mark.parametrize(
    ("path", "taken"),
    [
        ("/data/home/work/x.data", True),
        ("/data/[ab]/work/x.data", False),
        ("/data/h*/work/x.data", False),
        ("/data/h?/work/x.data", False),
        ("/data/{a,b}/work/x.data", False),
        ("/data/~x/work/x.data", False),
    ],
)
def test_paths_duckdb_would_expand_are_not_handed_to_it(path: str, taken: bool) -> None:
    assert (bulk._duckdb_path(Path(path)) is not None) is taken
