"""CSV files read as a stream (the command line's path, ``ingest.stream``): the same rows stored as
reading the whole file, checks across rows that see past the pieces the file is read in, reading
that stops at the problem cap, limits checked as rows arrive, quotes read strictly, and a database
left unchanged by every refusal. Pieces are made tiny here so that every file spans many."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from harrow_dash.cli import SAMPLE_FILES
from harrow_dash.config import SAMPLE_DIR
from harrow_dash.ingest import readers, stream
from harrow_dash.ingest.load import FileInput, LoadPlan, commit, prepare
from harrow_dash.ingest.problems import MAX_PROBLEMS
from harrow_dash.ingest.readers import read_file
from harrow_dash.store import Store

P1 = "A council that puts residents first"
TIDY = "ref,name,priority,unit,polarity,period,actual,target,commentary\n"


@pytest.fixture(autouse=True)
def tiny_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "CHUNK_ROWS", 7)


def stream_prepare(store: Store, *paths: Path, compare: bool = False) -> LoadPlan:
    return prepare(store, [FileInput.from_path(p) for p in paths], compare=compare, stream=True)


def stream_load(store: Store, *paths: Path) -> LoadPlan:
    plan = stream_prepare(store, *paths)
    try:
        assert plan.ok, [str(p) for p in plan.problems]
        commit(store, plan, "tester")
    finally:
        plan.cleanup()
    return plan


def memory_load(store: Store, *paths: Path) -> LoadPlan:
    plan = prepare(store, [FileInput(p.name, p.read_bytes()) for p in paths], compare=False)
    assert plan.ok, [str(p) for p in plan.problems]
    commit(store, plan, "tester")
    return plan


def stored(snapshot: dict) -> dict:
    """Every table, with the batch record's load time left out (two loads are not at one instant)."""
    out = dict(snapshot)
    out["load_batches"] = [r[:4] + r[5:] for r in snapshot["load_batches"]]
    return out


@pytest.fixture
def other_store(tmp_path: Path):
    db = Store(f"duckdb:///{tmp_path / 'other.duckdb'}")
    db.init()
    yield db
    db.dispose()


def test_the_sample_streamed_in_tiny_pieces_stores_what_reading_it_whole_stores(
    store, other_store, db_snapshot
):
    paths = [SAMPLE_DIR / n for n in SAMPLE_FILES]
    memory_load(store, *paths)
    stream_load(other_store, *paths)
    assert stored(db_snapshot(other_store)) == stored(db_snapshot(store))


def test_long_texts_quotes_and_monthly_rows_across_pieces_store_the_same(
    store, other_store, db_snapshot, write_csv
):
    rows = [
        "ref,name,priority,unit,polarity,frequency,quarter_rule,period,actual,target,commentary,"
        "benchmark,benchmark_label",
        f'PI-M1,Calls,{P1},count,lower is better,monthly,sum,Apr-23,280,300,"April, busy",,',
        f"PI-M1,Calls,{P1},count,lower is better,monthly,sum,May-23,301,300,,,",
        f'PI-M1,Calls,{P1},count,lower is better,monthly,sum,Jun-23,295,300,"say ""June""",,',
        f"PI-M2,Visits,{P1},count,higher is better,monthly,last,Sep-23,50,40,,,",
    ]
    for i in range(20):  # enough rows that the quarter's own row comes pieces later
        rows.append(
            f"PI-Q{i},Measure {i},{P1},%,higher is better,quarterly,,Q{i % 4 + 1} 2022-23,"
            f'{60 + i}%,90%,"Line one\nline two, with a comma",{70 + i},London average'
        )
    rows.append(f"PI-M1,Calls,{P1},count,lower is better,monthly,sum,Q1 2023-24,876,900,Quarter,,")
    path = write_csv("mixed.csv", "\n".join(rows) + "\n")
    memory_load(store, path)
    stream_load(other_store, path)
    assert stored(db_snapshot(other_store)) == stored(db_snapshot(store))
    with other_store.connect() as conn:
        texts = dict(
            conn.exec_driver_sql(
                "SELECT ref, commentary FROM indicator_values WHERE ref IN ('PI-M1', 'PI-Q3')"
            ).fetchall()
        )
    assert texts == {"PI-M1": "Quarter", "PI-Q3": "Line one\nline two, with a comma"}


