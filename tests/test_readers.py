"""Reading real spreadsheets: both layouts in CSV and .xlsx, the usual headings, and messy cells.

Each test loads files through the importer into a real DuckDB file and checks what arrived.
"""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest
import sqlalchemy as sa

from harrow_dash.ingest.headings import (
    match_header,
    normalise,
    quarter_heading,
    quarter_heading_error,
)
from harrow_dash.ingest.load import FileInput, commit, prepare
from harrow_dash.ingest.readers import read_file
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store

P1 = "A council that puts residents first"
P2 = "A borough that is clean and safe"
Q2, Q3 = Period(2023, 2), Period(2023, 3)

TIDY_HEAD = ["Ref", "Name", "Priority", "Unit", "Polarity", "Period", "Actual", "Target"]


def approx(x):
    # Values are stored as the schema's FLOAT; compare numbers, not binary representations.
    return pytest.approx(x, rel=1e-6)


def rows(db, query: str) -> list[dict]:
    """Rows as plain dicts straight from the database (NULL is None, not a pandas NaN)."""
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(query)).mappings()]


def values(db) -> dict[tuple[str, str], dict]:
    """Stored indicator values keyed by (ref, canonical quarter label)."""
    return {
        (r["ref"], Period.from_key(r["period"]).label): r
        for r in rows(db, "SELECT * FROM indicator_values")
    }


def indicators(db) -> dict[str, dict]:
    return {r["ref"]: r for r in rows(db, "SELECT * FROM indicators")}


def tidy(*rows):
    return [TIDY_HEAD, *[list(r) for r in rows]]


# -- tidy layout --------------------------------------------------------------------------------------

FULL_HEAD = [
    "Ref", "Name", "Description", "Priority", "Directorate", "Portfolio holder", "Unit", "Polarity",
    "Tolerance", "Frequency", "Counts people", "Source", "Period", "Actual", "Target", "Target upper",
    "RAG", "Commentary", "Benchmark", "Benchmark label",
]  # fmt: skip
FULL_ROWS = [
    ["PI-T1", "Calls answered", "Share of calls answered", P1, "Resources", "Finance", "%",
     "higher is better", "10%", "quarterly", "no", "Telephony", "Q3 2023-24", "85.5", "90", "",
     "Amber", "Close to target", "80", "London average"],
    ["PI-T1", "Calls answered", "Share of calls answered", P1, "Resources", "Finance", "%",
     "higher is better", "10%", "quarterly", "no", "Telephony", "Q2 2023-24", "84", "90", "", "", "",
     "", ""],
    ["PI-T2", "Children in need", "", P2, "Children's Services", "Children", "count", "within band",
     "0.05", "annual", "yes", "", "Q3 2023-24", "3", "2", "6", "", "", "", ""],
]  # fmt: skip


def _check_full(db):
    ind = indicators(db)
    assert set(ind) == {"PI-T1", "PI-T2"}
    t1 = ind["PI-T1"]
    assert (
        t1["name"],
        t1["description"],
        t1["priority_id"],
        t1["directorate"],
        t1["portfolio"],
    ) == (
        "Calls answered",
        "Share of calls answered",
        1,
        "Resources",
        "Finance",
    )
    assert (t1["unit"], t1["polarity"], t1["frequency"], t1["counts_people"], t1["source"]) == (
        "%",
        "higher",
        "quarterly",
        False,
        "Telephony",
    )
    assert t1["tolerance"] == approx(0.10)
    t2 = ind["PI-T2"]
    assert (t2["priority_id"], t2["polarity"], t2["frequency"], t2["counts_people"]) == (
        2,
        "band",
        "annual",
        True,
    )
    assert t2["description"] is None  # blank is no description, not ""
    v = values(db)
    assert set(v) == {("PI-T1", "Q3 2023-24"), ("PI-T1", "Q2 2023-24"), ("PI-T2", "Q3 2023-24")}
    q3 = v["PI-T1", "Q3 2023-24"]
    assert q3["actual"] == approx(85.5) and q3["target"] == approx(90)
    assert (q3["official_rag"], q3["commentary"], q3["benchmark_label"]) == (
        "Amber",
        "Close to target",
        "London average",
    )
    assert q3["benchmark"] == approx(80)
    q2 = v["PI-T1", "Q2 2023-24"]
    assert q2["actual"] == approx(84) and q2["official_rag"] is None and q2["commentary"] is None
    band = v["PI-T2", "Q3 2023-24"]
    assert (band["actual"], band["target"], band["target_upper"]) == (
        approx(3),
        approx(2),
        approx(6),
    )
    assert set(db.directorates()) == {"Resources", "Children's Services"}
    assert set(db.portfolios()) == {"Finance", "Children"}


