"""Comparator data: other areas' values for benchmark measures, as LG Inform and Oflog publish them,
and named comparison groups (e.g. statistical neighbours).

Two layouts, recognised by their headings (spellings in
:mod:`harrow_dash.ingest.headings`):

* **comparators**: one row per area per measure per period: area code (ONS GSS code), area name,
  measure id, measure name, period (a quarter such as ``Q3 2023-24`` or a financial year such as
  ``2023-24`` / ``2023/24``), value, and optionally the source. A suppressed value is written as
  ``[c]``, ``c``, ``*``, ``x``, ``[x]``, ``suppressed``, ``<5`` or ``fewer than N``; it is stored with
  no number. A blank value, ``-``, ``..`` or ``n/a`` means the area has no figure and is not stored.
* **groups**: one row per area per named group: group name and area code (area name optional).

Periods are stored as integer keys like indicator values (20233 = Q3 2023-24); a financial year is
stored with quarter digit 0 (20230 = 2023-24 as a whole year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from harrow_dash.areas import LONDON_BOROUGHS, is_gss_code
from harrow_dash.ingest.numbers import MISSING_WORDS, clean_text, parse_numbers
from harrow_dash.ingest.problems import Problem
from harrow_dash.ingest.readers import Sheet, describe_column
from harrow_dash.periods import Period, PeriodError, parse_period

SUPPRESSED_WORDS = frozenset({"[c]", "c", "*", "x", "[x]", "suppressed", "[z]"})
_FEWER_THAN = re.compile(r"^(?:<\s*\d+|fewer than \d+|less than \d+)$")
_FINANCIAL_YEAR = re.compile(r"^(?:fy\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")

COMPARATOR_VALUE_COLUMNS = ["area_code", "measure", "period", "value", "suppressed", "source"]
AREA_COLUMNS = ["code", "name"]
MEASURE_COLUMNS = ["measure", "name"]
GROUP_COLUMNS = ["group_name", "area_code"]


def year_key(fy_start: int) -> int:
    return fy_start * 10


def period_text(key: int) -> str:
    """The label of a comparator period key: 'Q3 2023-24' or 'year 2023-24'."""
    if key % 10 == 0:
        start = key // 10
        return f"year {start}-{(start + 1) % 100:02d}"
    return Period.from_key(key).label


def parse_comparator_period(text: str) -> int:
    """A quarter or a financial year as a key; a calendar year or anything else is refused."""
    try:
        return parse_period(text).key
    except PeriodError as quarter_error:
        m = _FINANCIAL_YEAR.fullmatch(text.strip().lower())
        if m:
            start, end = int(m.group(1)), int(m.group(2))
            if end % 100 == (start + 1) % 100 and (end < 100 or end == start + 1):
                return year_key(start)
            raise ValueError(
                f"'{text}' is not a financial year: the second year must follow the first."
            ) from None
        if re.fullmatch(r"\d{4}", text.strip()):
            raise ValueError(
                f"'{text}' is a calendar year; write a financial year ({text}-"
                f"{(int(text) + 1) % 100:02d}) or a quarter (Q3 {text}-{(int(text) + 1) % 100:02d})."
            ) from None
        raise ValueError(str(quarter_error)) from None


@dataclass
class ComparatorRows:
    values: list[pd.DataFrame]
    groups: list[pd.DataFrame]


def _where(sheet: Sheet) -> pd.DataFrame:
    return pd.DataFrame(
        {"_file": sheet.file, "_sheet": sheet.sheet, "_row": sheet.data["_row"].to_numpy()},
        index=sheet.data.index,
    )


class _Reader:
    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.col_of = {name: idx for idx, name in sheet.header.fields.items()}
        self.problems: list[Problem] = []

    def problem(self, mask: pd.Series, field: str, message: str) -> None:
        col = describe_column(self.sheet, self.col_of[field]) if field in self.col_of else None
        for r in self.sheet.data.loc[mask, "_row"]:
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
        bad = (codes != "") & ~codes.map(is_gss_code)
        for code in codes[bad].unique():
            self.problem(
                bad & (codes == code),
                "area_code",
                f"'{code}' is not an ONS GSS area code (a letter and eight digits, e.g. E09000015).",
            )
        return codes


def read_comparator_sheet(sheet: Sheet) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of a comparators sheet, with each cell read; unreadable cells are problems."""
    r = _Reader(sheet)
    frame = _where(sheet)
    frame["area_code"] = r.codes()
    frame["area_name"] = r.text("area_name").replace("", None)
    frame["measure"] = r.required("measure", "measure id")
    frame["measure_name"] = r.text("measure_name").replace("", None)
    frame["source"] = r.text("source").replace("", None)
    periods = r.required("period", "period")
    keys: dict[str, int] = {}
    for text in periods[periods != ""].unique():
        try:
            keys[text] = parse_comparator_period(text)
        except ValueError as exc:
            keys[text] = 0
            r.problem(periods == text, "period", str(exc))
    frame["period"] = periods.map(keys).fillna(0).astype("int64")
    raw = r.text("value")
    lower = raw.str.lower()
    suppressed = lower.isin(SUPPRESSED_WORDS) | lower.str.match(_FEWER_THAN)
    missing = lower.isin(MISSING_WORDS) & ~suppressed
    parsed = parse_numbers(raw.where(~suppressed, ""))
    # An infinite number ('inf', '1e999') is not a number either, but says so in its own words.
    infinite = parsed.infinite if parsed.infinite is not None else parsed.bad & False
    bad = parsed.bad & ~suppressed & ~infinite
    for text in raw[bad].unique():
        r.problem(bad & (raw == text), "value", f"'{text}' is not a number (value).")
    r.problem(infinite & ~suppressed, "value", "the value is not a finite number.")
    frame["value"] = parsed.values.where(~suppressed)
    frame["suppressed"] = suppressed.astype(bool)
    for field in ("area_code", "measure", "period", "value"):
        frame[f"_col_{field}"] = (
            describe_column(sheet, r.col_of[field]) if field in r.col_of else None
        )
    keep = ~missing & (frame["area_code"] != "") & (frame["measure"] != "")
    return frame[keep], r.problems


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


