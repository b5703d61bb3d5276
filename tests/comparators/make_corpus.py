"""The comparator corpus: benchmark files in the shapes their publishers use, and what each must load.

Run ``python tests/comparators/make_corpus.py`` to (re)write the files into
``tests/comparators/files/``; ``tests/test_comparator_corpus.py`` checks that the files on disk are
what this script writes, loads each into a fresh database (after the files it names in ``after``) and
compares every stored figure with ``Case.values``: nothing more, nothing less.

The shapes follow the publishers' documentation and downloads (the values are made up but realistic,
for all 33 London boroughs, England and London): Fingertips (OHID) CSV downloads with their own
column names, area types, breakdowns and value notes; ONS/OHID-style tidy open data (``area_code,
area_name, period, indicator, measure, unit, value`` and extra columns); LG Inform downloads (metric
ids, quarters, group averages without a code); an Oflog-style workbook with title rows above the
table; ONS monthly and calendar-quarter series; DfE (explore education statistics) open data with a
column per measure, academic years and national, regional and local authority rows; GSS symbols.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from harrow_dash.rules.areas import LONDON_BOROUGHS

FILES = Path(__file__).resolve().parent / "files"
ENGLAND = ("E92000001", "England")
LONDON = ("E12000007", "London")
BOROUGHS = sorted(LONDON_BOROUGHS.items())
HARROW = "E09000015"

Rows = list[list[object]]
# (area code, measure, period as the app labels it) -> the figure, or None for a suppressed one
Values = dict[tuple[str, str, str], float | None]


@dataclass
class Case:
    name: str
    build: Rows | Callable[[openpyxl.Workbook], None]
    values: Values = field(default_factory=dict)
    markers: dict[tuple[str, str, str], str] = field(default_factory=dict)
    benchmarks: set[str] = field(default_factory=set)  # area codes stored as benchmarks
    measure_names: dict[str, str] = field(default_factory=dict)
    year_types: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # texts the load's notes must hold
    after: list[str] = field(default_factory=list)  # files loaded first, in this order
    problems: list[str] = field(default_factory=list)  # a bad file: its exact messages
    description: str = ""


def figure(seed: str, code: str, period: str, low: float, high: float, dp: int = 1) -> float:
    """A made-up but stable figure between ``low`` and ``high``."""
    digest = hashlib.sha256(f"{seed}|{code}|{period}".encode()).digest()
    share = int.from_bytes(digest[:4], "big") / 2**32
    return round(low + (high - low) * share, dp)


def text(value: float, dp: int = 1) -> str:
    return f"{value:.{dp}f}"


# -- 1. Fingertips ---------------------------------------------------------------------------------

FINGERTIPS_HEADER = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
]
ACTIVE = "Percentage of physically active adults"
COUNTIES = "Counties & UAs (from Apr 2023)"
DISTRICTS = "Districts & UAs (from Apr 2023)"
OTHER_UAS = [("E06000001", "Hartlepool"), ("E10000003", "Cambridgeshire")]
SUPPRESSED_NOTE = "Value suppressed for disclosure control due to small count"


def _fingertips_row(
    area: tuple[str, str], kind: str, parent: tuple[str, str], period: str, value: str, note=""
) -> list[object]:
    sortable = period[:4] + "0000"
    return [
        93014, ACTIVE, parent[0], parent[1], area[0], area[1], kind, "Persons", "19+ yrs", "", "",
        period, value, "", "", "", "", "", "", note, "", "Not compared", "", sortable, "", "", "1y",
    ]  # fmt: skip


def fingertips() -> Case:
    rows: Rows = [FINGERTIPS_HEADER]
    values: Values = {}
    for period, label in (("2021/22", "2021-22"), ("2022/23", "2022-23")):
        v = figure("active", ENGLAND[0], period, 64, 68)
        rows.append(_fingertips_row(ENGLAND, "England", ("", ""), period, text(v)))
        values[(ENGLAND[0], "93014", label)] = v
        v = figure("active", LONDON[0], period, 62, 66)
        rows.append(_fingertips_row(LONDON, "Region", ENGLAND, period, text(v)))
        values[(LONDON[0], "93014", label)] = v
        for code, name in BOROUGHS + OTHER_UAS:
            v = figure("active", code, period, 52, 74)
            parent = LONDON if code.startswith("E09") else ("E12000001", "North East region")
            if (code, period) == ("E09000001", "2022/23"):
                # The City of London: too few people asked; Fingertips leaves the value blank.
                rows.append(
                    _fingertips_row((code, name), COUNTIES, parent, period, "", SUPPRESSED_NOTE)
                )
                values[(code, "93014", label)] = None
                continue
            rows.append(_fingertips_row((code, name), COUNTIES, parent, period, text(v)))
            values[(code, "93014", label)] = v
        # The same boroughs again as lower-tier authorities, and a district: skipped.
        for code, name in BOROUGHS[:5] + [("E07000008", "Cambridge")]:
            v = figure("active", code, period, 52, 74)
            rows.append(_fingertips_row((code, name), DISTRICTS, LONDON, period, text(v)))
    return Case(
        "fingertips_physical_activity.csv",
        rows,
        values,
        benchmarks={ENGLAND[0], LONDON[0]},
        measure_names={"93014": ACTIVE},
        notes=[
            "read as Fingertips (OHID) data: 1 measure, 35 areas, benchmarks: England, London.",
            f"skipped the rows for other kinds of area, keeping the one with the London boroughs: "
            f"'{DISTRICTS}' (12 rows).",
            "columns not used: 'Lower CI 95.0 limit', 'Upper CI 95.0 limit'",
            "1 comparator measure is not compared with any indicator yet: '93014'. Match it once "
            "on the Data page (Comparator measures) or with a benchmark_measure column in the "
            "indicators file; the match is remembered.",
        ],
        description="Fingertips download: two area types, England and London as benchmarks, a "
        "value suppressed with a value note, many unused columns.",
    )


# -- 2. ONS/OHID-style tidy open data -------------------------------------------------------------

ONS_HEADER = [
    "area_code", "area_name", "area_type", "period", "indicator", "measure", "unit", "value",
    "compared_to_England", "inequality", "lower_ci", "upper_ci", "count", "denominator",
    "value_note",
]  # fmt: skip
RECYCLING = "Household waste sent for reuse, recycling or composting"


def ons_tidy() -> Case:
    rows: Rows = [ONS_HEADER]
    values: Values = {}
    key = f"{RECYCLING} (Percentage)"
    tonnes = f"{RECYCLING} (Tonnes)"
    for year in ("2021", "2022"):
        for (code, name), kind in [(ENGLAND, "Country"), (LONDON, "Region")] + [
            (b, "London borough") for b in BOROUGHS
        ]:
            pct = figure("recycling", code, year, 18, 52)
            rows.append([code, name, kind, year, RECYCLING, "Percentage", "%", text(pct),
                         "Worse", "All", "", "", "", "", ""])  # fmt: skip
            values[(code, key, year)] = pct
            t = figure("tonnes", code, year, 15000, 60000, 0)
            rows.append([code, name, kind, year, RECYCLING, "Tonnes", "tonnes", f"{t:.0f}",
                         "", "All", "", "", "", "", ""])  # fmt: skip
            values[(code, tonnes, year)] = t
        # England by deprivation: a breakdown, kept as a measure of its own.
        v = figure("recycling-imd", ENGLAND[0], year, 25, 35)
        rows.append([ENGLAND[0], ENGLAND[1], "Country", year, RECYCLING, "Percentage", "%",
                     text(v), "", "Most deprived quintile", "", "", "", "", ""])  # fmt: skip
        values[(ENGLAND[0], f"{key} (Most deprived quintile)", year)] = v
    return Case(
        "ons_open_data_recycling.csv",
        rows,
        values,
        benchmarks={ENGLAND[0], LONDON[0]},
        measure_names={key: f"{RECYCLING} (Percentage)", tonnes: f"{RECYCLING} (Tonnes)"},
        notes=["read as ONS-style open data: 3 measures, 33 areas, benchmarks: England, London."],
        description="Tidy open data named by indicator and statistic, calendar years, an "
        "inequality breakdown for England.",
    )


# -- 3. LG Inform ----------------------------------------------------------------------------------

LGI_HEADER = ["Area code", "Area name", "Metric ID", "Metric title", "Period", "Value", "Source"]
CTAX = "Percentage of council tax collected in year (cumulative)"
NEIGHBOURS = "Harrow CIPFA nearest neighbours (mean)"
BOROUGH_MEAN = "London boroughs (mean)"


def lg_inform() -> Case:
    rows: Rows = [LGI_HEADER]
    values: Values = {}
    for period, label, low, high in (
        ("2023/24 Q1", "Q1 2023-24", 25, 31),
        ("2023/24 Q2", "Q2 2023-24", 52, 58),
        ("2023/24 Q3", "Q3 2023-24", 79, 86),
    ):
        for code, name in BOROUGHS:
            v = figure("ctax", code, period, low, high)
            rows.append([code, name, "5963", CTAX, period, text(v), "LG Inform"])
            values[(code, "5963", label)] = v
        for name in (BOROUGH_MEAN, NEIGHBOURS):
            v = figure("ctax", name, period, low, high)
            rows.append(["", name, "5963", CTAX, period, text(v), "LG Inform"])
            values[(name, "5963", label)] = v
    return Case(
        "lginform_council_tax.csv",
        rows,
        values,
        benchmarks={BOROUGH_MEAN, NEIGHBOURS},
        measure_names={"5963": CTAX},
        notes=[
            f"read as LG Inform or Oflog data: 1 measure, 33 areas, benchmarks: {NEIGHBOURS}, "
            f"{BOROUGH_MEAN}."
        ],
        description="LG Inform metric download: financial-year quarters written '2023/24 Q3', "
        "group averages without an area code.",
    )


# -- 4. Oflog-style workbook -----------------------------------------------------------------------

OFLOG_HEADER = ["ONS code", "Local authority", "Region", "Metric", "Year", "Value", "Unit"]
OFLOG_METRIC = "Household waste recycling rate"


def oflog_values() -> tuple[Rows, Values, dict[tuple[str, str, str], str]]:
    rows: Rows = []
    values: Values = {}
    markers: dict[tuple[str, str, str], str] = {}
    for year in ("2021-22", "2022-23"):
        for code, name in [ENGLAND] + BOROUGHS:
            v = figure("oflog", code, year, 18, 52)
            cell = text(v)
            if (code, year) == ("E09000001", "2022-23"):
                rows.append([code, name, "London", OFLOG_METRIC, year, "[x]", "%"])
                continue  # not available: no figure stored
            if (code, year) == ("E09000020", "2022-23"):
                rows.append([code, name, "London", OFLOG_METRIC, year, "[c]", "%"])
                values[(code, OFLOG_METRIC, year)] = None
                markers[(code, OFLOG_METRIC, year)] = "held back (confidential)"
                continue
            if year == "2022-23" and code in ("E09000015", "E09000003"):
                cell += " [p]"
                markers[(code, OFLOG_METRIC, year)] = "provisional"
            rows.append([code, name, "London" if code != ENGLAND[0] else "", OFLOG_METRIC, year,
                         cell, "%"])  # fmt: skip
            values[(code, OFLOG_METRIC, year)] = v
    return rows, values, markers


def oflog() -> Case:
    rows, values, markers = oflog_values()

    def build(wb: openpyxl.Workbook) -> None:
        ws = wb.active
        assert ws is not None
        ws.title = "Recycling"
        ws.append(
            ["Household waste recycling rate by local authority, England, 2021-22 to 2022-23"]
        )
        ws.append(["Source: Office for Local Government (Oflog), Local Authority Data Explorer"])
        ws.append([])
        ws.append(OFLOG_HEADER)
        for row in rows:
            ws.append(row)

    return Case(
        "oflog_recycling.xlsx",
        build,
        values,
        markers=markers,
        benchmarks={ENGLAND[0]},
        measure_names={OFLOG_METRIC: OFLOG_METRIC},
        notes=[
            "read as LG Inform or Oflog data: 1 measure, 33 areas, benchmarks: England.",
            "1 row has no figure (blank, [x], [z], '..'); not stored.",
            "columns not used: 'Region', 'Unit'.",
        ],
        description="Oflog-style workbook: title rows above the table, measures by name, GSS "
        "symbols [x] (not available), [c] (confidential) and [p] (provisional).",
    )


# -- 5. ONS monthly and calendar-quarter series ----------------------------------------------------

MONTHS_HEADER = ["Geography code", "Geography", "Time period", "Indicator", "Value"]
CLAIMANTS = "Claimant count"
VACANCY = "High street vacancy rate (%)"


def ons_months() -> Case:
    rows: Rows = [MONTHS_HEADER]
    values: Values = {}
    for period, label in (
        ("April 2021", "Apr 2021"),
        ("May 2021", "May 2021"),
        ("June 2021", "Jun 2021"),
        ("Apr 2021 - Jun 2021", "Q1 2021-22"),
        ("Jul 2021 - Dec 2021", "Jul 2021 to Dec 2021"),
    ):
        for code, name in BOROUGHS:
            v = figure("claimants", code, period, 2000, 15000, 0)
            rows.append([code, name, period, CLAIMANTS, f"{v:,.0f}"])
            values[(code, CLAIMANTS, label)] = v
    for period, label in (("2023 Q3", "Q2 2023-24"), ("2023 Q4", "Q3 2023-24")):
        for code, name in BOROUGHS:
            v = figure("vacancy", code, period, 6, 18)
            rows.append([code, name, period, VACANCY, text(v)])
            values[(code, VACANCY, label)] = v
    return Case(
        "ons_monthly_and_quarterly.csv",
        rows,
        values,
        measure_names={CLAIMANTS: CLAIMANTS, VACANCY: VACANCY},
        description="ONS series: months ('April 2021'), runs of months ('Apr 2021 - Jun 2021' is "
        "Q1 2021-22), calendar quarters ('2023 Q3' is July to September: Q2 2023-24), counts "
        "with thousands separators.",
    )


# -- 6 and 7. DfE open data: a column per measure, academic years ---------------------------------

DFE_HEADER = [
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "region_code", "region_name", "old_la_code", "new_la_code", "la_name", "school_type",
    "sess_overall_percent", "sess_authorised_percent", "enrolments",
]  # fmt: skip


def _dfe_rows(period: str, identifier: str | None) -> tuple[Rows, Values]:
    header = [h for h in DFE_HEADER if identifier is not None or h != "time_identifier"]
    rows: Rows = [header]
    values: Values = {}
    label = f"{period[:4]}/{period[4:]} academic year"
    places = [("National", ENGLAND, ("", ""), ("", "")), ("Regional", ENGLAND, LONDON, ("", ""))]
    places += [("Local authority", ENGLAND, LONDON, b) for b in BOROUGHS]
    for n, (level, country, region, la) in enumerate(places):
        code = la[0] or region[0] or country[0]
        overall = figure("absence", code, period, 5.5, 8.5)
        authorised = figure("authorised", code, period, 3.5, 5.5)
        enrolments = figure("enrolments", code, period, 20000, 60000, 0)
        row: list[object] = [period]
        if identifier is not None:
            row.append(identifier)
        row += [level, country[0], country[1], region[0], region[1], 300 + n, la[0], la[1],
                "Total", text(overall), text(authorised), f"{enrolments:.0f}"]  # fmt: skip
        rows.append(row)
        values[(code, "sess_overall_percent", label)] = overall
        values[(code, "sess_authorised_percent", label)] = authorised
        values[(code, "enrolments", label)] = enrolments
    return rows, values


def dfe() -> Case:
    rows, values = _dfe_rows("202223", "Academic year")
    return Case(
        "dfe_absence_2022_23.csv",
        rows,
        values,
        benchmarks={ENGLAND[0], LONDON[0]},
        year_types={m: "academic" for m in ("sess_overall_percent", "enrolments")},
        notes=["read as DfE open data: 3 measures, 33 areas, benchmarks: England, London."],
        description="DfE open data: a column per measure, academic years (time_identifier), "
        "national, regional and local authority rows with their codes in their own columns.",
    )


def dfe_next_year() -> Case:
    rows, values = _dfe_rows("202324", None)
    return Case(
        "dfe_absence_2023_24_no_year_type.csv",
        rows,
        values,
        after=["dfe_absence_2022_23.csv"],
        benchmarks={ENGLAND[0], LONDON[0]},
        year_types={m: "academic" for m in ("sess_overall_percent", "enrolments")},
        description="The next year's file without a time_identifier column: its measures were "
        "declared academic by the file before, so 202324 is the academic year 2023/24.",
    )


# -- 8. Fingertips pooled years and breakdowns by sex -----------------------------------------------

MORTALITY = "Under 75 mortality rate from cardiovascular disease"


def fingertips_pooled() -> Case:
    rows: Rows = [FINGERTIPS_HEADER]
    values: Values = {}
    for period, label in (("2017 - 19", "2017 to 2019"), ("2020 - 22", "2020 to 2022")):
        for sex in ("Persons", "Male", "Female"):
            suffix = "" if sex == "Persons" else f" ({sex})"
            for code, name in [ENGLAND] + BOROUGHS:
                v = figure(f"cvd-{sex}", code, period, 40, 120)
                kind = "England" if code == ENGLAND[0] else COUNTIES
                rows.append([
                    40401, MORTALITY, "", "", code, name, kind, sex, "<75 yrs", "", "", period,
                    text(v), "", "", "", "", "", "", "", "", "", "", period[:4] + "0000", "", "",
                    "3y",
                ])  # fmt: skip
                values[(code, f"40401{suffix}", label)] = v
    return Case(
        "fingertips_pooled_by_sex.csv",
        rows,
        values,
        benchmarks={ENGLAND[0]},
        measure_names={
            "40401": MORTALITY,
            "40401 (Male)": f"{MORTALITY} (Male)",
            "40401 (Female)": f"{MORTALITY} (Female)",
        },
        notes=["read as Fingertips (OHID) data: 3 measures, 33 areas, benchmarks: England."],
        description="Fingertips three-year pooled periods ('2020 - 22') by sex: Persons keeps "
        "the indicator's id, Male and Female become measures of their own.",
    )


# -- 9. Areas by name only ---------------------------------------------------------------------------

NAMES_HEADER = ["Local authority", "Indicator", "Financial year", "Value"]
SPELLINGS = {
    "E09000015": "London Borough of Harrow",
    "E09000020": "Kensington & Chelsea",
    "E09000001": "City of London",
    "E09000003": "Barnet LB",
}
HOMELESS = "Households prevented from homelessness (%)"


def by_name() -> Case:
    rows: Rows = [NAMES_HEADER]
    values: Values = {}
    for code, name in BOROUGHS + [ENGLAND]:
        v = figure("homeless", code, "2022/23", 40, 80)
        rows.append([SPELLINGS.get(code, name), HOMELESS, "2022/23", text(v)])
        values[(code, HOMELESS, "2022-23")] = v
    return Case(
        "lginform_names_only.csv",
        rows,
        values,
        benchmarks={ENGLAND[0]},
        description="Areas by name only, as some downloads give them ('London Borough of Harrow', "
        "'Kensington & Chelsea', 'Barnet LB'): London boroughs' codes come from their names; "
        "England is a benchmark.",
    )


# -- refused files -----------------------------------------------------------------------------------


def bad_period() -> Case:
    rows: Rows = [LGI_HEADER]
    rows.append(["E09000015", "Harrow", "5963", CTAX, "Summer 2023", "41.0", "LG Inform"])
    rows.append(["E09000003", "Barnet", "5963", CTAX, "2023/24 Q3", "12 [c]", "LG Inform"])
    rows.append(["E09000005", "Brent", "5963", CTAX, "2023/24 Q3", "40 [q]", "LG Inform"])
    rows.append(["", "Royal Borough of Nowhere", "5963", CTAX, "2023/24 Q3", "40", "LG Inform"])
    return Case(
        "bad_lginform.csv",
        rows,
        problems=[
            "bad_lginform.csv, row 2, column E (\"Period\"): 'Summer 2023' is not a period the "
            "importer reads; write a quarter (Q3 2023-24), a financial year (2023/24), a calendar "
            "year (2023), a month (Apr 2023) or months (Apr 2023 - Jun 2023).",
            "bad_lginform.csv, row 3, column F (\"Value\"): '12 [c]' cannot be read: [c] must "
            "stand alone for no figure, or follow a number when it qualifies one (69% [p]).",
            "bad_lginform.csv, row 4, column F (\"Value\"): '40 [q]' has the symbol [q], which is "
            "not a GSS symbol; use [x] not available, [z] not applicable, [c] confidential, [low] "
            "or [w] for no figure, or [p], [r], [e], [u] after a number.",
            'bad_lginform.csv, row 5, column A ("Area code"): the area code is blank.',
        ],
        description="Refused: an unreadable period, a number beside [c], an unknown symbol, an "
        "area with neither a code nor a name the importer knows.",
    )


def as_ods(case: Case, name: str) -> Case:
    """The same table saved as an OpenDocument spreadsheet: the same figures must load."""
    from dataclasses import replace

    return replace(case, name=name, description=case.description + " Saved as .ods.")


def as_workbook(case: Case, name: str, title: str) -> Case:
    """A CSV's table as a workbook sheet of that title, as a council saves a download in Excel."""
    from dataclasses import replace

    rows = case.build
    assert isinstance(rows, list)

    def build(wb: openpyxl.Workbook) -> None:
        ws = wb.active
        assert ws is not None
        ws.title = title
        for row in rows:
            # Figures as number cells, as a spreadsheet program keeps them.
            ws.append([_number_or_text(c) for c in row])

    return replace(case, name=name, build=build, description=case.description + " In Excel.")