def test_tidy_csv_reads_every_field(store, write_csv, load_files):
    result = load_files(store, write_csv("values.csv", [FULL_HEAD, *FULL_ROWS]))
    assert result.batch_id == 1
    assert (result.plan.added, result.plan.changed) == (5, 0)  # 2 definitions + 3 values
    _check_full(store)


def test_tidy_xlsx_reads_every_field_and_matches_the_csv(
    store, write_csv, write_xlsx, load_files, db_snapshot
):
    xlsx_rows = [FULL_HEAD, *[[_typed(c) for c in row] for row in FULL_ROWS]]
    assert (
        load_files(store, write_xlsx("values.xlsx", {"Indicator values": xlsx_rows})).batch_id == 1
    )
    _check_full(store)
    # The CSV says exactly the same, so loading it changes nothing.
    before = db_snapshot(store)
    assert load_files(store, write_csv("values.csv", [FULL_HEAD, *FULL_ROWS])).batch_id is None
    assert db_snapshot(store) == before


def _typed(cell: str):
    """Write numbers into a workbook as numbers, as Excel would hold them."""
    try:
        return float(cell) if "." in cell else int(cell)
    except ValueError:
        return cell or None


# -- scorecard layout ---------------------------------------------------------------------------------

SCORECARD_CSV = (
    "\ufeffCorporate Scorecard 2023-24\n"
    "Illustrative data,,\n"
    "\n"
    "PI Ref ,Measure,Priority,Directorate,Portfolio Holder,Good is,Unit,Target,Q1 2023-24,Q2 23/24,"
    "2023/24 Q3,RAG,Commentary\n"
    f"PI-S1,Calls answered,{P1},Resources,Finance,Higher is better,%,90,85%,0.88,0.91,Green,Good  \n"
    ",,,,,,,,,,,,\n"
    f'PI-S2 ,ASB incidents,{P2},Community,Community Safety,Lower is better,count,"1,000","1,200",n/a,-,,\n'
)


def test_scorecard_csv_with_title_rows_bom_and_spacers(store, write_csv, load_files):
    load_files(store, write_csv("scorecard.csv", SCORECARD_CSV))
    v = values(store)
    assert sorted(v) == [
        ("PI-S1", "Q1 2023-24"), ("PI-S1", "Q2 2023-24"), ("PI-S1", "Q3 2023-24"),
        ("PI-S2", "Q1 2023-24"), ("PI-S2", "Q2 2023-24"), ("PI-S2", "Q3 2023-24"),
    ]  # fmt: skip
    assert [v["PI-S1", q]["actual"] for q in ("Q1 2023-24", "Q2 2023-24", "Q3 2023-24")] == [
        approx(85), approx(88), approx(91),
    ]  # fmt: skip
    # "Target" without a quarter is the target of each quarter of the file's latest year.
    assert [v["PI-S1", q]["target"] for q in ("Q1 2023-24", "Q2 2023-24", "Q3 2023-24")] == [
        approx(90)
    ] * 3
    assert v["PI-S2", "Q1 2023-24"]["actual"] == approx(1200)
    assert v["PI-S2", "Q1 2023-24"]["target"] == approx(1000)
    # n/a and - are missing, never zero.
    assert v["PI-S2", "Q2 2023-24"]["actual"] is None
    assert v["PI-S2", "Q3 2023-24"]["actual"] is None
    ind = indicators(store)
    assert set(ind) == {"PI-S1", "PI-S2"}  # trailing space in "PI-S2 " stripped
    assert (ind["PI-S2"]["polarity"], ind["PI-S2"]["portfolio"]) == ("lower", "Community Safety")


