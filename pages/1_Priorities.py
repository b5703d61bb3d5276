"""Priorities: one priority at a time, laid out like that priority's section of the Cabinet report.

Its RAG summaries, flagship actions with status and commentary, indicators with actual, target, RAG,
direction of travel and a small trend line, "What we said we would do" (its corrective actions followed
up), then its key achievements and areas for improvement.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from harrow_dash.formats.textsafe import escape_markdown, quoted
from harrow_dash.outputs.exports import analysable
from harrow_dash.outputs.views import action_counts, status_reported_at
from harrow_dash.rules.action_status import status_label
from harrow_dash.rules.scope import caveats
from harrow_dash.rules.scorecard import rag_counts
from harrow_dash.store.quarters import no_action_status_text, nothing_reported_text
from harrow_dash.ui import data
from harrow_dash.ui.components import (
    NO_DATA_YET,
    count_bar,
    empty_state,
    highlight_columns,
)
from harrow_dash.ui.downloads import download_bar
from harrow_dash.ui.follow_up import follow_up_at, show_follow_up
from harrow_dash.ui.frame import page_frame

SECTION, RADIO, SEEN = "section", "priority_page", "_section_seen"
# The link's priority (e.g. ?section=2); read before the frame, which keeps page parameters anyway.
link_section = st.query_params.get(SECTION)

ctx = page_frame("Priorities")
if ctx.period is None:
    empty_state(NO_DATA_YET)
    st.stop()
if ctx.nothing_reported:
    empty_state(nothing_reported_text(ctx.period))
    st.stop()

choices = {
    pid: name
    for pid, name in ctx.priority_names.items()
    if not ctx.filters.priorities or pid in ctx.filters.priorities
}
keys = [str(pid) for pid in choices]
if link_section != st.session_state.get(SEEN):
    if link_section in keys:
        st.session_state[RADIO] = link_section
    elif link_section:
        empty_state(
            escape_markdown(
                f"The link names priority {quoted(link_section)}, which is not one of the "
                "priorities shown with these filters; showing the first."
            )
        )
if st.session_state.get(RADIO) not in keys:
    st.session_state[RADIO] = keys[0]
radio_labels = {k: f"Priority {k}: {escape_markdown(choices[int(k)])}" for k in keys}
chosen = st.radio(
    "Priority",
    keys,
    horizontal=True,
    key=RADIO,
    label_visibility="collapsed",
    # Radio labels are Markdown; the priority names come from a file. A lookup, not a lambda: a
    # widget keeps its format_func for the session, and a lambda would keep the whole page's data.
    format_func=radio_labels.__getitem__,
)
pid = int(chosen or keys[0])
# The choice is in the URL, so a link opens the same priority.
if st.query_params.get(SECTION) != str(pid):
    st.query_params[SECTION] = str(pid)
st.session_state[SEEN] = str(pid)
filters = ctx.filters
scoped = type(filters)(
    filters.period, (pid,), filters.directorates, filters.portfolios, filters.rags
)

inds = data.indicators_at(ctx.store_url, scoped, ctx.rules)
acts = data.actions_at(ctx.store_url, scoped)
hl = data.highlights(ctx.store_url, scoped, False)
unplaced = len(data.unplaced_highlights(ctx.store_url, scoped, False))

st.header(f"Priority {pid}: {escape_markdown(choices[pid])}", anchor=False)
c1, c2 = st.columns(2)
fa_counts = action_counts(acts) if len(acts) else {}
pi_counts = rag_counts(inds["rag"]) if len(inds) else {}
fa_reported = status_reported_at(data.action_history(ctx.store_url, scoped, ctx.period), ctx.period)
if not fa_reported:
    acts, fa_counts = acts.iloc[0:0], {}
with c1.container(border=True):
    st.markdown(f"**Flagship actions: {sum(fa_counts.values())}**")
    if not fa_reported:
        st.write(no_action_status_text(ctx.period))
    elif sum(fa_counts.values()):
        count_bar(fa_counts, "action", height=34)
    else:
        st.write("No flagship actions match these filters.")
with c2.container(border=True):
    st.markdown(f"**Performance indicators: {sum(pi_counts.values())}**")
    if sum(pi_counts.values()):
        count_bar(pi_counts, "rag", height=34)
    else:
        st.write("No indicators match these filters.")

st.subheader("Performance indicators", anchor=False)
if inds.empty:
    empty_state("No indicators match these filters.")
else:
    spark = data.sparklines_at(ctx.store_url, scoped, ctx.rules)
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
    # Figures revised after the quarter was published: the note goes beside the revised figure.
    revised = data.revision_notes(
        ctx.store_url, ctx.period, inds, ctx.rules.small_numbers, short=True
    )
    if any(revised.get(str(r)) for r in table["Ref"]):
        table.insert(3, "Revised", [revised.get(str(r), "") for r in table["Ref"]])
    st.dataframe(
        table,
        hide_index=True,
        key="prio_indicators",
        # Fixed widths, so names and "Not due this quarter (annual)" are read in full at 1440 px and
        # the commentary keeps a readable width (scrolled to) instead of being squeezed to "Com".
        column_config={
            "Ref": st.column_config.TextColumn(width=62),
            "Indicator": st.column_config.TextColumn(width=330),
            "Actual": st.column_config.TextColumn(width=190),
            "Target": st.column_config.TextColumn(width=95),
            "RAG": st.column_config.TextColumn(width=95),
            "Since last quarter": st.column_config.TextColumn(width=112),
            "Since a year ago": st.column_config.TextColumn(width=112),
            "Trend": st.column_config.LineChartColumn(
                "Trend", width=80, help="Actual over the quarters to this one"
            ),
            "Commentary": st.column_config.TextColumn("Commentary", width=560),
        },
    )
    notes = inds[inds["rag_note"].notna()]
    for r in notes.itertuples():  # the reference and the note come from a file: literal text
        st.caption(escape_markdown(f"Data-quality note for {r.ref}: {r.rag_note}"))
    download_bar(
        ctx,
        f"priority_{pid}_indicators",
        table.drop(columns=["Trend"]),
        title=f"Priority {pid} indicators",
        prepare=partial(  # figures as numbers, made when a file is asked for
            analysable,
            values=inds,
            reveal_suppressed=ctx.rules.reveal_suppressed,
        ),
    )

st.subheader("Flagship actions", anchor=False)
for note in caveats(filters, highlights=False):
    st.caption(note)
if not fa_reported:
    empty_state(no_action_status_text(ctx.period))
elif acts.empty:
    empty_state("No flagship actions match these filters.")
else:
    action_table = pd.DataFrame(
        {
            "Ref": acts["ref"],
            "Action": acts["title"],
            "Status": [status_label(s) for s in acts["status"]],
            "Last quarter": acts["previous_status"].astype(object).fillna("\u2013"),
            "Commentary": acts["commentary"].fillna(""),
            "Lead": acts["lead"].fillna(""),
        }
    )
    st.dataframe(
        action_table,
        hide_index=True,
        key="prio_actions",
        # The commentary before the lead officer and with a fixed width, so it is read at 1440 px
        # rather than squeezed to "Com" at the right edge.
        column_config={
            "Ref": st.column_config.TextColumn(width=70),
            "Action": st.column_config.TextColumn(width=300),
            "Status": st.column_config.TextColumn(width=125),
            "Last quarter": st.column_config.TextColumn(width=110),
            "Commentary": st.column_config.TextColumn("Commentary", width=560),
            "Lead": st.column_config.TextColumn(width=200),
        },
    )
    download_bar(
        ctx,
        f"priority_{pid}_actions",
        action_table,
        title=f"Priority {pid} flagship actions",
        notes=caveats(filters, highlights=False),
    )

show_follow_up(
    ctx, follow_up_at(ctx.store_url, scoped, ctx.rules), heading="subheader", filters=scoped
)

st.subheader("Achievements and areas for improvement", anchor=False)
for note in caveats(filters, unplaced, actions=False):
    st.caption(note)
if hl.empty:
    st.write(f"None recorded for this priority in {ctx.period.label}.")
else:
    highlight_columns(hl)