def test_duplicates_and_definitions_are_checked_across_pieces(store, write_csv, db_snapshot):
    before = db_snapshot(store)
    lines = [TIDY, f"PI-1,Calls,{P1},count,higher,Q1 2023-24,1,2,\n"]
    lines += [f"PI-{i},M{i},{P1},count,higher,Q1 2023-24,1,2,\n" for i in range(2, 40)]
    lines += [f"PI-1,Calls,{P1},count,higher,Q1 2023-24,5,2,\n"]  # row 41: a duplicate
    lines += [f"PI-2,Other name,{P1},count,higher,Q2 2023-24,1,2,\n"]  # row 42: a second name
    plan = stream_prepare(store, write_csv("dups.csv", "".join(lines)))
    plan.cleanup()
    found = {(p.row, p.message) for p in plan.problems}
    assert (41, "duplicate: PI-1 already has a value for Q1 2023-24 in row 2.") in found
    assert (
        42,
        "Indicator PI-2 is given name 'M2' in row 3 but a different value here; use one value.",
    ) in found
    assert db_snapshot(store) == before


def test_reading_stops_at_the_problem_cap_and_says_so(store, write_csv, db_snapshot):
    before = db_snapshot(store)
    rows = "".join(f"PI-{i},Calls,{P1},count,higher,Q1 2023-24,x{i},2,\n" for i in range(5000))
    plan = stream_prepare(store, write_csv("many.csv", TIDY + rows))
    plan.cleanup()
    assert len(plan.problems) == MAX_PROBLEMS + 1
    assert plan.problems[0].message == "'x0' is not a number (actual)."
    last = str(plan.problems[-1])
    m = re.fullmatch(
        r"many\.csv: and (\d+) or more problems not listed: reading stopped at row ([\d,]+) of "
        r"many\.csv once 500 problems were found, so the rest of the file was not read\.",
        last,
    )
    assert m, last
    row = int(m.group(2).replace(",", ""))
    assert MAX_PROBLEMS < row < MAX_PROBLEMS + 40  # a few pieces past the cap, not the whole file
    assert int(m.group(1)) == row - 1 - MAX_PROBLEMS  # every row read after the 500th had one
    assert db_snapshot(store) == before


def test_a_file_beyond_the_row_or_cell_limit_stops_where_it_passes_it(
    store, write_csv, monkeypatch
):
    monkeypatch.setattr(readers, "MAX_ROWS", 100)
    tall = write_csv("tall.csv", "Ref,Q3 2023-24\n" + "PI-1,1\n" * 1000)
    plan = stream_prepare(store, tall)
    assert [p.message for p in plan.problems] == [
        "the file has more than 101 rows; the limit is 100 rows of data."
    ]
    monkeypatch.setattr(readers, "MAX_ROWS", 1_000_000)
    monkeypatch.setattr(readers, "MAX_CSV_CELLS", 1000)
    head = "Ref,Q1 2023-24,Q2 2023-24,Q3 2023-24\n"
    plan = stream_prepare(store, write_csv("cells.csv", head + "PI-1,1,2,3\n" * 300))
    assert [p.message for p in plan.problems] == [
        "the file has more than 250 rows of 4 columns; the limit is 1,000 cells."
    ]


def test_a_wide_row_far_down_is_refused_naming_it(store, write_csv):
    head = "Ref,Measure,Priority,Good is,Unit,Q3 2023-24\n"
    rows = "".join(f"PI-{i},m,{P1},higher,count,{i}\n" for i in range(60))
    plan = stream_prepare(store, write_csv("long.csv", head + rows + "," * 1_000_000 + "\n"))
    assert [p.message for p in plan.problems] == [
        "the CSV cannot be read: row 62 has 1,000,001 fields; the limit is 500 columns."
    ]
    plan = stream_prepare(store, write_csv("ragged.csv", head + rows + "PI-9,a,b,c,d,1,2\n"))
    assert [p.message for p in plan.problems] == [
        "the CSV cannot be read: row 62 has 7 fields but the rows above have at most 6; check "
        "for a stray comma or an unclosed quote."
    ]