def test_rag_and_commentary_without_a_quarter_belong_to_the_latest_quarter(
    store, write_csv, load_files
):
    load_files(store, write_csv("scorecard.csv", SCORECARD_CSV))
    v = values(store)
    latest = v["PI-S1", "Q3 2023-24"]
    assert (latest["official_rag"], latest["commentary"]) == (
        "Green",
        "Good",
    )  # trailing spaces gone
    for q in ("Q1 2023-24", "Q2 2023-24"):
        assert (v["PI-S1", q]["official_rag"], v["PI-S1", q]["commentary"]) == (None, None)


def test_scorecard_xlsx_with_quarter_fields_and_percentage_format(store, write_xlsx, load_files):
    rows = [
        ["Corporate Scorecard"],
        [],
        ["PI Ref", "Measure", "Priority", "Good is", "Unit", "Q2 2023-24", "Q3 2023-24 Target",
         "Q3 2023-24", "RAG Q3 2023/24", "Q3 23/24 commentary", "London average"],
        ["PI-X1", "Calls", P1, "higher", "%", 0.8, 0.9, 0.85, "Amber", "Nearly there", 0.82],
        [],
        ["PI-X2", "Repairs", P1, "higher", "count", 1234, 2000, "1,500", None, None, None],
    ]  # fmt: skip
    formats = {"Scorecard": {"F4": "0%", "G4": "0.0%", "H4": "0.00%", "K4": "0%"}}
    load_files(store, write_xlsx("scorecard.xlsx", {"Scorecard": rows}, formats))
    v = values(store)
    assert v["PI-X1", "Q2 2023-24"]["actual"] == approx(80)
    assert v["PI-X1", "Q2 2023-24"]["target"] is None  # the target column names Q3 only
    q3 = v["PI-X1", "Q3 2023-24"]
    assert (q3["actual"], q3["target"], q3["benchmark"]) == (approx(85), approx(90), approx(82))
    assert (q3["official_rag"], q3["commentary"], q3["benchmark_label"]) == (
        "Amber",
        "Nearly there",
        "London average",
    )
    assert v["PI-X2", "Q2 2023-24"]["actual"] == approx(1234)
    assert v["PI-X2", "Q3 2023-24"]["actual"] == approx(1500)


def test_excel_percentage_cell_reads_as_a_percentage(write_xlsx):
    path = write_xlsx(
        "p.xlsx",
        {"Values": [TIDY_HEAD, ["PI-1", "x", P1, "%", "higher", "Q3 2023-24", 0.85, 90]]},
        {"Values": {"G2": "0%"}},
    )
    sheets, problems = read_file(path.read_bytes(), path.name)
    assert problems == []
    assert sheets[0].header.layout == "tidy"
    assert sheets[0].data.iloc[0, 6] == "85%"
    assert sheets[0].data.iloc[0, 7] == "90"


# -- headings -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("PI Ref", "ref"), ("pi ref", "ref"), ("KPI Ref", "ref"), ("Ref:", "ref"), ("Reference", "ref"),
        ("Measure", "name"), ("MEASURE", "name"), ("Indicator name", "name"), ("PI Name", "name"),
        ("Portfolio Holder", "portfolio_holder"), ("portfolio holder", "portfolio_holder"),
        ("Cabinet Member", "portfolio_holder"), ("Good is", "polarity"), ("GOOD IS", "polarity"),
        ("Polarity", "polarity"), ("Good performance is", "polarity"), ("Directorate", "directorate"),
        ("Department", "directorate"), ("Corporate priority", "priority"), ("Unit of measure", "unit"),
        ("Frequency", "frequency"), ("Subject to suppression", "counts_people"),
        ("Data source", "source"), ("Target", "target"), ("Tolerance", "tolerance"),
    ],
)  # fmt: skip
def test_scorecard_heading_spellings(heading, field):
    match = match_header(
        ["PI Ref", heading, "Q3 2023-24"] if field != "ref" else [heading, "Q3 2023-24"]
    )
    assert match is not None and match.layout == "scorecard"
    assert field in match.fields.values()


