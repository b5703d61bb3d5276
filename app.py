"""Overview: the quarter's headline, as the Strategic Performance Report to Cabinet opens.

RAG counts for all flagship actions and all indicators, the same for each priority side by side with
their most important movements, what changed since last quarter, and the key achievements and areas
for improvement per priority. All numbers come from harrow_dash.outputs.views.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_dash.formats.textsafe import escape_markdown
from harrow_dash.outputs import explore
from harrow_dash.outputs.charts import stacked_bar_html
from harrow_dash.outputs.palette import ACTION_GROUP_WORDS
from harrow_dash.rules.scope import caveats
from harrow_dash.rules.scorecard import rag_label
from harrow_dash.store.quarters import (
    no_action_status_text,
    no_indicator_values_text,
    nothing_reported_text,
)
from harrow_dash.ui import data
from harrow_dash.ui.components import (
    COUNT_KINDS,
    NO_DATA_YET,
    bullet_list,
    count_bar,
    counts_sentence,
    empty_state,
    highlight_columns,
    on_demand,
    small_table,
)
from harrow_dash.ui.downloads import briefing_button, download_bar
from harrow_dash.ui.follow_up import show_follow_up
from harrow_dash.ui.frame import page_frame

ctx = page_frame("Overview")
ov = data.overview(ctx.store_url, ctx.filters, ctx.rules) if ctx.period else None

if ov is None:
    empty_state(NO_DATA_YET)
    st.stop()

if ov.nothing_reported:
    empty_state(nothing_reported_text(ov.period))
    st.stop()

if ov.indicators.empty and ov.actions.empty:
    empty_state(
        "No indicators or flagship actions match these filters. Clear a filter in the sidebar to see more."
    )
    st.stop()

with st.container(horizontal=True, gap="small", key="overview_downloads"):
    briefing_button(ctx, overview=ov)
    download_bar(
        ctx,
        "summary",
        explore.summary_download(
            ov.action_counts,
            ov.indicator_counts,
            [
                (f"Priority {ps.priority_id}: {ps.name}", ps.action_counts, ps.indicator_counts)
                for ps in ov.priorities
            ],
            ACTION_GROUP_WORDS,
        ),
        title="Summary of performance by priority",
    )


def summary_card(column, title: str, counts: dict[str, int], kind: str, reported: bool) -> None:
    total = sum(counts.values())
    _colours, noun, _words = COUNT_KINDS[kind]
    with column.container(border=True):
        if not reported:
            st.markdown(f"## {title}")
            missing = no_action_status_text if kind == "action" else no_indicator_values_text
            st.write(missing(ov.period))
            return
        st.markdown(f"## {title}: {total}")
        if total == 0:
            st.write(f"No {noun} match these filters.")
            return
        count_bar(counts, kind)


left, right = st.columns(2)
summary_card(left, "Flagship actions", ov.action_counts, "action", ov.actions_reported)
summary_card(right, "Performance indicators", ov.indicator_counts, "rag", ov.indicators_reported)
for note in caveats(ctx.filters, highlights=False):
    st.caption(note)

cols = st.columns(max(1, len(ov.priorities)))
for col, ps in zip(cols, ov.priorities, strict=False):
    with col.container(border=True):
        st.markdown(f"**Priority {ps.priority_id}: {escape_markdown(ps.name)}**")
        if not ov.actions_reported:
            st.caption("Flagship actions: no status reported")
        if not ov.indicators_reported:
            st.caption("Indicators: no values reported")
        for kind, counts, what in (
            ("action", ps.action_counts, "Flagship actions"),
            ("rag", ps.indicator_counts, "Indicators"),
        ):
            if sum(counts.values()):
                colours, noun, words = COUNT_KINDS[kind]
                sentence = counts_sentence(counts, noun, words)
                st.caption(f"{what}: {sentence.split(': ', 1)[1]}")
                st.html(stacked_bar_html(counts, colours, sentence, height=26))
        if ps.movements:
            bullet_list([m.text for m in ps.movements], "")
        else:
            st.caption("No notable movements since last quarter.")

with on_demand("Data tables for the charts above", key="overview_tables") as open_:
    rows = []
    for scope, fa, pi in [("All priorities", ov.action_counts, ov.indicator_counts)] + [
        (f"Priority {ps.priority_id}", ps.action_counts, ps.indicator_counts)
        for ps in ov.priorities
    ]:
        rows += [
            {
                "Scope": scope,
                "Chart": "Flagship action lines",
                "Status": ACTION_GROUP_WORDS[k],
                "Count": v,
            }
            for k, v in fa.items()
            if ov.actions_reported  # no "0 not started" rows for a quarter nobody reported on
        ]
        rows += [
            {"Scope": scope, "Chart": "Indicators", "Status": k, "Count": v}
            for k, v in pi.items()
            if ov.indicators_reported
        ]
    if open_:  # drawn when opened: a table in a closed expander costs the browser as much
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="overview_counts")

st.header("Changes since last quarter", anchor=False)
if ov.rag_changes.empty:
    st.markdown("**Indicators whose RAG rating changed**")
    st.write("No indicator changed its RAG rating.")
else:
    small_table(
        pd.DataFrame(
            {
                "Indicator": ov.rag_changes["ref"] + " " + ov.rag_changes["name"],
                "Last quarter": ov.rag_changes["previous_rag"].map(rag_label),
                "This quarter": ov.rag_changes["rag"].map(rag_label),
                "Change": ov.rag_changes["direction"].map(
                    {"better": "\u25b2 better", "worse": "\u25bc worse"}
                ),
            }
        ),
        "Indicators whose RAG rating changed",
    )
st.caption(
    "Each indicator is compared with last quarter, or with the same quarter a year earlier if it is "
    "cumulative or seasonal. Ranked by the change relative to the indicator's tolerance; small "
    "counts of people are left out."
)
for title, frame in (
    ("Biggest improvements", ov.improvements),
    ("Biggest deteriorations", ov.deteriorations),
):
    if frame.empty:
        st.markdown(f"**{title}**")
        st.write("None this quarter.")
    else:
        small_table(
            pd.DataFrame(
                {
                    "Indicator": frame["ref"] + " " + frame["name"],
                    "Compared with": frame["compared_with"],
                    "Then": frame["previous_text"],
                    "Now": frame["actual_text"],
                    "Change": frame["change_text"],
                }
            ),
            title,
        )

show_follow_up(ctx, ov.follow_up)

st.header("Achievements and areas for improvement", anchor=False)
for note in caveats(ctx.filters, ov.unplaced_highlights, actions=False):
    st.caption(note)
hl = ov.highlights
if hl.empty:
    st.write(f"No achievements or areas for improvement have been recorded for {ov.period.label}.")
else:
    for ps in ov.priorities:
        items = hl[hl["priority_id"] == ps.priority_id]
        if items.empty:
            continue
        st.subheader(f"Priority {ps.priority_id}: {escape_markdown(ps.name)}", anchor=False)
        highlight_columns(items)
