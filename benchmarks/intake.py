"""Intake speed and memory, measured and printed (``make bench``); never asserted in tests.

Figures, for a 1,000,000-row disputes file (the contract's row limit; UTF-8 as Excel's
"CSV UTF-8" saves it, options written the shortest way so that it fits the 50 MB limit):

* **ingest**: one ``ingest()`` run on a fresh data home with that file in a drop folder:
  discovery, claim, hashing, decoding, every contract check, the load transaction, receipts
  and archive. Wall time inside a child process (interpreter start-up excluded).
* **bare read**: in another child, DuckDB's own ``create table as select * from
  read_csv(<file>)`` into a new database file: no checks at all, the floor for loading it.
* two **floors** for any checked load, each in a child on a prepared data home: DuckDB
  reading the file with intake's own reader and normalisation (``bulk.checked_rows_sql``) and
  inserting the rows into ``raw.disputes`` in one transaction, (a) in **one pass** straight
  from the file, no checks and no row numbers, and (b) in the **two passes** intake makes
  (staged in a temporary table, then inserted, as ``source_row`` needs: DuckDB's CSV reader
  gives no row number, and numbering rows in the one pass makes the read single-threaded),
  still without the rule counts, the hash, the private copy, the receipt or the archive.
  They show how much of the gap to the bare read is the load itself.
* their **ratio** (ingest rows/s over bare rows/s; goal at least ``RATIO_GOAL``) and each
  child's **peak memory**, its RSS high-water mark (VmHWM; the goal for ingest is under 2 GB).
  Ingest and bare read alternate and repeat, and medians are printed, because other work
  on the machine moves single timings by tens of percent.
* the exact path for comparison (the bulk path switched off), and a GB18030 copy of the file
  (DuckDB cannot read GB18030 by itself, so it has no bare-read figure).
* **latency** from a file landing to its receipt: the ``ingest_submissions`` DAG runs every
  ``INGEST_CYCLE`` (30 s) and a file must be unchanged for ``stable_seconds`` (2 s) before
  it is claimed, so a file waits at most one cycle (plus those 2 s if it lands just before a
  run), then the in-cycle processing time measured here: drop a typical file, run one
  ingest, stop the clock when its receipt exists (in-process, and as a fresh
  ``reportflow ingest`` process as an Airflow task would start it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from reportflow.config import INGEST_CYCLE

#: Issue 10: exact-bytes archiving and the encoding checks must not slow intake; its speed
#: beside DuckDB's bare read of the same file should reach this ratio.
RATIO_GOAL = 0.7
COUNTY = "440802"
PERIOD = "2026-10"
FILE_NAME = f"disputes_{PERIOD}.csv"
HEADER = "案件编号,镇街代码,受理日期,纠纷类型,调解组织,办理状态,办结日期"
TOWNS = ("440802001", "440802002", "440802003", "440802004", "440802005", "440802006")
CATEGORIES = ("邻里纠纷", "婚姻家庭", "土地山林", "劳资纠纷", "合同债务", "其他")
MEDIATORS = ("五老调解工作室", "村(社区)调委会", "镇(街)调委会", "党建指导员", "其他")
CLOSED = ("调解成功", "调解不成", "移交")


def disputes_file(
    rows: int, *, compact: bool = False, seed: int = 7, encoding: str = "utf-8"
) -> bytes:
    """A valid disputes file of ``rows`` cases for county 440802, period 2026-10.

    Case ids are the row index, dates are written ``2026/10/D``, a third of the cases are
    still open. ``compact`` uses only the shortest options (80 % open), so that 1,000,000
    rows fit in 50 MB (52.4 MB in UTF-8, 47.6 MB in GB18030); a realistic mix needs about
    74 MB in UTF-8 for that many rows.
    """
    rng = random.Random(seed)
    categories = ("其他", "land") if compact else CATEGORIES
    mediators = ("其他", "other") if compact else MEDIATORS
    closed_states = ("移交",) if compact else CLOSED
    lines = [HEADER]
    for i in range(rows):
        day = rng.randint(1, 27)
        if rng.random() < (0.8 if compact else 0.34):
            status, closed = "调解中", ""
        else:
            status, closed = rng.choice(closed_states), f"2026/10/{day + rng.randint(0, 3)}"
        lines.append(
            f"{i},{rng.choice(TOWNS)},2026/10/{day},{rng.choice(categories)},"
            f"{rng.choice(mediators)},{status},{closed}"
        )
    return ("\n".join(lines) + "\n").encode(encoding)


# ---------------------------------------------------------------- child processes


def _child_ingest(home: Path, exact: bool) -> dict:
    """Run one ingest of everything dropped under ``home``; report seconds and rows loaded."""
    from reportflow.config import Settings
    from reportflow.intake import ingest, pipeline
    from reportflow.warehouse import connect

    if exact:
        pipeline.BULK_MIN_BYTES = sys.maxsize  # type: ignore[attr-defined]
    settings = Settings(home=home, stable_seconds=0)
    cpu, started = time.process_time(), time.perf_counter()
    report = ingest(settings)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    statuses = [r.status for r in report.results]
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute("select count(*) from raw.disputes").fetchall()[0][0]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": rows,
        "statuses": statuses,
        "peak_rss": _peak_rss(),
    }


def _peak_rss() -> int:
    """This process's RSS high-water mark in bytes.

    ``VmHWM`` from ``/proc/self/status`` where there is one (Linux): ``ru_maxrss`` of a child
    also counts what its parent's copy held before ``exec`` (Linux carries the high-water mark
    over), so a child started from a big parent would show the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child_bare(csv_path: Path, db_path: Path) -> dict:
    """DuckDB's plain ``read_csv`` of the file into a table of a new database file."""
    import duckdb

    cpu, started = time.process_time(), time.perf_counter()
    con = duckdb.connect(str(db_path))
    con.execute("create table bare as select * from read_csv($path)", {"path": str(csv_path)})
    con.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with duckdb.connect(str(db_path), read_only=True) as check:
        rows = check.execute("select count(*) from bare").fetchall()[0][0]
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "peak_rss": _peak_rss()}