@pytest.mark.parametrize(
    "headings",
    [
        ["PI Ref", "Measure", "Priority", "Good is", "Unit", "Q3 2023-24"],
        ["pi ref", "MEASURE", "Corporate Priority", "good is", "UNIT", "q3 2023-24"],
        ["KPI Ref:", "Indicator name", "Plan priority", "Polarity", "Unit of measure", "Q3 23/24"],
        [
            " Reference ",
            " Performance indicator ",
            " Theme ",
            " Direction ",
            " Format ",
            "2023-24 Q3",
        ],
    ],
)
def test_heading_spellings_load(store, write_csv, load_files, headings):
    load_files(store, write_csv("s.csv", [headings, ["PI-H1", "Calls", P1, "higher", "%", "85"]]))
    ind = indicators(store)["PI-H1"]
    assert (ind["name"], ind["priority_id"], ind["polarity"], ind["unit"]) == (
        "Calls",
        1,
        "higher",
        "%",
    )
    assert values(store)["PI-H1", "Q3 2023-24"]["actual"] == approx(85)


def test_headings_are_normalised():
    assert normalise("  Portfolio_Holder: ") == "portfolio holder"
    assert normalise("\ufeffPI  Ref.") == "pi ref"
    assert normalise(None) == ""


@pytest.mark.parametrize(
    "heading",
    [
        "Q3 2023-24",
        "Q3 23/24",
        "2023/24 Q3",
        "Q3 2023/24",
        "2023-24 Q3",
        "Quarter 3 2023-24",
        "q3 2023-24 ",
    ],
)
def test_quarter_headings_in_every_spelling(write_csv, heading):
    rows = [
        ["PI Ref", "Measure", "Priority", "Good is", "Unit", heading],
        ["PI-Q", "Calls", P1, "higher", "%", "85%"],
    ]
    path = write_csv("s.csv", rows)
    (sheet,), problems = read_file(path.read_bytes(), path.name)
    assert problems == []
    assert sheet.header.layout == "scorecard"
    assert sheet.header.quarter_columns == {5: (Q3, "actual")}


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Q3 2023-24", "actual"),
        ("Q3 2023-24 Target", "target"),
        ("Target Q3 2023-24", "target"),
        ("RAG Q3 2023/24", "rag"),
        ("Q3 23/24 commentary", "commentary"),
        ("Q3 2023-24 (Comments)", "commentary"),
        ("Q3 2023-24 - Status", "rag"),
    ],
)
def test_quarter_heading_fields(heading, field):
    assert quarter_heading(heading) == (Q3, field)


@pytest.mark.parametrize("heading", ["Target", "Q3 2023", "Q5 2023-24", "Commentary"])
def test_not_quarter_headings(heading):
    assert quarter_heading(heading) is None


# -- cells ---------------------------------------------------------------------------------------------


PERCENT_SPELLINGS = ["85%", "85", "0.85", "85.0 %", " 85 ", "0.850"]
NUMBER_SPELLINGS = [
    ("1,234", "count", 1234),
    ("12,345,678", "count", 12345678),
    ("1,234.5", "days", 1234.5),
    ("£1,234", "£", 1234),
    ("£1.4m", "£", 1_400_000),
    ("£250k", "£", 250_000),
    ("0", "count", 0),
    ("-3", "score", -3),
    ("-£250k", "£", -250_000),
    ("£-250k", "£", -250_000),
    ("(£1.5m)", "£", -1_500_000),
    ("12.5\u00a0", "days", 12.5),
]
MISSING_SPELLINGS = ["", "n/a", "N/A", "-", "\u2013", "not reported", "  ", "TBC"]


@pytest.fixture(scope="module")
def cells(tmp_path_factory) -> dict[str, dict]:
    """One file holding every cell spelling below, one indicator each, loaded once for the module."""
    rows = [TIDY_HEAD]
    for i, written in enumerate(PERCENT_SPELLINGS):
        rows.append([f"PCT-{i}", "Calls", P1, "%", "higher", "Q3 2023-24", written, "90%"])
    for i, (written, unit, _) in enumerate(NUMBER_SPELLINGS):
        rows.append([f"NUM-{i}", "Thing", P1, unit, "lower", "Q3 2023-24", written, ""])
    for i, written in enumerate(MISSING_SPELLINGS):
        rows.append([f"MISS-{i}", "Calls", P1, "count", "higher", "Q3 2023-24", written, "10"])
    rows.append(["ANNUAL", "Survey", P1, "%", "higher", "Q3 2023-24", "not due", "70"])
    folder = tmp_path_factory.mktemp("cells")
    path = folder / "cells.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    db = Store(f"duckdb:///{folder / 'cells.duckdb'}")
    db.init()
    plan = prepare(db, [FileInput(path.name, path.read_bytes())])
    assert plan.ok, [str(p) for p in plan.problems]
    commit(db, plan, "tester")
    stored = {ref: row for (ref, _), row in values(db).items()}
    db.dispose()
    return stored


