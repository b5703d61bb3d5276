"""The Cabinet presentation's deck, made once per view: a page run lays out one slide of it.

Building the deck (every priority's lists paginated into slides, the key challenges, "What we said we
would do") is a pure function of the cached overview and the cached slide standings, so it is cached
under the same arguments (database, filters with the quarter presented, rules) and dropped with every
other cached result after a load, rollback or publication (``data.follow_data_version``)."""

from __future__ import annotations

import streamlit as st

from harrow_dash.outputs import slides
from harrow_dash.rules.filters import Filters
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