def _child_floor(csv_path: Path, home: Path, passes: str) -> dict:
    """Load the file into ``raw.disputes`` of a prepared data home with intake's SQL only.

    ``passes`` is ``one`` (read, normalise and insert in one statement, ``source_row`` 0) or
    ``two`` (intake's staging table, then its insert with row numbers). Neither checks.
    """
    from reportflow import contract
    from reportflow.config import Settings
    from reportflow.intake.bulk import checked_rows_sql, create_sql
    from reportflow.intake.staged import Staged, insert_checked_sql
    from reportflow.periods import Period
    from reportflow.warehouse import connect

    form = contract.forms()["disputes"]
    keys = tuple(f.key for f in form.fields)
    period = Period.parse(PERIOD)
    params = {"path": str(csv_path), "county": COUNTY, "period": PERIOD, "sid": "floor"}
    cpu, started = time.process_time(), time.perf_counter()
    with connect(Settings(home=home).warehouse_path) as con:
        if passes == "one":
            rows_sql = f"({checked_rows_sql(form, list(keys), COUNTY, period)})"
            insert = insert_checked_sql(form.raw_table, keys, rows_sql, "0")
        else:  # staged outside the transaction, as intake does (row ids count from 0 there)
            con.execute(create_sql(form, list(keys), COUNTY, period), {"path": params.pop("path")})
            insert = Staged(keys=keys, row_count=0, records=0).insert_sql(form.raw_table)
        con.execute("begin transaction")
        con.execute("set preserve_insertion_order = false")
        con.execute(insert, params)
        con.execute("commit")
        rows = con.execute(f"select count(*) from {form.raw_table}").fetchall()[0][0]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "peak_rss": _peak_rss()}


@dataclass(frozen=True)
class ChildRun:
    """One measured child: wall seconds and CPU seconds (all threads) of the measured work."""

    seconds: float
    cpu: float
    rows: int
    max_rss_bytes: int
    detail: dict = field(default_factory=dict)


