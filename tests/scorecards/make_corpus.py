"""The scorecard corpus: realistic files as councils keep them, and the exact result each must give.

Run ``python tests/scorecards/make_corpus.py`` to (re)write the files into ``tests/scorecards/files/``.
``tests/test_corpus.py`` loads every file into a fresh database and checks the result against the
``GOOD`` and ``BAD`` tables below: each good file must load exactly the listed quarterly values
(actual, target), monthly values and nothing else; each bad file must be refused with exactly the
listed messages (``str(problem)``: file, sheet, row, column and reason) and load nothing.

To add a case: write a builder (rows for a CSV, a function filling a workbook for Excel), add it to
``GOOD`` or ``BAD`` with what it must give, and run this script.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from harrow_dash.rules.periods import Period

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, for ods_files
from ods_files import ods_bytes  # noqa: E402

FILES = Path(__file__).resolve().parent / "files"
P1 = "A council that puts residents first"
P2 = "A borough that is clean and safe"
P3 = "A place where those in need are supported"

Rows = list[list[object]]
Builder = Rows | Callable[[openpyxl.Workbook], None] | bytes


@dataclass
class Case:
    name: str  # the file name; .csv, .xlsx or .ods
    build: Builder
    # (ref, "Q3 2023-24") -> (actual, target); None for a missing number
    values: dict[tuple[str, str], tuple[float | None, float | None]] = field(default_factory=dict)
    # (ref, "Jun 2023") -> actual
    months: dict[tuple[str, str], float | None] = field(default_factory=dict)
    # (ref, "Q3 2023-24") -> official RAG
    rags: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # exact messages of a bad file
    description: str = ""


def _sheet(wb: openpyxl.Workbook, title: str, rows: Rows) -> Worksheet:
    ws = wb.active if wb.active is not None and wb.active.max_row == 1 else wb.create_sheet()
    assert isinstance(ws, Worksheet)
    ws.title = title
    for row in rows:
        ws.append(row)
    return ws


# -- good files ------------------------------------------------------------------------------------

SC_HEAD = ["PI Ref", "Measure", "Priority", "Good is", "Unit"]


def _year_target(heading: str) -> Rows:
    return [
        ["Corporate scorecard 2023-24"],
        [],
        [*SC_HEAD, heading, "Q1 2023-24", "Q2 2023-24", "Q3 2023-24"],
        ["PI-01", "Calls answered within 60 seconds", P1, "Higher is better", "%", "90%", "81%", "76%", "72.4%"],
        ["PI-07", "Missed bin collections", P2, "Lower is better", "count", "1,200", "1,310", "1,150", "980"],
    ]  # fmt: skip


YEAR_TARGET_VALUES = {
    ("PI-01", "Q1 2023-24"): (81.0, 90.0),
    ("PI-01", "Q2 2023-24"): (76.0, 90.0),
    ("PI-01", "Q3 2023-24"): (72.4, 90.0),
    ("PI-07", "Q1 2023-24"): (1310.0, 1200.0),
    ("PI-07", "Q2 2023-24"): (1150.0, 1200.0),
    ("PI-07", "Q3 2023-24"): (980.0, 1200.0),
}


def _year_target_xlsx(heading: str) -> Callable[[openpyxl.Workbook], None]:
    def build(wb: openpyxl.Workbook) -> None:
        ws = _sheet(wb, "Scorecard", _year_target(heading))
        for col in "FGHI":  # percentages typed as Excel percentages
            ws[f"{col}4"].value = float(str(ws[f"{col}4"].value).rstrip("%")) / 100
            ws[f"{col}4"].number_format = "0.0%"
        for col in "FGHI":
            ws[f"{col}5"].value = int(str(ws[f"{col}5"].value).replace(",", ""))

    return build


def _two_rows(wb: openpyxl.Workbook) -> None:
    ws = _sheet(
        wb,
        "Scorecard",
        [
            ["Strategic Performance Report: Corporate Scorecard"],
            [*SC_HEAD, "Directorate", "2022/23", None, None, None, None, "2023/24", None, None, None, None, "Commentary"],
            [None, None, None, None, None, None, "Q1", "Q2", "Q3", "Q4", "Annual Target", "Qtr 1", "Qtr 2", "Qtr 3", "Qtr 4", "Annual Target", None],
            ["PI-10", "Council tax collected", P1, "higher", "%", "Resources", 28.1, 55.0, 82.3, 96.2, 96, 28.5, 55.9, 83.0, None, 96.5, "On course for the year."],
            ["PI-11", "Households in temporary accommodation", P3, "lower", "count", "Housing", 1410, 1432, 1455, 1470, 1400, 1480, 1502, 1490, None, 1450, None],
        ],
    )  # fmt: skip
    ws.merge_cells("G2:K2")
    ws.merge_cells("L2:P2")
    ws.merge_cells("Q2:Q3")
    for r in (2, 3):
        ws[f"A{r}"].font = openpyxl.styles.Font(bold=True)


TWO_ROW_VALUES = {
    ("PI-10", "Q1 2022-23"): (28.1, 96.0),
    ("PI-10", "Q2 2022-23"): (55.0, 96.0),
    ("PI-10", "Q3 2022-23"): (82.3, 96.0),
    ("PI-10", "Q4 2022-23"): (96.2, 96.0),
    ("PI-10", "Q1 2023-24"): (28.5, 96.5),
    ("PI-10", "Q2 2023-24"): (55.9, 96.5),
    ("PI-10", "Q3 2023-24"): (83.0, 96.5),
    ("PI-10", "Q4 2023-24"): (None, 96.5),
    ("PI-11", "Q1 2022-23"): (1410.0, 1400.0),
    ("PI-11", "Q2 2022-23"): (1432.0, 1400.0),
    ("PI-11", "Q3 2022-23"): (1455.0, 1400.0),
    ("PI-11", "Q4 2022-23"): (1470.0, 1400.0),
    ("PI-11", "Q1 2023-24"): (1480.0, 1450.0),
    ("PI-11", "Q2 2023-24"): (1502.0, 1450.0),
    ("PI-11", "Q3 2023-24"): (1490.0, 1450.0),
    ("PI-11", "Q4 2023-24"): (None, 1450.0),
}

TWO_ROW_CSV: Rows = [
    ["Ref", "Indicator", "Theme", "Polarity", "Unit of measure", "FY 2023/24", "", "", "", ""],
    ["", "", "", "", "", "Quarter 1", "Quarter 2", "Quarter 3", "Quarter 4", "Target"],
    ["PI-20", "Streets meeting cleanliness standard", P2, "higher is better", "%", "91", "93", "92", "", "95"],
    ["PI-21", "Days to process a new benefit claim", P3, "lower is better", "days", "21.5", "19", "18.2", "", "20"],
]  # fmt: skip
TWO_ROW_CSV_VALUES = {
    ("PI-20", "Q1 2023-24"): (91.0, 95.0),
    ("PI-20", "Q2 2023-24"): (93.0, 95.0),
    ("PI-20", "Q3 2023-24"): (92.0, 95.0),
    ("PI-20", "Q4 2023-24"): (None, 95.0),
    ("PI-21", "Q1 2023-24"): (21.5, 20.0),
    ("PI-21", "Q2 2023-24"): (19.0, 20.0),
    ("PI-21", "Q3 2023-24"): (18.2, 20.0),
    ("PI-21", "Q4 2023-24"): (None, 20.0),
}


def _ids_in_upper_row(wb: openpyxl.Workbook) -> None:
    ws = _sheet(
        wb,
        "KPIs",
        [
            ["Ref", "Measure", "Priority", "Good is", "Unit", "2023-24", None, None],
            [None, None, None, None, None, "Q1", "Q2", "Target"],
            ["PI-30", "Library visits", P1, "higher", "count", 120500, 131000, 125000],
        ],
    )
    ws.merge_cells("A1:A2")
    ws.merge_cells("F1:H1")


MONTH_HEADINGS: Rows = [
    [*SC_HEAD, "Target", "Jun-23", "Sep 2023", "December 2023", "31/03/2024"],
    ["PI-40", "Rent collected", P1, "higher", "%", "97", "96.1", "96.8", "97.2", "98.0"],
    ["PI-41", "Fly-tipping incidents", P2, "lower", "count", "2000", "2,104", "1,987", "1,876", "1,790"],
]  # fmt: skip
MONTH_HEADINGS_VALUES = {
    ("PI-40", "Q1 2023-24"): (96.1, 97.0),
    ("PI-40", "Q2 2023-24"): (96.8, 97.0),
    ("PI-40", "Q3 2023-24"): (97.2, 97.0),
    ("PI-40", "Q4 2023-24"): (98.0, 97.0),
    ("PI-41", "Q1 2023-24"): (2104.0, 2000.0),
    ("PI-41", "Q2 2023-24"): (1987.0, 2000.0),
    ("PI-41", "Q3 2023-24"): (1876.0, 2000.0),
    ("PI-41", "Q4 2023-24"): (1790.0, 2000.0),
}


def _excel_dates(wb: openpyxl.Workbook) -> None:
    ws = _sheet(
        wb,
        "Scorecard",
        [
            [*SC_HEAD, "Target 2023/24", dt.datetime(2023, 6, 30), dt.datetime(2023, 9, 1), dt.datetime(2023, 12, 31)],
            ["PI-50", "Repairs fixed first time", P1, "higher", "%", 0.9, 0.88, 0.91, 0.93],
        ],
    )  # fmt: skip
    ws["G1"].number_format = "dd/mm/yyyy"
    ws["H1"].number_format = "mmm-yy"  # typed as "Sep-23": stored as 1 September, shown as a month
    ws["I1"].number_format = "d mmmm yyyy"
    for col in "FGHI":
        ws[f"{col}2"].number_format = "0%"


EXCEL_DATES_VALUES = {
    ("PI-50", "Q1 2023-24"): (88.0, 90.0),
    ("PI-50", "Q2 2023-24"): (91.0, 90.0),
    ("PI-50", "Q3 2023-24"): (93.0, 90.0),
}


def _monthly(wb: openpyxl.Workbook) -> None:
    months = ["Apr-23", "May-23", "Jun-23", "Jul-23", "Aug-23", "Sep-23", "Oct-23", "Nov-23"]
    _sheet(
        wb,
        "Monthly",
        [
            ["Monthly performance monitoring"],
            [*SC_HEAD, "Frequency", "Quarter rule", "Target 2023/24", *months],
            ["PI-60", "Anti-social behaviour incidents", P2, "lower", "count", "Monthly", "Sum", 900, 280, 301, 295, 310, 322, 290, 305, None],
            ["PI-61", "Homelessness cases prevented (year to date)", P3, "higher", "count", "Monthly", "Last month", 1200, 95, 190, 288, 380, 471, 575, 660, 752],
            ["PI-62", "Calls answered within 60 seconds", P1, "higher", "%", "Monthly", "Last month", 0.9, 0.82, 0.85, 0.87, 0.88, 0.86, 0.89, 0.9, 0.91],
        ],
    )  # fmt: skip
    ws = wb["Monthly"]
    for col in "IJKLMNOPQ":
        ws[f"{col}5"].number_format = "0%"


MONTHLY_VALUES = {
    # sum of the three months; Q3 is not worked out: November is in and December is not
    ("PI-60", "Q1 2023-24"): (876.0, 900.0),
    ("PI-60", "Q2 2023-24"): (922.0, 900.0),
    ("PI-61", "Q1 2023-24"): (288.0, 1200.0),
    ("PI-61", "Q2 2023-24"): (575.0, 1200.0),
    ("PI-62", "Q1 2023-24"): (87.0, 90.0),
    ("PI-62", "Q2 2023-24"): (89.0, 90.0),
}
MONTHLY_MONTHS = {
    **{
        ("PI-60", m): v
        for m, v in zip(
            ["Apr 2023", "May 2023", "Jun 2023", "Jul 2023", "Aug 2023", "Sep 2023", "Oct 2023", "Nov 2023"],
            [280, 301, 295, 310, 322, 290, 305, None],
            strict=True,
        )
    },
    **{
        ("PI-61", m): v
        for m, v in zip(
            ["Apr 2023", "May 2023", "Jun 2023", "Jul 2023", "Aug 2023", "Sep 2023", "Oct 2023", "Nov 2023"],
            [95, 190, 288, 380, 471, 575, 660, 752],
            strict=True,
        )
    },
    **{
        ("PI-62", m): v
        for m, v in zip(
            ["Apr 2023", "May 2023", "Jun 2023", "Jul 2023", "Aug 2023", "Sep 2023", "Oct 2023", "Nov 2023"],
            [82, 85, 87, 88, 86, 89, 90, 91],
            strict=True,
        )
    },
}  # fmt: skip

MONTHLY_CSV: Rows = [
    ["Ref", "Name", "Priority", "Polarity", "Unit", "Frequency", "Quarter value is", "Target (2023/24)", "Oct 2023", "Nov 2023", "Dec 2023"],
    ["PI-65", "Missed bin collections", P2, "lower", "count", "monthly", "sum of the three months", "300", "102", "95", "88"],
]  # fmt: skip

TIDY: Rows = [
    ["ref", "name", "priority", "unit", "polarity", "period", "actual", "target", "rag", "commentary"],
    ["PI-70", "FOI requests answered in 20 days", P1, "%", "higher", "Q3 2023-24", "72.4%", "90%", "R", "Backlog."],
    ["PI-70", "FOI requests answered in 20 days", P1, "%", "higher", "Q2 2023-24", "88%", "90%", "a", ""],
    ["PI-71", "Crime rate per 1,000", P2, "rate", "lower", "2023/24 Q3", "61.2", "65", "On target", ""],
    ["PI-72", "Adult social care reviews on time", P3, "%", "higher", "Q3 23/24", "55", "80", "Off target", ""],
    ["PI-73", "Parks with a Green Flag", P2, "count", "higher", "Quarter 3 2023-24", "9", "9", "GREEN", ""],
]  # fmt: skip
TIDY_VALUES = {
    ("PI-70", "Q3 2023-24"): (72.4, 90.0),
    ("PI-70", "Q2 2023-24"): (88.0, 90.0),
    ("PI-71", "Q3 2023-24"): (61.2, 65.0),
    ("PI-72", "Q3 2023-24"): (55.0, 80.0),
    ("PI-73", "Q3 2023-24"): (9.0, 9.0),
}
TIDY_RAGS = {
    ("PI-70", "Q3 2023-24"): "Red",
    ("PI-70", "Q2 2023-24"): "Amber",
    ("PI-71", "Q3 2023-24"): "Green",
    ("PI-72", "Q3 2023-24"): "Red",
    ("PI-73", "Q3 2023-24"): "Green",
}


TIDY_MONTHLY_HEAD = [
    "Ref",
    "Name",
    "Priority",
    "Unit",
    "Good is",
    "Frequency",
    "Quarter rule",
    "Period",
    "Actual",
    "Target",
]
ASB = ["PI-60", "Anti-social behaviour incidents", P2, "count", "lower", "monthly", "sum"]
PREVENTED = [
    "PI-61",
    "Homelessness cases prevented (year to date)",
    P3,
    "count",
    "higher",
    "monthly",
    "last month",
]
TIDY_MONTHLY: Rows = [
    TIDY_MONTHLY_HEAD,
    [*ASB, "Apr-23", "280", "300"],
    [*ASB, "May 2023", "301", "300"],
    [*ASB, "2023-06", "295", "300"],  # stands for Q1: the three months added up
    [*ASB, "Jul-23", "310", "300"],
    [*ASB, "August 2023", "322", "300"],
    [*ASB, "30/09/2023", "290", "300"],
    [*PREVENTED, "Q1 2023-24", "288", "1200"],  # the quarter given, and what its rule gives
    [*PREVENTED, "Apr 2023", "95", ""],
    [*PREVENTED, "May 2023", "190", ""],
    [*PREVENTED, "Jun 2023", "288", ""],
]  # fmt: skip
TIDY_MONTHLY_VALUES = {
    ("PI-60", "Q1 2023-24"): (876.0, 300.0),
    ("PI-60", "Q2 2023-24"): (922.0, 300.0),
    ("PI-61", "Q1 2023-24"): (288.0, 1200.0),
}
TIDY_MONTHLY_MONTHS = {
    ("PI-60", "Apr 2023"): 280, ("PI-60", "May 2023"): 301, ("PI-60", "Jun 2023"): 295,
    ("PI-60", "Jul 2023"): 310, ("PI-60", "Aug 2023"): 322, ("PI-60", "Sep 2023"): 290,
    ("PI-61", "Apr 2023"): 95, ("PI-61", "May 2023"): 190, ("PI-61", "Jun 2023"): 288,
}  # fmt: skip


def _tidy_monthly_dates(wb: openpyxl.Workbook) -> None:
    """Excel date cells in the period column: a month shown as a month (mmm-yy) or its last day."""
    calls = [
        "PI-66",
        "Calls answered within 60 seconds",
        P1,
        "%",
        "higher",
        "monthly",
        "last month",
    ]
    ws = _sheet(
        wb,
        "Indicator values",
        [
            TIDY_MONTHLY_HEAD,
            [*calls, dt.datetime(2023, 10, 1), 0.91, 0.95],
            [*calls, dt.datetime(2023, 11, 30), 0.9, 0.95],
            [*calls, dt.datetime(2023, 12, 31), 0.92, 0.95],
            ["PI-67", "Adult social care reviews on time", P3, "%", "higher", "quarterly", None, "Q3 2023-24", 0.55, None],
        ],
    )  # fmt: skip
    ws["H2"].number_format = "mmm-yy"
    ws["H3"].number_format = "dd/mm/yyyy"
    ws["H4"].number_format = "dd/mm/yyyy"
    for row in range(2, 6):
        ws[f"I{row}"].number_format = ws[f"J{row}"].number_format = "0%"


TIDY_MONTHLY_DATES_VALUES = {
    ("PI-66", "Q3 2023-24"): (92.0, 95.0),  # the value at December, the quarter's last month
    ("PI-67", "Q3 2023-24"): (55.0, None),
}
TIDY_MONTHLY_DATES_MONTHS = {
    ("PI-66", "Oct 2023"): 91, ("PI-66", "Nov 2023"): 90, ("PI-66", "Dec 2023"): 92,
}  # fmt: skip


def _rag_spellings(wb: openpyxl.Workbook) -> None:
    _sheet(
        wb,
        "Scorecard",
        [
            [*SC_HEAD, "Q3 2023-24 Target", "Q3 2023-24", "RAG Q3 2023/24"],
            ["PI-80", "Sickness days per employee", P1, "lower", "days", 8, 8.4, "A"],
            ["PI-81", "Food hygiene inspections done", P2, "higher", "%", 0.95, 0.97, "g"],
            [
                "PI-82",
                "Care leavers in education or work",
                P3,
                "higher",
                "%",
                0.6,
                0.48,
                "Off Target",
            ],
        ],
    )
    ws = wb["Scorecard"]
    for r in (3, 4):
        for col in "FG":
            ws[f"{col}{r}"].number_format = "0%"


NEGATIVE_ALLOWED: Rows = [
    [*SC_HEAD, "Allow negative", "Q2 2023-24", "Q3 2023-24", "Target 2023/24"],
    ["PI-90", "Net change in affordable homes", P3, "higher", "count", "yes", "-12", "25", "40"],
    ["PI-91", "Budget variance", P1, "lower", "£", "", "-£250k", "£-250k", "£0"],
    ["PI-92", "Income from commercial rents", P1, "higher", "£", "", "£1.4m", "(£0.1m)", "£1.5m"],
]  # fmt: skip
NEGATIVE_ALLOWED_VALUES = {
    ("PI-90", "Q2 2023-24"): (-12.0, 40.0),
    ("PI-90", "Q3 2023-24"): (25.0, 40.0),
    ("PI-91", "Q2 2023-24"): (-250_000.0, 0.0),
    ("PI-91", "Q3 2023-24"): (-250_000.0, 0.0),
    ("PI-92", "Q2 2023-24"): (1_400_000.0, 1_500_000.0),
    ("PI-92", "Q3 2023-24"): (-100_000.0, 1_500_000.0),
}


def _year_target_sheets(wb: openpyxl.Workbook) -> None:
    """Guidance first, then one sheet per directorate, each with its own spelling."""
    _sheet(wb, "Guidance", [["Fill in one row per indicator."]])
    _sheet(
        wb,
        "Resources",
        [
            [*SC_HEAD, "2023/24 Target", "Q3 2023/24"],
            ["PI-95", "Invoices paid in 30 days", P1, "higher", "%", "95%", "93.5%"],
        ],
    )
    _sheet(
        wb,
        "Housing",
        [
            [*SC_HEAD, "Target 23/24", "Q3 23/24"],
            ["PI-96", "Empty homes brought back into use", P3, "higher", "count", 40, 31],
        ],
    )


# An accessible workbook to the GSS standard: cover, contents and notes sheets, one table per
# directorate under title rows, footnote markers in headings, quarters written as their months.
GSS_SHEETS: dict[str, Rows] = {
    "Cover": [
        ["Corporate Scorecard: quarter 3, 2023 to 2024"],
        ["This workbook holds the council's performance indicators, one table per directorate."],
        ["Contact: performance@harrow.gov.uk"],
    ],
    "Contents": [
        ["Table of contents"],
        ["This worksheet contains one table."],
        ["Sheet name", "Table title", "Notes"],
        ["Resources", "Resources directorate indicators", "note 1"],
        ["Housing", "Housing directorate indicators", "note 1, note 2"],
    ],
    "Notes": [
        ["Notes"],
        ["This worksheet contains one table."],
        ["Note number", "Note text"],
        ["note 1", "Q3 figures are provisional until the outturn report."],
        ["note 2", "Empty homes are counted when they are let."],
    ],
    "Resources": [
        ["Resources directorate indicators"],
        ["This worksheet contains one table. Source: Harrow Council performance system."],
        [*SC_HEAD, "Target [note 1]", "Apr-Jun 2023", "Jul - Sep 2023", "Oct to Dec 2023 [note 1]"],
        ["PI-97", "Council tax collected", P1, "higher", "%", 0.965, 0.285, 0.559, 0.83],
        ["PI-98", "Invoices paid in 30 days", P1, "higher", "%", 0.95, 0.91, 0.92, 0.935],
    ],
    "Housing": [
        ["Housing directorate indicators"],
        ["Source: Harrow Council housing register."],
        [*SC_HEAD, "Oct-Dec 2023 Target", "Oct-Dec 2023 [note 2]"],
        ["PI-99", "Empty homes brought back into use", P3, "higher", "count", 40, 31],
    ],
}
GSS_VALUES = {
    ("PI-97", "Q1 2023-24"): (28.5, 96.5), ("PI-97", "Q2 2023-24"): (55.9, 96.5),
    ("PI-97", "Q3 2023-24"): (83.0, 96.5), ("PI-98", "Q1 2023-24"): (91.0, 95.0),
    ("PI-98", "Q2 2023-24"): (92.0, 95.0), ("PI-98", "Q3 2023-24"): (93.5, 95.0),
    ("PI-99", "Q3 2023-24"): (31.0, 40.0),
}  # fmt: skip


def _gss(wb: openpyxl.Workbook) -> None:
    for title, rows in GSS_SHEETS.items():
        _sheet(wb, title, rows)


GOOD: list[Case] = [
    Case("year_target_slash.csv", _year_target("Target 2023/24"), YEAR_TARGET_VALUES,
         description="a year's target in a column headed 'Target 2023/24'"),
    Case("year_target_after.csv", _year_target("2023/24 Target"), YEAR_TARGET_VALUES),
    Case("year_target_short.xlsx", _year_target_xlsx("Target 23/24"), YEAR_TARGET_VALUES),
    Case("year_target_annual.xlsx", _year_target_xlsx("Annual target 2023-24"), YEAR_TARGET_VALUES),
    Case("year_target_brackets.csv", _year_target("Target (2023/24)"), YEAR_TARGET_VALUES),
    Case("year_target_sheets.xlsx", _year_target_sheets, {
        ("PI-95", "Q3 2023-24"): (93.5, 95.0), ("PI-96", "Q3 2023-24"): (31.0, 40.0)}),
    Case("two_header_rows.xlsx", _two_rows, TWO_ROW_VALUES,
         description="years in merged cells above Q1..Q4 and Annual Target"),
    Case("two_header_rows.csv", TWO_ROW_CSV, TWO_ROW_CSV_VALUES),
    Case("two_header_rows_ids_above.xlsx", _ids_in_upper_row, {
        ("PI-30", "Q1 2023-24"): (120500.0, 125000.0), ("PI-30", "Q2 2023-24"): (131000.0, 125000.0)}),
    Case("quarter_end_months.csv", MONTH_HEADINGS, MONTH_HEADINGS_VALUES),
    Case("quarter_end_dates.xlsx", _excel_dates, EXCEL_DATES_VALUES),
    Case("monthly_indicators.xlsx", _monthly, MONTHLY_VALUES, MONTHLY_MONTHS),
    Case("monthly_sum.csv", MONTHLY_CSV, {("PI-65", "Q3 2023-24"): (285.0, 300.0)},
         {("PI-65", "Oct 2023"): 102, ("PI-65", "Nov 2023"): 95, ("PI-65", "Dec 2023"): 88}),
    Case("tidy_rag_spellings.csv", TIDY, TIDY_VALUES, rags=TIDY_RAGS),
    Case("scorecard_rag_spellings.xlsx", _rag_spellings, {
        ("PI-80", "Q3 2023-24"): (8.4, 8.0), ("PI-81", "Q3 2023-24"): (97.0, 95.0),
        ("PI-82", "Q3 2023-24"): (48.0, 60.0)},
        rags={("PI-80", "Q3 2023-24"): "Amber", ("PI-81", "Q3 2023-24"): "Green",
              ("PI-82", "Q3 2023-24"): "Red"}),
    Case("negative_and_money.csv", NEGATIVE_ALLOWED, NEGATIVE_ALLOWED_VALUES),
    Case("tidy_monthly.csv", TIDY_MONTHLY, TIDY_MONTHLY_VALUES, TIDY_MONTHLY_MONTHS,
         description="months in a tidy file's period column, spelled four ways; a quarter beside its months"),
    Case("tidy_monthly_dates.xlsx", _tidy_monthly_dates, TIDY_MONTHLY_DATES_VALUES,
         TIDY_MONTHLY_DATES_MONTHS, description="Excel date cells as the months of a tidy sheet"),
    Case("gss_accessible.xlsx", _gss, GSS_VALUES,
         description="a GSS accessible workbook: cover, contents, notes, a table per directorate"),
    Case("gss_accessible.ods", ods_bytes(GSS_SHEETS), GSS_VALUES,
         description="the same workbook as LibreOffice Calc saves it"),
]  # fmt: skip


# -- bad files ---------------------------------------------------------------------------------------


def _now() -> str:
    return Period.in_progress().label


def _errors(wb: openpyxl.Workbook) -> None:
    _sheet(
        wb,
        "Scorecard",
        [
            [*SC_HEAD, "Q2 2023-24", "Q3 2023-24"],
            ["PI-01", "Calls answered", P1, "higher", "%", "#DIV/0!", "#N/A"],
            ["PI-02", "Repairs", P1, "higher", "count", "#REF!", "#VALUE!"],
        ],
    )


def _disagree(wb: openpyxl.Workbook) -> None:
    _sheet(
        wb,
        "Scorecard",
        [
            ["Ref", "Measure", "Priority", "Good is", "Unit", "2023/24", None, "2024/25"],
            [None, "Directorate", None, None, None, "Q1", "Q2 2022-23", "Commentary"],
            ["PI-01", "Calls answered", P1, "higher", "%", 80, 81, "Fine"],
        ],
    )


def _formula(wb: openpyxl.Workbook) -> None:
    _sheet(
        wb,
        "Scorecard",
        [
            [*SC_HEAD, "Q2 2023-24", "Q3 2023-24"],
            ["PI-01", "Calls answered", P1, "higher", "count", 10, "=F2*2"],
        ],
    )


def _header_only_xlsx(wb: openpyxl.Workbook) -> None:
    _sheet(wb, "Scorecard", [[*SC_HEAD, "Q3 2023-24"]])


def _bytes(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


SC = ",".join(SC_HEAD)
BAD: list[Case] = [
    Case("bad_quarter_two.csv", [[*SC_HEAD, "Q1 2023-24", "Quarter Two"], ["PI-01", "Calls", P1, "higher", "count", "10", "12"]],
         problems=["bad_quarter_two.csv, row 1, column G (\"Quarter Two\"): cannot read the period heading 'Quarter Two': it looks like a quarter, month or year but is none of the spellings the importer reads (see docs/loading-data.md)."]),
    Case("bad_no_year.csv", [[*SC_HEAD, "Q1", "Q2"], ["PI-01", "Calls", P1, "higher", "count", "10", "12"]],
         problems=[
             "bad_no_year.csv, row 1, column F (\"Q1\"): cannot read the period heading: 'Q1' has no financial year; write it like 'Q1 2023-24' or put the year in a row above its quarter columns.",
             "bad_no_year.csv, row 1, column G (\"Q2\"): cannot read the period heading: 'Q2' has no financial year; write it like 'Q1 2023-24' or put the year in a row above its quarter columns."]),
    Case("bad_negative_count.csv", [[*SC_HEAD, "Q3 2023-24"], ["PI-01", "Missed collections", P2, "lower", "count", "-40"], ["PI-02", "Satisfaction", P1, "higher", "%", "-5%"]],
         problems=[
             "bad_negative_count.csv, row 2, column F (\"Q3 2023-24\"): actual is negative, but this indicator's unit (a count, percentage, rate or duration) cannot be; if it can (a net change), mark the indicator 'allow negative: yes'.",
             "bad_negative_count.csv, row 3, column F (\"Q3 2023-24\"): actual is negative, but this indicator's unit (a count, percentage, rate or duration) cannot be; if it can (a net change), mark the indicator 'allow negative: yes'."]),
    Case("bad_header_only.csv", [[*SC_HEAD, "Q3 2023-24"]],
         problems=["bad_header_only.csv: no data rows below the header in row 1."]),
    Case("bad_header_only.xlsx", _header_only_xlsx,
         problems=["bad_header_only.xlsx, sheet 'Scorecard': no data rows below the header in row 1."]),
    Case("bad_excel_errors.xlsx", _errors,
         problems=[
             "bad_excel_errors.xlsx, sheet 'Scorecard', row 2, column F (\"Q2 2023-24\"): the cell holds the Excel error #DIV/0! (division by zero); correct the formula or clear the cell.",
             "bad_excel_errors.xlsx, sheet 'Scorecard', row 2, column G (\"Q3 2023-24\"): the cell holds the Excel error #N/A (a value not available, often a failed lookup); correct the formula or clear the cell.",
             "bad_excel_errors.xlsx, sheet 'Scorecard', row 3, column F (\"Q2 2023-24\"): the cell holds the Excel error #REF! (a reference to a cell that no longer exists); correct the formula or clear the cell.",
             "bad_excel_errors.xlsx, sheet 'Scorecard', row 3, column G (\"Q3 2023-24\"): the cell holds the Excel error #VALUE! (a formula given the wrong kind of value); correct the formula or clear the cell."]),
    Case("bad_header_rows_disagree.xlsx", _disagree,
         problems=[
             "bad_header_rows_disagree.xlsx, sheet 'Scorecard', row 1, column B (\"Directorate\"): the two header rows disagree: 'Measure' above 'Directorate' name different columns.",
             "bad_header_rows_disagree.xlsx, sheet 'Scorecard', row 1, column G (\"Q2 2022-23\"): the two header rows disagree: 'Q2 2022-23' is below the year '2023/24'.",
             "bad_header_rows_disagree.xlsx, sheet 'Scorecard', row 1, column H (\"Commentary\"): the year '2024/25' in the row above covers no quarter column (Q1 to Q4, Target or a month below it).",
             "bad_header_rows_disagree.xlsx, sheet 'Scorecard', row 3: PI-01 is a new indicator, so the file must give its name, priority, unit, polarity; missing: name."]),
    Case("bad_future_quarter.csv", [[*SC_HEAD, "Q2 2023-24", "Q3 2030-31"], ["PI-01", "Calls", P1, "higher", "count", "10", "12"]],
         problems=[f"bad_future_quarter.csv, row 1, column G (\"Q3 2030-31\"): Q3 2030-31 has not started yet (the quarter in progress is {_now()})."]),
    Case("bad_non_finite.csv", [[*SC_HEAD, "Q1 2023-24", "Q2 2023-24", "Q3 2023-24"], ["PI-01", "Response time", P1, "lower", "seconds", "inf", "-inf", "1e999"]],
         problems=[
             "bad_non_finite.csv, row 2, column F (\"Q1 2023-24\"): 'inf' is not a finite number (actual).",
             "bad_non_finite.csv, row 2, column G (\"Q2 2023-24\"): '-inf' is not a finite number (actual).",
             "bad_non_finite.csv, row 2, column H (\"Q3 2023-24\"): '1e999' is not a finite number (actual)."]),
    Case("bad_duplicate_columns.csv", [["Ref", "Name", "Priority", "Unit", "Polarity", "Quarter", "Period", "Actual", "Value"],
                                       ["PI-01", "Calls", P1, "count", "higher", "Q3 2023-24", "Q3 2023-24", "10", "11"]],
         problems=[
             "bad_duplicate_columns.csv, row 1, column G (\"Period\"): this column and column F (\"Quarter\") both give the period; keep one.",
             "bad_duplicate_columns.csv, row 1, column I (\"Value\"): this column and column H (\"Actual\") both give the actual; keep one."]),
    Case("bad_uncalculated_formula.xlsx", _formula,
         problems=["bad_uncalculated_formula.xlsx, sheet 'Scorecard', row 2, column G (\"Q3 2023-24\"): the cell holds a formula saved without its calculated value (the workbook was written by a tool that does not calculate); open it in Excel, save it, and load it again."]),
    Case("bad_control_characters.csv", [[*SC_HEAD, "Q3 2023-24"], ["PI-01\x1b[2J", "Calls\x00", P1, "higher", "count", "10"]],
         problems=[
             "bad_control_characters.csv, row 2, column A (\"PI Ref\"): the cell holds a control character (U+001B), which is never part of a scorecard; remove it.",
             "bad_control_characters.csv, row 2, column B (\"Measure\"): the cell holds a control character (U+0000), which is never part of a scorecard; remove it."]),
    Case("bad_utf16.csv", _bytes(f"{SC},Q3 2023-24\r\nPI-01,Calls,{P1},higher,count,10\r\n", "utf-16"),
         problems=["bad_utf16.csv: the file is UTF-16 text (as Excel's 'Unicode Text' saves it), not UTF-8; save it as 'CSV UTF-8 (Comma delimited)' and load that."]),
    Case("bad_unbalanced_quote.csv", _bytes(f'{SC},Q3 2023-24\nPI-01,Calls,{P1},higher,count,10\nPI-02,"Repairs,{P1},higher,count,12\nPI-03,Visits,{P1},higher,count,14\n', "utf-8"),
         problems=["bad_unbalanced_quote.csv: the CSV cannot be read: a quote opens in row 3 and is never closed; close the quote or remove it."]),
    Case("bad_rag.csv", [[*SC_HEAD, "Q3 2023-24", "RAG"], ["PI-01", "Calls", P1, "higher", "count", "10", "Purple"]],
         problems=["bad_rag.csv, row 2, column G (\"RAG\"): 'Purple' is not a RAG rating; use Red, Amber or Green."]),
    Case("bad_monthly_without_rule.csv", [[*SC_HEAD, "Frequency", "Apr-23", "May-23", "Jun-23"], ["PI-01", "Incidents", P2, "lower", "count", "monthly", "5", "6", "7"]],
         problems=["bad_monthly_without_rule.csv, row 2, column G (\"Apr-23\"): this indicator is monthly, so the file or the database must say how its quarter comes from its months: give a 'Quarter rule' column with 'last month' (snapshots, cumulative measures) or 'sum' (flows such as numbers of incidents)."]),
    Case("bad_quarterly_with_mid_month.csv", [[*SC_HEAD, "Apr-23", "May-23", "Jun-23"], ["PI-01", "Incidents", P2, "lower", "count", "5", "6", "7"]],
         problems=[
             "bad_quarterly_with_mid_month.csv, row 2, column F (\"Apr-23\"): this indicator is not monthly, so only quarter-end months (June, September, December, March) are read for it; give it the frequency 'monthly' to load its other months.",
             "bad_quarterly_with_mid_month.csv, row 2, column G (\"May-23\"): this indicator is not monthly, so only quarter-end months (June, September, December, March) are read for it; give it the frequency 'monthly' to load its other months."]),
]  # fmt: skip


def _disagree_months(wb: openpyxl.Workbook) -> None:
    ws = _sheet(
        wb,
        "Scorecard",
        [
            [*SC_HEAD, "Frequency", "Quarter rule", "Q1 2023-24", "Apr-23", "May-23", "Jun-23"],
            ["PI-62", "Calls answered within 60 seconds", P1, "higher", "%", "monthly", "last month", 0.87, 0.82, 0.85, 0.86],
        ],
    )  # fmt: skip
    for col in "HIJK":
        ws[f"{col}2"].number_format = "0%"


BAD_MONTHS: list[Case] = [
    Case("bad_tidy_months.csv", [
        TIDY_MONTHLY_HEAD,
        ["PI-01", "Calls answered", P1, "%", "higher", "quarterly", "", "Jun-23", "81%", ""],
        [*ASB, "2023-13", "280", ""],
        [*ASB, "31/06/2023", "301", ""],
        [*ASB, "Sept 2023", "295", ""],
        [*ASB, "Dec 2099", "310", ""],
    ], problems=[
        "bad_tidy_months.csv, row 2, column H (\"Period\"): Jun 2023 is a month, but PI-01 is not a monthly indicator; write its quarter (Q1 2023-24), or give it the frequency 'monthly' to load monthly values.",
        "bad_tidy_months.csv, row 3, column H (\"Period\"): '2023-13' is not a month (write a year and a month like 2023-06).",
        "bad_tidy_months.csv, row 4, column H (\"Period\"): '31/06/2023' is not a date (day/month/year).",
        f"bad_tidy_months.csv, row 6, column H (\"Period\"): Dec 2099 has not started yet (this month is {dt.date.today():%b %Y}).",
    ]),
    Case("bad_quarter_disagrees_with_months.csv", [
        TIDY_MONTHLY_HEAD,
        [*ASB, "Apr-23", "280", ""],
        [*ASB, "May-23", "301", ""],
        [*ASB, "Jun-23", "295", ""],
        [*ASB, "Q1 2023-24", "870", "900"],
        [*PREVENTED, "Jun 2023", "288", ""],
        [*PREVENTED, "Q1 2023-24", "290", "1200"],
    ], problems=[
        "bad_quarter_disagrees_with_months.csv, row 5, column I (\"Actual\"): PI-60 Q1 2023-24: the quarter's actual 870 is not what its months give: its quarter rule 'sum' adds its three months up to 876. Correct the quarter or the months.",
        "bad_quarter_disagrees_with_months.csv, row 7, column I (\"Actual\"): PI-61 Q1 2023-24: the quarter's actual 290 is not what its months give: its quarter rule 'last month' takes Jun 2023's value, 288. Correct the quarter or the months.",
    ]),
    Case("bad_quarter_disagrees_with_months.xlsx", _disagree_months, problems=[
        "bad_quarter_disagrees_with_months.xlsx, sheet 'Scorecard', row 2, column H (\"Q1 2023-24\"): PI-62 Q1 2023-24: the quarter's actual 87 is not what its months give: its quarter rule 'last month' takes Jun 2023's value, 86. Correct the quarter or the months.",
    ]),
]  # fmt: skip
BAD += BAD_MONTHS


def content(case: Case) -> bytes:
    if isinstance(case.build, bytes):
        return case.build
    if case.name.endswith(".csv"):
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(case.build)  # type: ignore[arg-type]
        return out.getvalue().encode("utf-8")
    wb = openpyxl.Workbook()
    if callable(case.build):
        case.build(wb)
    else:
        _sheet(wb, "Scorecard", case.build)
    out_b = io.BytesIO()
    wb.save(out_b)
    return out_b.getvalue()


def main() -> None:
    FILES.mkdir(parents=True, exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    for case in GOOD + BAD:
        (FILES / case.name).write_bytes(content(case))
    print(f"wrote {len(GOOD)} good and {len(BAD)} bad files to {FILES}")


if __name__ == "__main__":
    main()
