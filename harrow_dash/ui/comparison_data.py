"""Cached comparator data for pages (Comparisons, Indicators): one query per kind per process, kept
until the next load clears every cache (``data.clear``), and the Comparisons page's rankings and chart
specs made from it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st

from harrow_dash.outputs import comparisons
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.suppression import SmallNumbers
from harrow_dash.ui.components import spec_of
from harrow_dash.ui.data import TTL, store


@st.cache_data(ttl=TTL, show_spinner=False)
def benchmarked(url: str) -> pd.DataFrame:
    """Indicators mapped to a comparator measure."""
    return store(url).benchmarked_indicators()


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def measure_values(url: str, measure: str) -> pd.DataFrame:
    """Every comparator value of one measure (one indicator's ranking, trend band)."""
    return store(url).comparator_values([measure])


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=50)
def compared_values(url: str, group_name: str, period: Period) -> pd.DataFrame:
    """The values every mapped measure is compared at, at the quarter, with the group
    (comparisons.values_compared): not every period's."""
    measures = [str(m) for m in benchmarked(url)["measure"].dropna().unique()]
    group = comparisons.pick_group(groups(url), group_name)
    return comparisons.values_compared(store(url), measures, group, period)


@st.cache_data(ttl=TTL, show_spinner=False)
def groups(url: str) -> dict[str, comparisons.Group]:
    return comparisons.available_groups(store(url).comparison_groups())


@st.cache_data(ttl=TTL, show_spinner=False)
def area_names(url: str) -> dict[str, str]:
    from harrow_dash.rules.areas import LONDON_BOROUGHS

    return {**LONDON_BOROUGHS, **store(url).area_names()}


@st.cache_data(ttl=TTL, show_spinner=False)
def slide_standings(url: str, filters: Filters, threshold: SmallNumbers | int) -> dict[str, str]:
    """Rank and quartile among London boroughs, in a few words, per benchmarked indicator."""
    return comparisons.short_standings(
        comparisons.indicator_standings(store(url), filters, threshold)
    )


# -- the Comparisons page, made once per distinct view -----------------------------------------------
# A page run only lays these out: ranking every area on every benchmarked indicator and building the
# two charts' specs were most of the page's server time, and they are pure functions of the cached
# comparator data, the filters, the group, the quarter and the suppression threshold.


@dataclass(frozen=True)
class Standings:
    """Harrow's rank and quartile on every benchmarked indicator the filters leave."""

    table: pd.DataFrame  # comparisons.overview's table (OVERVIEW_COLUMNS and the chart's columns)
    strip: str  # the leads-and-lags strip as HTML (standings_strip); "" when nothing is ranked


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def standings(
    url: str, filters: Filters, group_name: str, period: Period, threshold: SmallNumbers | int
) -> Standings:
    from harrow_dash.outputs.comparison_charts import describe_standings
    from harrow_dash.outputs.standings_strip import standings_html

    group = comparisons.pick_group(groups(url), group_name)
    # The RAG filter does not narrow comparisons (see comparisons.filter_indicators).
    indicators = comparisons.filter_indicators(benchmarked(url), replace(filters, rags=()))
    table, _ = comparisons.overview(
        indicators,
        compared_values(url, group.name, period),
        area_names(url),
        group,
        period,
        threshold,
    )
    ranked = bool(table["_position"].notna().any())
    return Standings(
        table,
        standings_html(table, describe_standings(table, group.name)) if ranked else "",
    )


@dataclass(frozen=True)
class Ranking:
    """One indicator: every area of the group ranked, the table behind the chart and its spec."""

    comparison: comparisons.MeasureComparison
    shown: pd.DataFrame  # comparisons.display_table
    chart: dict[str, Any] | None  # None when there is nothing to rank
    alt_text: str


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def ranking(
    url: str, ref: str, group_name: str, period: Period, threshold: SmallNumbers | int
) -> Ranking:
    from harrow_dash.outputs.comparison_charts import describe_ranking, ranking_chart

    group = comparisons.pick_group(groups(url), group_name)
    rows = benchmarked(url)
    row = rows[rows["ref"] == ref].iloc[0].to_dict()
    chosen = comparisons.compare_measure(
        row, measure_values(url, str(row["measure"])), area_names(url), group, period, threshold
    )
    if chosen.standing is None or chosen.table.empty:
        return Ranking(chosen, pd.DataFrame(), None, "")
    return Ranking(
        chosen,
        comparisons.display_table(chosen, threshold),
        spec_of(ranking_chart(chosen, threshold)),
        describe_ranking(chosen, threshold),
    )


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def for_indicator(
    url: str, ref: str, group_name: str, period: Period, threshold: SmallNumbers | int
) -> tuple[comparisons.MeasureComparison, pd.DataFrame] | None:
    """One indicator's comparison and group band (Indicators trend cards): once per indicator,
    group and quarter, not on every page run (see comparisons.for_indicator)."""
    rows = benchmarked(url)
    measure = rows.loc[rows["ref"] == ref, "measure"]
    return comparisons.for_indicator(
        ref,
        rows,
        measure_values(url, str(measure.iloc[0])) if len(measure) else rows.iloc[0:0],
        area_names(url),
        comparisons.pick_group(groups(url), group_name),
        period,
        threshold,
    )