def _number_or_text(cell: object) -> object:
    if isinstance(cell, str) and cell.replace(".", "", 1).isdigit():
        return float(cell) if "." in cell else int(cell)
    return cell


CASES: list[Case] = [
    fingertips(),
    ons_tidy(),
    lg_inform(),
    oflog(),
    ons_months(),
    dfe(),
    dfe_next_year(),
    fingertips_pooled(),
    by_name(),
    as_ods(oflog(), "oflog_recycling.ods"),
    as_workbook(ons_tidy(), "ons_open_data_recycling.xlsx", "Data"),
    as_ods(as_workbook(ons_tidy(), "", "Data"), "ons_open_data_recycling.ods"),
    bad_period(),
]


def file_bytes(case: Case) -> bytes:
    if isinstance(case.build, list):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(case.build)
        return out.getvalue().encode("utf-8")
    wb = openpyxl.Workbook()
    case.build(wb)
    if case.name.endswith(".ods"):
        from harrow_dash.formats.ods import workbook_ods

        return workbook_ods(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_all() -> None:
    FILES.mkdir(exist_ok=True)
    for case in CASES:
        (FILES / case.name).write_bytes(file_bytes(case))


if __name__ == "__main__":
    write_all()
    print(f"wrote {len(CASES)} files to {FILES}")
