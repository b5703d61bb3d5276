"""Comparator data: other areas' values for benchmark measures, in the shapes their publishers use
(LG Inform, Oflog, Fingertips/OHID, ONS and DfE open data), and named comparison groups.

Two layouts, recognised by their headings (spellings in :mod:`harrow_dash.ingest.headings`):

* **comparators**: one row per area per measure per period. The area by ONS GSS code or by name
  (London boroughs' names are known), the measure by an id where the file has one (``Indicator ID``,
  ``Metric ID``) and else by its name (``Indicator``, ``Metric``), the period as published (see
  :mod:`harrow_dash.rules.comparator_periods`) and the value. A file may hold several measures, several
  breakdowns (sex, age, category: the rows for everyone keep the measure's own id, each other
  breakdown becomes a measure of its own, ``93560 (Female)``), several kinds of area (the local
  authorities are kept in the one kind that holds the most London boroughs; the rest are skipped and
  counted) and benchmark rows (England, regions, a group's average such as CIPFA nearest
  neighbours: stored as named benchmarks, never ranked as areas).
* **groups**: one row per area per named group: group name and area code (area name optional).

Values: GSS symbols as :mod:`harrow_dash.rules.gss` reads them (``[c]`` held back: stored as
suppressed with no number; ``[x]``, ``[z]``: no figure, not stored; ``41.2 [p]``: the number, with
its marker kept), and the older ways of writing a suppressed figure (``c``, ``*``, ``x``,
``suppressed``, ``<5``, ``fewer than 5``, or a blank value whose value note says it was suppressed).
A blank value, ``-``, ``..`` or ``n/a`` means the area has no figure and is not stored.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from harrow_dash.ingest.numbers import MISSING_WORDS, clean_text, parse_numbers
from harrow_dash.ingest.problems import Problem
from harrow_dash.ingest.readers import Sheet, describe_column
from harrow_dash.rules import comparator_periods
from harrow_dash.rules.areas import (
    BENCHMARK_CODES_BY_NAME,
    HARROW,
    LONDON_BOROUGHS,
    is_benchmark,
    is_gss_code,
)
from harrow_dash.rules.gss import split_symbols, symbol_problem

SUPPRESSED_WORDS = frozenset({"c", "*", "x", "suppressed", "supp"})
_FEWER_THAN = re.compile(r"^(?:<\s*\d+|fewer than \d+|less than \d+)$")
# Words of a value note (Fingertips' "Value note") that say a blank value was held back.
_SUPPRESSED_NOTE = re.compile(r"suppress|disclos|small (?:count|number)", re.I)
# Breakdown values that mean "everyone": the rows that keep the measure's own id.
_TOTAL_WORDS = frozenset(
    {"", "persons", "person", "all", "all persons", "total", "all ages", "all people", "people"}
)
BREAKDOWNS = ("sex", "age", "category")

COMPARATOR_VALUE_COLUMNS = [
    "area_code",
    "measure",
    "period",
    "value",
    "suppressed",
    "source",
    "marker",
]
AREA_COLUMNS = ["code", "name", "kind"]
MEASURE_COLUMNS = ["measure", "name", "year_type"]
GROUP_COLUMNS = ["group_name", "area_code"]
BENCHMARK = "benchmark"


def period_text(key: int) -> str:
    """The label of a comparator period key: 'Q3 2023-24', 'year 2023-24', 'calendar year 2022'."""
    return comparator_periods.label_with_kind(key)


def _where(sheet: Sheet) -> pd.DataFrame:
    return pd.DataFrame(
        {"_file": sheet.file, "_sheet": sheet.sheet, "_row": sheet.data["_row"].to_numpy()},
        index=sheet.data.index,
    )


_BOROUGH_BY_NAME = {name.lower(): code for code, name in LONDON_BOROUGHS.items()}
_NAME_NOISE = re.compile(
    r"^(?:the\s+)?(?:london borough of|royal borough of|city of london corporation)\s+|"
    r"\s+(?:lb|london borough|council|borough council)$"
)


def code_from_name(name: str) -> str | None:
    """The GSS code of a London borough, a nation or an English region from its name as publishers
    write it ('Harrow', 'London Borough of Harrow', 'Harrow LB', 'Kensington & Chelsea',
    'England', 'London region')."""
    text = re.sub(r"\s+", " ", name.strip().lower()).replace("&", "and")
    if text in ("city of london", "city of london corporation"):
        return "E09000001"
    region = re.sub(r"\s+(?:region|\(region\))$", "", text)
    if region in BENCHMARK_CODES_BY_NAME:
        return BENCHMARK_CODES_BY_NAME[region]
    return _BOROUGH_BY_NAME.get(_NAME_NOISE.sub("", text))


class _Reader:
    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.col_of = {name: idx for idx, name in sheet.header.fields.items()}
        self.problems: list[Problem] = []

    def column(self, field: str) -> pd.Series:
        """Each row's column for ``field`` as a message names it (in a sheet with a column per
        measure, a value's column is its measure's)."""
        data = self.sheet.data
        if field == "value" and "_value_col" in data:
            return data["_value_col"].astype(object)
        col = describe_column(self.sheet, self.col_of[field]) if field in self.col_of else None
        return pd.Series(col, index=data.index, dtype=object)

    def problem(self, mask: pd.Series, field: str, message: str) -> None:
        rows = self.sheet.data.loc[mask, "_row"]
        for r, col in zip(rows, self.column(field)[mask], strict=True):
            self.problems.append(Problem(self.sheet.file, self.sheet.sheet, int(r), col, message))

    def text(self, field: str) -> pd.Series:
        idx = self.col_of.get(field)
        if idx is None:
            return pd.Series("", index=self.sheet.data.index, dtype=object)
        return clean_text(self.sheet.data[idx]).astype(object)

    def required(self, field: str, label: str) -> pd.Series:
        values = self.text(field)
        self.problem(values == "", field, f"the {label} is blank.")
        return values

    def codes(self) -> pd.Series:
        codes = self.required("area_code", "area code").str.upper()
        self.refuse_non_gss(codes, codes != "")
        return codes

    def refuse_non_gss(self, codes: pd.Series, checked: pd.Series) -> None:
        """A problem for each of the ``checked`` rows whose code is not an ONS GSS code."""
        # Worked out once per distinct code (a sheet repeats a few dozen areas many times over).
        gss = {code: is_gss_code(code) for code in codes.unique()}
        bad = checked & ~codes.map(gss).astype(bool)
        for code in codes[bad].unique():
            self.problem(
                bad & (codes == code),
                "area_code",
                f"'{code}' is not an ONS GSS area code (a letter and eight digits, e.g. E09000015).",
            )


def _describe_kind(headings: set[str]) -> str:
    """Whose layout a comparator sheet looks like, for the load's notes."""
    if {"indicator id", "time period", "value note"} & headings and (
        "lower ci 95.0 limit" in headings or "time period sortable" in headings
    ):
        return "Fingertips (OHID) data"
    if "time identifier" in headings or "geographic level" in headings:
        return "DfE open data"
    if {"metric", "metric id", "metric title"} & headings:
        return "LG Inform or Oflog data"
    if "indicator" in headings and "measure" in headings:
        return "ONS-style open data"
    return "comparator values"


