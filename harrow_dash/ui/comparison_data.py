"""Cached comparator data for pages (Comparisons, Indicators): one query per kind per process, kept
until the next load clears every cache (``data.clear``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_dash import comparisons
from harrow_dash.filters import Filters
from harrow_dash.periods import Period
from harrow_dash.ui.data import TTL, store


@st.cache_data(ttl=TTL, show_spinner=False)
def benchmarked(url: str) -> pd.DataFrame:
    """Indicators mapped to a comparator measure."""
    return store(url).benchmarked_indicators()


@st.cache_data(ttl=TTL, show_spinner=False)
def values(url: str) -> pd.DataFrame:
    """Every comparator value of the mapped measures."""
    measures = [str(m) for m in benchmarked(url)["measure"].dropna().unique()]
    return store(url).comparator_values(measures)


@st.cache_data(ttl=TTL, show_spinner=False)
def groups(url: str) -> dict[str, comparisons.Group]:
    return comparisons.available_groups(store(url).comparison_groups())


@st.cache_data(ttl=TTL, show_spinner=False)
def area_names(url: str) -> dict[str, str]:
    from harrow_dash.areas import LONDON_BOROUGHS

    return {**LONDON_BOROUGHS, **store(url).area_names()}


@st.cache_data(ttl=TTL, show_spinner=False)
def slide_standings(url: str, filters: Filters, threshold: int) -> dict[str, str]:
    """Rank and quartile among London boroughs, in a few words, per benchmarked indicator."""
    return comparisons.short_standings(
        comparisons.indicator_standings(store(url), filters, threshold)
    )


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def overview(
    url: str, filters: Filters, group_name: str, period: Period, threshold: int
) -> tuple[pd.DataFrame, list[comparisons.MeasureComparison]]:
    """:func:`comparisons.overview` of the benchmarked indicators the filters leave, against the
    named group (ranking every mapped measure is most of the Comparisons page's work)."""
    indicators = comparisons.filter_indicators(benchmarked(url), filters)
    group = comparisons.pick_group(groups(url), group_name)
    return comparisons.overview(indicators, values(url), area_names(url), group, period, threshold)