@pytest.mark.parametrize(("i", "written"), list(enumerate(PERCENT_SPELLINGS)))
def test_percentage_spellings(cells, i, written):
    row = cells[f"PCT-{i}"]
    assert row["actual"] == approx(85)
    assert row["target"] == approx(90)


def test_fraction_and_percent_sign_may_be_mixed_for_one_indicator(store, write_csv, load_files):
    # "85%" carries its unit, so it cannot be confused with 0.88; only bare 0.85 next to bare 85 is.
    rows = tidy(
        ["PI-P", "Calls", P1, "%", "higher", "Q2 2023-24", "85%", "0.9"],
        ["PI-P", "Calls", P1, "%", "higher", "Q3 2023-24", "0.88", "0.9"],
    )
    load_files(store, write_csv("v.csv", rows))
    v = values(store)
    assert v["PI-P", "Q2 2023-24"]["actual"] == approx(85)
    assert v["PI-P", "Q3 2023-24"]["actual"] == approx(88)


@pytest.mark.parametrize(("i", "case"), list(enumerate(NUMBER_SPELLINGS)))
def test_number_spellings(cells, i, case):
    written, unit, number = case
    assert cells[f"NUM-{i}"]["actual"] == approx(number)


@pytest.mark.parametrize(("i", "written"), list(enumerate(MISSING_SPELLINGS)))
def test_missing_words_mean_no_value_never_zero(cells, i, written):
    row = cells[f"MISS-{i}"]
    assert row["actual"] is None
    assert row["not_due"] is False
    assert row["target"] == approx(10)


def test_not_due_marks_an_annual_measure(cells):
    row = cells["ANNUAL"]
    assert (row["actual"], row["not_due"]) == (None, True)


def test_utf8_bom_and_windows_line_endings(store, write_csv, load_files):
    text = (
        "Ref,Name,Priority,Unit,Polarity,Period,Actual\r\n"
        f"PI-B,Calls,{P1},%,higher,Q3 2023-24,85\r\n"
    )
    load_files(store, write_csv("bom.csv", text, bom=True))
    assert values(store)["PI-B", "Q3 2023-24"]["actual"] == approx(85)


def test_windows_1252_csv(store, write_csv, load_files):
    text = (
        "Ref,Name,Priority,Unit,Polarity,Period,Actual\n"
        f"PI-W,Spend £,{P1},£,lower,Q3 2023-24,£1.4m\n"
    )
    load_files(store, write_csv("legacy.csv", text, encoding="cp1252"))
    assert indicators(store)["PI-W"]["name"] == "Spend £"
    assert values(store)["PI-W", "Q3 2023-24"]["actual"] == approx(1_400_000)


def test_row_numbers_are_the_spreadsheets(write_csv, write_xlsx):
    csv_path = write_csv(
        "v.csv", "Title\n\nRef,Period,Actual\nPI-1,Q3 2023-24,1\n,,\nPI-2,Q3 2023-24,2\n"
    )
    (sheet,), problems = read_file(csv_path.read_bytes(), csv_path.name)
    assert problems == [] and sheet.sheet is None
    assert list(sheet.data["_row"]) == [4, 6]  # the blank spacer row 5 is dropped, numbers kept
    rows = [
        ["Title"],
        [],
        ["Ref", "Period", "Actual"],
        ["PI-1", "Q3 2023-24", 1],
        [],
        ["PI-2", "Q3 2023-24", 2],
    ]
    xlsx_path = write_xlsx("v.xlsx", {"Data": rows})
    (sheet,), problems = read_file(xlsx_path.read_bytes(), xlsx_path.name)
    assert problems == [] and sheet.sheet == "Data"
    assert list(sheet.data["_row"]) == [4, 6]


