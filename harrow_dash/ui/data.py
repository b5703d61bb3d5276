"""Cached access to the store for pages: one engine per process, cached query results per filter.

Caches are keyed on the database URL and the filters (hashable, frozen dataclasses); the store itself
is a cached resource and never hashed. ``clear()`` runs after every load or rollback so every open
session sees the new data on its next interaction.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_dash import views
from harrow_dash.filters import Filters, Options
from harrow_dash.periods import Period
from harrow_dash.scorecard import RuleSettings
from harrow_dash.store import DatabaseBusy, Store

TTL = 600


@st.cache_resource(show_spinner=False)
def store(url: str) -> Store:
    return Store(url)


def database_ready(url: str) -> tuple[bool, str]:
    try:
        if store(url).is_initialised():
            return True, ""
    except DatabaseBusy as exc:
        return False, str(exc)
    return False, (
        "The database has not been set up yet. In a terminal, run `make run` (or "
        "`harrow-dash init --sample` for the illustrative sample data), then reload this page."
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def options(url: str, public_mode: bool) -> Options:
    s = store(url)
    periods = s.periods()
    default = s.latest_reported_period(published_only=public_mode)
    if public_mode:
        published = set(s.published_periods())
        periods = [p for p in periods if p in published]
    prios = s.priorities()
    return Options(
        periods=periods,
        priorities={int(r.id): str(r.name) for r in prios.itertuples()},
        directorates=s.directorates(),
        portfolios=s.portfolios(),
        default_period=default,
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def is_illustrative(url: str) -> bool:
    return store(url).has_sample_data()


@st.cache_data(ttl=TTL, show_spinner=False)
def overview(url: str, filters: Filters, rules: RuleSettings) -> views.Overview | None:
    return views.overview(store(url), filters, rules)


@st.cache_data(ttl=TTL, show_spinner=False)
def indicators_at(url: str, filters: Filters, rules: RuleSettings) -> pd.DataFrame:
    return views.indicators_at(store(url), filters, rules)


@st.cache_data(ttl=TTL, show_spinner=False)
def actions_at(url: str, filters: Filters) -> pd.DataFrame:
    return views.actions_at(store(url), filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def action_history(url: str, filters: Filters, until: Period | None) -> pd.DataFrame:
    return store(url).action_statuses(filters, until=until)


@st.cache_data(ttl=TTL, show_spinner=False)
def histories(
    url: str, refs: tuple[str, ...], rules: RuleSettings, until: Period | None
) -> pd.DataFrame:
    return views.indicator_histories(store(url), list(refs), rules, until)


@st.cache_data(ttl=TTL, show_spinner=False)
def sparklines(
    url: str, refs: tuple[str, ...], until: Period | None, rules: RuleSettings
) -> dict[str, list[float]]:
    return views.sparkline_values(store(url), list(refs), until, rules)


@st.cache_data(ttl=TTL, show_spinner=False)
def highlights(url: str, filters: Filters, all_periods: bool) -> pd.DataFrame:
    return store(url).highlights(filters, all_periods=all_periods)


def clear() -> None:
    """Forget cached results (after a load, rollback or publish)."""
    st.cache_data.clear()
