"""The ``harrow-dash`` command, run for real in a subprocess against a database of the test's own (a
DuckDB file in tmp_path, or a PostgreSQL database: every test runs on both).

Exit codes: 0 success, 1 input refused (problems on stderr), 2 wrong usage. Never a traceback.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from harrow_dash.ingest.readers import read_file
from harrow_dash.rules.periods import Period, parse_period
from harrow_dash.rules.scorecard import rate
from harrow_dash.store import Store

P1 = "A council that puts residents first"
TIDY_HEAD = ["Ref", "Name", "Priority", "Unit", "Polarity", "Period", "Actual", "Target"]


pytestmark = pytest.mark.both_databases


def db_url(db: Path | str) -> str:
    """A database given as a DuckDB file or as a URL, as a URL."""
    return db if isinstance(db, str) else f"duckdb:///{db}"


def cli_env(db: Path | str) -> dict[str, str]:
    """The environment with only our database setting (none of the developer's HARROW_DASH_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
    env["HARROW_DASH_DATABASE_URL"] = db_url(db)
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "harrow_dash.cli", *args]


def run(db: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    cwd = db.parent if isinstance(db, Path) else tempfile.gettempdir()
    result = subprocess.run(
        command(*args), env=cli_env(db), cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def db(empty_db_url: str) -> str:
    """The URL of a test's database; nothing is there until a command creates it."""
    return empty_db_url


def copy_db(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture
def sample_db(sample_db_url: str) -> str:
    """A copy of the sample database for commands that need data."""
    return sample_db_url


@pytest.fixture
def snap(db_snapshot):
    """Snapshot a database file between commands (the store is closed again before the next one)."""

    def take(db: str):
        store = Store(db)
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
    assert result.stdout == f"Database ready: {db}\n"
    store = Store(db)
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
    store = Store(db)
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
    store = Store(db_url(db))
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
    store = Store(db_url(db))
    try:
        assert store.published_periods() == published[:-1]
    finally:
        store.dispose()


def test_commands_on_a_database_that_is_not_set_up(db):
    result = run(db, "batches")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"The database {db} has not been set up. Run: harrow-dash init --sample"
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
    store = Store(sample_db)
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


def test_batches_into_a_reader_that_stops_early_exits_quietly(sample_db):
    """``harrow-dash batches | head``: the reader closes the pipe before the listing is written."""
    proc = subprocess.Popen(
        command("batches"),
        env=cli_env(sample_db),
        cwd=tempfile.gettempdir(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command has started writing: its first write hits a closed pipe
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141  # as a shell reports a command ended by a broken pipe
    assert stderr == ""


# -- template and export ----------------------------------------------------------------------------------


def test_template(db, tmp_path):
    out = tmp_path / "template.xlsx"
    result = run(db, "template", "-o", str(out), "--quarter", "Q3 23/24")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Template for Q3 2023-24 written to {out}\n"  # no database: blank
    wb = openpyxl.load_workbook(out)
    headings = [c.value for c in wb["Scorecard"][3]]
    assert headings[:2] == ["PI Ref", "Measure"]
    assert [h for h in headings if h and re.fullmatch(r"Q\d \d{4}-\d\d", h)] == [
        "Q1 2023-24",
        "Q2 2023-24",
        "Q3 2023-24",
    ]
    assert {"Flagship actions", "Highlights"} <= set(wb.sheetnames)


def test_template_as_ods(db, tmp_path):
    out = tmp_path / "template.ods"
    result = run(db, "template", "-o", str(out), "--quarter", "Q3 23/24")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Template for Q3 2023-24 written to {out}\n"
    data = out.read_bytes()
    assert data[30:38] == b"mimetype"  # the first part, as OpenDocument requires
    sheets, problems = read_file(data, out.name)
    assert [(s.sheet, s.header.layout) for s in sheets] == [
        ("Scorecard", "scorecard"),
        ("Indicator values", "tidy"),
        ("Flagship actions", "actions"),
        ("Highlights", "highlights"),
        ("Corrective actions", "corrective"),
    ]
    assert [s.headings[13:16] for s in sheets[:1]] == [["Q1 2023-24", "Q2 2023-24", "Q3 2023-24"]]


def test_template_is_prefilled_for_the_quarter_after_the_latest_and_loads_back_unchanged(
    sample_db, tmp_path, snap
):
    """By default the template is for the quarter after the latest in the data (Q4 2023-24 for the
    sample, whatever today's date), with one row per current indicator; loaded back untouched it
    changes nothing, published quarters included."""
    out = tmp_path / "template.xlsx"
    result = run(sample_db, "template", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Template for Q4 2023-24, prefilled with the 45 current indicators written to {out}\n"
    )
    wb = openpyxl.load_workbook(out)
    sc = wb["Scorecard"]
    headings = [c.value for c in sc[3]]
    assert [h for h in headings if h and re.fullmatch(r"Q\d \d{4}-\d\d", h)] == ["Q4 2023-24"]
    rows = [[c.value for c in r] for r in sc.iter_rows(min_row=4) if r[0].value]
    assert [r[0] for r in rows] == [f"PI-{n:02d}" for n in range(1, 46)]
    first = dict(zip(headings, rows[0], strict=False))
    assert first["Measure"] == "Average wait before a call is answered"
    assert first["Priority"] == "A council that puts residents first"
    assert first["Target"] == 120 and first["Q4 2023-24"] is None
    # The definitions the importer reads, as stored (PI-01 is monthly, so it has a quarter rule
    # only once one is set; none of the sample's may be negative).
    assert (first["Frequency"], first["Allow negative"]) == ("monthly", "no")
    assert {"Quarter rule", "Cumulative or seasonal", "Counts people"} <= set(headings)
    assert {r[headings.index("Cumulative or seasonal")] for r in rows} >= {"cumulative"}
    store = Store(db_url(sample_db))
    try:
        store.publish(Period.from_key(20233), "test")  # a published quarter is not touched either
    finally:
        store.dispose()
    before = snap(sample_db)
    dry = run(sample_db, "load", str(out), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "0 new, 0 changed, 45 unchanged" in dry.stdout
    assert " changed" not in dry.stdout.replace(" 0 changed", "")
    assert snap(sample_db) == before
    blank = run(sample_db, "template", "-o", str(tmp_path / "blank.xlsx"), "--blank")
    assert blank.stdout == f"Template for Q4 2023-24 written to {tmp_path / 'blank.xlsx'}\n"


def test_export_public_view_suppresses_small_counts_and_withholds_their_ratings(
    sample_store, tmp_path, load_files
):
    people = write_rows(tmp_path / "people.csv", [
        [*TIDY_HEAD, "Counts people"],
        ["PI-P1", "Rough sleepers", P1, "count", "lower", "Q3 2023-24", "3", "5", "yes"],
        ["PI-P1", "Rough sleepers", P1, "count", "lower", "Q2 2023-24", "0", "5", "yes"],
        ["PI-P1", "Rough sleepers", P1, "count", "lower", "Q1 2023-24", "7", "5", "yes"],
        ["PI-P2", "Potholes", P1, "count", "lower", "Q3 2023-24", "3", "5", "no"],
    ])  # fmt: skip
    load_files(sample_store, people)  # the load command is tested above; this is about the export
    for q in ("Q1 2023-24", "Q2 2023-24", "Q3 2023-24"):
        sample_store.publish(parse_period(q), "tester")
    raw = sample_store.tidy_values()
    published = raw[raw["period"].isin([20231, 20232, 20233])]
    small = published[
        published["counts_people"].astype(bool)
        & (published["actual"] >= 0)  # zero too: suppress_zero is on by default
        & (published["actual"] < 5)
    ]
    small_keys = {(r.ref, Period.from_key(r.period).label) for r in small.itertuples()}
    assert len(small_keys) > 1, "the sample should include counts small enough to be suppressed"
    db = sample_store.url
    sample_store.dispose()

    out = tmp_path / "values.csv"
    result = run(db, "export", "--public", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_export(out)
    assert result.stdout == (
        f"Exported {len(rows):,} indicator values (published quarters, small counts suppressed) "
        f"to {out}\n"
    )
    assert len(rows) == len(published)  # published quarters only
    assert {r["period"] for r in rows} == {"Q1 2023-24", "Q2 2023-24", "Q3 2023-24"}
    assert "commentary_internal" not in rows[0]
    by_key = {(r["ref"], r["period"]): r for r in rows}
    got = {
        k: (r["actual"], r["actual_status"], r["target"], r["computed_rag"])
        for k, r in by_key.items()
        if k[0] in ("PI-P1", "PI-P2")
    }
    assert got == {
        ("PI-P1", "Q1 2023-24"): ("7.0", "", "5.0", "Red"),
        ("PI-P1", "Q2 2023-24"): ("", "suppressed", "5.0", "withheld"),  # zero too
        ("PI-P1", "Q3 2023-24"): ("", "suppressed", "5.0", "withheld"),
        ("PI-P2", "Q3 2023-24"): ("3.0", "", "5.0", "Green"),  # not a count of people
    }
    # Small counts of people: never the raw figure, anywhere in the public export; the actual
    # column holds numbers or blanks only, so it can be summed.
    assert {(by_key[k]["actual"], by_key[k]["actual_status"]) for k in small_keys} == {
        ("", "suppressed")
    }
    assert all(r["actual"] == "" or float(r["actual"]) == float(r["actual"]) for r in rows)


@pytest.fixture
def varied_db(sample_db: str, tmp_path: Path) -> str:
    """The sample database with the states the sample lacks: a value marked not due, an official RAG
    that disagrees with the computed one, and commentary marked internal."""
    extra = write_rows(tmp_path / "states.csv", [
        ["Ref", "Quarter", "Actual", "Target", "RAG", "Commentary", "Internal"],
        ["PI-01", "Q4 2023-24", "not due", "", "", "", "no"],
        ["PI-03", "Q3 2023-24", "50", "90", "Green", "Agreed with the auditor", "yes"],
    ])  # fmt: skip
    result = run(sample_db, "load", str(extra))
    assert result.returncode == 0, result.stderr
    return sample_db


def test_export_for_editors_has_stored_values_and_separate_official_and_computed_rag(
    varied_db, tmp_path
):
    sample_db = varied_db
    out = tmp_path / "values.csv"
    result = run(sample_db, "export", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_export(out)
    assert result.stdout == f"Exported {len(rows):,} indicator values (stored values) to {out}\n"
    assert {"official_rag", "computed_rag", "state", "commentary_internal"} <= set(rows[0])
    assert "rag" not in rows[0]  # one column that mixed both is what wrote computed RAG back
    store = Store(db_url(sample_db))
    try:
        raw = store.tidy_values()
    finally:
        store.dispose()
    assert len(rows) == len(raw)
    small = raw[raw["counts_people"].astype(bool) & (raw["actual"] > 0) & (raw["actual"] < 5)]
    assert len(small), "the sample should include small counts of people"
    by_key = {(r["ref"], r["period"]): r for r in rows}
    for r in small.itertuples():
        assert float(by_key[r.ref, Period.from_key(r.period).label]["actual"]) == r.actual
    # States are words the importer reads, or blank where they carry no data.
    actual_words = {r["actual"] for r in rows if not re.fullmatch(r"-?\d+(\.\d+)?", r["actual"])}
    assert actual_words <= {"", "not due"}
    assert {r["official_rag"] for r in rows} <= {"", "Red", "Amber", "Green"}
    assert "Not rated" not in {r["computed_rag"] for r in rows}
    not_due = raw[raw["not_due"].astype(bool)]
    assert len(not_due)
    assert {
        by_key[r.ref, Period.from_key(r.period).label]["actual"] for r in not_due.itertuples()
    } == {"not due"}
    pi03 = by_key["PI-03", "Q3 2023-24"]
    assert (pi03["official_rag"], pi03["computed_rag"]) == ("Green", "Red")
    assert (pi03["commentary"], pi03["commentary_internal"]) == ("Agreed with the auditor", "yes")


def test_export_then_load_the_same_file_changes_nothing(varied_db, tmp_path, snap):
    """Round trip: the editor's export loads back with no problem and no note, and writes no batch."""
    sample_db = varied_db
    out = tmp_path / "values.csv"
    assert run(sample_db, "export", "-o", str(out)).returncode == 0
    before = snap(sample_db)
    result = run(sample_db, "load", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # not a single problem, nor a note about an unread column
    assert result.stdout == "Nothing to load: every row in the file already matches the database.\n"
    assert snap(sample_db) == before


MONTHLY_HEAD = [
    "Ref", "Name", "Priority", "Unit", "Polarity", "Frequency", "Quarter rule", "Allow negative",
    "Cumulative or seasonal", "Tolerance", "Period", "Actual", "Target",
]  # fmt: skip
MONTHLY_DEFINITION = {
    "PI-M1": ["Net change in rough sleepers", P1, "count", "lower", "monthly", "sum", "yes",
              "cumulative", "10%"],
    "PI-M2": ["Calls answered in 60 seconds", P1, "%", "higher", "monthly", "last month", "no",
              "", ""],
}  # fmt: skip


def test_export_with_monthly_values_and_every_definition_loads_back_unchanged(
    varied_db, tmp_path, snap
):
    """The editor's export carries monthly values (one row a month) and the definitions the importer
    reads (quarter rule, allow negative, cumulative or seasonal, tolerance, counts people): loading
    it back writes nothing, and each of them is in it as stored."""
    monthly = write_rows(tmp_path / "monthly.csv", [
        MONTHLY_HEAD,
        ["PI-M1", *MONTHLY_DEFINITION["PI-M1"], "Apr-23", "-2", "0"],
        ["PI-M1", *MONTHLY_DEFINITION["PI-M1"], "May 2023", "3", "0"],
        ["PI-M1", *MONTHLY_DEFINITION["PI-M1"], "2023-06", "-4", "0"],
        ["PI-M1", *MONTHLY_DEFINITION["PI-M1"], "Q1 2023-24", "-3", "0"],
        ["PI-M1", *MONTHLY_DEFINITION["PI-M1"], "Jul 2023", "1", "0"],  # Q2 not complete yet
        ["PI-M2", *MONTHLY_DEFINITION["PI-M2"], "Apr 2023", "81%", "90%"],
        ["PI-M2", *MONTHLY_DEFINITION["PI-M2"], "May 2023", "84%", "90%"],
        ["PI-M2", *MONTHLY_DEFINITION["PI-M2"], "Jun 2023", "86.5%", "90%"],  # stands for Q1
    ])  # fmt: skip
    loaded = run(varied_db, "load", str(monthly))
    assert loaded.returncode == 0, loaded.stderr
    assert "monthly values: 7 new" in loaded.stdout
    out = tmp_path / "values.csv"
    exported = run(varied_db, "export", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert " and 7 monthly values (stored values)" in exported.stdout
    rows = read_export(out)
    got = {
        (r["ref"], r["period"]): (r["actual"], r["target"])
        for r in rows
        if r["ref"] in MONTHLY_DEFINITION
    }
    assert got == {
        ("PI-M1", "Q1 2023-24"): ("-3.0", "0.0"),
        ("PI-M1", "Apr 2023"): ("-2.0", "0.0"),
        ("PI-M1", "May 2023"): ("3.0", "0.0"),
        ("PI-M1", "Jun 2023"): ("-4.0", "0.0"),
        ("PI-M1", "Jul 2023"): ("1.0", "0.0"),
        ("PI-M2", "Q1 2023-24"): ("86.5", "90.0"),
        ("PI-M2", "Apr 2023"): ("81.0", "90.0"),
        ("PI-M2", "May 2023"): ("84.0", "90.0"),
        ("PI-M2", "Jun 2023"): ("86.5", "90.0"),
    }
    m1 = next(r for r in rows if r["ref"] == "PI-M1" and r["period"] == "Apr 2023")
    assert (m1["quarter_rule"], m1["allow_negative"], m1["cumulative_or_seasonal"]) == (
        "sum", "yes", "cumulative",
    )  # fmt: skip
    assert (m1["tolerance"], m1["counts_people"]) == ("0.1", "no")
    m2 = next(r for r in rows if r["ref"] == "PI-M2" and r["period"] == "Q1 2023-24")
    assert (m2["quarter_rule"], m2["allow_negative"]) == ("last", "no")
    before = snap(varied_db)
    result = run(varied_db, "load", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == "Nothing to load: every row in the file already matches the database.\n"
    assert snap(varied_db) == before


def test_export_with_gss_markers_loads_back_unchanged(sample_db, tmp_path, snap):
    """GSS symbols loaded from a file come out of ``harrow-dash export`` as a marker column in words
    (numbers stay numbers, a no-figure symbol leaves the actual blank) and load back unchanged."""
    marked = write_rows(tmp_path / "marked.csv", [
        ["Ref", "Quarter", "Actual"],
        ["PI-02", "Q3 2023-24", "72.4% [p]"],
        ["PI-03", "Q3 2023-24", "[x]"],
        ["PI-37", "Q3 2023-24", "3 [r] [e]"],
    ])  # fmt: skip
    loaded = run(sample_db, "load", str(marked))
    assert loaded.returncode == 0, loaded.stderr
    out = tmp_path / "values.csv"
    assert run(sample_db, "export", "-o", str(out)).returncode == 0
    rows = {(r["ref"], r["period"]): r for r in read_export(out)}
    got = {k: (rows[k]["actual"], rows[k]["marker"]) for k in
           [("PI-02", "Q3 2023-24"), ("PI-03", "Q3 2023-24"), ("PI-37", "Q3 2023-24")]}  # fmt: skip
    assert got == {
        ("PI-02", "Q3 2023-24"): ("72.4", "provisional"),
        ("PI-03", "Q3 2023-24"): ("", "not available"),
        ("PI-37", "Q3 2023-24"): ("3.0", "revised, estimated"),
    }
    assert rows[("PI-02", "Q2 2023-24")]["marker"] == ""
    before = snap(sample_db)
    again = run(sample_db, "load", str(out))
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    assert again.stdout == "Nothing to load: every row in the file already matches the database.\n"
    assert snap(sample_db) == before


def test_an_edited_export_row_keeps_the_official_rag_it_had(sample_db, tmp_path):
    """Editing a value in the export does not turn the computed RAG into an official one: PI-02 at
    95% against a 90% target is Green, whatever it was rated before."""
    out = tmp_path / "values.csv"
    assert run(sample_db, "export", "-o", str(out)).returncode == 0
    rows = read_export(out)
    row = next(r for r in rows if r["ref"] == "PI-02" and r["period"] == "Q3 2023-24")
    assert row["official_rag"] == ""
    row["actual"], row["target"] = "95", "90"
    row["computed_rag"] = "Red"  # a stale derived column in the file is not loaded
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run(sample_db, "load", str(out))
    assert result.returncode == 0, result.stderr
    assert "indicator values: 0 new, 1 changed" in result.stdout
    store = Store(db_url(sample_db))
    try:
        values = store.tidy_values()
    finally:
        store.dispose()
    stored = values[(values["ref"] == "PI-02") & (values["period"] == 20233)].iloc[0]
    assert stored["actual"] == 95 and stored["target"] == 90
    assert stored["official_rag"] is None or pd.isna(stored["official_rag"])
    assert (
        rate(values[(values["ref"] == "PI-02") & (values["period"] == 20233)])["rag"].iloc[0]
        == "Green"
    )


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


def test_load_while_another_program_holds_the_database(sample_db, tmp_path, snap, backend):
    if backend != "duckdb":
        pytest.skip("one process per file is DuckDB's rule (see test_concurrency.py)")
    path = write_rows(
        tmp_path / "q4.csv", [["Ref", "Period", "Actual"], ["PI-02", "Q4 2023-24", "93"]]
    )
    before = snap(sample_db)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time\n"
         f"con = duckdb.connect({sample_db.removeprefix('duckdb:///')!r})\n"
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
        f"The database {sample_db} is in use by another program, most likely the running "
        "dashboard. Stop the app (Ctrl+C in its terminal) and run the command again, or load the file "
        "through the dashboard's Data page instead.\n"
    )
    assert snap(sample_db) == before


def test_commands_that_only_read_work_while_the_app_holds_the_database(
    sample_db, tmp_path, snap, backend
):
    if backend != "duckdb":
        pytest.skip("one process per file is DuckDB's rule")
    """DuckDB lets no other process open a file another holds for writing, even to read; briefing,
    export and batches then read a snapshot copy and say so, and the database is left unchanged."""
    before = snap(sample_db)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time\n"
         f"con = duckdb.connect({sample_db.removeprefix('duckdb:///')!r})\n"
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


def test_commands_that_only_read_open_the_database_read_only(sample_db, tmp_path, backend):
    """Without another holder a read-only command reads the file itself (no snapshot note), and two
    can read at once."""
    result = run(sample_db, "export", "-o", str(tmp_path / "all.csv"))
    assert result.returncode == 0 and result.stderr == ""
    if backend != "duckdb":
        return  # a PostgreSQL user's rights are the server's business: nothing to open read-only
    from harrow_dash.cli import open_for_reading

    first, snapshot = open_for_reading(db_url(sample_db))
    try:
        assert snapshot is None
        with first.connect() as conn, pytest.raises(Exception, match="read-only"):
            conn.exec_driver_sql("DELETE FROM indicator_values")
        second = run(sample_db, "batches")
        assert second.returncode == 0 and second.stderr == "", second.stderr
    finally:
        first.dispose()


# -- published quarters -------------------------------------------------------------------------------


def test_load_refuses_to_change_a_published_quarter_unless_revised_with_a_reason(
    sample_db, tmp_path, snap
):
    store = Store(db_url(sample_db))
    try:
        store.publish(parse_period("Q3 2023-24"), "publisher")
    finally:
        store.dispose()
    late = write_rows(tmp_path / "late.csv", [
        ["Ref", "Quarter", "Actual"], ["PI-02", "Q3 2023-24", "95"],
    ])  # fmt: skip
    before = snap(sample_db)
    refused = run(sample_db, "load", str(late))
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "Refused: late.csv would change 1 published figure (Q3 2023-24); nothing was loaded. A "
        "published quarter is the record Cabinet saw: change it only as a revision of published "
        "figures, with a reason.",
        "  Q3 2023-24 indicator values PI-02 actual: '72.4' -> '95'",
        '  To revise them, load again with --revise-published --reason "why the figures change".',
    ]
    assert run(sample_db, "load", str(late), "--dry-run").returncode == 1
    no_reason = run(sample_db, "load", str(late), "--revise-published")
    assert no_reason.returncode == 2
    assert "--revise-published needs --reason TEXT" in no_reason.stderr
    assert snap(sample_db) == before

    revised = run(
        sample_db, "load", str(late), "--revise-published", "--reason", "Late FOI returns",
        "--user", "jo",
    )  # fmt: skip
    assert revised.returncode == 0, revised.stderr
    assert "Loaded late.csv as batch 2." in revised.stdout
    assert (
        "  revised 1 published figure:\n    Q3 2023-24 indicator values PI-02 actual: '72.4' -> '95'\n"
        in revised.stdout
    )
    store = Store(db_url(sample_db))
    try:
        record = store.read("SELECT * FROM published_revisions")
    finally:
        store.dispose()
    assert record[
        ["batch_id", "item", "field", "old_value", "new_value", "revised_by", "reason"]
    ].values.tolist() == [[2, "PI-02", "actual", "72.4", "95", "jo", "Late FOI returns"]]

    # Rolling the revision back changes the published figure again: a reason is needed for that too.
    before = snap(sample_db)
    no_reason = run(sample_db, "rollback", "2", "--user", "sam")
    assert no_reason.returncode == 1
    assert no_reason.stderr.splitlines()[:2] == [
        "Rolling back batch 2 would change 1 published figure (Q3 2023-24), so it needs a reason, "
        "recorded with the revision. Nothing was changed.",
        "  Q3 2023-24 indicator values PI-02 actual: '95' -> '72.4'",
    ]
    assert "--reason" in no_reason.stderr.splitlines()[2]
    assert snap(sample_db) == before
    undone = run(sample_db, "rollback", "2", "--user", "sam", "--reason", "Recount was wrong")
    assert undone.returncode == 0, undone.stderr
    store = Store(db_url(sample_db))
    try:
        record = store.read("SELECT rolled_back_by FROM published_revisions")
        actual = store.read(
            "SELECT actual FROM indicator_values WHERE ref = 'PI-02' AND period = 20233"
        )
    finally:
        store.dispose()
    assert record["rolled_back_by"].tolist() == ["sam"]
    assert actual["actual"].tolist() == pytest.approx([72.4])