def test_a_table_that_does_not_start_in_column_a(store, tmp_path, load_files):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Values"
    for i, h in enumerate(TIDY_HEAD):
        ws.cell(row=3, column=3 + i, value=h)
    for i, v in enumerate(["PI-C", "Calls", P1, "%", "higher", "Q3 2023-24", 0.85, 0.9]):
        ws.cell(row=4, column=3 + i, value=v)
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    load_files(store, path)
    assert values(store)["PI-C", "Q3 2023-24"]["actual"] == approx(85)


def test_unknown_columns_are_ignored_with_a_note(store, write_csv, prepare_files):
    rows = [
        [*TIDY_HEAD, "Officer's mood"],
        ["PI-U", "Calls", P1, "%", "higher", "Q3 2023-24", "85", "90", "fine"],
    ]
    plan = prepare_files(store, write_csv("v.csv", rows))
    assert plan.ok
    assert [str(w) for w in plan.warnings] == [
        'v.csv, row 1, column I ("Officer\'s mood"): this column is not one the importer reads; ignored.'
    ]


def test_fields_a_file_does_not_give_keep_their_stored_values(store, write_csv, load_files):
    rows = [
        [*TIDY_HEAD, "Commentary"],
        ["PI-K", "Calls", P1, "%", "higher", "Q3 2023-24", "85", "90", "Good"],
    ]
    load_files(store, write_csv("full.csv", rows))
    result = load_files(
        store, write_csv("update.csv", [["Ref", "Period", "Actual"], ["PI-K", "Q3 2023-24", "86"]])
    )
    assert result.plan.tables["indicator_values"].changed == 1
    row = values(store)["PI-K", "Q3 2023-24"]
    assert (row["actual"], row["target"], row["commentary"]) == (approx(86), approx(90), "Good")
    assert indicators(store)["PI-K"]["name"] == "Calls"


# -- actions, highlights and whole workbooks ----------------------------------------------------------

ACTIONS = [
    ["Action ref", "Title", "Priority", "Directorate", "Lead", "Parent ref", "Period", "Status", "Commentary"],
    ["FA-1", "Open a hub", P1, "Resources", "Head of X", "", "Q2 2023-24", "On track", ""],
    ["FA-1", "Open a hub", P1, "Resources", "Head of X", "", "Q3 2023-24", "Minor slippage", "Builder late"],
    ["FA-1a", "Open a hub: phase 1", P1, "Resources", "Head of X", "FA-1", "Q3 2023-24", "complete", ""],
]  # fmt: skip
HIGHLIGHTS = [
    ["Period", "Priority", "Kind", "Text", "Indicator ref", "Action ref"],
    ["Q3 2023-24", P1, "Key achievement", "Calls answered faster", "PI-WB", ""],
    ["Q3 23/24", "Residents first", "Area for improvement", "Hub opening slipped", "", "FA-1"],
]


def _check_actions_and_highlights(db):
    statuses = rows(
        db, "SELECT ref, period, status, commentary FROM action_statuses ORDER BY ref, period"
    )
    assert [list(r.values()) for r in statuses] == [
        ["FA-1", Q2.key, "On track", None],
        ["FA-1", Q3.key, "Minor slippage", "Builder late"],
        ["FA-1a", Q3.key, "Complete", None],
    ]
    actions = rows(
        db, "SELECT ref, title, priority_id, parent_ref, lead FROM flagship_actions ORDER BY ref"
    )
    assert [list(r.values()) for r in actions] == [
        ["FA-1", "Open a hub", 1, None, "Head of X"],
        ["FA-1a", "Open a hub: phase 1", 1, "FA-1", "Head of X"],
    ]
    hl = rows(
        db,
        "SELECT period, priority_id, kind, text, indicator_ref, action_ref FROM highlights ORDER BY kind",
    )
    assert [list(r.values()) for r in hl] == [
        [Q3.key, 1, "achievement", "Calls answered faster", "PI-WB", None],
        [Q3.key, 1, "improvement", "Hub opening slipped", None, "FA-1"],
    ]


def test_actions_and_highlights_csv(store, write_csv, load_files):
    load_files(
        store,
        write_csv("ind.csv", tidy(["PI-WB", "Calls", P1, "%", "higher", "Q3 2023-24", "85", "90"])),
        write_csv("actions.csv", ACTIONS),
        write_csv("highlights.csv", HIGHLIGHTS),
    )
    _check_actions_and_highlights(store)


