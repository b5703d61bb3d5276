"""How Harrow compares with other areas, as the Comparisons page, the Indicators trend charts, the
briefing pack and the slides say it. Built without Streamlit from the store's comparator data; the rules
themselves (rank, quartile, median, range) are in :mod:`harrow_dash.rules.benchmarking`.

* **Groups**: the built-in London groups (:mod:`harrow_dash.rules.areas`) and the groups loaded as data.
  A loaded group with a built-in group's name replaces it.
* **Which period**: at a quarter, the latest comparator period that had ended by then: that quarter
  itself, an earlier quarter, a whole financial, calendar or academic year, a month or months that
  have ended (comparator data is published later than the council's own; see
  :mod:`harrow_dash.rules.comparator_periods`). The period used is always said.
* **Benchmarks**: England, a region or a group's average (CIPFA nearest neighbours) loaded with the
  figures are said beside the rank at the same period, never ranked among the areas.
* **Suppression**: a comparator value that the file marked as suppressed stays suppressed, and so does
  a small count of people (0 to threshold-1; 1 to threshold-1 with ``suppress_zero`` off) for an
  indicator that counts people, whatever the file says. A suppressed value is never shown, charted or
  ranked; it is counted and said.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from harrow_dash.ingest.comparators import period_text
from harrow_dash.outputs.download_cells import figure_cells
from harrow_dash.rules import comparator_periods
from harrow_dash.rules.areas import (
    BUILT_IN_GROUPS,
    DEFAULT_GROUP,
    HARROW,
    LONDON_BOROUGHS,
)
from harrow_dash.rules.benchmarking import (
    Standing,
    enough_for_median,
    group_bands,
    rank_label,
    rank_table,
    standing,
)
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.gss import marker_words
from harrow_dash.rules.periods import Period
from harrow_dash.rules.rag import Polarity
from harrow_dash.rules.suppression import SmallNumbers, suppressed_text
from harrow_dash.rules.units import format_number
from harrow_dash.store import Store
from harrow_dash.store.comparator_index import MeasureIndex, hidden, index_of


@dataclass(frozen=True)
class Group:
    name: str
    members: frozenset[str]
    noun: str  # how a rank reads: "8th of 33 London boroughs"


def available_groups(loaded: Mapping[str, Iterable[str]]) -> dict[str, Group]:
    """The built-in London groups and the groups loaded as data, by name."""
    groups = {name: Group(name, codes, noun) for name, (codes, noun) in BUILT_IN_GROUPS.items()}
    for name, codes in loaded.items():
        groups[name] = Group(name, frozenset(codes), f"areas in the group \u2018{name}\u2019")
    return groups


def filter_indicators(indicators: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The benchmarked indicators the priority, directorate and portfolio filters leave. (The RAG
    filter rates the council against its own targets, so it does not apply to comparisons.)"""
    out = indicators
    if filters.priorities:
        out = out[out["priority_id"].isin(filters.priorities)]
    if filters.directorates:
        out = out[out["directorate"].isin(filters.directorates)]
    if filters.portfolios:
        out = out[out["portfolio"].isin(filters.portfolios)]
    return out.reset_index(drop=True)


def pick_group(groups: Mapping[str, Group], wanted: str | None) -> Group:
    return groups.get(wanted or "", groups[DEFAULT_GROUP])


def comparator_period(keys: Iterable[int], at: Period) -> int | None:
    """The latest comparator period that had ended by the end of quarter ``at``."""
    return _latest_ended(tuple(sorted({int(k) for k in keys})), at)


@lru_cache(maxsize=4096)
def _latest_ended(keys: tuple[int, ...], at: Period) -> int | None:
    # Most measures share their periods: worked out once per distinct set of periods and quarter.
    return comparator_periods.latest_ended(list(keys), at)


def periods_compared(pairs: pd.DataFrame, at: Period) -> list[int]:
    """Every comparator period :func:`compare_measure` picks at ``at``, across measures, from each
    measure's periods at which a group member has a value (``Store.comparator_periods``)."""
    if pairs.empty:
        return []
    keys = {comparator_period(part, at) for _, part in pairs.groupby("measure")["period"]}
    return sorted(k for k in keys if k is not None)


