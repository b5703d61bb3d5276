"""GSS symbols in the council's own figure cells, NaN refused, a blank quarter reported once.

Real files (CSV, and workbooks written with openpyxl) go through ``prepare``/``commit``; each test
checks the exact values and markers stored, or the exact problems (and that nothing was written).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from harrow_dash.ingest.load import commit
from harrow_dash.ingest.problems import LoadRefused, Problem
from harrow_dash.store import schema

pytestmark = pytest.mark.both_databases

P1 = "A council that puts residents first"
TIDY_HEAD = ["Ref", "Name", "Priority", "Unit", "Polarity", "Period", "Actual", "Target"]


def tidy(*rows):
    return [TIDY_HEAD, *[list(r) for r in rows]]


def row(ref="PI-N1", period="Q3 2023-24", actual="85", target="90", unit="%"):
    return [ref, "Calls answered", P1, unit, "higher", period, actual, target]


@pytest.fixture
def refuse(db_snapshot, prepare_files):
    """``refuse(store, *paths)`` -> the problems; committing is refused and nothing is written."""

    def run(db, *paths) -> list[Problem]:
        before = db_snapshot(db)
        plan = prepare_files(db, *paths)
        assert not plan.ok
        with pytest.raises(LoadRefused):
            commit(db, plan, "tester")
        assert db_snapshot(db) == before
        return plan.problems

    return run


# -- NaN is not a number ----------------------------------------------------------------------------


def test_nan_in_a_figure_is_refused_like_inf(store, write_csv, refuse):
    path = write_csv(
        "nan.csv",
        tidy(
            row("PI-N1", actual="NaN"),
            row("PI-N2", actual="80", target="-nan"),
            row("PI-N3", actual="nan"),
        ),
    )
    assert refuse(store, path) == [
        Problem("nan.csv", None, 2, 'G ("Actual")', "'NaN' is not a number (actual)."),
        Problem("nan.csv", None, 3, 'H ("Target")', "'-nan' is not a number (target)."),
        Problem("nan.csv", None, 4, 'G ("Actual")', "'nan' is not a number (actual)."),
    ]


def test_nan_in_a_scorecard_workbook_is_refused(store, write_xlsx, refuse):
    rows = [
        ["PI Ref", "Measure", "Priority", "Good is", "Unit", "Q2 2023-24", "Q3 2023-24"],
        ["PI-N1", "Calls", P1, "higher", "count", 10, "NaN"],
    ]
    assert refuse(store, write_xlsx("book.xlsx", {"Scorecard": rows})) == [
        Problem("book.xlsx", "Scorecard", 2, 'G ("Q3 2023-24")', "'NaN' is not a number (actual).")
    ]


# -- a blank quarter --------------------------------------------------------------------------------


def test_a_blank_quarter_is_reported_once(store, write_csv, refuse):
    path = write_csv("blank.csv", tidy(row(), row("PI-N2", period="")))
    assert refuse(store, path) == [
        Problem("blank.csv", None, 3, 'F ("Period")', "the quarter is blank."),
    ]


def test_a_blank_highlight_quarter_is_reported_once(sample_store, write_csv, refuse):
    path = write_csv(
        "hl.csv",
        [["period", "priority", "kind", "text"], ["", "1", "achievement", "Opened a library."]],
    )
    assert refuse(sample_store, path) == [
        Problem("hl.csv", None, 2, 'A ("period")', "the quarter is blank."),
    ]


# -- GSS symbols in figure cells ---------------------------------------------------------------------


def stored(db, table=schema.indicator_values, key="period"):
    """{(ref, period or month): (actual, target, marker)} as stored."""
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.ref, table.c[key], table.c.actual, table.c.target, table.c.marker)
        )
        return {(r[0], int(r[1])): (r[2], r[3], r[4]) for r in rows}


def test_tidy_symbols_load_as_markers_and_no_figures(store, write_csv, load_files):
    path = write_csv(
        "gss.csv",
        [
            [*TIDY_HEAD, "Benchmark"],
            [*row("PI-N1", actual="69% [p]"), "70"],
            [*row("PI-N2", actual="[x]"), ""],
            [*row("PI-N3", actual="[z]", target="[x]"), "[x]"],
            [*row("PI-N4", actual="[c]", unit="count"), ""],
            [*row("PI-N5", actual="[low]", unit="count"), ""],
            [*row("PI-N6", actual="[w]", unit="count"), ""],
            [*row("PI-N7", actual="3 [p] [e]", target="5 [note 2]", unit="count"), ""],
            [*row("PI-N8", actual="72.5 [note 3]"), "78.1"],
            [*row("PI-N9", actual="81% [r]"), ""],
            [*row("PI-N10", actual="1,234 [u]", target="1,000", unit="count"), ""],
        ],
    )
    load_files(store, path)
    q3 = 20233
    assert stored(store) == {
        ("PI-N1", q3): (69.0, 90.0, "p"),
        ("PI-N2", q3): (None, 90.0, "x"),
        ("PI-N3", q3): (None, None, "z"),
        ("PI-N4", q3): (None, 90.0, "c"),
        ("PI-N5", q3): (None, 90.0, "low"),
        ("PI-N6", q3): (None, 90.0, "w"),
        ("PI-N7", q3): (3.0, 5.0, "p,e"),
        ("PI-N8", q3): (72.5, 90.0, None),
        ("PI-N9", q3): (81.0, 90.0, "r"),
        ("PI-N10", q3): (1234.0, 1000.0, "u"),
    }


def test_scorecard_workbook_symbols_in_actual_target_and_month_cells(store, write_xlsx, load_files):
    rows = [
        ["PI Ref", "Measure", "Priority", "Good is", "Unit", "Frequency", "Quarter rule",
         "Target", "Q2 2023-24", "Q3 2023-24"],
        ["PI-N1", "Calls", P1, "higher", "%", "quarterly", "", "90%", "71% [r]", "69% [p]"],
        ["PI-N2", "Visits", P1, "higher", "count", "quarterly", "", "[x]", "[z]", 120],
    ]  # fmt: skip
    months = [
        ["Ref", "Measure", "Priority", "Good is", "Unit", "Frequency", "Quarter rule",
         "Apr-23", "May-23", "Jun-23"],
        ["PI-M1", "Incidents", P1, "lower", "count", "monthly", "sum", "280 [p]", 301, "295 [e]"],
        ["PI-M2", "Backlog", P1, "lower", "count", "monthly", "last month", 40, "[x]", "38 [r]"],
    ]  # fmt: skip
    load_files(store, write_xlsx("book.xlsx", {"Scorecard": rows, "Monthly": months}))
    assert stored(store) == {
        ("PI-N1", 20232): (71.0, 90.0, "r"),
        ("PI-N1", 20233): (69.0, 90.0, "p"),
        ("PI-N2", 20232): (None, None, "z"),
        ("PI-N2", 20233): (120.0, None, None),
        ("PI-M1", 20231): (876.0, None, "p,e"),  # the sum carries its months' markers
        ("PI-M2", 20231): (38.0, None, "r"),
    }
    assert stored(store, schema.indicator_monthly_values, "month") == {
        ("PI-M1", 202304): (280.0, None, "p"),
        ("PI-M1", 202305): (301.0, None, None),
        ("PI-M1", 202306): (295.0, None, "e"),
        ("PI-M2", 202304): (40.0, None, None),
        ("PI-M2", 202305): (None, None, "x"),
        ("PI-M2", 202306): (38.0, None, "r"),
    }


def test_a_marker_after_a_target_or_benchmark_loads_the_number_with_a_note(
    store, write_csv, prepare_files
):
    path = write_csv("t.csv", [[*TIDY_HEAD, "Benchmark"], [*row(target="90 [p]"), "78 [r]"]])
    plan = prepare_files(store, path)
    assert plan.ok
    assert [str(w) for w in plan.warnings] == [
        't.csv, row 2, column H ("Target"): the target is marked provisional; the number loads, '
        "but only an actual's marker is kept.",
        't.csv, row 2, column I ("Benchmark"): the benchmark is marked revised; the number '
        "loads, but only an actual's marker is kept.",
    ]
    commit(store, plan, "tester")
    assert stored(store) == {("PI-N1", 20233): (85.0, 90.0, None)}


def test_unknown_and_contradictory_symbols_are_problems_naming_the_cell(store, write_csv, refuse):
    path = write_csv(
        "bad.csv",
        tidy(
            row("PI-N1", actual="[q]"),
            row("PI-N2", actual="12 [c]", unit="count"),
            row("PI-N3", actual="70 [q]"),
            row("PI-N4", actual="[p]"),
            row("PI-N5", actual="80", target="[x] [c]"),
        ),
    )
    unknown = (
        "which is not a GSS symbol (actual); use [x] not available, [z] not applicable, "
        "[c] confidential, [low] or [w] for no figure, or [p], [r], [e], [u] after a number."
    )
    assert refuse(store, path) == [
        Problem("bad.csv", None, 2, 'G ("Actual")', f"'[q]' has the symbol [q], {unknown}"),
        Problem("bad.csv", None, 3, 'G ("Actual")',
                "'12 [c]' cannot be read (actual): [c] must stand alone for no figure, or follow "
                "a number when it qualifies one (69% [p])."),
        Problem("bad.csv", None, 4, 'G ("Actual")', f"'70 [q]' has the symbol [q], {unknown}"),
        Problem("bad.csv", None, 5, 'G ("Actual")',
                "'[p]' cannot be read (actual): [p] (provisional) qualifies a number; write the "
                "number before it (69% [p])."),
        Problem("bad.csv", None, 6, 'H ("Target")',
                "'[x] [c]' cannot be read (target): give one symbol for no figure, not [x][c]."),
    ]  # fmt: skip


def test_a_marker_column_is_read_and_checked_against_the_cells(store, write_csv, refuse):
    head = [*TIDY_HEAD, "Marker"]
    bad = write_csv(
        "m.csv",
        [
            head,
            [*row("PI-N1", actual="69 [p]"), "revised"],
            [*row("PI-N2", actual="12"), "not available"],
            [*row("PI-N3", actual=""), "provisional"],
            [*row("PI-N4"), "guessed"],
        ],
    )
    assert [(p.row, p.column, p.message) for p in refuse(store, bad)] == [
        (2, 'I ("Marker")',
         "the actual is marked provisional in its cell but revised here; give the marker once."),
        (3, 'I ("Marker")',
         "'not available' means there is no figure, but the actual is 12; give one or the other."),
        (4, 'I ("Marker")',
         "'provisional' qualifies a figure, but the actual is blank; give the figure or leave the "
         "marker blank."),
        (5, 'I ("Marker")',
         "'guessed' is not a marker; use the words or the GSS symbol: not available [x], not "
         "applicable [z], confidential [c], low figure [low], no or few events [w], provisional "
         "[p], revised [r], estimated [e], estimated and revised [er], low reliability [u], break "
         "in the time series [b], forecast [f]."),
    ]  # fmt: skip


def test_marker_column_spellings(store, write_csv, load_files):
    path = write_csv(
        "m.csv",
        [
            [*TIDY_HEAD, "Data marker"],
            [*row("PI-N1"), "Provisional"],
            [*row("PI-N2"), "[r]"],
            [*row("PI-N3"), "provisional, estimated"],
            [*row("PI-N4", actual=""), "held back (confidential)"],
            [*row("PI-N5", actual="70 [p]"), "p"],  # the same marker twice is not a conflict
            [*row("PI-N6"), ""],
        ],
    )
    load_files(store, path)
    assert {k[0]: v[2] for k, v in stored(store).items()} == {
        "PI-N1": "p", "PI-N2": "r", "PI-N3": "p,e", "PI-N4": "c", "PI-N5": "p", "PI-N6": None,
    }  # fmt: skip


def test_a_changed_marker_is_a_change_and_rolls_back(store, write_csv, load_files):
    from harrow_dash.ingest.load import rollback

    first = load_files(store, write_csv("a.csv", tidy(row(actual="69% [p]"))))
    again = load_files(store, write_csv("b.csv", tidy(row(actual="69% [p]"))))
    assert again.nothing_to_do  # the same marker again changes nothing
    revised = load_files(store, write_csv("c.csv", tidy(row(actual="69%"))))
    assert (revised.plan.added, revised.plan.changed) == (0, 1)  # the marker went: a change
    assert stored(store) == {("PI-N1", 20233): (69.0, 90.0, None)}
    rollback(store, revised.batch_id, "tester")
    assert stored(store) == {("PI-N1", 20233): (69.0, 90.0, "p")}
    assert first.batch_id != revised.batch_id


# -- a published quarter, the editors' export, an older database -------------------------------------


def test_a_changed_marker_in_a_published_quarter_is_a_change_to_the_record(
    sample_store, db_snapshot
):
    from harrow_dash.ingest.load import FileInput, PublishedChangeRefused, Revision, prepare
    from harrow_dash.rules.periods import parse_period

    sample_store.publish(parse_period("Q3 2023-24"), "publisher")
    before = db_snapshot(sample_store)
    plan = prepare(
        sample_store, [FileInput("p.csv", b"Ref,Period,Actual\nPI-02,Q3 2023-24,72.4 [p]\n")]
    )
    assert plan.ok
    changes = plan.published_changes
    assert list(
        zip(changes["item"], changes["field"], changes["old"], changes["new"], strict=True)
    ) == [("PI-02", "marker", None, "p")]
    with pytest.raises(PublishedChangeRefused) as refused:
        commit(sample_store, plan, "editor")
    assert "Q3 2023-24 indicator values PI-02 marker: (none) -> 'provisional'" in str(refused.value)
    assert db_snapshot(sample_store) == before
    commit(sample_store, plan, "editor", Revision("The ONS marks it provisional"))
    assert stored(sample_store)[("PI-02", 20233)] == (72.4, 90.0, "p")
    from harrow_dash.outputs import revisions

    record = revisions.record_table(revisions.read(sample_store))
    assert record[["Field", "Published value", "Revised value"]].values.tolist() == [
        ["marker", "(blank)", "provisional"]
    ]


def test_the_editors_export_carries_markers_and_loads_back_unchanged(
    store, write_csv, load_files, tmp_path, db_snapshot
):
    from harrow_dash.formats.csv_text import write_csv as write_export
    from harrow_dash.outputs.exports import monthly_export, tidy_export
    from harrow_dash.rules.scorecard import RuleSettings

    head = ["Ref", "Name", "Priority", "Unit", "Polarity", "Frequency", "Quarter rule", "Counts people",
            "Period", "Actual", "Target"]  # fmt: skip
    q = ["Calls answered", P1, "%", "higher", "quarterly", "", "no"]
    m = ["Incidents", P1, "count", "lower", "monthly", "sum", "yes"]
    load_files(
        store,
        write_csv(
            "in.csv",
            [
                head,
                ["PI-N1", *q, "Q2 2023-24", "71% [r]", "90%"],
                ["PI-N1", *q, "Q3 2023-24", "69% [p] [e]", "90%"],
                ["PI-N2", *q, "Q3 2023-24", "[x]", "90%"],
                ["PI-N3", *m[:-1], "yes", "Q3 2023-24", "[c]", ""],
                ["PI-N4", *m, "Apr-23", "3 [p]", "5"],
                ["PI-N4", *m, "May-23", "4", "5"],
                ["PI-N4", *m, "Jun-23", "2 [e]", "5"],
            ],
        ),
    )
    rules = RuleSettings()
    frame = tidy_export(store.tidy_values(), rules)
    months = monthly_export(store.tidy_months())
    import pandas as pd

    out = tmp_path / "export.csv"
    write_export(pd.concat([frame, months], ignore_index=True), out)
    import csv as csv_module

    rows = list(csv_module.DictReader(out.open(encoding="utf-8")))
    assert {(r["ref"], r["period"]): (r["actual"], r["marker"]) for r in rows} == {
        ("PI-N1", "Q2 2023-24"): ("71.0", "revised"),
        ("PI-N1", "Q3 2023-24"): ("69.0", "provisional, estimated"),
        ("PI-N2", "Q3 2023-24"): ("", "not available"),
        ("PI-N3", "Q3 2023-24"): ("", "held back (confidential)"),
        ("PI-N4", "Q1 2023-24"): ("9.0", "provisional, estimated"),
        ("PI-N4", "Apr 2023"): ("3.0", "provisional"),
        ("PI-N4", "May 2023"): ("4.0", ""),
        ("PI-N4", "Jun 2023"): ("2.0", "estimated"),
    }
    before = db_snapshot(store)
    again = load_files(store, out)
    assert again.nothing_to_do
    assert again.plan.warnings == []
    assert db_snapshot(store) == before


def test_an_older_database_gets_the_marker_column(sample_db_url):
    from harrow_dash.store import Store

    old = Store(sample_db_url)
    with old.begin() as conn:
        for table in ("indicator_values", "indicator_monthly_values"):
            for name in (table, f"{table}_history"):
                conn.exec_driver_sql(f"ALTER TABLE {name} DROP COLUMN marker")
    old.dispose()
    db = Store(sample_db_url)
    try:
        done = db.upgrade()
        assert {
            "indicator_values.marker",
            "indicator_values_history.marker",
            "indicator_monthly_values.marker",
            "indicator_monthly_values_history.marker",
        } <= set(done)
        assert db.read("SELECT DISTINCT marker FROM indicator_values")["marker"].tolist() == [None]
        assert db.upgrade() == []
    finally:
        db.dispose()