def test_one_workbook_with_every_layout_and_a_guidance_sheet(store, write_xlsx, load_files):
    path = write_xlsx(
        "pack.xlsx",
        {
            "Guidance": [["How to fill this in"], ["Write percentages as 85%."]],
            "Scorecard": [["PI Ref", "Measure", "Priority", "Good is", "Unit", "Q3 2023-24"],
                          ["PI-WB", "Calls", P1, "higher", "%", 0.85]],
            "Flagship actions": ACTIONS,
            "Highlights": HIGHLIGHTS,
        },
        {"Scorecard": {"F2": "0%"}},
    )  # fmt: skip
    result = load_files(store, path)
    assert result.batch_id == 1
    _check_actions_and_highlights(store)
    assert values(store)["PI-WB", "Q3 2023-24"]["actual"] == approx(85)


# -- quarters written as months, footnote markers, date cells ------------------------------------------


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Apr-Jun 2023", (Period(2023, 1), "actual")),
        ("Apr - Jun 2023", (Period(2023, 1), "actual")),
        ("Jul - Sep 23", (Period(2023, 2), "actual")),
        ("Oct to Dec 2023", (Period(2023, 3), "actual")),
        ("Jan-Mar 2024", (Period(2023, 4), "actual")),
        ("April to June 2023", (Period(2023, 1), "actual")),
        ("Apr 2023 - Jun 2023", (Period(2023, 1), "actual")),
        ("Apr-Jun 2023 Target", (Period(2023, 1), "target")),
        ("RAG Oct-Dec 2023", (Period(2023, 3), "rag")),
        ("Q3 23/24 [note 1]", (Period(2023, 3), "actual")),
        ("Q3 2023-24 Target [Note 12]", (Period(2023, 3), "target")),
    ],
)
def test_quarters_written_as_their_months_and_with_footnotes(heading, expected):
    assert quarter_heading(heading) == expected


@pytest.mark.parametrize(
    ("heading", "months"),
    [
        ("Apr-Sep 2023", "Apr 2023 to Sep 2023"),
        ("May-Jul 2023", "May 2023 to Jul 2023"),
        ("Nov 2023 - Jan 2024", "Nov 2023 to Jan 2024"),
        ("Apr 2023 - Jun 2024", "Apr 2023 to Jun 2024"),
    ],
)
def test_a_range_of_months_that_is_not_one_quarter_is_refused_by_name(heading, months):
    assert quarter_heading(heading) is None
    assert quarter_heading_error(heading) == (
        f"cannot read the period heading '{heading}': it runs from {months}, which is not one "
        "quarter; a quarter is Apr-Jun, Jul-Sep, Oct-Dec or Jan-Mar (write it like 'Apr-Jun 2023' "
        "or 'Q1 2023-24')."
    )


def test_footnote_markers_in_headings_are_ignored(store, write_csv, load_files):
    load_files(
        store,
        write_csv(
            "gss.csv",
            [
                ["Ref [Note 2]", "Measure", "Priority", "Good is", "Unit [note 3]", "Apr-Jun 2023",
                 "Jul - Sep 23 [note 1]", "Oct to Dec 2023 Target", "Oct to Dec 2023"],
                ["PI-G1", "Calls", P1, "higher", "%", "80", "82", "90", "85"],
            ],
        ),
    )  # fmt: skip
    v = values(store)
    assert indicators(store)["PI-G1"]["unit"] == "%"
    assert (v["PI-G1", "Q1 2023-24"]["actual"], v["PI-G1", "Q2 2023-24"]["actual"]) == (
        approx(80),
        approx(82),
    )
    assert (v["PI-G1", "Q3 2023-24"]["actual"], v["PI-G1", "Q3 2023-24"]["target"]) == (
        approx(85),
        approx(90),
    )


def test_a_scorecard_with_a_range_of_months_that_is_not_a_quarter_is_refused(
    store, write_csv, prepare_files
):
    path = write_csv(
        "s.csv",
        [["Ref", "Measure", "Priority", "Good is", "Unit", "Apr-Sep 2023"],
         ["PI-G2", "Calls", P1, "higher", "%", "80"]],
    )  # fmt: skip
    plan = prepare_files(store, path)
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (
            1,
            'F ("Apr-Sep 2023")',
            "cannot read the period heading 'Apr-Sep 2023': it runs from Apr 2023 to Sep 2023, "
            "which is not one quarter; a quarter is Apr-Jun, Jul-Sep, Oct-Dec or Jan-Mar (write it "
            "like 'Apr-Jun 2023' or 'Q1 2023-24').",
        )
    ]