def values_compared(store: Store, measures: list[str], group: Group, at: Period) -> pd.DataFrame:
    """The comparator values of ``measures`` at the periods compared at ``at`` with ``group``
    (:func:`periods_compared`), every area's: all that :func:`compare_measure` and :func:`overview`
    read, without reading every period. A measure's period compared is the latest of its periods
    with a group member's value, so it is among these, and a later one is not: the comparisons
    are those of every value."""
    pairs = store.comparator_periods(measures, sorted(group.members))
    return store.comparator_values(measures, periods_compared(pairs, at))


def _hidden(frame: pd.DataFrame, counts_people: bool, threshold: SmallNumbers | int) -> pd.Series:
    return hidden(frame, counts_people, threshold)


@dataclass(frozen=True)
class MeasureComparison:
    """One indicator's comparison with a group at one comparator period."""

    ref: str
    indicator: str
    measure: str
    unit: str
    polarity: str
    group: Group
    period_key: int | None
    table: pd.DataFrame  # every area of the group, best first (see ``display_table``)
    standing: Standing | None
    # Named benchmarks at the same period: (name, value as written), e.g. ("England", "43.1%").
    benchmarks: tuple[tuple[str, str], ...] = ()
    counts_people: bool = True

    @property
    def benchmark_sentence(self) -> str:
        """'Benchmarks for Q3 2023-24: England 43.1%; London 41.0%.', or '' without any."""
        if not self.benchmarks:
            return ""
        listed = "; ".join(f"{name} {value}" for name, value in self.benchmarks)
        return f"Benchmarks for {self.period_label}: {listed}."

    @property
    def period_label(self) -> str:
        return period_text(self.period_key) if self.period_key is not None else "no period"

    @property
    def sentence(self) -> str:
        if self.standing is None:
            return f"No comparator figures for {self.group.name} up to this quarter."
        return self.standing.describe(self.group.noun) + f" ({self.period_label})."


def compare_measure(
    indicator: Mapping[str, object],
    values: pd.DataFrame | MeasureIndex,
    area_names: Mapping[str, str],
    group: Group,
    at: Period,
    threshold: SmallNumbers | int,
    area: str = HARROW,
    with_table: bool = True,
) -> MeasureComparison:
    """``indicator`` is a row of ``Store.benchmarked_indicators``; ``values`` the comparator values
    (any measures; this one's are picked), or the same indexed by measure (:class:`MeasureIndex`,
    which spares a scan of every value). ``with_table=False`` leaves the ranked table out (empty)
    where only the standing is wanted (:func:`overview`); the standing is the same either way."""
    index = index_of(values)
    measure = str(indicator["measure"])
    unit, polarity = str(indicator["unit"]), str(indicator["polarity"])
    counts_people = bool(indicator.get("counts_people"))
    rows = index.rows(measure)
    members = group.members
    in_group = index.among(members)[rows]
    key = comparator_period(np.unique(index.periods[rows[in_group]]), at) if len(rows) else None
    base = dict(
        ref=str(indicator["ref"]),
        indicator=str(indicator["name"]),
        measure=measure,
        unit=unit,
        polarity=polarity,
        group=group,
    )
    if key is None:
        return MeasureComparison(**base, period_key=None, table=_no_table(), standing=None)  # type: ignore[arg-type]
    at_key = index.periods[rows] == key
    hidden_rows = index.hidden(counts_people, threshold)[rows]
    named = index.benchmark_rows(area_names)[rows]
    benchmarks = _benchmarks(index, rows[at_key & ~hidden_rows & named], area_names, unit)
    mine = rows[at_key & in_group]
    shown_rows = mine[~hidden_rows[at_key & in_group]]
    result = standing(
        dict(zip(index.codes[shown_rows], index.numbers[shown_rows], strict=True)),
        members,
        area,
        polarity,
        suppressed=index.codes[mine[hidden_rows[at_key & in_group]]],
        small_numbers=counts_people,
    )
    if with_table:
        at_period = index.values.iloc[mine]
        frame = pd.DataFrame({"area_code": sorted(members)})
        columns = ["area_code", "value", "suppressed"]
        columns += ["marker"] if "marker" in at_period else []
        frame = frame.merge(at_period[columns], how="left")
        frame["suppressed"] = frame["suppressed"].fillna(False).astype(bool)
        frame["suppressed"] = _hidden(frame, counts_people, threshold)
        frame["value"] = frame["value"].where(~frame["suppressed"])
        frame["area_name"] = frame["area_code"].map(lambda c: area_names.get(c, c))
        table = rank_table(frame, polarity)
    else:
        table = _no_table()
    return MeasureComparison(
        **base,  # type: ignore[arg-type]
        period_key=key,
        table=table,
        standing=result,
        benchmarks=benchmarks,
        counts_people=counts_people,
    )


