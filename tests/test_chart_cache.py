"""Charts drawn through the cached spec (``ui.components.altair_chart``) reach the browser exactly as
``st.altair_chart`` sends them, and a chart is built once per distinct data, not on every run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import pandas as pd
    import streamlit as st

    from harrow_dash.outputs.charts import rag_bar, trend_chart
    from harrow_dash.rules.scorecard import rate
    from harrow_dash.ui.components import altair_chart

    calls = st.session_state.setdefault("calls", [])

    def counted_rag_bar(counts: dict[str, int], height: int) -> object:
        calls.append(dict(counts))
        return rag_bar(counts, height=height)

    counts = {"Green": 3, "Amber": 1, "Red": 2, "Not rated": 0}
    st.altair_chart(rag_bar(counts, height=34), alt="three green", key="plain_bar")
    altair_chart(counted_rag_bar, counts, height=34, alt_text="three green", key="cached_bar")
    altair_chart(counted_rag_bar, counts, height=34, alt_text="three green", key="again")

    hist = rate(
        pd.DataFrame(
            {
                "ref": ["PI-1"] * 3,
                "name": ["Rough sleepers"] * 3,
                "period": [20231, 20232, 20233],
                "unit": ["%"] * 3,
                "polarity": ["higher"] * 3,
                "tolerance": [None] * 3,
                "frequency": ["quarterly"] * 3,
                "counts_people": [False] * 3,
                "actual": [60.0, 65.5, 70.0],
                "target": [65.0, 65.0, 65.0],
                "target_upper": [None] * 3,
                "official_rag": [None] * 3,
                "commentary": ["", "better", "=1+1"],
                "benchmark": [None, 62.0, None],
                "benchmark_label": [None, "London", None],
                "not_due": [False] * 3,
            }
        )
    )
    st.altair_chart(trend_chart(hist, title="PI-1"), alt="trend", key="plain_trend")
    altair_chart(trend_chart, hist, title="PI-1", alt_text="trend", key="cached_trend")


def test_cached_charts_are_the_charts_altair_chart_sends() -> None:
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 5
    plain_bar, cached_bar, again, plain_trend, cached_trend = (c.proto for c in charts)
    for plain, cached in ((plain_bar, cached_bar), (plain_bar, again), (plain_trend, cached_trend)):
        assert cached.spec == plain.spec
        assert [(d.name, d.data.data) for d in cached.datasets] == [
            (d.name, d.data.data) for d in plain.datasets
        ]
        assert cached.alt == plain.alt
    assert len(at.session_state["calls"]) == 1  # built once for the two charts of the same data

    at.run()  # a rerun (another reader, a widget) draws the same charts from the cache
    assert not at.exception
    assert len(at.session_state["calls"]) == 1
    assert at.get("vega_lite_chart")[1].proto.spec == plain_bar.spec