def _areas(r: _Reader) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Each row's area code, name and type, and whether it is a benchmark. A row without a code
    takes a London borough's code from its name, or is a named benchmark ('England mean'); a row
    with neither is a problem."""
    raw = r.text("area_code").str.upper()
    names = r.text("area_name")
    for code_field, name_field in (
        ("region_code", "region_name"),
        ("country_code", "country_name"),
    ):
        # A region's or the country's own row (DfE files): its code is in a column of its own.
        wider = (raw == "") & (r.text(code_field) != "")
        raw = raw.where(~wider, r.text(code_field).str.upper())
        names = names.where(~wider | (names != ""), r.text(name_field))
    types = r.text("area_type")
    codes = raw.copy()
    no_code = raw == ""
    from_name = names[no_code].map(code_from_name)
    codes[no_code] = from_name.fillna("")
    # An area found by its name is named as the dashboard names it ('London Borough of Harrow' in
    # a file is Harrow), so one file's spelling never renames an area.
    canonical = codes[no_code & (codes != "")].map(LONDON_BOROUGHS)
    names = names.copy()
    names[canonical.dropna().index] = canonical.dropna()
    # Worked out once per distinct area (code, name and type): at 623,700 rows of 35 areas, once per
    # row was the importer's largest cost.
    seen: dict[tuple[str, str, str], bool] = {}
    flags = []
    for key in zip(codes.to_numpy(), names.to_numpy(), types.to_numpy(), strict=True):
        flag = seen.get(key)
        if flag is None:
            flag = seen[key] = is_benchmark(*key)
        flags.append(flag)
    bench = pd.Series(flags, index=codes.index, dtype=bool)
    named_bench = (codes == "") & bench & (names != "")
    codes[named_bench] = names[named_bench]
    blank = codes == ""
    if {"area_code", "region_code", "country_code"} & set(r.col_of):
        r.problem(blank, "area_code", "the area code is blank.")
    else:
        for name in names[blank & (names != "")].unique():
            r.problem(
                blank & (names == name),
                "area_name",
                f"'{name}' is not a London borough or a benchmark the importer knows; add an area "
                "code column (ONS GSS codes, e.g. E09000015).",
            )
        r.problem(blank & (names == ""), "area_name", "the area is blank.")
    r.refuse_non_gss(codes, (codes != "") & ~bench)
    return codes, names, types, bench


def _keep_one_area_type(
    codes: pd.Series, types: pd.Series, bench: pd.Series
) -> tuple[pd.Series, dict[str, int]]:
    """Rows to keep when a sheet has several kinds of area (Fingertips gives a London borough under
    both counties and districts): benchmarks, and the one kind that holds Harrow, else the most
    London boroughs. Returns the mask and the rows skipped by kind. Decided over the whole sheet,
    however it was read (a file streamed in pieces is decided once every piece is read)."""
    keep = pd.Series(True, index=codes.index)
    kinds = types[~bench & (types != "")].unique()
    if len(kinds) < 2:
        return keep, {}

    def score(kind: str) -> tuple[bool, int, int]:
        in_kind = codes[(types == kind) & ~bench]
        return (HARROW in set(in_kind), int(in_kind.isin(LONDON_BOROUGHS).sum()), len(in_kind))

    chosen = max(kinds, key=score)
    skip = ~bench & (types != "") & (types != chosen)
    return ~skip, {str(k): int((types[skip] == k).sum()) for k in kinds if k != chosen}


def _measures(r: _Reader) -> tuple[pd.Series, pd.Series]:
    """Each row's measure key and name before its breakdown (:func:`_name_breakdowns`): the id,
    else the name, and the statistic beside an indicator name ('Percentage')."""
    ids = r.text("measure")
    names = r.text("measure_name")
    statistic = r.text("statistic")
    key = ids.where(ids != "", names)
    if "measure" in r.col_of:
        r.problem((ids == "") & (names == ""), "measure", "the measure id is blank.")
    else:
        r.problem(names == "", "measure_name", "the measure is blank.")
    with_stat = statistic != ""
    key = key.where(~with_stat, key + " (" + statistic + ")")
    names = names.where(~with_stat | (names == ""), names + " (" + statistic + ")")
    return key, names


def _name_breakdowns(frame: pd.DataFrame) -> None:
    """Add each row's breakdown to its measure's key and name, unless it is the one for everyone
    (Persons, All ages) or the only one its measure has in the sheet (an indicator counted for
    women aged 25 to 49 only keeps its own id). Decided over the whole sheet."""
    label = pd.Series("", index=frame.index, dtype=object)
    for part_name in (f"_{b}" for b in BREAKDOWNS):
        part = frame[part_name].astype(object)
        if not (part != "").any():
            continue
        is_total = part.str.lower().isin(_TOTAL_WORDS)
        varies = part.groupby(frame["measure"]).transform("nunique") > 1
        named = ~is_total & varies
        label = label.where(~named, label.where(label == "", label + "; ") + part)
    has = label != ""
    if has.any():
        frame["measure"] = frame["measure"].where(~has, frame["measure"] + " (" + label + ")")
        names = frame["measure_name"]
        frame["measure_name"] = names.where(~has | names.isna(), names + " (" + label + ")")


def _figure_like(values: pd.Series) -> bool:
    """Whether a column holds figures rather than labels: any number in it (with or without a GSS
    marker) makes it a measure, so that a cell in it that is not a number is refused by name, never
    dropped with the column as a label."""
    text = clean_text(values)
    text = text[text != ""]
    if text.empty:
        return False
    parsed = parse_numbers(split_symbols(text).text)
    return bool(parsed.values.notna().any())


def _melt(sheet: Sheet) -> Sheet:
    """A sheet with one column per measure (DfE open data: ``sess_overall_percent``,
    ``enrolments``) as one row per area per measure per period: each column of figures is a measure
    named by its heading; a column of labels (a filter such as ``school_type``) is a breakdown."""
    data = sheet.data
    unknown = dict(sheet.header.unknown)
    measures = [i for i in unknown if _figure_like(data[i])]
    labels = [i for i in unknown if i not in measures]
    keep = [i for i in sheet.header.fields] + labels
    name_col, value_col = len(sheet.headings), len(sheet.headings) + 1
    parts = []
    for i in measures:
        part = data[[*keep, "_row"]].copy()
        part[name_col] = sheet.headings[i]
        part[value_col] = data[i]
        part["_value_col"] = describe_column(sheet, i)
        parts.append(part)
    long = pd.concat(parts, ignore_index=True) if parts else data[[*keep, "_row"]].iloc[0:0]
    fields = {i: f for i, f in sheet.header.fields.items()}
    fields[name_col], fields[value_col] = "measure_name", "value"
    # Label columns are breakdowns, as a category column is: joined into one per row.
    if labels:
        label_col = value_col + 1
        joined = long[labels[0]].astype(str)
        for i in labels[1:]:
            joined = joined.str.cat(long[i].astype(str), sep="; ")
        long[label_col] = joined
        fields[label_col] = "category"
    header = replace(sheet.header, fields=fields, unknown={})
    headings = [*sheet.headings, "(measure: the column's heading)", "(the column's figures)"]
    if labels:
        headings.append("(" + ", ".join(sheet.headings[i] for i in labels) + ")")
    return Sheet(sheet.file, sheet.sheet, header, headings, long)


def read_comparator_sheet(sheet: Sheet) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of a comparators sheet (or of a piece of one), each cell read on its own;
    unreadable cells are problems. What needs the whole sheet (the periods, once each measure's
    kind of year is known; the kind of area kept; which breakdowns are named; the notes) is decided
    in :func:`validate_comparators`."""
    if "value" not in sheet.header.fields.values():
        sheet = _melt(sheet)
    r = _Reader(sheet)
    frame = _where(sheet)
    codes, names, types, bench = _areas(r)
    frame["area_code"] = codes
    frame["area_name"] = names.replace("", None)
    frame["_benchmark"] = bench.to_numpy()
    key, measure_names = _measures(r)
    frame["measure"] = key
    frame["measure_name"] = measure_names.replace("", None)
    frame["source"] = r.text("source").replace("", None)
    frame["_period_text"] = r.required("period", "period")
    frame["_year_type"] = r.text("year_type")
    raw = r.text("value")
    cells = split_symbols(raw)
    lower = cells.text.str.lower()
    note = r.text("value_note")
    suppressed = (
        cells.suppressed
        | lower.isin(SUPPRESSED_WORDS)
        | lower.str.match(_FEWER_THAN)
        | ((raw == "") & note.str.contains(_SUPPRESSED_NOTE))
    )
    for text in raw[cells.unknown != ""].unique():
        r.problem(raw == text, "value", symbol_problem(text, cells.unknown[raw == text].iloc[0]))
    missing = (lower.isin(MISSING_WORDS) | cells.missing) & ~suppressed
    parsed = parse_numbers(cells.text.where(~suppressed & ~cells.missing, ""))
    infinite = parsed.infinite if parsed.infinite is not None else parsed.bad & False
    bad = parsed.bad & ~suppressed & ~infinite & (cells.unknown == "")
    for text in raw[bad].unique():
        r.problem(bad & (raw == text), "value", f"'{text}' is not a number (value).")
    r.problem(infinite & ~suppressed, "value", "the value is not a finite number.")
    frame["value"] = parsed.values.where(~suppressed)
    frame["suppressed"] = suppressed.astype(bool)
    frame["marker"] = cells.codes.where(cells.codes != "", None)  # as gss.stored_marker writes it
    for field in ("area_code", "measure", "period", "value"):
        name = field if field in r.col_of else f"{field}_name"
        frame[f"_col_{field}"] = r.column(name).to_numpy()
    frame["_area_type"] = types
    for b in BREAKDOWNS:
        frame[f"_{b}"] = r.text(b)
    frame["_no_figure"] = missing.astype(bool)
    # What the sheet looks like, for the notes: the same on every row of a sheet.
    headings = {h.strip().lower().replace("_", " ") for h in sheet.headings if h}
    frame["_kind"] = _describe_kind(headings)
    unused = [
        h for i, h in sheet.header.unknown.items() if h.strip() and i not in sheet.header.fields
    ]
    frame["_unused"] = ", ".join(f"'{h}'" for h in unused)
    keep = (frame["area_code"] != "") & (frame["measure"] != "")
    return frame[keep], r.problems