_NO_TABLE = pd.DataFrame(columns=["area_code", "area_name", "value", "suppressed", "rank"])


def _no_table() -> pd.DataFrame:
    """An empty ranked table, the same frame each time (made once: building a frame costs a
    millisecond, a thousand of them a second). Nothing changes a comparison's table in place."""
    return _NO_TABLE


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """``frame.to_dict("records")``, column by column (row by row, Arrow-backed text columns cost
    a fifth of a millisecond a row)."""
    columns = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(frame.columns, row, strict=True)) for row in zip(*columns, strict=True)]


def _benchmarks(
    index: MeasureIndex, rows: np.ndarray, area_names: Mapping[str, str], unit: str
) -> tuple[tuple[str, str], ...]:
    """The named benchmarks' published figures (``rows``: one measure's benchmark rows at one
    period, hidden figures already left out: suppressed by their publisher, or a small count of
    people, by the same rule as an area's), England first."""
    found = []
    for code, value in zip(index.codes[rows], index.numbers[rows], strict=True):
        if np.isnan(value):
            continue
        name = area_names.get(str(code), str(code))
        found.append((name != "England", name, format_number(float(value), unit)))
    return tuple((name, text) for _, name, text in sorted(found))


def value_text(
    value: float | None,
    suppressed: bool,
    unit: str,
    threshold: SmallNumbers | int,
    counts_people: bool = True,
) -> str:
    """A figure as a comparison shows it. A held-back figure of a count of people reads "fewer
    than 5", as every small count does; any other held-back figure (a rate the publisher marked
    [c]) reads "suppressed", which says nothing about its size."""
    if suppressed:
        return suppressed_text(threshold) if counts_people else "suppressed"
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "no figure"
    return format_number(value, unit)


def display_table(
    comparison: MeasureComparison, threshold: SmallNumbers | int, area: str = HARROW
) -> pd.DataFrame:
    """The table behind the ranking chart, as shown: rank, area, value, quartile."""
    t = comparison.table
    if t.empty:
        return pd.DataFrame(columns=["Rank", "Area", "Value", "Quartile", "GSS code"])
    ranks = [rank_label(r, tied) for r, tied in zip(t["rank"], t["tied"], strict=True)]
    return pd.DataFrame(
        {
            "Rank": ranks,
            "Area": [
                f"{n} (us)" if c == area else n
                for n, c in zip(t["area_name"], t["area_code"], strict=True)
            ],
            "Value": [
                value_text(v, s, comparison.unit, threshold, comparison.counts_people)
                + (f" ({marker_words(m)})" if marker_words(m) and not s else "")
                for v, s, m in zip(
                    t["value"], t["suppressed"], t.get("marker", [None] * len(t)), strict=True
                )
            ],
            "Quartile": t["band"],
            "GSS code": t["area_code"],
        }
    )


def ranking_download(shown: pd.DataFrame, comparison: MeasureComparison) -> pd.DataFrame:
    """The ranking table (:func:`display_table`, row for row) as a download that can be summed and
    charted: "Value" becomes ``value``, a number or blank, with a ``status`` word beside it
    (:func:`harrow_dash.outputs.download_cells.figure_cells`: ``suppressed``, ``missing``, a marker such as
    ``provisional``) and the ``unit``."""
    t = comparison.table
    out = shown.reset_index(drop=True).copy()
    if t.empty or "Value" not in out.columns or len(t) != len(out):
        return out
    numbers, status = figure_cells(
        [None if pd.isna(v) else float(v) for v in t["value"]],
        t["suppressed"].tolist(),
        None,
        t["marker"].tolist() if "marker" in t else None,
    )
    at = int(out.columns.get_loc("Value"))
    out = out.drop(columns=["Value"])
    out.insert(at, "value", pd.Series(numbers, dtype=object))
    out.insert(at + 1, "status", pd.Series(status, dtype=object))
    out.insert(at + 2, "unit", comparison.unit)
    return out


