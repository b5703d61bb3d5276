"""Workbooks laid out to the GSS / Analysis Function accessible spreadsheet standard: a cover, a
contents and a notes sheet, then one table per sheet under a title or two, footnote markers in
headings. Every table sheet loads, as one file; the other sheets are skipped and the preview says so.
The same workbook is tested as .xlsx (openpyxl) and .ods (as LibreOffice writes it)."""

from __future__ import annotations

import openpyxl
import pytest
import sqlalchemy as sa
from ods_files import ods_bytes

from harrow_dash.ingest.load import FileInput, prepare
from harrow_dash.ingest.problems import Problem
from harrow_dash.rules.periods import Period

P1 = "A council that puts residents first"
P2 = "A borough that is clean and safe"

COVER = [
    ["Corporate Scorecard, quarter 3 2023-24"],
    ["This workbook holds the council's performance indicators by directorate."],
    ["Contact: performance@harrow.gov.uk"],
]
CONTENTS = [
    ["Table of contents"],
    ["This worksheet contains one table."],
    ["Sheet name", "Table description", "Number of rows"],
    ["Resources", "Resources directorate indicators", 2],
    ["People", "People directorate indicators", 1],
]
NOTES = [
    ["Notes"],
    ["Note number", "Note text"],
    ["note 1", "Figures for Q3 are provisional."],
    ["note 2", "The reference is the council's own."],
]
HEAD = ["Ref [note 2]", "Measure", "Priority", "Good is", "Unit", "Jul-Sep 2023",
        "Oct to Dec 2023 [note 1]", "Oct to Dec 2023 Target"]  # fmt: skip
RESOURCES = [
    ["Table 1: Resources directorate indicators"],
    ["This worksheet contains one table. Source: Harrow Council performance system."],
    HEAD,
    ["PI-R1", "Calls answered", P1, "higher is better", "%", 81, 85.5, 90],
    ["PI-R2", "Invoices paid in 30 days", P1, "higher is better", "%", 92, 94, 95],
]
PEOPLE = [
    ["Table 2: People directorate indicators"],
    HEAD,
    ["PI-P1", "Fly-tips cleared in 2 days", P2, "higher is better", "%", 70, 72, 80],
]


def workbook(kind: str, tmp_path, sheets: dict[str, list[list[object]]]):
    path = tmp_path / f"scorecard.{kind}"
    if kind == "ods":
        path.write_bytes(ods_bytes(sheets))
    else:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
        wb.save(path)
    return path


def gss(**changes):
    sheets = {"Cover": COVER, "Contents": CONTENTS, "Notes": NOTES, "Resources": RESOURCES,
              "People": PEOPLE}  # fmt: skip
    sheets.update(changes)
    return sheets


def plan_for(store, path):
    return prepare(store, [FileInput(path.name, path.read_bytes())])


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_every_table_sheet_loads_and_the_others_are_skipped_with_one_note(store, tmp_path, kind):
    from harrow_dash.ingest.load import commit

    path = workbook(kind, tmp_path, gss())
    plan = plan_for(store, path)
    assert plan.problems == []
    assert plan.warnings == [
        Problem(
            path.name,
            None,
            None,
            None,
            "Skipped sheets Cover, Contents and Notes: they hold no table.",
        )
    ]
    commit(store, plan, "tester")
    with store.connect() as conn:
        got = sorted(
            (r.ref, Period.from_key(r.period).label, r.actual, r.target)
            for r in conn.execute(
                sa.text("SELECT ref, period, actual, target FROM indicator_values")
            )
        )
    assert got == [
        ("PI-P1", "Q2 2023-24", pytest.approx(70), None),
        ("PI-P1", "Q3 2023-24", pytest.approx(72), pytest.approx(80)),
        ("PI-R1", "Q2 2023-24", pytest.approx(81), None),
        ("PI-R1", "Q3 2023-24", pytest.approx(85.5), pytest.approx(90)),
        ("PI-R2", "Q2 2023-24", pytest.approx(92), None),
        ("PI-R2", "Q3 2023-24", pytest.approx(94), pytest.approx(95)),
    ]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_one_bad_table_sheet_stops_the_whole_workbook(store, db_snapshot, tmp_path, kind):
    bad = [row[:] for row in PEOPLE]
    bad[2][6] = "seventy"
    path = workbook(kind, tmp_path, gss(People=bad))
    before = db_snapshot(store)
    plan = plan_for(store, path)
    assert [(p.sheet, p.row, p.column, p.message) for p in plan.problems] == [
        ("People", 3, 'G ("Oct to Dec 2023 [note 1]")', "'seventy' is not a number (actual).")
    ]
    assert not plan.ok
    assert db_snapshot(store) == before


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_table_sheet_with_unknown_headings_says_what_it_looked_like(store, tmp_path, kind):
    people = [
        ["Table 2: People directorate indicators"],
        ["Source: Harrow Council performance system."],
        ["Ref", "Measure", "Time period", "Score", "Target"],
        ["PI-P1", "Fly-tips cleared in 2 days", "Q3 2023-24", 72, 80],
    ]
    path = workbook(kind, tmp_path, gss(People=people))
    plan = plan_for(store, path)
    assert plan.problems == [
        Problem(
            path.name,
            "People",
            3,
            None,
            "the headings in row 3 look like indicator values, but there is no column for the "
            "quarter (period) or the actual value (actual), and no quarter columns (headings such "
            "as 'Q3 2023-24'); headings not recognised: 'Time period', 'Score'. See "
            "'Headings recognised' in docs/loading-data.md.",
        )
    ]