def _settle_sheet(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """One sheet's rows, all of them: the kind of area kept, breakdowns named, rows without a
    figure dropped, and the notes saying so."""
    keep_kind, skipped = _keep_one_area_type(
        rows["area_code"], rows["_area_type"], rows["_benchmark"].astype(bool)
    )
    rows = rows[keep_kind].copy()
    _name_breakdowns(rows)
    empty = int(rows["_no_figure"].sum())
    kept = rows[~rows["_no_figure"].astype(bool)]
    first = rows.iloc[0]
    return kept, _notes(
        str(first["_file"]), first["_sheet"], kept, skipped, empty, first["_kind"], first["_unused"]
    )


def _notes(
    file: str,
    sheet: str | None,
    kept: pd.DataFrame,
    skipped: dict[str, int],
    empty: int,
    kind: str,
    unused: str,
) -> list[Problem]:
    """What the load read from a comparator sheet, in words for the preview."""
    areas = kept.loc[~kept["_benchmark"].astype(bool), "area_code"].nunique()
    bench = kept["_benchmark"].astype(bool)
    benchmarks = sorted(
        set(kept.loc[bench, "area_name"].dropna())
        | set(kept.loc[bench & kept["area_name"].isna(), "area_code"])
    )
    measures = kept["measure"].nunique()
    lines = [
        f"read as {kind}: {measures:,} measure{'s' if measures != 1 else ''}, "
        f"{areas:,} area{'s' if areas != 1 else ''}"
        + (f", benchmarks: {', '.join(benchmarks)}" if benchmarks else "")
        + "."
    ]
    if skipped:
        kinds = "; ".join(f"'{k}' ({n:,} rows)" for k, n in sorted(skipped.items()))
        lines.append(
            f"skipped the rows for other kinds of area, keeping the one with the London "
            f"boroughs: {kinds}."
        )
    if empty:
        rows = "1 row has" if empty == 1 else f"{empty:,} rows have"
        lines.append(f"{rows} no figure (blank, [x], [z], '..'); not stored.")
    if unused:
        lines.append(f"columns not used: {unused}.")
    return [Problem(file, sheet, None, None, line) for line in lines]


def read_group_sheet(sheet: Sheet) -> tuple[pd.DataFrame, list[Problem]]:
    r = _Reader(sheet)
    frame = _where(sheet)
    frame["group_name"] = r.required("group_name", "group name")
    frame["area_code"] = r.codes()
    frame["area_name"] = r.text("area_name").replace("", None)
    frame["_col_area_code"] = describe_column(sheet, r.col_of["area_code"])
    keep = (frame["group_name"] != "") & (frame["area_code"] != "")
    return frame[keep], r.problems


def _problems_for(frame: pd.DataFrame, mask: pd.Series, column: str, message: str) -> list[Problem]:
    return [
        Problem(str(row["_file"]), row["_sheet"], int(row["_row"]), row.get(column), message)
        for _, row in frame[mask].iterrows()
    ]


def _periods(
    vals: pd.DataFrame, stored_year_types: dict[str, str]
) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Each row's period key (0 where it cannot be read) and each measure's kind of year: from the
    file's year type column where it has one, else as stored for the measure."""
    problems: list[Problem] = []
    kinds: dict[str, str | None] = {}
    for text in vals["_year_type"].unique():
        try:
            kinds[text] = comparator_periods.year_type(text)
        except comparator_periods.ComparatorPeriodError as exc:
            kinds[text] = None
            problems += _problems_for(vals, vals["_year_type"] == text, "_col_period", str(exc))
    given = vals["_year_type"].map(kinds)
    year_type = given.where(given.notna(), vals["measure"].map(stored_year_types))
    keys: dict[tuple[str, str | None], int] = {}
    pairs = list(zip(vals["_period_text"], year_type.where(year_type.notna(), None), strict=True))
    for text, kind in dict.fromkeys(pairs):
        if text == "":
            keys[(text, kind)] = 0
            continue
        try:
            keys[(text, kind)] = comparator_periods.parse(text, kind)
        except comparator_periods.ComparatorPeriodError as exc:
            keys[(text, kind)] = 0
            mask = (vals["_period_text"] == text) & (
                year_type.isna() if kind is None else year_type == kind
            )
            problems += _problems_for(vals, mask, "_col_period", str(exc))
    period = pd.Series([keys[p] for p in pairs], index=vals.index, dtype="int64")
    return period, given, problems


def validate_comparators(
    values: list[pd.DataFrame],
    groups: list[pd.DataFrame],
    stored_year_types: dict[str, str] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[Problem], list[Problem]]:
    """Rows to load for the areas, comparator_measures, comparator_values and comparison_groups
    tables, every problem (unreadable periods, duplicates with different values, one area or
    measure given two names) and the notes on what each sheet was read as. ``values`` are the
    rows :func:`read_comparator_sheet` read, in any number of pieces per sheet;
    ``stored_year_types`` is each stored measure's kind of year."""
    problems: list[Problem] = []
    notes: list[Problem] = []
    vals = pd.concat(values, ignore_index=True) if values else pd.DataFrame()
    if len(vals):
        settled = []
        for _, rows in vals.groupby(["_file", vals["_sheet"].fillna("")], sort=False):
            kept, found = _settle_sheet(rows)
            settled.append(kept)
            notes += found
        vals = pd.concat(settled, ignore_index=True)
    grps = pd.concat(groups, ignore_index=True) if groups else pd.DataFrame()
    out = {
        "areas": pd.DataFrame(columns=AREA_COLUMNS),
        "comparator_measures": pd.DataFrame(columns=MEASURE_COLUMNS),
        "comparator_values": pd.DataFrame(columns=COMPARATOR_VALUE_COLUMNS),
        "comparison_groups": pd.DataFrame(columns=GROUP_COLUMNS),
    }
    if len(vals):
        vals["period"], given_year_type, found = _periods(vals, stored_year_types or {})
        vals["year_type"] = given_year_type
        problems += found
    if len(grps):
        grps["_benchmark"] = False
    named = [
        f[["area_code", "area_name", "_benchmark", "_file", "_sheet", "_row"]]
        for f in (vals, grps)
        if len(f)
    ]
    if named:
        areas = pd.concat(named, ignore_index=True)
        areas["area_name"] = areas["area_name"].fillna(areas["area_code"].map(LONDON_BOROUGHS))
        areas["area_name"] = areas["area_name"].fillna(areas["area_code"])
        firsts = areas.drop_duplicates("area_code").set_index("area_code")
        clash = areas["area_name"] != areas["area_code"].map(firsts["area_name"])
        for _, row in areas[clash].drop_duplicates(["area_code", "area_name"]).iterrows():
            problems.append(
                Problem(
                    str(row["_file"]),
                    row["_sheet"],
                    int(row["_row"]),
                    None,
                    f"area {row['area_code']} is named '{firsts.at[row['area_code'], 'area_name']}' "
                    f"elsewhere in the file and '{row['area_name']}' here; use one name.",
                )
            )
        out["areas"] = pd.DataFrame(
            {
                "code": firsts.index,
                "name": firsts["area_name"].to_numpy(),
                "kind": [BENCHMARK if b else None for b in firsts["_benchmark"].astype(bool)],
            }
        )
    if len(vals):
        names = vals.dropna(subset=["measure_name"]).drop_duplicates(["measure", "measure_name"])
        clash = names["measure"].duplicated(keep="first")
        for _, row in names[clash].iterrows():
            problems.append(
                Problem(
                    str(row["_file"]),
                    row["_sheet"],
                    int(row["_row"]),
                    None,
                    f"measure {row['measure']} has two names in the file; use one.",
                )
            )
        measures = vals.drop_duplicates("measure")[["measure"]].merge(
            names.drop_duplicates("measure")[["measure", "measure_name"]], how="left"
        )
        kinds = vals.dropna(subset=["year_type"]).drop_duplicates("measure")
        measures = measures.merge(kinds[["measure", "year_type"]], how="left")
        # A file that gives no name (or kind of year) for a measure keeps the one already stored.
        out["comparator_measures"] = pd.DataFrame(
            {
                "measure": measures["measure"],
                "name": measures["measure_name"],
                "_has_name": measures["measure_name"].notna(),
                "year_type": measures["year_type"],
                "_has_year_type": measures["year_type"].notna(),
            }
        )
        read = vals[vals["period"] > 0]
        # The same figure twice (a row repeated, or an area listed under two of its parents) is
        # one figure; two different figures for one area, measure and period are a problem.
        same = read.duplicated(["area_code", "measure", "period", "value", "suppressed"])
        read = read[~same]
        dup = read.duplicated(["area_code", "measure", "period"], keep="first")
        problems += _problems_for(
            read,
            dup,
            "_col_value",
            "duplicate: this area already has a different value for this measure and period in "
            "the file.",
        )
        out["comparator_values"] = read.loc[~dup].reset_index(drop=True)
    if len(grps):
        dup = grps.duplicated(["group_name", "area_code"], keep="first")
        out["comparison_groups"] = grps.loc[~dup, GROUP_COLUMNS].reset_index(drop=True)
    return out, problems, notes