OVERVIEW_COLUMNS = [
    "Ref",
    "Indicator",
    "Period compared",
    "Harrow",
    "Rank",
    "Quartile",
    "Group median",
    "Where Harrow stands",
]


def overview_download(table: pd.DataFrame) -> pd.DataFrame:
    """The every-indicator table (:func:`overview`) as a download: Harrow's figure and the group
    median as numbers or blanks (``harrow``, ``group_median``), with a ``status`` word beside
    Harrow's (:func:`harrow_dash.outputs.download_cells.figure_cells`) and the ``unit``; the other columns
    as shown."""
    out = table[OVERVIEW_COLUMNS].reset_index(drop=True).copy()
    if table.empty or "_value" not in table.columns:
        return out
    numbers, status = figure_cells(
        [None if pd.isna(v) else float(v) for v in table["_value"]],
        table["_suppressed"].tolist(),
    )
    at = int(out.columns.get_loc("Harrow"))
    out = out.drop(columns=["Harrow", "Group median"])
    out.insert(at, "harrow", pd.Series(numbers, dtype=object))
    out.insert(at + 1, "status", pd.Series(status, dtype=object))
    out.insert(at + 2, "unit", table["_unit"].reset_index(drop=True))
    medians = [None if pd.isna(m) else float(m) for m in table["_median"]]
    out.insert(
        int(out.columns.get_loc("Quartile")) + 1, "group_median", pd.Series(medians, dtype=object)
    )
    return out


def overview(
    indicators: pd.DataFrame,
    values: pd.DataFrame,
    area_names: Mapping[str, str],
    group: Group,
    at: Period,
    threshold: SmallNumbers | int,
) -> tuple[pd.DataFrame, list[MeasureComparison]]:
    """Every mapped indicator at once: Harrow's rank and quartile in the group (for the table and the
    leads-and-lags chart), and the comparisons behind them (their standings; their ranked tables are
    left empty: :func:`compare_measure` gives one indicator's). ``values`` may be only the rows at
    each measure's comparator period (``Store.comparator_values`` with ``periods``): the period
    compared is the latest of a measure's periods, so it is among them."""
    index = index_of(values)
    comparisons = [
        compare_measure(row, index, area_names, group, at, threshold, with_table=False)
        for row in _records(indicators)
    ]
    rows = []
    for c in comparisons:
        s = c.standing
        rows.append(
            {
                "Ref": c.ref,
                "Indicator": c.indicator,
                "Period compared": c.period_label if c.period_key is not None else "none",
                "Harrow": value_text(
                    s.value if s else None,
                    bool(s and s.area_suppressed),
                    c.unit,
                    threshold,
                    c.counts_people,
                ),
                "Rank": (f"{s.rank_text} of {s.ranked}" if s and s.rank else "not ranked"),
                "Quartile": (s.band or "") if s else "",
                "Group median": format_number(s.median, c.unit)
                if s and s.median is not None
                else "",
                "Where Harrow stands": c.sentence,
                "_quartile": s.quartile if s else None,
                "_position": (
                    (s.rank - 1) / (s.ranked - 1) if s and s.rank and s.ranked > 1 else None
                ),
                "_polarity": Polarity(c.polarity).phrase,
                # The figures behind the words, for a download (overview_download).
                "_value": s.value if s else None,
                "_suppressed": bool(s and s.area_suppressed),
                "_median": s.median if s else None,
                "_unit": c.unit,
            }
        )
    columns = [
        *OVERVIEW_COLUMNS,
        "_quartile",
        "_position",
        "_polarity",
        "_value",
        "_suppressed",
        "_median",
        "_unit",
    ]
    return pd.DataFrame(rows, columns=columns), comparisons


