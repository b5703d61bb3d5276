"""Download buttons for what a page shows: the data as CSV (and, with the briefing work, Excel,
and charts as PNG and SVG). Every export is neutralised against formula injection and carries only
what the user can see on screen (suppressed counts stay suppressed)."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd
import streamlit as st

from harrow_dash.exports import neutralise_frame
from harrow_dash.ui.frame import PageContext


def download_bar(
    ctx: PageContext, name: str, table: pd.DataFrame, charts: Mapping[str, alt.Chart] | None = None
) -> None:
    """Offer ``table`` (exactly as displayed) and ``charts`` for download. ``name`` is a short slug
    used in file names, e.g. ``indicators``."""
    period = ctx.period.label.replace(" ", "_") if ctx.period else "all"
    csv = neutralise_frame(table).to_csv(index=False).encode("utf-8-sig")
    st.download_button(
        "Download data (CSV)",
        csv,
        file_name=f"harrow_{name}_{period}.csv",
        mime="text/csv",
        key=f"dl_csv_{name}",
        icon=":material/download:",
    )
