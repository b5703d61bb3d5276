"""Cached reads of the Data page's tabs (publish quarters, load history, comparator measures).

Streamlit runs every tab's code on every rerun of the page, whichever tab is open, so an uncached
read of one tab slows every click on the others. These are cached like the pages' reads
(:mod:`harrow_dash.ui.data`): keyed on the database URL, dropped by every write (each calls
``data.clear()``, and every page run follows the database's data version, so a write by another
instance or the command line drops them too). The page is for editors only; in public mode the
store is a public one and a change of mode drops every cached result.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_dash.ingest import measure_match
from harrow_dash.outputs import revisions
from harrow_dash.store import publishing
from harrow_dash.ui import data

MAX_ENTRIES = 20


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def quarter_statuses(url: str) -> list[publishing.QuarterStatus]:
    """Each quarter with figures, published or draft, by whom and when."""
    return publishing.quarter_statuses(data.store(url))


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def batches(url: str) -> pd.DataFrame:
    """Every load batch, for the load history."""
    return data.store(url).batches()


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def revision_record(url: str) -> pd.DataFrame:
    """Every revision of a published figure."""
    return revisions.read(data.store(url))


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def unmatched_measures(url: str) -> pd.DataFrame:
    """Comparator measures no indicator is compared with."""
    return measure_match.unmatched_measures(data.store(url))


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def indicator_names(url: str) -> pd.DataFrame:
    """Every indicator's ref and name, what a measure can be matched to."""
    return measure_match.indicator_names(data.store(url))