def test_quarter_end_date_cells_head_quarter_columns(store, write_xlsx, load_files):
    rows = [
        ["Ref", "Measure", "Priority", "Good is", "Unit", dt.datetime(2023, 9, 30),
         dt.datetime(2023, 12, 31)],
        ["PI-D1", "Calls", P1, "higher", "count", 120, 135],
    ]  # fmt: skip
    path = write_xlsx("dates.xlsx", {"Scorecard": rows}, {"Scorecard": {"F1": "dd/mm/yyyy"}})
    (sheet,), problems = read_file(path.read_bytes(), path.name)
    assert problems == []
    assert sheet.headings[5:] == ["30/09/2023", "31/12/2023"]
    load_files(store, path)
    v = values(store)
    assert (v["PI-D1", "Q2 2023-24"]["actual"], v["PI-D1", "Q3 2023-24"]["actual"]) == (
        approx(120),
        approx(135),
    )


# -- a header the importer cannot place ---------------------------------------------------------------

SEE = "See 'Headings recognised' in docs/loading-data.md."


@pytest.mark.parametrize(
    ("rows", "row", "message"),
    [
        (
            [["Flagship actions Q3"], ["Action", "Lead", "Progress update", "Due"],
             ["Build homes", "Director", "Going well", "2024"]],
            2,
            "the headings in row 2 look like flagship actions, but there is no column for the "
            "reference (ref) or the status (status); headings not recognised: 'Progress update', "
            f"'Due'. {SEE}",
        ),
        (
            [["Area code", "Area name", "Metric", "Period", "Score"],
             ["E09000015", "Harrow", "Recycling", "2023-24", "41"]],
            1,
            "the headings in row 1 look like comparator values, but there is no column for the "
            f"value (value); headings not recognised: 'Score'. {SEE}",
        ),
        (
            [["Area code", "Measure id", "Score"], ["E09000015", "WASTE-01", "41"]],
            1,
            "the headings in row 1 look like comparator values, but there is no column for the "
            f"period (period) or the value (value); headings not recognised: 'Score'. {SEE}",
        ),
        (
            [["Period", "Priority", "Highlight type", "Detail text"],
             ["Q3 2023-24", "1", "achievement", "More homes"]],
            1,
            "the headings in row 1 look like highlights, but there is no column for the "
            f"highlight's text (text); headings not recognised: 'Detail text'. {SEE}",
        ),
        (
            [["Ref", "Measure", "Time period", "Actual"], ["PI-1", "Calls", "Q3 2023-24", "85"]],
            1,
            "the headings in row 1 look like indicator values, but there is no column for the "
            f"quarter (period); headings not recognised: 'Time period'. {SEE}",
        ),
        (
            [["Sheet name", "Table description", "Number of rows"], ["Table_1", "Values", "3"]],
            1,
            "the headings in row 1 ('Sheet name', 'Table description', 'Number of rows') are none "
            "the importer knows, so it cannot tell whether the sheet holds indicator values, "
            f"flagship actions, highlights or comparator values. {SEE}",
        ),
    ],
)  # fmt: skip
def test_a_header_that_cannot_be_placed_says_what_it_looks_like(write_csv, rows, row, message):
    path = write_csv("odd.csv", rows)
    sheets, problems = read_file(path.read_bytes(), path.name)
    assert sheets == []
    assert [(p.sheet, p.row, p.column, p.message) for p in problems] == [(None, row, None, message)]


@pytest.mark.parametrize(
    "rows",
    [
        [["just some notes"], ["nothing like a scorecard"]],
        [["a", "b"], ["1", "2"]],
        [["1", "2", "3"], ["4", "5", "6"]],
    ],
)
def test_no_header_row_is_said_only_when_no_row_looks_like_one(write_csv, rows):
    path = write_csv("odd.csv", rows)
    (problem,) = read_file(path.read_bytes(), path.name)[1]
    assert problem.row is None
    assert problem.message.startswith("no header row found in the first 30 rows of this file.")
