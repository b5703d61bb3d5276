"""The Cabinet presentation's deck, made once per view: a page run lays out one slide of it.

Building the deck (every priority's lists paginated into slides, the key challenges, "What we said we
would do") is a pure function of the cached overview and the cached slide standings, so it is cached
under the same arguments (database, filters with the quarter presented, rules) and dropped with every
other cached result after a load, rollback or publication (``data.follow_data_version``).

A page run reads what it shows, not the whole deck: its size (:func:`deck_size`) and the one slide
(:func:`slide`), each cached on its own. A cached result is copied out of the cache on every run, and
a council-scale deck (1,196 slides) took 90 ms to copy out against 0.1 ms for one slide; the
overview's frames, which the page needs only to know whether there is anything to present, 26 ms
(:func:`contents`)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from harrow_dash.outputs import slides
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.ui import comparison_data as cdata
from harrow_dash.ui import data
from harrow_dash.ui.data import TTL


# A council-scale deck (1,185 slides at 13,200 indicators) is a few MB: a few dozen views at most.
@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def deck(url: str, filters: Filters, rules: RuleSettings) -> slides.Deck | None:
    """The deck for ``filters`` (their quarter is the one presented), or None with no overview."""
    ov = data.overview(url, filters, rules)
    if ov is None:
        return None
    return slides.build_deck(ov, cdata.slide_standings(url, filters, rules.small_numbers))


@dataclass(frozen=True)
class Contents:
    """What the page needs of the overview: whether there is anything to present, and how many
    highlights are not placed under a priority (a caveat on every slide)."""

    anything: bool
    unplaced_highlights: int


@st.cache_data(ttl=TTL, show_spinner=False)
def contents(url: str, filters: Filters, rules: RuleSettings) -> Contents | None:
    """:class:`Contents` of the overview for ``filters``, or None with no overview."""
    ov = data.overview(url, filters, rules)
    if ov is None:
        return None
    return Contents(not (ov.indicators.empty and ov.actions.empty), ov.unplaced_highlights)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def deck_size(url: str, filters: Filters, rules: RuleSettings) -> tuple[int, Period] | None:
    """The number of slides in :func:`deck` and the quarter it presents, or None with no deck."""
    got = deck(url, filters, rules)
    return None if got is None else (len(got), got.period)


# One slide is a few KB: every slide of a few council-scale decks.
@st.cache_data(ttl=TTL, show_spinner=False, max_entries=4000)
def slide(url: str, filters: Filters, rules: RuleSettings, number: int) -> slides.Slide | None:
    """Slide ``number`` of :func:`deck` (clamped to the deck, as ``Deck.slide``), or None."""
    got = deck(url, filters, rules)
    return None if got is None else got.slide(number)
