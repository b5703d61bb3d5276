"""Flagship actions: every plan commitment and its reporting lines, with status over the quarters as a
timeline (an HTML table, :mod:`harrow_dash.outputs.timeline_grid`), the chosen quarter's commentary and the
corrective actions Cabinet agreed on flagship actions (each with its status and updates).
Filter by the shared filters, a status and a search.

A link may name an action (``?action=FA-12``, as the Highlights page does) to search for it. Rows,
counts and tables come from harrow_dash.outputs.explore.
"""

from __future__ import annotations

import zlib
from functools import partial

import streamlit as st

from harrow_dash.formats.textsafe import NOTE_LIMIT, escape_markdown
from harrow_dash.outputs import explore
from harrow_dash.outputs.charts import action_timeline
from harrow_dash.outputs.views import status_reported_at
from harrow_dash.rules.scope import caveats
from harrow_dash.store.quarters import no_action_status_text, nothing_reported_text
from harrow_dash.ui import data
from harrow_dash.ui.components import NO_DATA_YET, empty_state, on_demand, text
from harrow_dash.ui.downloads import download_bar
from harrow_dash.ui.follow_up import in_scope, show_actions, show_subject_actions
from harrow_dash.ui.frame import page_frame

PARAM, SEARCH, SEEN = "action", "fa_search", "_fa_link_seen"

# The link's action (the frame keeps this parameter when it rewrites the filter parameters).
link_action = st.query_params.get(PARAM)

ctx = page_frame("Flagship actions")
period = ctx.period
if period is None:
    empty_state(NO_DATA_YET)
    st.stop()

if link_action and link_action != st.session_state.get(SEEN):
    st.session_state[SEARCH] = link_action
st.session_state[SEEN] = link_action

if ctx.nothing_reported:
    empty_state(nothing_reported_text(period))
    st.stop()
if not status_reported_at(data.action_history(ctx.store_url, ctx.filters, period), period):
    empty_state(no_action_status_text(period))
    st.stop()

rows = data.action_rows(ctx.store_url, ctx.filters)
if rows.empty:
    empty_state(
        "No flagship actions match these filters. Clear a filter in the sidebar to see more."
    )
    st.stop()

notes = caveats(ctx.filters, highlights=False)
for note in notes:
    st.caption(note)

left, right = st.columns([2, 3], vertical_alignment="bottom")
with left:
    statuses = st.multiselect(
        f"Status in {period.label}",
        explore.STATUS_ORDER,
        key="fa_status",
        format_func=explore.status_label,
        placeholder="Any status",
    )
with right:
    search = st.text_input(
        "Search actions",
        key=SEARCH,
        placeholder="Search by reference, title, lead officer, directorate or commentary",
        icon=":material/search:",
    )

# Filtered, pivoted and charted once per view (data.actions_shown), not on every run.
view = data.actions_shown(ctx.store_url, ctx.filters, tuple(statuses), search or "")
shown = view.rows
counts = explore.status_counts(shown)

# -- counts ----------------------------------------------------------------------------------------
with st.container(horizontal=True, gap="small", key="fa_counts"):
    for status, n in counts.items():
        st.metric(
            explore.status_label(status),
            n,
            border=True,
            width=150,
        )
st.caption(
    f"{period.label} \u00b7 {explore.describe_status_counts(counts)} A split action counts by its lines."
)

if shown.empty:
    if (search or "").strip():
        empty_state(
            f"No flagship actions match \u201c{escape_markdown(search, limit=NOTE_LIMIT)}\u201d with these filters."
        )
    else:
        empty_state("No flagship actions match these filters.")
    st.stop()

# -- timeline --------------------------------------------------------------------------------------
timeline = view.timeline
st.header("Status over the quarters", anchor=False)
if view.grid:
    st.html(view.grid)
if shown["context_only"].any():
    st.caption(
        "A split action whose own status does not match is listed for context above its lines."
    )

# -- commentary ------------------------------------------------------------------------------------
st.header(f"Commentary, {period.label}", anchor=False)
st.caption("Select a row, or choose an action below the table, to read its commentary in full.")
table = view.table
# A new key when the rows change, so a selection never points at a different action.
rows_key = f"{period.key}_{zlib.crc32(' '.join(shown['ref']).encode()):x}"
picked = st.dataframe(
    table,
    hide_index=True,
    key=f"fa_table_{rows_key}",
    height=min(38 + 35 * len(table), 740),
    alt=f"Flagship actions with their status and commentary at {period.label}",
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        "Action": st.column_config.TextColumn(width=320),
        "Status": st.column_config.TextColumn(f"Status, {period.label}", width=145),
        "Last quarter": st.column_config.TextColumn(width=135),
        "Commentary": st.column_config.TextColumn(width=640),
        "Lead": st.column_config.TextColumn(width=200),
        "Directorate": st.column_config.TextColumn(width=160),
        "Priority": st.column_config.TextColumn(width=260),
    },
)
selected = picked.selection.rows if picked is not None else []
# The keyboard cannot tick a row in the grid, so the full commentary is also offered by a selectbox.
full_labels = [f"{r} {t}" for r, t in zip(shown["ref"], shown["title"], strict=True)]
chosen = st.selectbox(
    "Show the full commentary of",
    list(range(len(shown))),
    index=None,
    key=f"fa_full_{rows_key}",
    # A lookup, not a lambda: a widget keeps its format_func for the session, and a lambda would
    # keep the whole page's data with it.
    format_func=full_labels.__getitem__,
    placeholder="Choose an action, or select a row in the table above",
)
if chosen is None and selected and selected[0] < len(shown):
    chosen = selected[0]
if chosen is not None:
    row = shown.iloc[chosen]
    with st.container(border=True, key="fa_detail"):
        st.markdown(f"**{escape_markdown(row['ref'])} {escape_markdown(row['title'])}**")
        st.caption(
            escape_markdown(
                " \u00b7 ".join(
                    str(v) for v in (row["priority"], row["directorate"], row["lead"]) if v
                )
            )
        )
        text(row["status_text"], prefix=f"**Status, {period.label}:** ")
        text(row["previous_text"], prefix="**Last quarter:** ")
        if row["commentary"]:
            text(row["commentary"])
        else:
            st.caption("No commentary this quarter.")
        parent = row.get("parent_ref")
        refs = [str(row["ref"])] + ([parent] if isinstance(parent, str) and parent else [])
        show_subject_actions(ctx, "flagship action", refs, period)
with on_demand("The timeline as a table", key="fa_timeline_numbers") as open_:
    if open_:
        st.dataframe(
            view.timeline_table,
            hide_index=True,
            key="fa_timeline_table",
            alt="Status of each flagship action line in each quarter",
        )
download_bar(
    ctx,
    "flagship_actions",
    table,
    {"timeline": partial(action_timeline, timeline, picture=True)},
    notes=notes,
)

corrective = in_scope(ctx.store_url, ctx.filters, "flagship action")
st.header("Corrective actions on flagship actions", anchor=False)
if corrective:
    show_actions(corrective, f"Corrective actions on flagship actions, status at {period.label}")
else:
    st.write("No corrective action has been agreed on a flagship action in these filters.")
