"""Refusing bad input, reloading, rollback and transactions: the importer's promises.

Every refusal test asserts the exact file, sheet, row and column named, and that the database is
exactly unchanged afterwards (a file with any error loads nothing).
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from harrow_dash.ingest.load import RollbackRefused, commit, rollback
from harrow_dash.ingest.problems import LoadRefused, Problem
from harrow_dash.ingest.template import build_template
from harrow_dash.rules.periods import Period
from harrow_dash.store import DatabaseError, schema

pytestmark = pytest.mark.both_databases

P1 = "A council that puts residents first"
PRIORITY_LIST = (
    "The priorities are: 1. A council that puts residents first; 2. A borough that is clean and safe; "
    "3. A place where those in need are supported."
)
TIDY_HEAD = ["Ref", "Name", "Priority", "Unit", "Polarity", "Period", "Actual", "Target"]


def tidy(*rows):
    return [TIDY_HEAD, *[list(r) for r in rows]]


def ok_row(ref="PI-N1", period="Q3 2023-24", actual="85", target="90", unit="%"):
    return [ref, "Calls answered", P1, unit, "higher", period, actual, target]


@pytest.fixture
def refuse(db_snapshot, prepare_files):
    """``refuse(store, *paths)`` -> the problems, after checking that committing is refused and that
    nothing at all was written."""

    def run(db, *paths) -> list[Problem]:
        before = db_snapshot(db)
        plan = prepare_files(db, *paths)
        assert not plan.ok
        with pytest.raises(LoadRefused) as refused:
            commit(db, plan, "tester")
        assert refused.value.problems == plan.problems  # every problem travels with the refusal
        assert db_snapshot(db) == before
        return plan.problems

    return run


# -- one test per kind of bad input --------------------------------------------------------------------


def test_misspelt_priority_suggests_the_right_one(sample_store, write_csv, refuse):
    row = ok_row()
    row[2] = "A council that put resident first"
    (problem,) = refuse(sample_store, write_csv("bad.csv", tidy(row)))
    assert problem == Problem(
        "bad.csv", None, 2, 'C ("Priority")',
        "unknown priority 'A council that put resident first'. Did you mean "
        f"'A council that puts residents first'? {PRIORITY_LIST}",
    )  # fmt: skip
    assert str(problem).startswith(
        "bad.csv, row 2, column C (\"Priority\"): unknown priority 'A council that put resident first'. "
        "Did you mean 'A council that puts residents first'?"
    )


def test_misspelt_short_priority_name_suggests_the_full_one(sample_store, write_csv, refuse):
    row = ok_row()
    row[2] = "Clean and saef"
    (problem,) = refuse(sample_store, write_csv("bad.csv", tidy(row)))
    assert (problem.row, problem.column) == (2, 'C ("Priority")')
    assert "Did you mean 'A borough that is clean and safe'?" in problem.message


def test_unknown_priority_without_a_close_match(sample_store, write_csv, refuse):
    row = ok_row()
    row[2] = "Growth"
    (problem,) = refuse(sample_store, write_csv("bad.csv", tidy(row)))
    assert problem.message == f"unknown priority 'Growth'. {PRIORITY_LIST}"


def test_unparseable_number(sample_store, write_csv, refuse):
    (problem,) = refuse(
        sample_store, write_csv("bad.csv", tidy(ok_row(), ok_row("PI-N2", actual="85 percent")))
    )
    assert problem == Problem(
        "bad.csv", None, 3, 'G ("Actual")', "'85 percent' is not a number (actual)."
    )
    assert (
        str(problem)
        == "bad.csv, row 3, column G (\"Actual\"): '85 percent' is not a number (actual)."
    )


def test_unparseable_number_in_a_workbook_names_the_sheet(sample_store, write_xlsx, refuse):
    rows = [["Scorecard 2023-24"], [], ["PI Ref", "Measure", "Priority", "Good is", "Unit", "Q2 2023-24", "Q3 2023-24"],
            ["PI-N1", "Calls", P1, "higher", "count", 10, 12], ["PI-N2", "Repairs", P1, "higher", "count", "ten", 12]]  # fmt: skip
    (problem,) = refuse(sample_store, write_xlsx("book.xlsx", {"Scorecard": rows}))
    assert problem == Problem(
        "book.xlsx", "Scorecard", 5, 'F ("Q2 2023-24")', "'ten' is not a number (actual)."
    )
    assert str(problem) == (
        "book.xlsx, sheet 'Scorecard', row 5, column F (\"Q2 2023-24\"): 'ten' is not a number (actual)."
    )


@pytest.mark.parametrize(
    ("heading", "reason"),
    [
        ("Q5 2023-24", "there is no quarter 5; quarters run from Q1 to Q4."),
        (
            "Q3 2023",
            "is ambiguous: give the financial year, e.g. 'Q3 2023-24' (Q3 is October to December).",
        ),
        ("Q3 2023-25", "a financial year runs over two consecutive years, like 2023-24."),
    ],
)
def test_unreadable_quarter_heading(sample_store, write_csv, refuse, heading, reason):
    rows = [["PI Ref", "Measure", "Priority", "Good is", "Unit", "Q2 2023-24", heading],
            ["PI-N1", "Calls", P1, "higher", "%", "80", "81"]]  # fmt: skip
    (problem,) = refuse(sample_store, write_csv("sc.csv", rows))
    assert (problem.file, problem.sheet, problem.row, problem.column) == (
        "sc.csv",
        None,
        1,
        f'G ("{heading}")',
    )
    assert problem.message.startswith("cannot read the quarter heading: ")
    assert problem.message.endswith(reason)


def test_unreadable_quarter_in_a_tidy_row(sample_store, write_csv, refuse):
    (problem,) = refuse(sample_store, write_csv("t.csv", tidy(ok_row(), ok_row(period="Q3 2023"))))
    assert problem == Problem(
        "t.csv", None, 3, 'F ("Period")',
        "'Q3 2023' is ambiguous: give the financial year, e.g. 'Q3 2023-24' (Q3 is October to December).",
    )  # fmt: skip


def test_duplicate_indicator_for_the_same_quarter(sample_store, write_csv, refuse):
    # The same quarter spelt two ways is still the same quarter.
    (problem,) = refuse(
        sample_store, write_csv("t.csv", tidy(ok_row(), ok_row(period="Q3 23/24", actual="86")))
    )
    assert problem == Problem(
        "t.csv", None, 3, None, "duplicate: PI-N1 already has a value for Q3 2023-24 in row 2."
    )


def test_duplicate_across_two_files(sample_store, write_csv, refuse):
    first = write_csv("a.csv", tidy(ok_row()))
    second = write_csv("b.csv", [["Ref", "Period", "Actual"], ["PI-N1", "Q3 2023-24", "80"]])
    (problem,) = refuse(sample_store, first, second)
    assert problem == Problem(
        "b.csv",
        None,
        2,
        None,
        "duplicate: PI-N1 already has a value for Q3 2023-24 in row 2 of a.csv.",
    )


@pytest.mark.parametrize(("column", "letter", "field"), [(6, "G", "actual"), (7, "H", "target")])
def test_percentage_above_100(sample_store, write_csv, refuse, column, letter, field):
    row = ok_row()
    row[column] = "180"
    (problem,) = refuse(sample_store, write_csv("t.csv", tidy(row)))
    heading = TIDY_HEAD[column]
    assert problem == Problem(
        "t.csv",
        None,
        2,
        f'{letter} ("{heading}")',
        f"{field} is above 100% for a percentage indicator.",
    )


def test_percentage_above_100_for_an_existing_indicator(sample_store, write_csv, refuse):
    # PI-02 (FOI responses within 20 days) is a % indicator in the database; the file gives no unit.
    rows = [["Ref", "Period", "Actual"], ["PI-02", "Q4 2023-24", "101%"]]
    (problem,) = refuse(sample_store, write_csv("t.csv", rows))
    assert (problem.row, problem.column, problem.message) == (
        2, 'C ("Actual")', "actual is above 100% for a percentage indicator.",
    )  # fmt: skip


def test_a_count_above_100_is_fine(store, write_csv, load_files):
    assert (
        load_files(store, write_csv("t.csv", tidy(ok_row(actual="180", unit="count")))).batch_id
        == 1
    )


def test_mixed_fraction_and_percentage_for_one_indicator(sample_store, write_csv, refuse):
    rows = tidy(ok_row(period="Q1 2023-24", actual="82"), ok_row(period="Q2 2023-24", actual="0.84"),
                ok_row(period="Q3 2023-24", actual="85"))  # fmt: skip
    (problem,) = refuse(sample_store, write_csv("t.csv", rows))
    assert problem == Problem(
        "t.csv", None, 3, 'G ("Actual")',
        "this percentage is written as a fraction (like 0.85) but other values of the same indicator are "
        "written as percentages (like 85); write them all one way.",
    )  # fmt: skip


def test_new_indicator_missing_its_definition(sample_store, write_csv, refuse):
    rows = [["Ref", "Name", "Period", "Actual"], ["PI-N9", "Mystery", "Q3 2023-24", "5"]]
    (problem,) = refuse(sample_store, write_csv("t.csv", rows))
    assert problem == Problem(
        "t.csv", None, 2, None,
        "PI-N9 is a new indicator, so the file must give its name, priority, unit, polarity; "
        "missing: priority, unit, polarity.",
    )  # fmt: skip


def test_values_for_an_existing_indicator_need_no_definition(sample_store, write_csv, load_files):
    result = load_files(
        sample_store,
        write_csv("t.csv", [["Ref", "Period", "Actual"], ["PI-02", "Q4 2023-24", "91"]]),
    )
    assert result.batch_id is not None
    assert result.plan.tables["indicators"].unchanged == 1


@pytest.mark.parametrize(
    ("column", "letter", "bad", "message"),
    [
        (3, "D", "furlongs", "'furlongs' is not a unit; use one of: %, count, days, weeks, minutes, seconds, £, rate, score."),
        (4, "E", "sideways", "'sideways' is not a polarity; use 'higher is better', 'lower is better' or 'within band'."),
    ],
)  # fmt: skip
def test_unknown_unit_or_polarity(sample_store, write_csv, refuse, column, letter, bad, message):
    row = ok_row()
    row[column] = bad
    (problem,) = refuse(sample_store, write_csv("t.csv", tidy(row)))
    assert problem == Problem("t.csv", None, 2, f'{letter} ("{TIDY_HEAD[column]}")', message)


def test_bad_official_rag(sample_store, write_csv, refuse):
    rows = [[*TIDY_HEAD, "RAG"], [*ok_row(), "Purple"]]
    (problem,) = refuse(sample_store, write_csv("t.csv", rows))
    assert problem == Problem(
        "t.csv", None, 2, 'I ("RAG")', "'Purple' is not a RAG rating; use Red, Amber or Green."
    )


def test_conflicting_definitions_of_one_indicator(sample_store, write_csv, refuse):
    second = ok_row(period="Q2 2023-24")
    second[3] = "count"
    (problem,) = refuse(sample_store, write_csv("t.csv", tidy(ok_row(), second)))
    assert problem == Problem(
        "t.csv",
        None,
        3,
        'D ("Unit")',
        "Indicator PI-N1 is given unit '%' in row 2 but a different value here; use one value.",
    )


def test_bad_action_status(sample_store, write_csv, refuse):
    rows = [["Action ref", "Title", "Priority", "Period", "Status"],
            ["FA-N1", "Open a hub", P1, "Q3 2023-24", "On track"],
            ["FA-N2", "Plant trees", P1, "Q3 2023-24", "Delayed"]]  # fmt: skip
    (problem,) = refuse(sample_store, write_csv("actions.csv", rows))
    assert problem == Problem(
        "actions.csv", None, 3, 'E ("Status")',
        "'Delayed' is not a flagship action status; use one of: Complete, On track, Minor slippage, "
        "Off track, Not started, Not yet due.",
    )  # fmt: skip


def test_status_for_an_unknown_action(sample_store, write_csv, refuse):
    rows = [["Action ref", "Period", "Status", "Title"], ["FA-99", "Q3 2023-24", "On track", ""]]
    (problem,) = refuse(sample_store, write_csv("actions.csv", rows))
    assert problem == Problem(
        "actions.csv",
        None,
        2,
        None,
        "FA-99 is a new flagship action, so the file must give its title and priority.",
    )


def test_highlight_linked_to_a_missing_indicator(sample_store, write_csv, refuse):
    rows = [["Period", "Priority", "Kind", "Text", "Indicator ref"],
            ["Q3 2023-24", P1, "achievement", "Calls answered faster", "PI-01"],
            ["Q3 2023-24", P1, "achievement", "Something else", "PI-404"]]  # fmt: skip
    (problem,) = refuse(sample_store, write_csv("highlights.csv", rows))
    assert problem == Problem(
        "highlights.csv",
        None,
        3,
        'E ("Indicator ref")',
        "the linked indicator is not in the file or the database.",
    )


def test_highlight_of_an_unknown_kind(sample_store, write_csv, refuse):
    rows = [["Period", "Priority", "Kind", "Text"], ["Q3 2023-24", P1, "gossip", "Heard a rumour"]]
    (problem,) = refuse(sample_store, write_csv("highlights.csv", rows))
    assert problem == Problem(
        "highlights.csv", None, 2, 'C ("Kind")',
        "'gossip' is not a kind of highlight; use 'achievement' or 'area for improvement'.",
    )  # fmt: skip


def test_a_text_file_is_refused(sample_store, tmp_path, refuse):
    path = tmp_path / "notes.txt"
    path.write_text("PI-01 went up")
    (problem,) = refuse(sample_store, path)
    assert problem == Problem(
        "notes.txt",
        None,
        None,
        None,
        "'.txt' files cannot be read; save it as .xlsx, .ods or .csv (UTF-8).",
    )
    assert (
        str(problem)
        == "notes.txt: '.txt' files cannot be read; save it as .xlsx, .ods or .csv (UTF-8)."
    )


def test_a_corrupt_workbook_is_refused(sample_store, tmp_path, refuse):
    path = tmp_path / "scorecard.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    (problem,) = refuse(sample_store, path)
    assert problem == Problem(
        "scorecard.xlsx",
        None,
        None,
        None,
        "this is not a valid .xlsx workbook (not a zip package).",
    )


def test_a_zip_that_is_not_a_workbook_is_refused(sample_store, tmp_path, refuse):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    path = tmp_path / "fake.xlsx"
    path.write_bytes(buf.getvalue())
    (problem,) = refuse(sample_store, path)
    assert problem == Problem("fake.xlsx", None, None, None, "this is not a valid .xlsx workbook.")


def test_a_truncated_workbook_is_refused(sample_store, write_xlsx, tmp_path, refuse):
    good = write_xlsx("good.xlsx", {"Values": tidy(ok_row())}).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) // 2])
    (problem,) = refuse(sample_store, path)
    assert (problem.file, problem.row, problem.column) == ("cut.xlsx", None, None)
    assert "not a valid .xlsx workbook" in problem.message or "cannot be opened" in problem.message


def test_an_empty_csv_is_refused(sample_store, write_csv, refuse):
    (problem,) = refuse(sample_store, write_csv("empty.csv", ""))
    assert (problem.file, problem.row) == ("empty.csv", None)
    assert problem.message.startswith("the CSV cannot be read")


def test_a_sheet_without_a_header_is_refused(sample_store, write_xlsx, refuse):
    path = write_xlsx("book.xlsx", {"Data": [["a", "b"], [1, 2]], "Notes": [["just notes"]]})
    (problem,) = refuse(sample_store, path)  # the "Notes" sheet is guidance and is skipped silently
    assert (problem.file, problem.sheet, problem.row, problem.column) == (
        "book.xlsx",
        "Data",
        None,
        None,
    )
    assert problem.message.startswith("no header row found in the first 30 rows of this sheet.")


def test_every_problem_in_a_file_is_reported_at_once(sample_store, write_csv, refuse):
    bad_priority = ok_row("PI-N1")
    bad_priority[2] = "Residents frist"
    rows = tidy(
        bad_priority, ok_row("PI-N2", actual="eighty"), ok_row("PI-N3", period="Q9 2023-24")
    )
    problems = refuse(sample_store, write_csv("three.csv", rows))
    assert [str(p) for p in problems] == [
        "three.csv, row 2, column C (\"Priority\"): unknown priority 'Residents frist'. Did you mean "
        f"'A council that puts residents first'? {PRIORITY_LIST}",
        "three.csv, row 3, column G (\"Actual\"): 'eighty' is not a number (actual).",
        "three.csv, row 4, column F (\"Period\"): 'Q9 2023-24': there is no quarter 9; quarters run from Q1 to Q4.",
    ]


def test_one_bad_file_stops_the_good_one_too(sample_store, write_csv, refuse):
    good = write_csv("good.csv", tidy(ok_row("PI-N1")))
    bad = write_csv("bad.csv", tidy(ok_row("PI-N2", actual="?")))
    problems = refuse(sample_store, good, bad)
    assert [(p.file, p.row) for p in problems] == [("bad.csv", 2)]


# -- reloading and dry runs ---------------------------------------------------------------------------


def test_loading_the_same_file_twice_changes_nothing(
    sample_store, write_csv, load_files, db_snapshot
):
    path = write_csv("t.csv", tidy(ok_row(), ok_row(period="Q2 2023-24", actual="84")))
    first = load_files(sample_store, path)
    assert first.batch_id == 2
    assert first.plan.added == 3  # one definition and two values
    before = db_snapshot(sample_store)
    second = load_files(sample_store, path)
    assert second.batch_id is None and second.nothing_to_do
    assert (second.plan.added, second.plan.changed, second.plan.unchanged) == (0, 0, 3)
    assert db_snapshot(sample_store) == before


def test_reloading_the_sample_changes_nothing(sample_store, db_snapshot):
    from harrow_dash.cli import load_sample

    before = db_snapshot(sample_store)
    out = io.StringIO()
    assert load_sample(sample_store, out=out) == 0
    assert out.getvalue() == "The sample data is already loaded.\n"
    assert db_snapshot(sample_store) == before


def test_prepare_writes_nothing_and_previews_the_changes(
    sample_store, write_csv, prepare_files, db_snapshot
):
    before = db_snapshot(sample_store)
    plan = prepare_files(
        sample_store,
        write_csv("t.csv", [["Ref", "Period", "Actual"], ["PI-02", "Q3 2023-24", "99"]]),
    )
    assert plan.ok
    assert plan.tables["indicator_values"].changed == 1
    change = plan.changes[plan.changes["field"] == "actual"].iloc[0]
    assert (change["table"], change["key"], change["new"]) == (
        "indicator values",
        "PI-02 Q3 2023-24",
        99.0,
    )
    assert db_snapshot(sample_store) == before


def test_a_batch_is_recorded(store, write_csv, load_files):
    path = write_csv("t.csv", tidy(ok_row()))
    result = load_files(store, path, user="jo.bloggs")
    batches = store.batches()
    assert len(batches) == 1
    b = batches.iloc[0]
    assert (b["id"], b["file_name"], b["loaded_by"], b["status"]) == (
        result.batch_id,
        "t.csv",
        "jo.bloggs",
        "committed",
    )
    assert (b["rows_added"], b["rows_changed"], b["rows_unchanged"]) == (2, 0, 0)
    assert b["sha256"] == result.plan.sha256 and len(b["sha256"]) == 64


# -- rollback -----------------------------------------------------------------------------------------


def _without_batches(snap):
    return {k: v for k, v in snap.items() if k != "load_batches"}


def test_rollback_restores_exactly_the_previous_values(
    sample_store, write_csv, load_files, db_snapshot
):
    before = db_snapshot(sample_store)
    rows = [[*TIDY_HEAD, "Commentary", "Directorate"],
            ["PI-02", "FOI requests answered within 20 working days", P1, "%", "higher", "Q3 2023-24", "99", "95", "Fixed", "New Directorate"],
            ["PI-N1", "Calls answered", P1, "%", "higher", "Q3 2023-24", "85", "90", "", "New Directorate"]]  # fmt: skip
    result = load_files(sample_store, write_csv("change.csv", rows))
    assert (
        result.plan.changed >= 2 and result.plan.added == 2
    )  # PI-02's definition and value change
    after_load = db_snapshot(sample_store)
    assert after_load != before
    assert "New Directorate" in sample_store.directorates()

    restored = rollback(sample_store, result.batch_id, "jo.bloggs")
    assert restored["indicator_values"] == 1 and restored["indicator_values_removed"] == 2
    after = db_snapshot(sample_store)
    assert _without_batches(after) == _without_batches(before)
    batch = sample_store.batches().set_index("id").loc[result.batch_id]
    assert (batch["status"], batch["rolled_back_by"]) == ("rolled back", "jo.bloggs")


def test_rollback_refused_when_a_later_batch_changed_the_same_rows(
    sample_store, write_csv, load_files, db_snapshot
):
    first = load_files(sample_store, write_csv("a.csv", tidy(ok_row(actual="80"))))
    middle = db_snapshot(sample_store)
    second = load_files(
        sample_store,
        write_csv("b.csv", [["Ref", "Period", "Actual"], ["PI-N1", "Q3 2023-24", "82"]]),
    )
    before = db_snapshot(sample_store)
    with pytest.raises(RollbackRefused) as refused:
        rollback(sample_store, first.batch_id, "tester")
    assert str(refused.value) == (
        f"Batch {first.batch_id} cannot be rolled back: batch {second.batch_id} later changed rows it loaded. "
        f"Roll back batch {second.batch_id} first."
    )
    assert db_snapshot(sample_store) == before
    # Undo in the right order and each step restores exactly the state before its batch.
    rollback(sample_store, second.batch_id, "tester")
    assert _without_batches(db_snapshot(sample_store)) == _without_batches(middle)
    rollback(sample_store, first.batch_id, "tester")
    assert sample_store.read("SELECT * FROM indicators WHERE ref = 'PI-N1'").empty


def test_rollback_refused_when_a_later_batch_depends_on_what_it_created(
    store, write_csv, load_files, db_snapshot
):
    first = load_files(store, write_csv("a.csv", tidy(ok_row())))
    second = load_files(
        store, write_csv("b.csv", [["Ref", "Period", "Actual"], ["PI-N1", "Q2 2023-24", "80"]])
    )
    before = db_snapshot(store)
    with pytest.raises(
        RollbackRefused,
        match=f"batch {second.batch_id} added rows that depend on what batch {first.batch_id} created",
    ):
        rollback(store, first.batch_id, "tester")
    assert db_snapshot(store) == before


def test_rollback_of_an_unknown_or_rolled_back_batch(store, write_csv, load_files, db_snapshot):
    with pytest.raises(RollbackRefused, match="^There is no batch 99.$"):
        rollback(store, 99, "tester")
    batch = load_files(store, write_csv("a.csv", tidy(ok_row()))).batch_id
    rollback(store, batch, "tester")
    before = db_snapshot(store)
    with pytest.raises(RollbackRefused, match=f"^Batch {batch} has already been rolled back.$"):
        rollback(store, batch, "tester")
    assert db_snapshot(store) == before
    assert store.counts() == {
        "indicators": 0,
        "indicator_values": 0,
        "flagship_actions": 0,
        "action_statuses": 0,
        "highlights": 0,
    }


# -- transactions -------------------------------------------------------------------------------------


def test_a_load_that_fails_while_writing_leaves_nothing(
    sample_store, write_csv, prepare_files, db_snapshot
):
    """Make the very last write of a load (its batch record) fail for real: a row already holds the
    batch number the load will take. Everything the load wrote before that must disappear."""
    with sample_store.begin() as conn:
        next_id = conn.execute(sa.select(sa.func.max(schema.load_batches.c.id))).scalar() + 1
        conn.execute(
            schema.load_batches.insert().values(
                id=next_id, file_name="squatter", sha256="0" * 64, loaded_by="test", loaded_at=sa.func.now(),
                rows_added=0, rows_changed=0, rows_unchanged=0, status="committed",
            )
        )  # fmt: skip
    before = db_snapshot(sample_store)
    rows = [["Ref", "Period", "Actual"], ["PI-02", "Q3 2023-24", "99"]] + [
        [f"PI-0{i}", "Q4 2023-24", "1"] for i in range(3, 6)
    ]
    plan = prepare_files(sample_store, write_csv("t.csv", rows))
    assert plan.ok and plan.changed + plan.added == 4
    with pytest.raises(DatabaseError) as raised:
        commit(sample_store, plan, "tester")
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert db_snapshot(sample_store) == before


# -- the template -------------------------------------------------------------------------------------


def test_the_template_round_trips(store, tmp_path, load_files):
    content = build_template(
        [P1, "A borough that is clean and safe", "A place where those in need are supported"],
        Period(2023, 3),
    )
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames[:5] == [
        "Guidance",
        "Scorecard",
        "Indicator values",
        "Flagship actions",
        "Highlights",
    ]
    sc = wb["Scorecard"]
    headings = [c.value for c in sc[3]]
    assert headings[9:16] == ["Quarter rule", "Allow negative", "Cumulative or seasonal", "Target",
                              "Q1 2023-24", "Q2 2023-24", "Q3 2023-24"]  # fmt: skip
    sc.append(["PI-T1", "Calls answered", P1, "Resources", "Finance", "higher is better", "%", "quarterly", "no",
               None, "no", None, 0.9, 0.8, 0.85, 0.87, "Amber", "Better than last quarter", 0.8])  # fmt: skip
    sc.append(["PI-T2", "Rough sleepers", "A place where those in need are supported", "Housing", "Housing",
               "lower is better", "count", "quarterly", "yes", "sum", "yes", "cumulative", 5, 6, 4, 3, None, None, None])  # fmt: skip
    for col in "MNOPS":
        sc[f"{col}4"].number_format = "0%"
    wb["Flagship actions"].append(
        ["FA-T1", "Open a hub", P1, "Resources", "Finance", "Head of X", None, "Q3 2023-24",
         "On track", None]
    )  # fmt: skip
    wb["Highlights"].append(
        ["Q3 2023-24", P1, "achievement", "Calls answered faster", "PI-T1", "FA-T1"]
    )
    path = tmp_path / "filled.xlsx"
    wb.save(path)

    result = load_files(store, path)
    assert result.batch_id == 1
    got = store.read(
        "SELECT ref, period, actual, target, official_rag, commentary, benchmark FROM indicator_values ORDER BY ref, period"
    )
    assert got["ref"].tolist() == ["PI-T1"] * 3 + ["PI-T2"] * 3
    assert got["period"].tolist() == [20231, 20232, 20233] * 2
    assert got["actual"].tolist() == pytest.approx([80, 85, 87, 6, 4, 3], rel=1e-6)
    assert got["target"].tolist() == pytest.approx([90, 90, 90, 5, 5, 5], rel=1e-6)
    latest = got.iloc[2]
    assert (latest["official_rag"], latest["commentary"]) == ("Amber", "Better than last quarter")
    assert latest["benchmark"] == pytest.approx(80, rel=1e-6)
    ind = store.read(
        "SELECT ref, counts_people, polarity, unit, quarter_rule, allow_negative, "
        "cumulative_or_seasonal FROM indicators ORDER BY ref"
    )
    assert ind.astype(object).where(ind.notna(), None).values.tolist() == [
        ["PI-T1", False, "higher", "%", None, False, None],
        ["PI-T2", True, "lower", "count", "sum", True, "cumulative"],
    ]
    assert store.counts()["action_statuses"] == 1 and store.counts()["highlights"] == 1
    assert store.read("SELECT portfolio FROM flagship_actions")["portfolio"].tolist() == ["Finance"]


def test_the_blank_template_is_refused_as_holding_no_data(store, tmp_path, refuse, db_snapshot):
    path = tmp_path / "blank.xlsx"
    path.write_bytes(build_template([P1], Period(2024, 1)))
    before = db_snapshot(store)
    problems = refuse(store, path)
    assert [(p.sheet, p.message) for p in problems] == [
        ("Corrective actions", "no data rows below the header in row 1."),
        ("Flagship actions", "no data rows below the header in row 1."),
        ("Highlights", "no data rows below the header in row 1."),
        ("Indicator values", "no data rows below the header in row 1."),
        ("Scorecard", "no data rows below the header in row 3."),
    ]
    assert db_snapshot(store) == before


# -- stored precision ---------------------------------------------------------------------------------


def test_decimal_values_are_stored_exactly(store, write_csv, load_files):
    load_files(store, write_csv("t.csv", tidy(ok_row(actual="89.4"))))
    assert store.read("SELECT actual FROM indicator_values")["actual"].iloc[0] == 89.4


# -- monthly figures in the tidy layout, and quarters beside their months ----------------------------------

MONTHLY_HEAD = [
    "Ref",
    "Name",
    "Priority",
    "Unit",
    "Good is",
    "Frequency",
    "Quarter rule",
    "Period",
    "Actual",
]
ASB = ["PI-60", "Anti-social behaviour incidents", P1, "count", "lower", "monthly", "sum"]


def test_tidy_months_load_as_monthly_values_and_make_the_quarter_by_its_rule(
    store, write_csv, load_files
):
    path = write_csv("months.csv", [
        MONTHLY_HEAD,
        [*ASB, "Apr-23", "280"], [*ASB, "May 2023", "301"], [*ASB, "2023-06", "295"],
        [*ASB, "Jul 2023", "310"],  # Q2 is not complete: no quarter from it
    ])  # fmt: skip
    result = load_files(store, path)
    assert result.plan.tables["indicator_monthly_values"].added == 4
    months = store.read("SELECT month, actual FROM indicator_monthly_values ORDER BY month")
    assert months.values.tolist() == [[202304, 280], [202305, 301], [202306, 295], [202307, 310]]
    quarters = store.read("SELECT period, actual FROM indicator_values ORDER BY period")
    assert quarters.values.tolist() == [[20231, 876]]


def test_a_published_quarter_beside_revised_months_is_kept_with_a_note(
    store, write_csv, load_files, prepare_files, db_snapshot
):
    """Monthly figures are revised after a quarter is published; the quarter stays what Cabinet saw.
    Repeating the published figure beside revised months loads the months with a note; a quarter
    that disagrees with its months and is not the published figure is refused."""
    first = write_csv("q1.csv", [
        MONTHLY_HEAD,
        [*ASB, "Apr-23", "280"], [*ASB, "May-23", "301"], [*ASB, "Jun-23", "295"],
        [*ASB, "Q1 2023-24", "876"],
    ])  # fmt: skip
    load_files(store, first)
    store.publish(Period(2023, 1), "tester")
    revised = write_csv("revised.csv", [
        MONTHLY_HEAD,
        [*ASB, "Apr-23", "280"], [*ASB, "May-23", "301"], [*ASB, "Jun-23", "300"],
        [*ASB, "Q1 2023-24", "876"],
    ])  # fmt: skip
    plan = prepare_files(store, revised)
    assert plan.ok and not plan.changes_published
    assert [str(w) for w in plan.warnings] == [
        'revised.csv, row 5, column I ("Actual"): PI-60 Q1 2023-24 is published as 876; its months '
        "now give 881 (quarter rule 'sum'). The published quarter stays as Cabinet saw it; the "
        "months load as given."
    ]
    load_files(store, revised)
    assert store.read("SELECT actual FROM indicator_values")["actual"].tolist() == [876]
    assert store.read("SELECT actual FROM indicator_monthly_values WHERE month = 202306")[
        "actual"
    ].tolist() == [300]
    before = db_snapshot(store)
    wrong = write_csv("wrong.csv", [
        MONTHLY_HEAD,
        [*ASB, "Apr-23", "280"], [*ASB, "May-23", "301"], [*ASB, "Jun-23", "300"],
        [*ASB, "Q1 2023-24", "870"],
    ])  # fmt: skip
    plan = prepare_files(store, wrong)
    assert [str(p) for p in plan.problems] == [
        'wrong.csv, row 5, column I ("Actual"): PI-60 Q1 2023-24: the quarter\'s actual 870 is not '
        "what its months give: its quarter rule 'sum' adds its three months up to 881. Correct the "
        "quarter or the months."
    ]
    assert db_snapshot(store) == before
