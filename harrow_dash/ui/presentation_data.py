"""The Cabinet presentation's deck, made once per view: a page run lays out one slide of it.

Building the deck (every priority's lists paginated into slides, the key challenges, "What we said we
would do") is a pure function of the cached overview and the cached slide standings, so it is cached
under the same arguments (database, filters with the quarter presented, rules) and dropped with every
other cached result after a load, rollback or publication (``data.follow_data_version``).

A page run reads what it shows, not the whole deck: the one slide, with the deck's size and what
the page needs of the overview (:func:`shown`), cached on its own. A cached result is copied out of the
cache on every run, and a council-scale deck (1,196 slides) took 90 ms to copy out against 0.1 ms for
one slide; the overview 26 ms. The first run after a load builds all three without copying either
out: the overview it has just computed is handed to the deck (``_ov``, not part of the deck's key)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from harrow_dash.outputs import slides
from harrow_dash.outputs.views import Overview
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.ui import comparison_data as cdata
from harrow_dash.ui import data
from harrow_dash.ui.data import TTL


# A council-scale deck (1,185 slides at 13,200 indicators) is a few MB: a few dozen views at most.
@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def deck(
    url: str, filters: Filters, rules: RuleSettings, _ov: Overview | None = None
) -> slides.Deck | None:
    """The deck for ``filters`` (their quarter is the one presented), or None with no overview.
    ``_ov``: ``data.overview`` of the same arguments, where the caller has it already."""
    ov = _ov if _ov is not None else data.overview(url, filters, rules)
    if ov is None:
        return None
    return slides.build_deck(ov, cdata.slide_standings(url, filters, rules.small_numbers))


@dataclass(frozen=True)
class Shown:
    """What a run of the page shows: the highlights not placed under a priority (a caveat on every
    slide) and the slide asked for (kept within the deck), its number and the deck's size; no slide
    when there is nothing to present."""

    unplaced_highlights: int
    slide: slides.Slide | None = None
    number: int = 1
    count: int = 0


# One slide is a few KB: every slide of a few council-scale decks.
@st.cache_data(ttl=TTL, show_spinner=False, max_entries=4000)
def shown(url: str, filters: Filters, rules: RuleSettings, requested: str | None) -> Shown | None:
    """:class:`Shown` for ``filters`` and the slide the URL asks for (``requested``, as
    ``slides.parse_slide`` reads it), or None with no overview."""
    ov = data.overview(url, filters, rules)
    if ov is None:
        return None
    if ov.indicators.empty and ov.actions.empty:
        return Shown(ov.unplaced_highlights)
    got = deck(url, filters, rules, _ov=ov)
    if got is None:
        return None
    number = slides.parse_slide(requested, len(got))
    return Shown(ov.unplaced_highlights, got.slide(number), number, len(got))
