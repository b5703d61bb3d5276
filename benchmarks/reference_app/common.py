"""The one page every page of the reference app draws: a title, four metrics, one Altair line chart
of 48 points and one 48-row table, as a minimal Streamlit app would (nothing cached, defaults)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st


def draw(title: str, seed: int) -> None:
    st.title(title)
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "month": pd.date_range("2020-04-01", periods=48, freq="MS"),
            "value": 60 + rng.normal(0, 4, 48).cumsum(),
            "target": 65.0,
            "count": rng.integers(100, 5000, 48),
        }
    )
    for col, (label, value) in zip(
        st.columns(4),
        [
            ("Latest", f"{data['value'].iloc[-1]:.1f}%"),
            ("Target", "65%"),
            ("Average", f"{data['value'].mean():.1f}%"),
            ("Cases", f"{int(data['count'].sum()):,}"),
        ],
        strict=True,
    ):
        col.metric(label, value, f"{rng.normal(0, 2):+.1f}")
    chart = alt.Chart(data).mark_line(point=True).encode(x="month:T", y="value:Q")
    st.altair_chart(chart, use_container_width=True)
    st.dataframe(data, hide_index=True)
