"""The ``harrow-dash`` command: set up the database, load and roll back files, templates, exports, serve.

Works on the database named by ``HARROW_DASH_DATABASE_URL`` (default: the DuckDB file under ``data/``).
Exit codes: 0 success, 1 input refused (every problem listed on stderr), 2 wrong usage. Errors are
plain sentences, never a stack trace.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from harrow_dash.config import ASGI_APP, REPO_ROOT, SAMPLE_DIR, Settings, load_settings
from harrow_dash.ingest.load import (
    FileInput,
    LoadPlan,
    PublishedChangeRefused,
    Revision,
    RollbackNeedsReason,
    RollbackRefused,
    commit,
    prepare,
    published_change_message,
    rollback,
)
from harrow_dash.ingest.problems import LoadRefused
from harrow_dash.rules.periods import Period, PeriodError, parse_period
from harrow_dash.startup import startup_problem
from harrow_dash.store import SAMPLE_LOADER, DatabaseBusy, DatabaseError, NotInitialised, Store
from harrow_dash.store import open_for_reading as store_open_for_reading
from harrow_dash.store.failures import quiet_driver_logs
from harrow_dash.store.revision_rule import ReasonNeeded, Revisions

SAMPLE_FILES = (
    "indicators.csv",
    "actions.csv",
    "highlights.csv",
    "comparators.csv",
    "comparison_groups.csv",
    "corrective_actions.csv",
)
# The sample's Cabinet history: `init --sample` publishes every quarter up to this one, as a council's
# past reports would be; later quarters (Q4 2023-24 has targets, no actuals yet) stay drafts.
SAMPLE_PUBLISHED_THROUGH = parse_period("Q3 2023-24")


# A load reads CSV files as a stream (ingest.stream) and caps DuckDB's own memory, so that the command
# stays within a few hundred MB whatever the file's size (measured by `make bench`, stream_csv).
LOAD_DUCKDB_MEMORY = "64MB"


class UsageError(Exception):
    pass


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "command line"


def _print_plan_counts(plan, out) -> None:
    from harrow_dash.ingest.load import TABLE_LABELS

    for name, change in plan.tables.items():
        print(
            f"  {TABLE_LABELS[name]}: {change.added:,} new, {change.changed:,} changed, "
            f"{change.unchanged:,} unchanged",
            file=out,
        )


def _report_problems(problems, err) -> int:
    print(f"Refused: {len(problems)} problem(s) found; nothing was loaded.", file=err)
    for p in problems:
        print(f"  {p}", file=err)
    return 1


def load_sample(store: Store, out=sys.stdout) -> int:
    files = [FileInput(f"sample/{n}", (SAMPLE_DIR / n).read_bytes()) for n in SAMPLE_FILES]
    plan = prepare(store, files, compare=False)  # the commit compares
    if not plan.ok:
        return _report_problems(plan.problems, sys.stderr)
    try:
        result = commit(store, plan, SAMPLE_LOADER)
    except PublishedChangeRefused as exc:
        # A database holding an older sample whose quarters are published: what the sample adds
        # since (its corrective actions) would revise them, which only an editor may decide.
        print(str(exc), file=sys.stderr)
        print(
            "  To add them as a revision: harrow-dash load data/sample/corrective_actions.csv "
            '--revise-published --reason "why"',
            file=sys.stderr,
        )
        return 1
    if result.batch_id is None:
        print("The sample data is already loaded.", file=out)
    else:
        print(f"Loaded the illustrative sample data as batch {result.batch_id}.", file=out)
        _print_plan_counts(plan, out)
    return 0


def cmd_init(store: Store, args: argparse.Namespace) -> int:
    if args.if_missing and store.is_initialised():
        print("The database is already set up.")
        return 0
    priorities = None
    if args.priorities:
        lines = [
            ln.strip()
            for ln in Path(args.priorities).read_text(encoding="utf-8-sig").splitlines()
            if ln.strip()
        ]
        if not lines:
            raise UsageError(f"{args.priorities} lists no priorities.")
        priorities = [(i, name, name) for i, name in enumerate(lines, start=1)]
    store.init(priorities)
    print(f"Database ready: {store._where}")
    if args.sample:
        rc = load_sample(store)
        if rc == 0:
            publish_sample_history(store)
        return rc
    return 0


def publish_sample_history(store: Store, out=sys.stdout) -> list[Period]:
    """Publish the sample's quarters up to :data:`SAMPLE_PUBLISHED_THROUGH`, unless the database
    already has a published quarter (an editor's choices are never overridden). Returns those
    published."""
    if store.published_periods():
        return []
    chosen = [p for p in store.periods() if p <= SAMPLE_PUBLISHED_THROUGH]
    for period in chosen:
        store.publish(period, SAMPLE_LOADER)
    if chosen:
        later = [p for p in store.periods() if p > SAMPLE_PUBLISHED_THROUGH]
        drafts = f"; {', '.join(p.label for p in later)} left as draft" if later else ""
        print(f"Published {chosen[0].label} to {chosen[-1].label}{drafts}.", file=out)
    return chosen


def _inputs(paths: Sequence[str]) -> list[FileInput]:
    files = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise UsageError(f"There is no file '{p}'.")
        files.append(FileInput.from_path(path))  # read as a stream, never held whole
    return files


def cmd_load(store: Store, args: argparse.Namespace) -> int:
    reason = (args.reason or "").strip()
    if args.revise_published and not reason:
        raise UsageError("--revise-published needs --reason TEXT: say why the figures change.")
    if reason and not args.revise_published:
        raise UsageError("--reason goes with --revise-published.")
    files = _inputs(args.files)
    store.require_initialised()
    # A dry run compares here; a real load compares once, inside its own transaction.
    plan = prepare(store, files, compare=args.dry_run, stream=True)
    try:
        return _load_prepared(store, plan, args)
    finally:
        plan.cleanup()


def _load_prepared(store: Store, plan: LoadPlan, args: argparse.Namespace) -> int:
    for w in plan.warnings:
        print(f"Note: {w}", file=sys.stderr)
    if not plan.ok:
        return _report_problems(plan.problems, sys.stderr)
    if plan.changes_published and not args.revise_published:  # known here after a dry run
        return _refuse_published(published_change_message(plan), args)
    if args.dry_run:
        print(f"Valid: {plan.file_name} would load as follows (dry run, nothing written):")
        _print_plan_counts(plan, sys.stdout)
        _print_revisions(plan, sys.stdout)
        return 0
    reason = (args.reason or "").strip()
    revision = Revision(reason) if args.revise_published else None
    try:
        result = commit(store, plan, args.user or _user(), revision)
    except PublishedChangeRefused as exc:  # found by the commit's comparison
        return _refuse_published(str(exc), args)
    if result.batch_id is None:
        print("Nothing to load: every row in the file already matches the database.")
        return 0
    print(f"Loaded {plan.file_name} as batch {result.batch_id}.")
    _print_plan_counts(plan, sys.stdout)
    _print_revisions(plan, sys.stdout)
    return 0


def _refuse_published(message: str, args: argparse.Namespace) -> int:
    print(message, file=sys.stderr)
    if not args.revise_published:
        print(
            '  To revise them, load again with --revise-published --reason "why the figures '
            'change".',
            file=sys.stderr,
        )
    return 1


def _print_revisions(plan, out) -> None:
    from harrow_dash.ingest.load import describe_published_change

    n = len(plan.published_changes)
    if not n:
        return
    print(f"  revised {n:,} published figure{'s' if n != 1 else ''}:", file=out)
    for row in plan.published_changes.itertuples():
        print(f"    {describe_published_change(row)}", file=out)


def cmd_batches(store: Store, args: argparse.Namespace) -> int:
    store.require_initialised()
    df = store.batches()
    if df.empty:
        print("No batches have been loaded.")
        return 0
    for r in df.itertuples():
        extra = (
            f", rolled back {r.rolled_back_at:%Y-%m-%d %H:%M} by {r.rolled_back_by}"
            if r.status != "committed"
            else ""
        )
        print(
            f"{r.id:>4}  {r.loaded_at:%Y-%m-%d %H:%M}  {r.loaded_by:<16} {r.status:<12} "
            f"+{r.rows_added:,} ~{r.rows_changed:,} ={r.rows_unchanged:,}  {r.file_name}  sha256 {r.sha256[:12]}{extra}"
        )
    return 0


def cmd_rollback(store: Store, args: argparse.Namespace) -> int:
    store.require_initialised()
    try:
        rollback(store, args.batch, args.user or _user(), reason=args.reason)
    except RollbackNeedsReason as exc:
        return _refused_without_reason(
            exc,
            f'  To roll it back, run again with --reason "why the figures change": '
            f'harrow-dash rollback {args.batch} --reason "..."',
        )
    except RollbackRefused as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"Batch {args.batch} rolled back: the values it replaced are restored.")
    return 0


def _refused_without_reason(exc: ReasonNeeded | RollbackNeedsReason, again: str) -> int:
    """A change to published figures refused for want of a reason: why, the figures it would change,
    and ``again`` (how to run it with one), on stderr; the exit code 1."""
    print(str(exc), file=sys.stderr)
    _print_changes(exc.revisions, sys.stderr)
    print(again, file=sys.stderr)
    return 1


def _print_changes(revisions: Revisions, out, limit: int = 20) -> None:
    """The published figures a rollback or republication changes, one a line."""
    from harrow_dash.ingest.load import describe_published_change

    changes = revisions.all_changes()
    for row in changes.head(limit).itertuples():
        print(f"  {describe_published_change(row)}", file=out)
    if len(changes) > limit:
        print(f"  ... and {len(changes) - limit:,} more.", file=out)


def cmd_publish(store: Store, args: argparse.Namespace) -> int:
    store.require_initialised()
    from harrow_dash.store.publishing import quarter_statuses

    period: Period = args.quarter
    if period not in {q.period for q in quarter_statuses(store)}:  # the Data page's list
        print(f"There is no data for {period.label} to publish.", file=sys.stderr)
        return 1
    try:
        store.publish(period, args.user or _user(), reason=args.reason)
    except ReasonNeeded as exc:
        return _refused_without_reason(
            exc,
            f'  To publish it, run again with --reason "why the figures changed": '
            f'harrow-dash publish "{period.label}" --reason "..."',
        )
    print(f"Published {period.label}.")
    return 0


def cmd_unpublish(store: Store, args: argparse.Namespace) -> int:
    store.require_initialised()
    period: Period = args.quarter
    if period not in store.published_periods():
        print(f"{period.label} is not published.", file=sys.stderr)
        return 1
    store.unpublish(period)
    print(
        f"{period.label} is a draft again. It was published, so its figures still change only as "
        "a revision with a reason."
    )
    return 0


def cmd_template(store: Store, args: argparse.Namespace) -> int:
    # Imported here: openpyxl is only needed for a template (a load need not carry it).
    from harrow_dash.ingest.template import build_template, current_indicators, next_quarter

    priorities = indicators = None
    latest = None
    try:
        if store.is_initialised():
            priorities = list(store.priorities()["name"])
            latest = store.latest_reported_period()
    except DatabaseBusy:
        priorities = None
    quarter = args.quarter or next_quarter(latest)
    if priorities and not args.blank:
        try:
            indicators = current_indicators(store, quarter)
        except DatabaseBusy:
            indicators = None
    if not priorities:
        from harrow_dash.rules.plan import PRIORITIES_2023_24

        priorities = [n for _, n, _ in PRIORITIES_2023_24]
    kind = ".ods" if Path(args.output).suffix.lower() == ".ods" else ".xlsx"
    Path(args.output).write_bytes(build_template(priorities, quarter, indicators, kind))
    filled = (
        f", prefilled with the {len(indicators)} current indicators"
        if indicators is not None and len(indicators)
        else ""
    )
    print(f"Template for {quarter.label}{filled} written to {args.output}")
    return 0


def cmd_export(store: Store, args: argparse.Namespace) -> int:
    import pandas as pd

    from harrow_dash.formats.csv_text import write_csv
    from harrow_dash.outputs.exports import monthly_export, tidy_export
    from harrow_dash.rules.scorecard import RuleSettings

    store.require_initialised()
    settings = load_settings()
    rules = RuleSettings(
        settings.default_tolerance,
        settings.suppression_threshold,
        False,
        suppress_zero=settings.suppress_zero,
    )
    source = Store(store.url, public=True, read_only=store.read_only) if args.public else store
    if args.corrective_actions:
        from harrow_dash.formats.spreadsheet_safe import neutralise_frame
        from harrow_dash.outputs.corrective_export import export_table

        try:
            table = export_table(source)
        finally:
            if source is not store:
                source.dispose()
        write_csv(neutralise_frame(table), args.output)
        view = "published quarters, no internal notes" if args.public else "every quarter"
        print(
            f"Exported {table['action_id'].nunique():,} corrective actions ({len(table):,} rows, "
            f"{view}) to {args.output}"
        )
        return 0
    months = 0
    try:
        frame = tidy_export(source.tidy_values(), rules, public=args.public)
        if not args.public:  # the editor's export: monthly values too, one row a month
            monthly = monthly_export(store.tidy_months())
            months = len(monthly)
            if months:
                frame = pd.concat([frame, monthly], ignore_index=True)
    finally:
        if source is not store:
            source.dispose()
    write_csv(frame, args.output)
    view = "published quarters, small counts suppressed" if args.public else "stored values"
    also = f" and {months:,} monthly values" if months else ""
    print(f"Exported {len(frame) - months:,} indicator values{also} ({view}) to {args.output}")
    return 0


def cmd_open_data(store: Store, args: argparse.Namespace) -> int:
    from harrow_dash.outputs.open_data import NothingPublished, build, write
    from harrow_dash.rules.scorecard import RuleSettings

    store.require_initialised()
    settings = load_settings()
    rules = RuleSettings(
        settings.default_tolerance,
        settings.suppression_threshold,
        False,
        suppress_zero=settings.suppress_zero,
    )
    try:
        files = build(store.public_view(), rules)
    except NothingPublished as exc:
        print(str(exc), file=sys.stderr)
        return 1
    directory = Path(args.output)
    write(files, directory)
    print(f"Open data package ({len(files)} files, published quarters only) written to {directory}")
    return 0


def _choose(wanted: Sequence[str] | None, allowed: Sequence[str], what: str) -> tuple[str, ...]:
    """Values named on the command line, matched without regard to case; an unknown one is a usage
    error naming the choices."""
    lookup = {a.lower(): a for a in allowed}
    chosen: list[str] = []
    for value in wanted or []:
        match = lookup.get(value.strip().lower())
        if match is None:
            choices = "; ".join(allowed) or "none in the database"
            raise UsageError(f"There is no {what} '{value}'. Choose from: {choices}.")
        if match not in chosen:
            chosen.append(match)
    return tuple(chosen)


def cmd_briefing(store: Store, args: argparse.Namespace) -> int:
    from harrow_dash.outputs.briefing import NoBriefingData, build_briefing
    from harrow_dash.rules.filters import Filters
    from harrow_dash.rules.scorecard import RuleSettings

    store.require_initialised()
    quarter: Period = args.quarter
    available = store.periods()
    if quarter not in available:
        held = (
            f"The database holds {available[0].label} to {available[-1].label}."
            if available
            else "The database holds no data yet."
        )
        print(f"There is no data for {quarter.label}. {held}", file=sys.stderr)
        return 1
    prios = store.priorities()
    by_name = {str(r.name): int(r.id) for r in prios.itertuples()}
    names = [
        next((n for n, i in by_name.items() if str(i) == p.strip()), p) for p in args.priority or []
    ]
    filters = Filters(
        period=quarter,
        priorities=tuple(by_name[n] for n in _choose(names, list(by_name), "priority")),
        directorates=_choose(args.directorate, store.directorates(), "directorate"),
        portfolios=_choose(args.portfolio, store.portfolios(), "portfolio"),
    )
    output = Path(args.output)
    if not output.parent.is_dir():
        raise UsageError(f"The folder '{output.parent}' does not exist.")
    settings = load_settings()
    rules = RuleSettings(
        settings.default_tolerance,
        settings.suppression_threshold,
        False,
        suppress_zero=settings.suppress_zero,
    )
    try:
        document = build_briefing(store, filters, rules)
    except NoBriefingData as exc:
        print(str(exc), file=sys.stderr)
        return 1
    output.write_bytes(document)
    print(f"Briefing pack for {quarter.label} written to {output}")
    return 0


def _quarter(text: str) -> Period:
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Check the port and the database (:mod:`harrow_dash.startup`), then become the Streamlit
    server (the process is replaced, so a supervisor's signals reach Streamlit itself)."""
    problem = startup_problem(
        args.address,
        args.port,
        settings.database_url,
        public=settings.public_mode,
        frame_ancestors=settings.frame_ancestors,
    )
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    options = [o for o in args.streamlit_options if o != "--"]
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ASGI_APP),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        *options,
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(REPO_ROOT)  # Streamlit reads .streamlit/config.toml from the working directory
    os.execv(sys.executable, command)
    return 1  # not reached: execv replaces the process or raises


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harrow-dash",
        description="Harrow performance dashboard: database and data loading. "
        "The database is named by HARROW_DASH_DATABASE_URL (default: data/harrow.duckdb).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("init", help="create the database schema, optionally with the sample data")
    p.add_argument("--sample", action="store_true", help="load the illustrative sample data")
    p.add_argument(
        "--if-missing", action="store_true", help="do nothing if the database is already set up"
    )
    p.add_argument(
        "--priorities", metavar="FILE", help="a text file of the plan's priorities, one per line"
    )
    p.set_defaults(func=cmd_init)
    p = sub.add_parser(
        "load", help="load CSV, Excel (.xlsx) or OpenDocument (.ods) files (all or nothing)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--dry-run", action="store_true", help="validate and compare only; write nothing"
    )
    p.add_argument("--user", help="name recorded against the batch (default: your login)")
    p.add_argument(
        "--revise-published",
        action="store_true",
        help="allow the load to change figures of quarters that are or were published (recorded "
        "as a revision)",
    )
    p.add_argument(
        "--reason", metavar="TEXT", help="why published figures are revised (required with it)"
    )
    p.set_defaults(func=cmd_load)
    p = sub.add_parser("batches", help="list loaded batches")
    p.set_defaults(func=cmd_batches)
    p = sub.add_parser("rollback", help="undo a batch, restoring the values it replaced")
    p.add_argument("batch", type=int, metavar="BATCH")
    p.add_argument("--user", help="name recorded against the rollback")
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help="why the figures change: required when the rollback changes figures of a quarter "
        "that is or was published (recorded as a revision)",
    )
    p.set_defaults(func=cmd_rollback)
    p = sub.add_parser("publish", help="publish a quarter (the public view then shows it)")
    p.add_argument("quarter", type=_quarter, metavar="QUARTER", help='e.g. "Q3 2023-24"')
    p.add_argument("--user", help="name recorded against the publication")
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help="why the figures changed: required when publishing a quarter again whose figures "
        "changed since it was last published (recorded as a revision)",
    )
    p.set_defaults(func=cmd_publish)
    p = sub.add_parser(
        "unpublish",
        help="make a published quarter a draft again (its figures still change only as revisions)",
    )
    p.add_argument("quarter", type=_quarter, metavar="QUARTER", help='e.g. "Q3 2023-24"')
    p.set_defaults(func=cmd_unpublish)
    p = sub.add_parser("template", help="write the workbook to fill in for the next quarter")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="the file to write: an .ods name writes an OpenDocument spreadsheet, else .xlsx",
    )
    p.add_argument(
        "--quarter",
        type=_quarter,
        help="the quarter to fill in (default: the one after the latest in the database)",
    )
    p.add_argument(
        "--blank",
        action="store_true",
        help="no indicator rows (default: the current indicators, their figures left to fill)",
    )
    p.set_defaults(func=cmd_template)
    p = sub.add_parser(
        "export",
        help="export all indicator values as a tidy CSV that loads back unchanged (editors' copy)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument(
        "--public",
        action="store_true",
        help="the published view instead: published quarters only, small counts of people "
        "suppressed, internal commentary left out",
    )
    p.add_argument(
        "--corrective-actions",
        action="store_true",
        help="export Cabinet's corrective actions instead: one row per action per quarter with its "
        "status as at that quarter (with --public: published quarters only, no internal notes)",
    )
    p.set_defaults(func=cmd_export)
    p = sub.add_parser(
        "open-data",
        help="write the published figures as an open data package (CSV + datapackage.json)",
    )
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write")
    p.set_defaults(func=cmd_open_data)
    p = sub.add_parser(
        "briefing", help="write the briefing pack (Word) for a quarter, optionally filtered"
    )
    p.add_argument("--quarter", required=True, type=_quarter, help='the quarter, e.g. "Q3 2023-24"')
    p.add_argument(
        "--priority",
        action="append",
        metavar="N|NAME",
        help="a priority by number or name (repeat for several; default: all)",
    )
    p.add_argument(
        "--directorate", action="append", metavar="NAME", help="a directorate (repeatable)"
    )
    p.add_argument(
        "--portfolio", action="append", metavar="NAME", help="a portfolio holder (repeatable)"
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the .docx to write")
    p.set_defaults(func=cmd_briefing)
    p = sub.add_parser(
        "serve",
        help="start one app instance (checks its port and database first; exits non-zero with "
        "one line when either cannot be used)",
    )
    p.add_argument("--port", type=int, default=8501, help="the port to listen on (default 8501)")
    p.add_argument(
        "--address", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)"
    )
    p.add_argument(
        "streamlit_options",
        nargs=argparse.REMAINDER,
        metavar="...",
        help="further options for streamlit run, after -- (e.g. -- --server.baseUrlPath dash)",
    )
    p.set_defaults(func=None)
    return parser