QUOTES = [
    (
        TIDY
        + f'PI-1,"Calls,{P1},count,higher,Q1 2023-24,1,2,\n'
        + "".join(f"PI-{i},M,{P1},count,higher,Q1 2023-24,1,2,\n" for i in range(2, 40)),
        "a quote opens in row 2 and is never closed",
    ),
    (
        TIDY
        + "".join(f"PI-{i},M,{P1},count,higher,Q1 2023-24,1,2,\n" for i in range(1, 30))
        + f'PI-30,"Calls" per day,{P1},count,higher,Q1 2023-24,1,2,\n',
        "a quote opens in row 31 and closes before the end of its cell",
    ),
    (
        TIDY
        + f'PI-1,M,{P1},count,higher,Q1 2023-24,1,2,"two\nlines"\n'
        + f'PI-2,M,{P1},count,higher,Q1 2023-24,1,2,"open\n'
        + "".join(f"PI-{i},M,{P1},count,higher,Q1 2023-24,1,2,\n" for i in range(3, 9))
        + f'PI-9,M,{P1},count,higher,Q1 2023-24,1,2,"closed"\n',
        "a quote opens in row 3 (line 4 of the file) and closes before the end of its cell",
    ),
]


@pytest.mark.parametrize(("text", "message"), QUOTES)
def test_an_unbalanced_quote_is_refused_naming_its_row_streamed_and_uploaded(
    store, write_csv, db_snapshot, text, message
):
    before = db_snapshot(store)
    path = write_csv("quotes.csv", text)
    plan = stream_prepare(store, path)
    assert [p.message for p in plan.problems if "quote" in p.message]
    assert message in plan.problems[0].message, plan.problems
    _, problems = read_file(path.read_bytes(), "quotes.csv", max_bytes=10_000_000)
    assert len(problems) == 1 and message in problems[0].message
    assert db_snapshot(store) == before


def test_a_quote_inside_a_cell_is_text(store, write_csv, other_store, db_snapshot):
    path = write_csv("inch.csv", TIDY + f'PI-1,5" screens,{P1},count,higher,Q1 2023-24,1,2,ok\n')
    stream_load(store, path)
    memory_load(other_store, path)
    assert stored(db_snapshot(store)) == stored(db_snapshot(other_store))
    with store.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM indicators").scalar() == '5" screens'


def test_the_command_line_refuses_an_unclosed_quote_and_loads_nothing(empty_db_url, tmp_path):
    env = {"HARROW_DASH_DATABASE_URL": empty_db_url, "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "harrow_dash.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    assert run("init").returncode == 0
    path = tmp_path / "open.csv"
    path.write_text(TIDY + f'PI-1,Calls,{P1},count,higher,Q1 2023-24,1,2,"never closed\n')
    result = run("load", str(path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Refused: 1 problem(s) found; nothing was loaded.",
        "  open.csv: the CSV cannot be read: a quote opens in row 2 and is never closed; close "
        "the quote or remove it.",
    ]
    db = Store(empty_db_url)
    try:
        assert sum(db.counts().values()) == 0
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "name",
    [
        "fingertips_physical_activity.csv",
        "fingertips_pooled_by_sex.csv",
        "ons_open_data_recycling.csv",
        "dfe_absence_2022_23.csv",
        "lginform_council_tax.csv",
    ],
)
def test_comparator_files_streamed_in_tiny_pieces_store_what_reading_them_whole_stores(
    name, store, other_store, db_snapshot
):
    """The kind of area kept, the breakdowns named and the notes are decided over the whole sheet,
    not piece by piece."""
    path = Path(__file__).resolve().parent / "comparators" / "files" / name
    whole = memory_load(store, path)
    streamed = stream_load(other_store, path)
    assert stored(db_snapshot(other_store)) == stored(db_snapshot(store))
    assert [str(w) for w in streamed.warnings] == [str(w) for w in whole.warnings]