def _run_child(*args: str) -> ChildRun:
    """Run this module as a child: its own timing and peak RSS (``ru_maxrss`` from ``wait4``
    kept for comparison)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.intake", "--child", *args],
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.stdout.close()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {args[0]} failed with exit code {proc.returncode}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["ru_maxrss"] = usage.ru_maxrss * 1024  # kilobytes on Linux
    return ChildRun(result["seconds"], result["cpu"], result["rows"], result["peak_rss"], result)


# ---------------------------------------------------------------- measurements


def _prepared_home(home: Path) -> Path:
    """A data home whose warehouse exists with the raw schema, as in a running deployment;
    returns the county's drop folder."""
    from reportflow.config import Settings
    from reportflow.intake.load import Warehouse

    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home, stable_seconds=0)
    folder = settings.drop_dir / COUNTY
    folder.mkdir(parents=True)
    with Warehouse(settings) as warehouse:
        warehouse.con  # noqa: B018 - opening it creates the file and the raw schema
    return folder


def _fresh_home(root: Path, name: str, source: Path) -> Path:
    """A prepared data home with ``source`` dropped (the child runs with stable_seconds 0)."""
    home = root / name
    target = _prepared_home(home) / FILE_NAME
    shutil.copyfile(source, target)
    return home


def _ingest(root: Path, source: Path, *, exact: bool = False) -> ChildRun:
    home = _fresh_home(root, "home", source)
    run = _run_child("ingest", str(home), "exact" if exact else "bulk")
    if run.detail["statuses"] != ["accepted"]:
        raise RuntimeError(f"benchmark file not accepted: {run.detail['statuses']}")
    return run


def _bare(root: Path, source: Path) -> ChildRun:
    db = root / "bare.duckdb"
    db.unlink(missing_ok=True)
    run = _run_child("bare", str(source), str(db))
    db.unlink(missing_ok=True)
    return run


def _floor(root: Path, source: Path, passes: str) -> ChildRun:
    home = root / f"floor-{passes}"
    _prepared_home(home)
    run = _run_child("floor", str(source), str(home), passes)
    shutil.rmtree(home)
    return run


def _latency_in_process(root: Path, rows: int, repeat: int) -> list[float]:
    """Seconds from a file landing to its receipt existing, one ingest run in this process."""
    from reportflow.config import Settings
    from reportflow.intake import ingest

    data = disputes_file(rows)
    seconds = []
    for i in range(repeat):
        settings = Settings(home=root / f"latency{i}", stable_seconds=0)
        folder = _prepared_home(settings.home)
        receipt = folder / "回执" / f"disputes_{PERIOD}.回执.txt"
        started = time.perf_counter()
        (folder / FILE_NAME).write_bytes(data)
        ingest(settings)
        if not receipt.exists():
            raise RuntimeError("no receipt after one ingest run")
        seconds.append(time.perf_counter() - started)
    return seconds


def _latency_cli(root: Path, rows: int) -> tuple[float, float]:
    """The same as a fresh ``reportflow ingest`` process (interpreter start and imports).

    (seconds to the receipt, seconds to the process's end): after the receipts the process
    goes on to check the accepted rows with the raw suites, which the clerk does not wait for.
    """
    home = root / "latency_cli"
    folder = _prepared_home(home)
    env = dict(os.environ, REPORTFLOW_HOME=str(home), REPORTFLOW_STABLE_SECONDS="0")
    receipt = folder / "回执" / f"disputes_{PERIOD}.回执.txt"
    started = time.perf_counter()
    (folder / FILE_NAME).write_bytes(disputes_file(rows))
    process = subprocess.Popen(
        [sys.executable, "-m", "reportflow.cli", "ingest"], env=env, stdout=subprocess.DEVNULL
    )
    while not receipt.exists() and process.poll() is None:
        time.sleep(0.005)
    to_receipt = time.perf_counter() - started
    if process.wait() != 0 or not receipt.exists():
        raise RuntimeError("no receipt after one reportflow ingest")
    return to_receipt, time.perf_counter() - started


