"""Cached access to the store for pages: one engine per process, cached query results per filter.

Caches are keyed on the database URL and the filters (hashable, frozen dataclasses); the store itself
is a cached resource and never hashed. ``clear()`` runs after every load or rollback so every open
session sees the new data on its next interaction; and every page run compares the database's data
version with the one this process last saw (:func:`follow_data_version`), so a load through another
app instance (or the command line) clears this process's caches too.

In public mode (a setting of the whole deployment) the store is a public one: every query it runs
sees only published quarters and no internal commentary, so no loader here can leak a draft.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from harrow_dash.config import load_settings
from harrow_dash.outputs import views
from harrow_dash.rules.filters import Filters, Options
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.rules.suppression import SmallNumbers
from harrow_dash.store import NotInitialised, Store, open_for_reading, quarters
from harrow_dash.store.failures import DATABASE_FAILURES

TTL = 600


@st.cache_resource(show_spinner=False, on_release=Store.dispose)
def _store(url: str, public: bool) -> Store:
    """A public instance only reads: it reads a DuckDB file by the rule the commands that only read
    use, always through a snapshot (taken again when the file changes), so it never holds the file
    and the internal instance can always open it for writing. Released (tests clearing the
    caches), the store is disposed, its snapshot deleted."""
    if public:
        return open_for_reading(url, public=True, follow=True)
    return Store(url, public=public)


_MODE: dict[str, bool] = {}


def store(url: str) -> Store:
    """The process's store for ``url``; a public one (published quarters only) in public mode.

    Cached results are keyed on the URL and filters, not the mode, so when the mode changes (the
    setting was edited while the app runs) they are all dropped: nothing cached from the internal
    view is served to the public one. Every page run calls this first (through ``database_ready``)."""
    public = load_settings().public_mode
    if _MODE.setdefault(url, public) != public:
        _MODE[url] = public
        st.cache_data.clear()
    return _store(url, public)


@st.cache_resource(show_spinner=False)
def _ready(url: str) -> bool:
    """The schema is there, brought up to date from an older version if need be: checked once per
    process (a schema is never taken away under a running app), not on every page run. Raises
    ``NotInitialised`` while it is not there, so that is never cached."""
    if not store(url).is_initialised():
        raise NotInitialised(url)
    if not store(url).read_only:  # a public instance reading a DuckDB file changes nothing
        store(url).upgrade()
    return True


_SEEN_VERSION: dict[str, int] = {}


def follow_data_version(url: str) -> None:
    """Drop this process's cached results when the data changed since its last page run, whichever
    process changed it: several app instances on one PostgreSQL database then all show a load from
    the next interaction on. One cheap query per page run."""
    version = store(url).data_version()
    if _SEEN_VERSION.get(url) != version:
        st.cache_data.clear()
        _SEEN_VERSION[url] = version


def database_ready(url: str) -> Exception | None:
    """None when the database can be used (set up, up to date, reachable), else the failure (for
    :func:`harrow_dash.store.failures.page_message`, which decides what the person reading is told).
    Also brings a public instance's snapshot of a DuckDB file up to date, and clears cached results
    that another instance's load made stale."""
    try:
        _ready(url)
        if store(url).follow_source():
            st.cache_data.clear()
        follow_data_version(url)
    except DATABASE_FAILURES as exc:
        return exc
    return None


