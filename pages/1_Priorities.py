"""Priorities: one priority at a time, laid out like that priority's section of the Cabinet report.

Its RAG summaries, flagship actions with status and commentary, indicators with actual, target, RAG,
direction of travel and a small trend line, then its key achievements and areas for improvement.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_dash.action_status import status_label
from harrow_dash.charts import action_bar, rag_bar
from harrow_dash.exports import analysable
from harrow_dash.palette import ACTION_GROUP_WORDS
from harrow_dash.scorecard import rag_counts
from harrow_dash.ui import data
from harrow_dash.ui.components import NO_DATA_YET, counts_sentence, empty_state, highlight_columns
from harrow_dash.ui.downloads import download_bar
from harrow_dash.ui.frame import page_frame
from harrow_dash.views import action_counts

ctx = page_frame("Priorities")
if ctx.period is None:
    empty_state(NO_DATA_YET)
    st.stop()

choices = {
    pid: name
    for pid, name in ctx.priority_names.items()
    if not ctx.filters.priorities or pid in ctx.filters.priorities
}
labels = [f"Priority {pid}: {name}" for pid, name in choices.items()]
chosen = st.radio(
    "Priority", labels, horizontal=True, key="priority_page", label_visibility="collapsed"
)
pid = int(chosen.split(":")[0].split()[-1]) if chosen else next(iter(choices))
filters = ctx.filters
scoped = type(filters)(
    filters.period, (pid,), filters.directorates, filters.portfolios, filters.rags
)

inds = data.indicators_at(ctx.store_url, scoped, ctx.rules)
acts = data.actions_at(ctx.store_url, scoped)
hl = data.highlights(ctx.store_url, scoped, False)

st.header(f"Priority {pid}: {choices[pid]}", anchor=False)
c1, c2 = st.columns(2)
fa_counts = action_counts(acts) if len(acts) else {}
pi_counts = rag_counts(inds["rag"]) if len(inds) else {}
with c1.container(border=True):
    st.markdown(f"**Flagship actions: {sum(fa_counts.values())}**")
    if sum(fa_counts.values()):
        sentence = counts_sentence(fa_counts, "flagship action lines", ACTION_GROUP_WORDS)
        st.altair_chart(action_bar(fa_counts, height=34), alt=sentence, key="prio_fa_chart")
        st.caption(sentence)
    else:
        st.write("No flagship actions match these filters.")
with c2.container(border=True):
    st.markdown(f"**Performance indicators: {sum(pi_counts.values())}**")
    if sum(pi_counts.values()):
        sentence = counts_sentence(pi_counts, "indicators")
        st.altair_chart(rag_bar(pi_counts, height=34), alt=sentence, key="prio_pi_chart")
        st.caption(sentence)
    else:
        st.write("No indicators match these filters.")

st.subheader("Performance indicators", anchor=False)
if inds.empty:
    empty_state("No indicators match these filters.")
else:
    spark = data.sparklines(ctx.store_url, tuple(inds["ref"]), ctx.period, ctx.rules)
    table = pd.DataFrame(
        {
            "Ref": inds["ref"],
            "Indicator": inds["name"],
            "Actual": inds["actual_text"],
            "Target": inds["target_text"],
            "RAG": inds["rag_text"],
            "Since last quarter": inds["travel_prev_text"],
            "Since a year ago": inds["travel_year_text"],
            "Trend": [spark.get(r, []) for r in inds["ref"]],
            "Commentary": inds["commentary"].fillna(""),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        key="prio_indicators",
        column_config={
            "Trend": st.column_config.LineChartColumn(
                "Trend", help="Actual over the quarters to this one"
            ),
            "Commentary": st.column_config.TextColumn("Commentary", width="large"),
        },
    )
    notes = inds[inds["rag_note"].notna()]
    for r in notes.itertuples():
        st.caption(f"Data-quality note for {r.ref}: {r.rag_note}")
    download_bar(
        ctx,
        f"priority{pid}_indicators",
        analysable(
            table.drop(columns=["Trend"]),
            inds,
            ctx.rules.suppression_threshold,
            ctx.rules.reveal_suppressed,
        ),
    )

st.subheader("Flagship actions", anchor=False)
if acts.empty:
    empty_state("No flagship actions match these filters.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Ref": acts["ref"],
                "Action": acts["title"],
                "Status": [status_label(s) for s in acts["status"]],
                "Last quarter": acts["previous_status"].astype(object).fillna("\u2013"),
                "Lead": acts["lead"].fillna(""),
                "Commentary": acts["commentary"].fillna(""),
            }
        ),
        hide_index=True,
        key="prio_actions",
        column_config={"Commentary": st.column_config.TextColumn("Commentary", width="large")},
    )

st.subheader("Achievements and areas for improvement", anchor=False)
if hl.empty:
    st.write(f"None recorded for this priority in {ctx.period.label}.")
else:
    highlight_columns(hl)
