"""The blank workbook officers fill in: every layout the importer reads, with guidance and drop-downs."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from harrow_dash.formats.ods import workbook_ods
from harrow_dash.ingest.corrective import SUBJECT_KINDS, TEMPLATE_HEADINGS
from harrow_dash.rules.action_status import ActionStatus
from harrow_dash.rules.corrective_status import CorrectiveStatus
from harrow_dash.rules.periods import Period
from harrow_dash.rules.units import Unit
from harrow_dash.store import Store, schema

HEADER_FILL = PatternFill("solid", fgColor="12436D")
HEADER_FONT = Font(bold=True, color="FFFFFF")

GUIDANCE = [
    "How to fill in this workbook",
    "",
    "Each sheet is one layout the dashboard reads. Fill in the sheets you need and leave the others empty.",
    "Scorecard: one row per indicator, one column per quarter. Headings such as 'Q3 2024-25' hold actuals;",
    "  'Q3 2024-25 Target' holds that quarter's target; 'Target' without a quarter applies to the latest",
    "  year's quarters; 'RAG' and 'Commentary' without a quarter belong to the latest quarter.",
    "Indicator values: one row per indicator per quarter (the tidy layout).",
    "Flagship actions: one row per action (or split line) per quarter with its status.",
    "Highlights: key achievements and areas for improvement per priority per quarter.",
    "Corrective actions: what Cabinet agreed to do about an indicator, flagship action or priority,",
    "  one row per action per quarter's update (Quarter, Status, Update). Subject is the indicator or",
    "  flagship action ref, or the priority; a due date or meeting date is read as its quarter. A",
    "  dropped action needs a Dropped reason. Internal notes are for officers only, never published.",
    "",
    "Percentages: write 85%, 85 or 0.85. Use the % sign for values below 1% (0.4%).",
    "Missing values: leave blank or write n/a or - (never 0). Write 'not due' for an annual measure",
    "  outside its reporting quarter.",
    "GSS symbols: instead of a number, [x] not available, [z] not applicable, [c] confidential, [low]",
    "  or [w] (held back); after a number, [p] provisional, [r] revised, [e] estimated, [u] low",
    "  reliability (69% [p]): the number loads and the dashboard shows the marker in words.",
    "Priorities must be one of the plan's priorities (see the Lists sheet). New indicators need a name,",
    "  priority, unit and polarity ('Good is'). A RAG in the file is the official one and is kept.",
    "Commentary is internal: write yes for commentary meant for officers and councillors only; the",
    "  public view hides it. Blank or no means the commentary may be published.",
    "Quarters: Q1 is April-June, Q2 July-September, Q3 October-December, Q4 January-March.",
    "Monthly indicators (Frequency 'monthly'): give the months as columns (Jun-23) in the Scorecard or",
    "  as rows (Period 'Jun 2023' or '2023-06') in Indicator values. Quarter rule says how the quarter",
    "  comes from its months: 'last month' (snapshots, cumulative measures) or 'sum' (flows such as",
    "  numbers of incidents). A quarter given beside its months must be what the rule gives.",
    "Allow negative: yes for a measure that can fall below zero (a net change); otherwise a negative",
    "  count, percentage or duration is refused.",
    "Cumulative or seasonal: 'cumulative' (year to date) or 'seasonal' measures are compared with the",
    "  same quarter a year earlier; leave blank or write 'neither' otherwise.",
    "Nothing is loaded if any cell has a problem: the dashboard lists every problem with its row and column.",
]


def _header(ws, row: int, headings: list[str]) -> None:
    for col, text in enumerate(headings, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = max(12, min(40, len(text) + 4))


def _list_validation(ws, formula: str, cells: str) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.add(cells)
    ws.add_data_validation(dv)


# The indicator definitions a prefilled Scorecard sheet repeats (store column -> Scorecard heading).
PREFILL_COLUMNS = {
    "ref": "PI Ref",
    "name": "Measure",
    "priority": "Priority",
    "directorate": "Directorate",
    "portfolio": "Portfolio Holder",
    "polarity": "Good is",
    "unit": "Unit",
    "frequency": "Frequency",
    "counts_people": "Counts people",
    "quarter_rule": "Quarter rule",
    "allow_negative": "Allow negative",
    "cumulative_or_seasonal": "Cumulative or seasonal",
}
# Stored quarter rules as the words officers read (both are spellings the importer reads back).
QUARTER_RULE_WORDS = {"last": "last month", "sum": "sum"}


def current_indicators(store: Store, quarter: Period | None = None) -> pd.DataFrame:
    """The indicator definitions held now, in reference order, with the priority by name and the
    target: the one held for ``quarter``, else the latest before it in the same financial year (for
    :func:`build_template`'s ``indicators``)."""
    i, p, v = schema.indicators, schema.priorities, schema.indicator_values
    q = (
        sa.select(
            i.c.ref,
            i.c.name,
            p.c.name.label("priority"),
            i.c.directorate,
            i.c.portfolio,
            i.c.polarity,
            i.c.unit,
            i.c.frequency,
            i.c.counts_people,
            i.c.quarter_rule,
            i.c.allow_negative,
            i.c.cumulative_or_seasonal,
        )
        .select_from(i.join(p, p.c.id == i.c.priority_id))
        .order_by(i.c.ref)
    )
    frame = store.read(q)
    tq = sa.select(v.c.ref, v.c.period, v.c.target).where(v.c.target.is_not(None))
    if quarter is not None:  # this financial year's: a new year's targets are for officers to set
        tq = tq.where(v.c.period <= quarter.key, v.c.period >= Period(quarter.fy_start, 1).key)
    targets = store.read(tq)
    latest = (
        targets.sort_values("period").drop_duplicates("ref", keep="last").set_index("ref")["target"]
        if len(targets)
        else pd.Series(dtype=float)
    )
    frame["target"] = frame["ref"].map(latest)
    return frame


def next_quarter(latest: Period | None, today: dt.date | None = None) -> Period:
    """The quarter a template is for: the one after the latest in the data, else today's."""
    return latest.shift(1) if latest is not None else Period.containing(today or dt.date.today())


TEMPLATE_FORMATS = (".xlsx", ".ods")


def build_template(
    priorities: list[str],
    quarter: Period,
    indicators: pd.DataFrame | None = None,
    kind: str = ".xlsx",
) -> bytes:
    """The template workbook for the financial year of ``quarter``, as .xlsx bytes (``kind``
    ``.ods``: the same sheets and cells as an OpenDocument spreadsheet). With ``indicators``
    (:func:`current_indicators`) the Scorecard sheet lists them, one row each, with their
    definitions filled in and every figure left to fill."""
    if kind not in TEMPLATE_FORMATS:
        raise ValueError(f"a template is written as .xlsx or .ods, not {kind}")
    wb = _template_workbook(priorities, quarter, indicators)
    if kind == ".ods":
        return workbook_ods(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _template_workbook(
    priorities: list[str], quarter: Period, indicators: pd.DataFrame | None
) -> Workbook:
    wb = Workbook()
    guide = wb.active
    guide.title = "Guidance"
    for i, line in enumerate(GUIDANCE, start=1):
        guide.cell(row=i, column=1, value=line).font = Font(
            bold=(i == 1), size=14 if i == 1 else 11
        )
    guide.column_dimensions["A"].width = 110

    lists = wb.create_sheet("Lists")
    columns = {
        "Priority": priorities,
        "Good is": ["higher is better", "lower is better", "within band"],
        "Unit": [u.value for u in Unit],
        "Frequency": ["quarterly", "monthly", "annual"],
        "Quarter rule": list(QUARTER_RULE_WORDS.values()),
        "Cumulative or seasonal": ["cumulative", "seasonal", "neither"],
        "Status": [s.value for s in ActionStatus],
        "Kind": ["achievement", "area for improvement"],
        "Yes/no": ["yes", "no"],
        "Subject kind": list(SUBJECT_KINDS),
        "Corrective status": [s.value for s in CorrectiveStatus],
    }
    _header(lists, 1, list(columns))
    ranges = {}
    for col, (name, values) in enumerate(columns.items(), start=1):
        letter = lists.cell(row=1, column=col).column_letter
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=col, value=value)
        ranges[name] = f"Lists!${letter}$2:${letter}${len(values) + 1}"

    # Blank: every quarter of the year up to ``quarter``. Prefilled: ``quarter`` alone, so that the
    # figures already held for earlier quarters are not touched when the workbook is loaded back.
    prefilled = indicators is not None and len(indicators) > 0
    quarters = (
        [quarter]
        if prefilled
        else [Period(quarter.fy_start, q) for q in range(1, quarter.quarter + 1)]
    )
    sc = wb.create_sheet("Scorecard", 1)
    sc.cell(row=1, column=1, value=f"Corporate Scorecard {quarter.fy_label}").font = Font(
        bold=True, size=14
    )
    heads = [
        "PI Ref",
        "Measure",
        "Priority",
        "Directorate",
        "Portfolio Holder",
        "Good is",
        "Unit",
        "Frequency",
        "Counts people",
        "Quarter rule",
        "Allow negative",
        "Cumulative or seasonal",
        "Target",
        *[q.label for q in quarters],
        "RAG",
        "Commentary",
        "London average",
        "Commentary is internal",
    ]
    _header(sc, 3, heads)
    internal_col = sc.cell(row=3, column=len(heads)).column_letter
    _list_validation(sc, ranges["Yes/no"], f"{internal_col}4:{internal_col}500")
    _list_validation(sc, ranges["Priority"], "C4:C500")
    _list_validation(sc, ranges["Good is"], "F4:F500")
    _list_validation(sc, ranges["Unit"], "G4:G500")
    _list_validation(sc, ranges["Frequency"], "H4:H500")
    _list_validation(sc, ranges["Yes/no"], "I4:I500")
    _list_validation(sc, ranges["Quarter rule"], "J4:J500")
    _list_validation(sc, ranges["Yes/no"], "K4:K500")
    _list_validation(sc, ranges["Cumulative or seasonal"], "L4:L500")
    sc.freeze_panes = "C4"
    if prefilled and indicators is not None:
        target_col = heads.index("Target") + 1
        for row, rec in enumerate(indicators.to_dict("records"), start=4):
            for col, key in enumerate(PREFILL_COLUMNS, start=1):
                value = rec.get(key)
                if key in ("counts_people", "allow_negative"):
                    value = "yes" if value is True or value == 1 else "no"
                elif key == "quarter_rule" and isinstance(value, str):
                    value = QUARTER_RULE_WORDS.get(value, value)
                sc.cell(row=row, column=col, value=None if pd.isna(value) else str(value))
            target = rec.get("target")
            if target is not None and not pd.isna(target):
                sc.cell(row=row, column=target_col, value=float(target))

    tidy = wb.create_sheet("Indicator values", 2)
    tidy_heads = [
        "Ref",
        "Name",
        "Priority",
        "Directorate",
        "Portfolio holder",
        "Unit",
        "Polarity",
        "Frequency",
        "Counts people",
        "Quarter rule",
        "Allow negative",
        "Cumulative or seasonal",
        "Period",
        "Actual",
        "Target",
        "Target upper",
        "RAG",
        "Commentary",
        "Benchmark",
        "Benchmark label",
        "Commentary is internal",
    ]
    _header(tidy, 1, tidy_heads)
    for heading, choices in (
        ("Priority", "Priority"),
        ("Polarity", "Good is"),
        ("Frequency", "Frequency"),
        ("Counts people", "Yes/no"),
        ("Quarter rule", "Quarter rule"),
        ("Allow negative", "Yes/no"),
        ("Cumulative or seasonal", "Cumulative or seasonal"),
        ("Commentary is internal", "Yes/no"),
    ):
        letter = tidy.cell(row=1, column=tidy_heads.index(heading) + 1).column_letter
        _list_validation(tidy, ranges[choices], f"{letter}2:{letter}5000")

    act = wb.create_sheet("Flagship actions", 3)
    _header(
        act,
        1,
        [
            "Action ref",
            "Title",
            "Priority",
            "Directorate",
            "Portfolio holder",
            "Lead",
            "Parent ref",
            "Period",
            "Status",
            "Commentary",
            "Commentary is internal",
        ],
    )
    _list_validation(act, ranges["Priority"], "C2:C2000")
    _list_validation(act, ranges["Yes/no"], "K2:K2000")
    _list_validation(act, ranges["Status"], "I2:I2000")

    hl = wb.create_sheet("Highlights", 4)
    _header(hl, 1, ["Period", "Priority", "Kind", "Text", "Indicator ref", "Action ref"])
    _list_validation(hl, ranges["Priority"], "B2:B2000")
    _list_validation(hl, ranges["Kind"], "C2:C2000")
    hl.column_dimensions["D"].width = 80

    ca = wb.create_sheet("Corrective actions", 5)
    _header(ca, 1, list(TEMPLATE_HEADINGS))
    for heading, choices in (
        ("Subject kind", "Subject kind"),
        ("Status", "Corrective status"),
    ):
        letter = ca.cell(row=1, column=TEMPLATE_HEADINGS.index(heading) + 1).column_letter
        _list_validation(ca, ranges[choices], f"{letter}2:{letter}2000")
    ca.column_dimensions["D"].width = 60
    return wb
