"""``reportflow``: the data engineers' command line. It calls the same functions as the DAGs.

Exit codes: 0 success; 1 a stage failed (dbt, quality, rendering); 2 bad arguments or settings
(a missing data home, a malformed REPORTFLOW_* value); 3 the warehouse stayed locked by another
process; 4 done, but some files were rejected.
Errors are one line on stderr; set REPORTFLOW_DEBUG=1 to see the traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import unicodedata
from collections.abc import Callable

from reportflow.config import Settings, SettingsError, load_settings
from reportflow.periods import Period, PeriodError, parse_period

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_REJECTED = 0, 1, 2, 3, 4

#: Commands that set a data home up, so they may create a missing REPORTFLOW_HOME.
CREATES_HOME = frozenset({"init", "demo", "demo-data"})

#: Where ``reportflow approve`` reads the Airflow API password (never a command-line option).
API_PASSWORD_ENV = "REPORTFLOW_API_PASSWORD"
#: Set to anything to let a command's traceback through instead of the one-line error.
DEBUG_ENV = "REPORTFLOW_DEBUG"


def _period(text: str) -> str:
    try:
        return parse_period(text)
    except PeriodError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.pipeline import initialise_home

    initialise_home(settings)
    print(f"data home ready: {settings.home}")
    print(f"county drop folders: {settings.drop_dir}/<county_code>/")
    return EXIT_OK


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.demo import already_ingested
    from reportflow.demo_data import generate_demo_data

    if already_ingested(settings):
        print("demo data already ingested into this data home; nothing generated")
        return EXIT_OK
    summary = generate_demo_data(
        settings,
        end_period=args.end_period,
        months=args.months,
        bad_files=not args.no_bad_files,
    )
    print(f"wrote {len(summary.files)} files for periods up to {args.end_period}")
    for bad in summary.bad_files:
        print(f"  deliberately bad: {bad.county_code}/{bad.path.name}: {bad.problem}")
    return EXIT_OK


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.pipeline import ingest_once

    summary = ingest_once(settings)
    for item in summary["files"]:
        print(f"{item['status']:<9} {item['county']} {item['file']}")
    print(summary["message"])
    return EXIT_REJECTED if summary["rejected"] else EXIT_OK


def cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.pipeline import build_once

    quality = build_once(settings)
    blocked = ", ".join(sorted(quality["blocking"])) or "none"
    print(f"marts built; quality: periods with blocking failures: {blocked}")
    print(f"quality Data Docs: {quality['data_docs']}")
    print(f"snapshot: {settings.snapshot_dir}")
    return EXIT_OK


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.pipeline import publish_docs_once

    print(f"dbt docs: {publish_docs_once(settings)}")
    return EXIT_OK


def _print_publication(settings: Settings, period: str) -> None:
    from reportflow.bulletin import publication_paths

    for label, path in publication_paths(settings, period):
        print(f"{label}: {path}")


def cmd_publish(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.pipeline import publish_once, resend_once

    if args.resend:
        print(resend_once(args.period, args.to, settings))
        return EXIT_OK
    if args.to:
        print("reportflow: error: --to goes with --resend", file=sys.stderr)
        return EXIT_USAGE
    publish_once(args.period, settings)
    _print_publication(settings, args.period)
    return EXIT_OK


def _api_account(args: argparse.Namespace):
    """The Airflow API server and login: URL and user from options, password from the
    environment (``REPORTFLOW_API_PASSWORD``) or a prompt, never from the command line."""
    import getpass

    from reportflow.delivery.respond import ApiAccount

    password = os.environ.get(API_PASSWORD_ENV) or getpass.getpass(f"{args.user} password: ")
    return ApiAccount(base_url=args.api_url, username=args.user, password=password)


def cmd_approve(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.delivery.respond import respond

    record = respond(_api_account(args), args.period, approve=not args.reject, comment=args.comment)
    print(f"{record['chosen_options'][0]} {args.period} as {record['responded_by']['name']}")
    return EXIT_OK


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.pipeline import run_once

    outcome = run_once(args.period, settings)
    print(f"ingest: {outcome['ingest']['message']}")
    _print_publication(settings, args.period)
    return EXIT_REJECTED if outcome["ingest"]["rejected"] else EXIT_OK


def cmd_quality(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.quality import read_verdict
    from reportflow.quality.report import verdict_lines

    verdict = read_verdict(settings, args.period)
    print("\n".join(verdict_lines(verdict, settings)))
    return EXIT_OK if verdict.publishable else EXIT_FAILED


def _display_pad(text: str, width: int) -> str:
    """Pad to a terminal width: CJK characters take two columns, so len() misaligns them."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - columns, 1)


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.alerts.reminders import reminder_lines
    from reportflow.contract import forms
    from reportflow.intake import status_grid

    grid = status_grid(settings, args.period)
    form_keys = list(forms())
    print(f"submissions for {args.period} (accepted / late / rejected / missing / 未到期 not due)")
    print(_display_pad("county", 28) + "".join(_display_pad(key, 15) for key in form_keys))
    for row in grid:
        unit = _display_pad(f"{row['county_code']} {row['county_name']}", 28)
        statuses = (row["forms"][key].replace("not_due", "未到期") for key in form_keys)
        print(unit + "".join(_display_pad(status, 15) for status in statuses))
    for line in reminder_lines(settings, args.period, grid):
        print(line)
    return EXIT_OK