@dataclass
class Figures:
    """What ``run`` measured; ``print_figures`` says what each number means."""

    rows: int
    file_bytes: int
    max_bytes: int
    ingest: list[ChildRun]
    bare: list[ChildRun]
    one_pass: list[ChildRun] = field(default_factory=list)
    two_pass: list[ChildRun] = field(default_factory=list)
    exact: ChildRun | None = None
    gb18030: ChildRun | None = None
    gb18030_bytes: int = 0
    latency_rows: int = 0
    latency: list[float] = field(default_factory=list)
    latency_cli: tuple[float, float] | None = None
    stable_seconds: float = 2.0

    @staticmethod
    def _median(runs: list[ChildRun]) -> float:
        return statistics.median(r.seconds for r in runs)

    @property
    def ingest_rate(self) -> float:
        return self.rows / self._median(self.ingest)

    @property
    def bare_rate(self) -> float:
        return self.rows / self._median(self.bare)

    @property
    def ratio(self) -> float:
        return self.ingest_rate / self.bare_rate

    @property
    def cpu_ratio(self) -> float:
        """The same ratio in CPU seconds: less moved by other work on a shared machine."""
        bare = statistics.median(r.cpu for r in self.bare)
        return bare / statistics.median(r.cpu for r in self.ingest)


def run(
    *, rows: int = 1_000_000, repeat: int = 3, exact: bool = True, latency: bool = True
) -> Figures:
    """Measure everything once, in a temporary folder that is removed afterwards."""
    from reportflow.config import load_settings
    from reportflow.intake.model import Limits

    limits = Limits.from_contract()
    with tempfile.TemporaryDirectory(prefix="reportflow-bench-intake-") as tmp:
        root = Path(tmp)
        source = root / FILE_NAME
        data = disputes_file(rows, compact=True)
        source.write_bytes(data)
        figures = Figures(
            rows=rows,
            file_bytes=len(data),
            max_bytes=limits.max_bytes,
            ingest=[],
            bare=[],
            stable_seconds=load_settings().stable_seconds,
        )
        gb = root / "gb18030" / FILE_NAME
        gb.parent.mkdir()
        gb.write_bytes(data.decode("utf-8").encode("gb18030"))
        figures.gb18030_bytes = gb.stat().st_size
        del data
        for _ in range(repeat):
            figures.bare.append(_bare(root, source))
            figures.ingest.append(_ingest(root, source))
            figures.one_pass.append(_floor(root, source, "one"))
            figures.two_pass.append(_floor(root, source, "two"))
        figures.gb18030 = _ingest(root, gb)
        if exact:
            figures.exact = _ingest(root, source, exact=True)
        if latency:
            figures.latency_rows = 200
            figures.latency = _latency_in_process(root, figures.latency_rows, 5)
            figures.latency_cli = _latency_cli(root, figures.latency_rows)
    return figures


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