def trend_bands(
    values: pd.DataFrame | MeasureIndex,
    measure: str,
    group: Group,
    counts_people: bool,
    threshold: SmallNumbers | int,
    until: Period | None = None,
) -> pd.DataFrame:
    """The group's median and interquartile range per quarter, for a trend chart: ``period`` (quarter
    key), ``median``, ``lower_quartile``, ``upper_quartile``, ``areas``. Whole-year figures are left
    out of a quarterly chart, and so is a quarter in which fewer than half the group's areas have a
    published figure (the median of the few shown would mislead: for small counts of people, the
    hidden ones are the low ones)."""
    rows = index_of(values).frame(measure)
    mine = rows[rows["area_code"].isin(group.members)]
    mine = mine[mine["period"].map(comparator_periods.is_quarter).astype(bool)]
    if until is not None:
        mine = mine[mine["period"] <= until.key]
    bands = group_bands(mine.assign(suppressed=_hidden(mine, counts_people, threshold)))
    bands = bands[enough_for_median(bands["areas"], len(group.members))]
    columns = ["period", "median", "lower_quartile", "upper_quartile", "areas"]
    return bands.reindex(columns=columns).reset_index(drop=True)


def for_indicator(
    ref: str,
    indicators: pd.DataFrame,
    values: pd.DataFrame | MeasureIndex,
    area_names: Mapping[str, str],
    group: Group,
    at: Period,
    threshold: SmallNumbers | int,
) -> tuple[MeasureComparison, pd.DataFrame] | None:
    """One indicator's comparison at ``at`` and its group band for the trend chart; None when the
    indicator has no comparator measure."""
    rows = indicators[indicators["ref"] == ref]
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    values = index_of(values)
    result = compare_measure(row, values, area_names, group, at, threshold)
    bands = trend_bands(
        values, str(row["measure"]), group, bool(row.get("counts_people")), threshold, until=at
    )
    return result, bands


def add_group_columns(table: pd.DataFrame, bands: pd.DataFrame, unit: str) -> pd.DataFrame:
    """A trend table (``Quarter`` column) with the comparison group's median and interquartile
    range beside each quarter, written in the indicator's unit."""
    by_label = {Period.from_key(int(r.period)).label: r for r in bands.itertuples()}

    def column(name: str) -> list[str]:
        out = []
        for quarter in table["Quarter"]:
            r = by_label.get(str(quarter))
            value = getattr(r, name) if r is not None else None
            out.append(format_number(value, unit) if value is not None else "")
        return out

    return table.assign(
        **{
            "Group median": column("median"),
            "Group lower quartile": column("lower_quartile"),
            "Group upper quartile": column("upper_quartile"),
        }
    )


def indicator_standings(
    store: Store, filters: Filters, threshold: SmallNumbers | int, group_name: str | None = None
) -> dict[str, MeasureComparison]:
    """Each benchmarked indicator matching the filters, compared with the group (London by
    default) at the filters' quarter, by reference: for the briefing pack and the slides."""
    if filters.period is None:
        return {}
    indicators = filter_indicators(store.benchmarked_indicators(), filters)
    if indicators.empty:
        return {}
    names = {**LONDON_BOROUGHS, **store.area_names()}
    group = pick_group(available_groups(store.comparison_groups()), group_name)
    measures = [str(m) for m in indicators["measure"].unique()]
    values = index_of(values_compared(store, measures, group, filters.period))
    return {
        str(row["ref"]): compare_measure(row, values, names, group, filters.period, threshold)
        for row in indicators.to_dict("records")
    }


def short_standings(standings: Mapping[str, MeasureComparison]) -> dict[str, str]:
    """Rank and quartile in a few words per indicator, for a slide: '13th of 33 London boroughs,
    second quartile (Q3 2023-24)'; indicators that cannot be ranked are left out."""
    out = {}
    for ref, c in standings.items():
        s = c.standing
        if s is None or s.rank is None or s.quartile is None:
            continue
        out[ref] = f"{s.rank_text} of {s.ranked} {c.group.noun}, {s.band} ({c.period_label})"
    return out
