"""The ``harrow-dash`` command, run for real in a subprocess against a DuckDB file in tmp_path.

Exit codes: 0 success, 1 input refused (problems on stderr), 2 wrong usage. Never a traceback.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from harrow_dash.periods import Period
from harrow_dash.store import Store

P1 = "A council that puts residents first"
TIDY_HEAD = ["Ref", "Name", "Priority", "Unit", "Polarity", "Period", "Actual", "Target"]


def cli_env(db: Path) -> dict[str, str]:
    """The environment with only our database setting (none of the developer's HARROW_DASH_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
    env["HARROW_DASH_DATABASE_URL"] = f"duckdb:///{db}"
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "harrow_dash.cli", *args]


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command(*args), env=cli_env(db), cwd=db.parent, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where a test's database lives; nothing is there until a command creates it."""
    return tmp_path / "cli.duckdb"


def copy_db(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture
def sample_db(sample_db_file: Path, db: Path) -> Path:
    """A copy of the sample database for commands that need data."""
    return copy_db(sample_db_file, db)


@pytest.fixture
def snap(db_snapshot):
    """Snapshot a database file between commands (the store is closed again before the next one)."""

    def take(path: Path):
        store = Store(f"duckdb:///{path}")
        try:
            return db_snapshot(store)
        finally:
            store.dispose()

    return take


def read_export(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# -- init -----------------------------------------------------------------------------------------------


def test_init_creates_an_empty_database(db):
    result = run(db, "init")
    assert result.returncode == 0
    assert result.stdout == f"Database ready: duckdb:///{db}\n"
    store = Store(f"duckdb:///{db}")
    try:
        assert store.is_initialised()
        assert list(store.priorities()["name"]) == [
            P1, "A borough that is clean and safe", "A place where those in need are supported",
        ]  # fmt: skip
        assert set(store.counts().values()) == {0}
    finally:
        store.dispose()


def test_init_sample_loads_the_sample_and_if_missing_does_nothing(db, sample_store, snap):
    result = run(db, "init", "--sample")
    assert result.returncode == 0, result.stderr
    assert "Loaded the illustrative sample data as batch 1." in result.stdout
    store = Store(f"duckdb:///{db}")
    try:
        assert store.counts() == sample_store.counts()
        assert store.counts()["indicators"] >= 40
    finally:
        store.dispose()
    before = snap(db)
    again = run(db, "init", "--sample", "--if-missing")
    assert (again.returncode, again.stdout) == (0, "The database is already set up.\n")
    assert snap(db) == before


def test_init_sample_publishes_the_history_and_leaves_later_quarters_draft(db):
    result = run(db, "init", "--sample")
    assert result.returncode == 0, result.stderr
    assert "Published Q1 2021-22 to Q3 2023-24; Q4 2023-24 left as draft." in result.stdout
    store = Store(f"duckdb:///{db}")
    try:
        published = store.published_periods()
        assert published[0].label == "Q1 2021-22" and published[-1].label == "Q3 2023-24"
        assert len(published) == 11  # every quarter from Q1 2021-22 to Q3 2023-24
        assert [p.label for p in store.periods() if p not in published] == ["Q4 2023-24"]
        # An editor's choice is never overridden: unpublish a quarter, run init --sample again.
        store.unpublish(published[-1])
    finally:
        store.dispose()
    again = run(db, "init", "--sample")
    assert again.returncode == 0, again.stderr
    assert "Published" not in again.stdout
    store = Store(f"duckdb:///{db}")
    try:
        assert store.published_periods() == published[:-1]
    finally:
        store.dispose()


def test_commands_on_a_database_that_is_not_set_up(db):
    result = run(db, "batches")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"The database duckdb:///{db} has not been set up. Run: harrow-dash init --sample"
    )


# -- load -----------------------------------------------------------------------------------------------


def write_rows(path: Path, rows) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_load_and_reload(sample_db, tmp_path, snap):
    path = write_rows(
        tmp_path / "q4.csv", [["Ref", "Period", "Actual"], ["PI-02", "Q4 2023-24", "93"]]
    )
    result = run(sample_db, "load", str(path), "--user", "jo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Loaded q4.csv as batch 2."
    assert "  indicator values: 0 new, 1 changed, 0 unchanged" in result.stdout or (
        "  indicator values: 1 new, 0 changed, 0 unchanged" in result.stdout
    )
    store = Store(f"duckdb:///{sample_db}")
    try:
        got = store.read(
            "SELECT actual FROM indicator_values WHERE ref = 'PI-02' AND period = 20234"
        )
        assert got["actual"].tolist() == [pytest.approx(93)]
    finally:
        store.dispose()
    before = snap(sample_db)
    again = run(sample_db, "load", str(path))
    assert (again.returncode, again.stdout) == (
        0, "Nothing to load: every row in the file already matches the database.\n",
    )  # fmt: skip
    assert snap(sample_db) == before


def test_a_refused_load_lists_every_problem_and_writes_nothing(sample_db, tmp_path, snap):
    path = write_rows(tmp_path / "bad.csv", [
        TIDY_HEAD,
        ["PI-N1", "Calls", "Residents frist", "%", "higher", "Q3 2023-24", "85", "90"],
        ["PI-N2", "Calls", P1, "%", "higher", "Q3 2023-24", "eighty", "90"],
        ["PI-N3", "Calls", P1, "%", "higher", "Q3 2023", "85", "90"],
    ])  # fmt: skip
    before = snap(sample_db)
    result = run(sample_db, "load", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "Refused: 3 problem(s) found; nothing was loaded."
    assert lines[1].startswith(
        "  bad.csv, row 2, column C (\"Priority\"): unknown priority 'Residents frist'. Did you mean"
    )
    assert lines[2] == "  bad.csv, row 3, column G (\"Actual\"): 'eighty' is not a number (actual)."
    assert lines[3] == (
        "  bad.csv, row 4, column F (\"Period\"): 'Q3 2023' is ambiguous: give the financial year, "
        "e.g. 'Q3 2023-24' (Q3 is October to December)."
    )
    assert len(lines) == 4
    assert snap(sample_db) == before


def test_dry_run_writes_nothing(sample_db, tmp_path, snap):
    path = write_rows(
        tmp_path / "q4.csv", [["Ref", "Period", "Actual"], ["PI-02", "Q4 2023-24", "93"]]
    )
    before = snap(sample_db)
    result = run(sample_db, "load", "--dry-run", str(path))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.splitlines()[0]
        == "Valid: q4.csv would load as follows (dry run, nothing written):"
    )
    assert snap(sample_db) == before


# -- batches and rollback ---------------------------------------------------------------------------------


def test_batches_and_rollback(sample_db, tmp_path, snap):
    before = snap(sample_db)
    path = write_rows(
        tmp_path / "change.csv", [["Ref", "Period", "Actual"], ["PI-02", "Q3 2023-24", "99"]]
    )
    assert run(sample_db, "load", str(path), "--user", "jo").returncode == 0

    listed = run(sample_db, "batches")
    assert listed.returncode == 0
    rows = listed.stdout.splitlines()
    assert len(rows) == 2
    assert re.match(
        r"^\s+2\s+\S+ \S+\s+jo\s+committed\s+\+0 ~1 =1\s+change\.csv\s+sha256 [0-9a-f]{12}$",
        rows[0],
    ), rows[0]
    assert "sample data" in rows[1] and "sample/indicators.csv" in rows[1]

    result = run(sample_db, "rollback", "2", "--user", "jo")
    assert (result.returncode, result.stdout) == (
        0,
        "Batch 2 rolled back: the values it replaced are restored.\n",
    )
    after = snap(sample_db)
    assert {k: v for k, v in after.items() if k != "load_batches"} == {
        k: v for k, v in before.items() if k != "load_batches"
    }
    again = run(sample_db, "rollback", "2")
    assert (again.returncode, again.stderr) == (1, "Batch 2 has already been rolled back.\n")
    assert snap(sample_db) == after


# -- template and export ----------------------------------------------------------------------------------


def test_template(db, tmp_path):
    out = tmp_path / "template.xlsx"
    result = run(db, "template", "-o", str(out), "--quarter", "Q3 23/24")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Template for 2023-24 written to {out}\n"
    wb = openpyxl.load_workbook(out)
    headings = [c.value for c in wb["Scorecard"][3]]
    assert headings[:2] == ["PI Ref", "Measure"]
    assert [h for h in headings if h and h.startswith("Q")] == [
        "Q1 2023-24",
        "Q2 2023-24",
        "Q3 2023-24",
    ]
    assert {"Flagship actions", "Highlights"} <= set(wb.sheetnames)


def test_export(sample_store, tmp_path, load_files):
    people = write_rows(tmp_path / "people.csv", [
        [*TIDY_HEAD, "Counts people"],
        ["PI-P1", "Rough sleepers", P1, "count", "lower", "Q3 2023-24", "3", "5", "yes"],
        ["PI-P1", "Rough sleepers", P1, "count", "lower", "Q2 2023-24", "0", "5", "yes"],
        ["PI-P1", "Rough sleepers", P1, "count", "lower", "Q1 2023-24", "7", "5", "yes"],
        ["PI-P2", "Potholes", P1, "count", "lower", "Q3 2023-24", "3", "5", "no"],
    ])  # fmt: skip
    load_files(sample_store, people)  # the load command is tested above; this is about the export
    raw = sample_store.tidy_values()
    small = raw[raw["counts_people"].astype(bool) & (raw["actual"] > 0) & (raw["actual"] < 5)]
    small_keys = {(r.ref, Period.from_key(r.period).label) for r in small.itertuples()}
    assert len(small_keys) > 1, "the sample should include counts small enough to be suppressed"
    db = Path(sample_store.url.removeprefix("duckdb:///"))
    sample_store.dispose()

    out = tmp_path / "values.csv"
    result = run(db, "export", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_export(out)
    assert result.stdout == f"Exported {len(rows):,} indicator values to {out}\n"
    assert {"ref", "period", "actual", "target", "rag"} <= set(rows[0])
    assert len(rows) == len(raw)
    assert all(re.fullmatch(r"Q[1-4] \d{4}-\d{2}", r["period"]) for r in rows)
    by_key = {(r["ref"], r["period"]): r for r in rows}
    got = {
        k: (r["actual"], r["target"], r["rag"])
        for k, r in by_key.items()
        if k[0] in ("PI-P1", "PI-P2")
    }
    assert got == {
        ("PI-P1", "Q1 2023-24"): ("7.0", "5.0", "Red"),
        ("PI-P1", "Q2 2023-24"): ("0.0", "5.0", "Green"),  # zero is not disclosive
        ("PI-P1", "Q3 2023-24"): ("fewer than 5", "5.0", "Green"),
        ("PI-P2", "Q3 2023-24"): ("3.0", "5.0", "Green"),  # not a count of people
    }
    # Small counts of people: never the raw figure by default, anywhere in the export.
    assert {by_key[k]["actual"] for k in small_keys} == {"fewer than 5"}

    assert run(db, "export", "-o", str(out), "--unsuppressed").returncode == 0
    revealed = {(r["ref"], r["period"]): r["actual"] for r in read_export(out)}
    assert revealed["PI-P1", "Q3 2023-24"] == "3.0"
    assert all(float(revealed[k]) < 5 for k in small_keys)


# -- usage and locking ------------------------------------------------------------------------------------


USAGE_ERRORS = {
    "no command": ((), "the following arguments are required: COMMAND"),
    "unknown command": (("frobnicate",), "invalid choice: 'frobnicate'"),
    "ambiguous quarter": (("template", "-o", "t.xlsx", "--quarter", "Q3 2023"), "ambiguous"),
    "missing file": (
        ("load", "no-such-file.csv"),
        "harrow-dash: There is no file 'no-such-file.csv'.",
    ),
}


@pytest.fixture(scope="module")
def usage_results(sample_db_file, tmp_path_factory) -> dict[str, tuple[int, str]]:
    """Exit code and stderr of every wrong-usage command. Argument errors stop before the database
    is opened, so those run side by side; "missing file" opens the database first, so it runs alone."""
    folder = tmp_path_factory.mktemp("usage")
    db = copy_db(sample_db_file, folder / "usage.duckdb")
    side_by_side = {
        name: args for name, (args, _) in USAGE_ERRORS.items() if name != "missing file"
    }
    procs = {
        name: subprocess.Popen(
            command(*args),
            env=cli_env(db),
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in side_by_side.items()
    }
    results = {}
    for name, proc in procs.items():
        _, err = proc.communicate(timeout=120)
        results[name] = (proc.returncode, err)
    missing = run(db, *USAGE_ERRORS["missing file"][0])
    results["missing file"] = (missing.returncode, missing.stderr)
    return results


@pytest.mark.parametrize("case", USAGE_ERRORS)
def test_wrong_usage_exits_2(usage_results, case):
    code, stderr = usage_results[case]
    assert code == 2
    assert USAGE_ERRORS[case][1] in stderr
    assert "Traceback" not in stderr


def test_load_while_another_program_holds_the_database(sample_db, tmp_path, snap):
    path = write_rows(
        tmp_path / "q4.csv", [["Ref", "Period", "Actual"], ["PI-02", "Q4 2023-24", "93"]]
    )
    before = snap(sample_db)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(sample_db)!r})\n"
         "print('ready', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = run(sample_db, "load", str(path))
    finally:
        holder.terminate()
        holder.wait(timeout=30)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"The database duckdb:///{sample_db} is in use by another program, most likely the running "
        "dashboard. Stop the app (Ctrl+C in its terminal) and run the command again, or load the file "
        "through the dashboard's Data page instead.\n"
    )
    assert snap(sample_db) == before


def test_commands_that_only_read_work_while_the_app_holds_the_database(sample_db, tmp_path, snap):
    """DuckDB lets no other process open a file another holds for writing, even to read; briefing,
    export and batches then read a snapshot copy and say so, and the database is left unchanged."""
    before = snap(sample_db)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(sample_db)!r})\n"
         "print('ready', flush=True)\n"
         "time.sleep(120)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        export = run(sample_db, "export", "-o", str(tmp_path / "all.csv"))
        briefing = run(
            sample_db, "briefing", "--quarter", "Q3 2023-24", "-o", str(tmp_path / "pack.docx")
        )
        batches = run(sample_db, "batches")
    finally:
        holder.terminate()
        holder.wait(timeout=30)
    for result in (export, briefing, batches):
        assert result.returncode == 0, result.stderr
        assert "reads a copy of it taken just now" in result.stderr
    assert "Exported 540 indicator values" in export.stdout
    assert (tmp_path / "pack.docx").stat().st_size > 10_000
    assert "sample data" in batches.stdout
    assert snap(sample_db) == before


def test_commands_that_only_read_open_the_database_read_only(sample_db, tmp_path):
    """Without another holder a read-only command reads the file itself (no snapshot note), and two
    can read at once."""
    result = run(sample_db, "export", "-o", str(tmp_path / "all.csv"))
    assert result.returncode == 0 and result.stderr == ""
    from harrow_dash.cli import open_for_reading

    first, snapshot = open_for_reading(f"duckdb:///{sample_db}")
    try:
        assert snapshot is None
        with first.connect() as conn, pytest.raises(Exception, match="read-only"):
            conn.exec_driver_sql("DELETE FROM indicator_values")
        second = run(sample_db, "batches")
        assert second.returncode == 0 and second.stderr == "", second.stderr
    finally:
        first.dispose()