def cmd_alerts(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.alerts.ledger import alerts_of, reopen
    from reportflow.delivery.ledger import open_ledger
    from reportflow.periods import beijing_now

    with open_ledger(settings.delivery_dir) as con:
        if args.clear is not None:
            if not reopen(con, args.clear, beijing_now()):
                print(f"reportflow: error: no open alert {args.clear}", file=sys.stderr)
                return EXIT_USAGE
            print(f"alert {args.clear} cleared: its cause is sent again when next seen")
            return EXIT_OK
        for alert in alerts_of(con):
            state = f"cleared {alert.cleared_at}" if alert.cleared_at else "open"
            sent = alert.sent_at or "-"
            print(
                f"{alert.alert_id:>5} {alert.kind:<14} {alert.scope:<40} sent {sent}"
                f" to {', '.join(alert.recipients)} ({state}): {alert.summary}"
            )
    return EXIT_OK


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.demo import run_demo

    return run_demo(settings, args.end_period)


def cmd_airflow(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.orchestration.local import dags_test_log, run_airflow

    airflow_args = list(args.airflow_args)
    if airflow_args[:2] != ["dags", "test"]:
        return run_airflow(settings, *airflow_args, check=False)
    log_path = dags_test_log(settings)
    code = run_airflow(settings, *airflow_args, check=False, log_path=log_path, tee=True)
    print(f"log kept in {log_path}")
    return code


def cmd_airflow_setup(settings: Settings, args: argparse.Namespace) -> int:
    from reportflow.orchestration.local import WAREHOUSE_POOL, prepare_airflow

    prepare_airflow(settings, embedded=not args.configured)
    print(f"Airflow metadata database migrated; pool {WAREHOUSE_POOL} set")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportflow",
        description="County submissions → DuckDB → dbt indicators → bulletins. "
        "The data home is $REPORTFLOW_HOME (default ./var).",
        epilog="exit codes: 0 ok, 1 stage failed, 2 bad arguments or settings, 3 warehouse locked, "
        "4 done but some files were rejected",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    default_period = Period.reporting().key

    def add(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    add("init", cmd_init, "create the data home and one drop folder per county")
    demo_data = add("demo-data", cmd_demo_data, "generate sample county submissions")
    demo_data.add_argument("--end-period", type=_period, default=default_period)
    demo_data.add_argument("--months", type=int, default=14)
    demo_data.add_argument("--no-bad-files", action="store_true")
    add("ingest", cmd_ingest, "process the drop folders once")
    add("build", cmd_build, "dbt build, quality checks, snapshot export")
    add("docs", cmd_docs, "generate the dbt docs site (one static page) in the data home")
    commands = {}
    for name, handler, text in (
        ("publish", cmd_publish, "render bulletins and export indicators.csv for a period"),
        ("run", cmd_run, "ingest, build and publish, in order"),
        ("status", cmd_status, "county × form submission grid for a period"),
        ("quality", cmd_quality, "the period's quality verdict: blocking failures, warnings"),
        ("approve", cmd_approve, "approve (or --reject) the publish DAG's waiting sign-off"),
    ):
        commands[name] = add(name, handler, text)
        commands[name].add_argument("--period", type=_period, required=True)
    commands["publish"].add_argument(
        "--resend",
        action="store_true",
        help="mail the approved bulletins of the period again, on purpose (nothing is rendered)",
    )
    commands["publish"].add_argument(
        "--to", metavar="ADDRESS", help="with --resend: only this reader"
    )
    approve = commands["approve"]
    approve.add_argument("--reject", action="store_true", help="reject: nothing is sent")
    approve.add_argument("--comment", default="", help="审核意见 recorded with the answer")
    approve.add_argument(
        "--api-url",
        default=os.environ.get(
            "AIRFLOW__API__BASE_URL",
            f"http://127.0.0.1:{os.environ.get('AIRFLOW__API__PORT', '8080')}",
        ),
        help="the Airflow API server (default: the embedded one)",
    )
    approve.add_argument("--user", default="admin", help=f"password from ${API_PASSWORD_ENV}")
    alerts = add("alerts", cmd_alerts, "alerts sent (failures, reminders, late bulletin)")
    alerts.add_argument(
        "--clear", type=int, metavar="ID", help="clear an open alert: its cause is sent again"
    )
    demo = add("demo", cmd_demo, "the whole job end to end through Airflow on demo data")
    demo.add_argument("--end-period", type=_period, default=default_period)
    setup = add(
        "airflow-setup",
        cmd_airflow_setup,
        "migrate Airflow's metadata database and create the warehouse writer pool",
    )
    setup.add_argument(
        "--configured",
        action="store_true",
        help="use the environment's Airflow configuration (docker-compose), not the embedded one",
    )
    passthrough = add("airflow", cmd_airflow, "run an airflow command with the embedded settings")
    passthrough.add_argument("airflow_args", nargs=argparse.REMAINDER)
    return parser


def _exit_code_for(error: BaseException) -> int:
    from reportflow.warehouse import WarehouseBusy

    return EXIT_BUSY if isinstance(error, WarehouseBusy) else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(create_home=args.command in CREATES_HOME)
    except SettingsError as error:
        print(f"reportflow: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.handler(settings, args)
    except KeyboardInterrupt:
        print("reportflow: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:
        if os.environ.get(DEBUG_ENV):
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"reportflow: error: {message}", file=sys.stderr)
        return _exit_code_for(error)


if __name__ == "__main__":
    sys.exit(main())
