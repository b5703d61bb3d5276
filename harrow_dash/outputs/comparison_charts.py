"""Comparison charts as pure functions (no Streamlit): every area of a group ranked for one measure,
and the sentence that names where Harrow stands on every benchmarked indicator at once (drawn as
an HTML strip by :mod:`harrow_dash.outputs.standings_strip`). Each comes with a ``describe_*`` sentence
used as its accessible name, and the page shows the table behind it.

Harrow is marked by shape, size *and* a text label, never by colour alone; suppressed and missing
values are not drawn (the description and the table say how many there are).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from harrow_dash.outputs.charts import _configure
from harrow_dash.outputs.comparisons import MeasureComparison, value_text
from harrow_dash.outputs.palette import CATEGORICAL
from harrow_dash.rules.areas import HARROW
from harrow_dash.rules.benchmarking import (
    AT_MEDIAN_WORDS,
    BAND_ORDER,
    enough_for_median,
    rank_label,
)
from harrow_dash.rules.rag import Polarity
from harrow_dash.rules.suppression import SmallNumbers

OUR_COLOUR = CATEGORICAL[0]  # dark blue
OTHER_COLOUR = "#505A5F"  # 7:1 on white
QUARTILE_SHADES = ["#E8F1F8", "#F3F2F1", "#F8F8F8", "#FBE9E1"]  # top (blue) .. bottom (red)


def ranking_frame(comparison: MeasureComparison, threshold: SmallNumbers | int) -> pd.DataFrame:
    t = comparison.table
    shown = t[t["value"].notna() & ~t["suppressed"]].copy() if len(t) else t.copy()
    shown["is_us"] = shown["area_code"] == HARROW
    shown["who"] = shown["is_us"].map({True: "Harrow", False: "Other areas"})
    shown["value_text"] = [value_text(v, False, comparison.unit, threshold) for v in shown["value"]]
    shown["rank_text"] = [
        rank_label(r, tied) for r, tied in zip(shown["rank"], shown["tied"], strict=True)
    ]
    shown["label"] = [
        f"Harrow: {v} (rank {r})" if us else ""
        for us, v, r in zip(shown["is_us"], shown["value_text"], shown["rank_text"], strict=True)
    ]
    return shown


def ranking_chart(
    comparison: MeasureComparison, threshold: SmallNumbers | int, width: int | str = "container"
) -> alt.Chart:
    """Every area with a published value, best at the top, Harrow highlighted and labelled, the
    group's median as a dashed line."""
    df = ranking_frame(comparison, threshold)
    order = list(df["area_name"])
    polarity = Polarity(comparison.polarity)
    title = [
        f"{comparison.indicator}: {comparison.group.name}, {comparison.period_label}",
    ]
    s = comparison.standing
    median = s.median if s is not None and enough_for_median(s.ranked, s.group_size) else None
    subtitle = f"Best at the top ({polarity.phrase})." + (
        " Dashed line: the group's median." if median is not None else ""
    )
    y = alt.Y("area_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    x = alt.X(
        "value:Q",
        title=comparison.unit if comparison.unit != "count" else "number",
        scale=alt.Scale(zero=comparison.unit == "count", nice=True),
    )
    tooltip = [
        alt.Tooltip("area_name:N", title="Area"),
        alt.Tooltip("value_text:N", title="Value"),
        alt.Tooltip("rank_text:N", title="Rank"),
    ]
    dots = (
        alt.Chart(df)
        .mark_point(filled=True, opacity=1)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "who:N",
                scale=alt.Scale(domain=["Harrow", "Other areas"], range=[OUR_COLOUR, OTHER_COLOUR]),
                legend=alt.Legend(title=None),
            ),
            shape=alt.Shape(
                "who:N",
                scale=alt.Scale(domain=["Harrow", "Other areas"], range=["diamond", "circle"]),
                legend=alt.Legend(title=None),
            ),
            size=alt.condition("datum.is_us", alt.value(260), alt.value(70)),
            tooltip=tooltip,
        )
    )
    # The label goes on the side of Harrow's point with more room, so it is never cut off.
    ours = df[df["is_us"]]
    low, high = (float(df["value"].min()), float(df["value"].max())) if len(df) else (0.0, 1.0)
    right_side = bool(len(ours)) and float(ours["value"].iloc[0]) > (low + high) / 2
    label = (
        alt.Chart(ours)
        .mark_text(
            align="right" if right_side else "left",
            dx=-14 if right_side else 14,
            fontSize=14,
            fontWeight="bold",
            color=OUR_COLOUR,
        )
        .encode(x=x, y=y, text="label:N")
    )
    layers: list[alt.Chart] = [dots, label]
    if median is not None:
        layers.insert(
            0,
            alt.Chart(pd.DataFrame({"median": [median]}))
            .mark_rule(strokeDash=[6, 4], color="#3D3D3D")
            .encode(x="median:Q"),
        )
    chart = alt.layer(*layers).properties(
        title=alt.TitleParams(title, subtitle=subtitle)  # type: ignore[arg-type]
    )
    return _configure(chart, width, max(120, 18 * len(df)), fit_x=width == "container")


def describe_ranking(comparison: MeasureComparison, threshold: SmallNumbers | int) -> str:
    if comparison.standing is None:
        return comparison.sentence
    s = comparison.standing
    ours = value_text(
        s.value, s.area_suppressed, comparison.unit, threshold, comparison.counts_people
    )
    text = (
        f"Dot chart of {comparison.indicator} for {s.ranked} areas in {comparison.group.name}, "
        f"{comparison.period_label}, best first. Harrow: {ours}. "
        f"{comparison.sentence}"
    )
    if s.median is not None:
        text += f" The group's median is {value_text(s.median, False, comparison.unit, threshold)}."
    return text


def describe_standings(overview: pd.DataFrame, group_name: str) -> str:
    ranked = overview[overview["_quartile"].notna()]
    if ranked.empty:
        return f"No benchmarked indicator can be ranked in {group_name} for this quarter."
    counts = ranked["Quartile"].value_counts()
    parts = [
        f"{counts[b]} " + (b if b == AT_MEDIAN_WORDS else f"in the {b}")
        for b in BAND_ORDER
        if counts.get(b, 0)
    ]
    return (
        f"Harrow's position in {group_name} on {len(ranked)} benchmarked indicators: "
        + ", ".join(parts)
        + "."
    )