def print_figures(f: Figures) -> None:
    """Print the figures with what they mean and the goals from the issue."""
    within = "within" if f.file_bytes <= f.max_bytes else "OVER"
    cores = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {cores} CPUs, load average {load} (other work moves wall times)")
    print(
        f"intake: {f.rows:,}-row disputes file, UTF-8, {f.file_bytes:,} bytes "
        f"({within} the {f.max_bytes:,}-byte limit); medians of {len(f.ingest)} alternating runs"
    )
    ingest_s = statistics.median(r.seconds for r in f.ingest)
    bare_s = statistics.median(r.seconds for r in f.bare)
    print(
        f"  ingest (checks + load + receipt)  {ingest_s:6.2f} s  {f.ingest_rate:>11,.0f} rows/s  "
        f"peak RSS {_mb(max(r.max_rss_bytes for r in f.ingest))}   "
        f"(runs: {', '.join(f'{r.seconds:.2f}' for r in f.ingest)} s)"
    )
    print(
        f"  bare DuckDB read_csv into a table {bare_s:6.2f} s  {f.bare_rate:>11,.0f} rows/s  "
        f"peak RSS {_mb(max(r.max_rss_bytes for r in f.bare))}   "
        f"(runs: {', '.join(f'{r.seconds:.2f}' for r in f.bare)} s)"
    )
    verdict = "met" if f.ratio >= RATIO_GOAL else "NOT met"
    goal = f"goal >= {RATIO_GOAL}: {verdict}"
    print(f"  ratio ingest / bare read           {f.ratio:6.2f}   ({goal})")
    for label, runs in (("one pass", f.one_pass), ("two passes", f.two_pass)):
        floor_s = statistics.median(r.seconds for r in runs)
        print(
            f"  {'floor, ' + label + ', no checks':34s}{floor_s:6.2f} s  "
            f"ratio to the bare read {bare_s / floor_s:4.2f}   "
            "(into raw.disputes; no hash, copy or receipt)"
        )
    ingest_cpu = statistics.median(r.cpu for r in f.ingest)
    bare_cpu = statistics.median(r.cpu for r in f.bare)
    print(
        f"  the same in CPU seconds            {f.cpu_ratio:6.2f}   "
        f"(ingest {ingest_cpu:.2f} s, bare read {bare_cpu:.2f} s, all threads)"
    )
    peak = max(r.max_rss_bytes for r in f.ingest)
    print(f"  ingest peak memory                 {_mb(peak)}   (goal < 2 GB: ", end="")
    print("met)" if peak < 2 * 1024**3 else "NOT met)")
    if f.gb18030 is not None:
        print(
            f"  same file as GB18030 ({f.gb18030_bytes:,} bytes): "
            f"ingest {f.gb18030.seconds:.2f} s, {f.rows / f.gb18030.seconds:,.0f} rows/s, "
            f"peak RSS {_mb(f.gb18030.max_rss_bytes)}"
        )
    if f.exact is not None:
        print(
            f"  exact path only (bulk path off): ingest {f.exact.seconds:.2f} s, "
            f"{f.rows / f.exact.seconds:,.0f} rows/s, peak RSS {_mb(f.exact.max_rss_bytes)}"
        )
    if f.latency:
        cycle = INGEST_CYCLE.total_seconds()
        processing = statistics.median(f.latency)
        print(
            f"latency, file landing -> receipt: ingest_submissions runs every {cycle:.0f} s; "
            f"a file must be unchanged for {f.stable_seconds:g} s before it is claimed"
        )
        print(
            f"  in-cycle processing, {f.latency_rows}-row file, one ingest run: "
            f"median {processing * 1000:.0f} ms (runs: "
            f"{', '.join(f'{s * 1000:.0f}' for s in f.latency)} ms)"
        )
        if f.latency_cli is not None:
            to_receipt, to_end = f.latency_cli
            print(
                f"  the same as a fresh `reportflow ingest` process: receipt after"
                f" {to_receipt:.2f} s (the process ends at {to_end:.2f} s, after the"
                " acceptance check)"
            )
        big = statistics.median(r.seconds for r in f.ingest)
        print(
            f"  => typical wait {cycle / 2:.0f} s + processing; at most {cycle:.0f} s + "
            f"{f.stable_seconds:g} s + processing ({processing:.2f} s for a typical file, "
            f"{big:.1f} s for {f.rows:,} rows) plus the scheduler's task start-up"
        )


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.intake``; also called by ``benchmarks.run``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-exact", action="store_true", help="skip the exact-path run")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency figures")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "ingest":
            result = _child_ingest(Path(rest[0]), exact=rest[1] == "exact")
        elif kind == "floor":
            result = _child_floor(Path(rest[0]), Path(rest[1]), rest[2])
        else:
            result = _child_bare(Path(rest[0]), Path(rest[1]))
        print(json.dumps(result))
        return
    figures = run(
        rows=args.rows, repeat=args.repeat, exact=not args.no_exact, latency=not args.no_latency
    )
    print_figures(figures)


if __name__ == "__main__":
    main()