# Commands that only read open a DuckDB file read-only, so they never change it and can run while
# another reader has it open.
READ_ONLY_COMMANDS = frozenset({"briefing", "export", "open-data", "batches"})


def open_for_reading(url: str, err=sys.stderr) -> tuple[Store, Path | None]:
    """A read-only store for ``url`` (:func:`harrow_dash.store.open_for_reading`: the file itself,
    or a snapshot of it when another program holds it, which this says), and the snapshot's folder
    (None: none; ``store.dispose()`` deletes it)."""
    store = store_open_for_reading(url)
    if store.snapshot is not None:
        print(
            "Note: another program (most likely the running dashboard) has the database open, so "
            "this reads a copy of it taken just now.",
            file=err,
        )
    return store, store.snapshot


BROKEN_PIPE = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's flush at exit does not fail on the closed pipe again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings()
    quiet_driver_logs()  # a failure is reported once, below, as a sentence
    if args.command == "serve":  # no store here: the instance opens its own
        return cmd_serve(args, settings)
    snapshot: Path | None = None
    try:
        if args.command in READ_ONLY_COMMANDS:
            store, snapshot = open_for_reading(settings.database_url)
        else:
            limit = LOAD_DUCKDB_MEMORY if args.command == "load" else None
            store = Store(settings.database_url, memory_limit=limit)
    except (DatabaseBusy, DatabaseError) as exc:  # already a plain sentence
        print(str(exc), file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"harrow-dash: the database could not be opened: {exc}", file=sys.stderr)
        return 1
    try:
        rc = int(args.func(store, args))
        sys.stdout.flush()  # inside the try: a reader that stopped early is handled below
        return rc
    except UsageError as exc:
        print(f"harrow-dash: {exc}", file=sys.stderr)
        return 2
    except (DatabaseBusy, DatabaseError, NotInitialised) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except LoadRefused as exc:
        return _report_problems(exc.problems, sys.stderr)
    except KeyboardInterrupt:
        print("Interrupted; nothing was written by the interrupted step.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader stopped early (`harrow-dash batches | head`): that is its choice, not an error.
        _silence_stdout()
        return BROKEN_PIPE
    except Exception as exc:  # a last resort: a sentence, not a stack trace
        print(f"harrow-dash: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
        if snapshot is not None:
            shutil.rmtree(snapshot, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