@st.cache_data(ttl=TTL, show_spinner=False)
def options(url: str, public_mode: bool) -> Options:
    s = store(url)
    reports = quarters.quarter_reports(s)
    periods = s.periods()
    if public_mode:
        published = set(s.published_periods())
        periods = [p for p in periods if p in published]
    prios = s.priorities()
    return Options(
        periods=periods,
        priorities={int(r.id): str(r.name) for r in prios.itertuples()},
        directorates=s.directorates(),
        portfolios=s.portfolios(),
        default_period=quarters.default_quarter(reports),
        draft_default=None if public_mode else quarters.default_quarter(reports, drafts=True),
        quarter_states={r.period: r.state for r in reports},
        nothing_reported=tuple(r.period for r in reports if r.nothing_reported),
        public=public_mode,
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def published(url: str) -> tuple[Period, ...]:
    """The quarters an editor has published (the rest are drafts)."""
    return tuple(store(url).published_periods())


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
def months(url: str, refs: tuple[str, ...], until: Period | None) -> pd.DataFrame:
    """Monthly figures of monthly indicators, for the monthly points on trend charts."""
    return store(url).indicator_months(list(refs), until)


@st.cache_data(ttl=TTL, show_spinner=False)
def sparklines(
    url: str, refs: tuple[str, ...], until: Period | None, rules: RuleSettings
) -> dict[str, list[float]]:
    return views.sparkline_values(store(url), list(refs), until, rules)


@st.cache_data(ttl=TTL, show_spinner=False)
def sparklines_at(url: str, filters: Filters, rules: RuleSettings) -> dict[str, list[float]]:
    """The trend lines of the indicators matching ``filters`` (``indicators_at``): keyed by the
    filters rather than by the refs, which a rerun would otherwise hash one by one (hundreds of
    refs in a priority at council scale) to find the cached result."""
    inds = indicators_at(url, filters, rules)
    refs = [str(r) for r in inds["ref"]] if len(inds) else []
    return views.sparkline_values(store(url), refs, filters.period, rules) if refs else {}


@st.cache_data(ttl=TTL, show_spinner=False)
def highlights(url: str, filters: Filters, all_periods: bool) -> pd.DataFrame:
    return store(url).highlights(filters, all_periods=all_periods)


@st.cache_data(ttl=TTL, show_spinner=False)
def unplaced_highlights(url: str, filters: Filters, all_periods: bool) -> pd.DataFrame:
    """Highlights the directorate and portfolio filters cannot place (see harrow_dash.rules.scope)."""
    return store(url).unplaced_highlights(filters, all_periods=all_periods)


def clear() -> None:
    """Forget cached results (after a load, rollback or publish)."""
    st.cache_data.clear()


# -- Indicators, Flagship actions and Highlights pages (harrow_dash.outputs.explore) ------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def indicator_list(url: str, filters: Filters, rules: RuleSettings) -> pd.DataFrame:
    """The Indicators page's list: indicators matching the filters, with status and sparklines."""
    from harrow_dash.outputs import explore

    inds = indicators_at(url, filters, rules)
    refs = [str(r) for r in inds["ref"]] if len(inds) else []
    # The trend lines straight from the rule, not through ``sparklines``' own cache: the list
    # cached here holds them already, and a second cached copy (a dict of 13,200 lists at council
    # scale, pickled) would be kept for every quarter and filter for nothing.
    if not refs:
        return explore.indicator_list(inds, explore.TrendLines.none())
    return explore.indicator_list(inds, views.trend_lines(store(url), refs, filters.period, rules))


def all_indicators_at(url: str, period: Period | None, rules: RuleSettings) -> pd.DataFrame:
    """Every indicator at the quarter, whatever the other filters (for links and the picker).
    Filters naming only the quarter filter no RAG either, so this is the cached ``indicators_at``
    of those filters: a view with no other filter (the Indicators page's first) computes it once.
    Not cached itself: a second cached copy of the same frame (some 11 MB a quarter at 13,200
    indicators) would be held for nothing."""
    return indicators_at(url, Filters(period=period), rules)


@st.cache_data(ttl=TTL, show_spinner=False)
def action_rows(url: str, filters: Filters) -> pd.DataFrame:
    """Flagship actions and split lines with their status at the filter's quarter (no RAG filter)."""
    from harrow_dash.outputs import explore

    if filters.period is None:
        return explore.action_rows(pd.DataFrame(), None)
    return explore.action_rows(action_history(url, filters, filters.period), filters.period)


@dataclass(frozen=True)
class ActionsShown:
    """What the Flagship actions page shows for its filters, status choice and search."""

    rows: pd.DataFrame  # explore.filter_actions
    timeline: pd.DataFrame  # explore.timeline_frame
    table: pd.DataFrame  # explore.action_table
    timeline_table: pd.DataFrame  # explore.timeline_table
    grid: str  # the timeline as an HTML table (timeline_grid); "" when there are no rows


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def actions_shown(url: str, filters: Filters, statuses: tuple[str, ...], text: str) -> ActionsShown:
    """Made once per view rather than on every run: the timeline's pivot and grid were most of
    the page's server time."""
    from harrow_dash.outputs import explore
    from harrow_dash.outputs.charts import describe_timeline
    from harrow_dash.outputs.timeline_grid import timeline_grid_html

    period = filters.period
    rows = explore.filter_actions(action_rows(url, filters), statuses, text, filters.rags)
    if period is None or rows.empty:
        return ActionsShown(rows, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), "")
    timeline = explore.timeline_frame(action_history(url, filters, period), rows)
    return ActionsShown(
        rows,
        timeline,
        explore.action_table(rows, period),
        explore.timeline_table(timeline),
        timeline_grid_html(timeline, describe_timeline(timeline, period.label)),
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def highlight_items(url: str, filters: Filters, rules: RuleSettings) -> pd.DataFrame:
    """Achievements and areas for improvement up to the filter's quarter, newest first, linked."""
    from harrow_dash.outputs import explore

    if filters.period is None:
        return explore.highlight_items(pd.DataFrame(), None, pd.DataFrame(), pd.DataFrame())
    period = filters.period
    everything = Filters(period=period)
    return explore.highlight_items(
        highlights(url, filters, True),
        period,
        all_indicators_at(url, period, rules),
        action_rows(url, everything),
    )


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def highlights_shown(
    url: str,
    filters: Filters,
    rules: RuleSettings,
    scope: str,
    kinds: tuple[str, ...],
    text: str,
) -> tuple[pd.DataFrame, list]:
    """The Highlights page's items for its quarters, kinds and search (``explore.filter_highlights``)
    and the same items laid out by priority, quarter and kind (``explore.highlight_sections``)."""
    from harrow_dash.outputs import explore

    if filters.period is None:
        return pd.DataFrame(), []
    items = highlight_items(url, filters, rules)
    shown = explore.filter_highlights(items, filters.period, scope, kinds, text)
    return shown, explore.highlight_sections(shown, kinds)


# -- revisions of published figures (harrow_dash.outputs.revisions) ------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def revised_figures(url: str, period: Period | None) -> list:
    """The quarter's revisions in force (none without a quarter)."""
    from harrow_dash.outputs import revisions

    if period is None:
        return []
    return revisions.in_force(revisions.read(store(url), [period]), period)


def revision_notes(
    url: str,
    period: Period | None,
    indicators: pd.DataFrame,
    threshold: SmallNumbers | int,
    short: bool = False,
) -> dict[str, str]:
    """Per indicator ref, "Actual revised on DATE from X (as published) to Y" (``short``: "Revised
    DATE; published X", for a table cell beside the revised figure)."""
    from harrow_dash.outputs import revisions

    figures = revised_figures(url, period)
    if not figures:
        return {}
    return revisions.indicator_notes(figures, revisions.facts_from(indicators), threshold, short)