def validate_comparators(
    values: list[pd.DataFrame], groups: list[pd.DataFrame]
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Rows to load for the areas, comparator_measures, comparator_values and comparison_groups
    tables, and every problem: duplicates, and one area or measure given two names."""
    problems: list[Problem] = []
    vals = pd.concat(values, ignore_index=True) if values else pd.DataFrame()
    grps = pd.concat(groups, ignore_index=True) if groups else pd.DataFrame()
    out = {
        "areas": pd.DataFrame(columns=AREA_COLUMNS),
        "comparator_measures": pd.DataFrame(columns=MEASURE_COLUMNS),
        "comparator_values": pd.DataFrame(columns=COMPARATOR_VALUE_COLUMNS),
        "comparison_groups": pd.DataFrame(columns=GROUP_COLUMNS),
    }
    named = [
        f[["area_code", "area_name", "_file", "_sheet", "_row"]] for f in (vals, grps) if len(f)
    ]
    if named:
        areas = pd.concat(named, ignore_index=True)
        areas["area_name"] = areas["area_name"].fillna(areas["area_code"].map(LONDON_BOROUGHS))
        areas["area_name"] = areas["area_name"].fillna(areas["area_code"])
        firsts = areas.drop_duplicates("area_code").set_index("area_code")["area_name"]
        clash = areas["area_name"] != areas["area_code"].map(firsts)
        for _, row in areas[clash].iterrows():
            problems.append(
                Problem(
                    str(row["_file"]),
                    row["_sheet"],
                    int(row["_row"]),
                    None,
                    f"area {row['area_code']} is named '{firsts[row['area_code']]}' elsewhere in "
                    f"the file and '{row['area_name']}' here; use one name.",
                )
            )
        out["areas"] = pd.DataFrame({"code": firsts.index, "name": firsts.to_numpy()})
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
        # A file that gives no name for a measure keeps the name already stored.
        out["comparator_measures"] = pd.DataFrame(
            {
                "measure": measures["measure"],
                "name": measures["measure_name"],
                "_has_name": measures["measure_name"].notna(),
            }
        )
        dup = vals.duplicated(["area_code", "measure", "period"], keep="first")
        problems += _problems_for(
            vals,
            dup,
            "_col_value",
            "duplicate: this area already has a value for this measure and period in the file.",
        )
        out["comparator_values"] = vals.loc[~dup & (vals["period"] > 0)].reset_index(drop=True)
    if len(grps):
        dup = grps.duplicated(["group_name", "area_code"], keep="first")
        out["comparison_groups"] = grps.loc[~dup, GROUP_COLUMNS].reset_index(drop=True)
    return out, problems
