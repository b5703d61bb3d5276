"""Indicators: every performance indicator matching the filters with its current status, and the
trend of the ones picked, against target and benchmark, with the quarter's commentary and the
corrective actions Cabinet agreed on it (status now and each quarter's update).

The picked indicators live in the URL as ``ind`` (repeated for several), beside the filter bar's own
parameters, so a link opens the same charts. Tables and facts come from harrow_dash.outputs.explore.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from harrow_dash.formats.textsafe import NOTE_LIMIT, escape_markdown, quoted
from harrow_dash.outputs import comparisons, explore
from harrow_dash.outputs.charts import describe_counts, describe_trend, trend_chart
from harrow_dash.outputs.exports import analysable
from harrow_dash.store.quarters import nothing_reported_text
from harrow_dash.ui import comparison_data as cdata
from harrow_dash.ui import data
from harrow_dash.ui.components import (
    NO_DATA_YET,
    altair_chart,
    arrow_table,
    empty_state,
    on_demand,
    text,
)
from harrow_dash.ui.downloads import download_bar
from harrow_dash.ui.follow_up import show_subject_actions
from harrow_dash.ui.frame import page_frame

PARAM, PICKER, WRITTEN = "ind", "ind_select", "_ind_written"
MAX_PICKED = 6

# The link's indicators (the frame keeps this parameter when it rewrites the filter parameters).
link_refs = st.query_params.get_all(PARAM)

ctx = page_frame("Indicators")
period = ctx.period
if period is None:
    empty_state(NO_DATA_YET)
    st.stop()
if ctx.nothing_reported:
    empty_state(nothing_reported_text(period))
    st.stop()

everything = data.all_indicators_at(ctx.store_url, period, ctx.rules)
names = dict(zip(everything["ref"], everything["name"], strict=True))
table = data.indicator_list(ctx.store_url, ctx.filters, ctx.rules)
# Figures revised after the quarter was published: the words go beside the value they qualify.
threshold = ctx.rules.small_numbers
revised = data.revision_notes(ctx.store_url, period, everything, threshold, short=True)
revised_in_full = data.revision_notes(ctx.store_url, period, everything, threshold)

# -- the list ---------------------------------------------------------------------------------------
st.header("All indicators", anchor=False)
if table.empty:
    empty_state(
        "No indicators match these filters. Clear a filter in the sidebar to see more, "
        "or pick any indicator below to see its trend."
    )
    shown = table
else:
    search = st.text_input(
        "Search indicators",
        key="ind_search",
        placeholder="Search by reference, name, directorate, portfolio, RAG or commentary",
        icon=":material/search:",
    )
    shown = explore.search(table, search, explore.INDICATOR_SEARCH_COLUMNS)
    counts = explore.rag_summary(shown)
    if shown.empty:
        empty_state(
            f"No indicators match \u201c{escape_markdown(search, limit=NOTE_LIMIT)}\u201d with these filters. "
            "Try fewer or different words."
        )
    else:
        st.caption(f"{period.label} \u00b7 " + describe_counts(counts, "indicators"))
        visible = [
            c
            for c in explore.INDICATOR_LIST_COLUMNS
            if c != "Data note" or shown["Data note"].astype(bool).any()
        ]
        if revised:
            shown = shown.assign(Revised=[revised.get(str(r), "") for r in shown["Ref"]])
            if shown["Revised"].astype(bool).any():
                visible.insert(visible.index("Actual") + 1, "Revised")
        st.dataframe(
            arrow_table(shown[visible]),  # the trend lines go as the Arrow lists they are
            column_config={
                "Ref": st.column_config.TextColumn("Ref", width=62),
                # Wide enough for the longest names and "Not due this quarter (annual)" at 1440 px.
                "Indicator": st.column_config.TextColumn("Indicator", width=330),
                "Actual": st.column_config.TextColumn(f"Actual, {period.label}", width=235),
                "Target": st.column_config.TextColumn("Target", width=90),
                "RAG": st.column_config.TextColumn("RAG", width=100),
                "Since last quarter": st.column_config.TextColumn(width=112),
                "Since a year ago": st.column_config.TextColumn(width=112),
                "Trend": st.column_config.LineChartColumn(
                    "Trend to date",
                    width=90,
                    help="Reported actuals, oldest to newest; small counts are left out",
                ),
                "Data note": st.column_config.TextColumn(width=200),
                "Revised": st.column_config.TextColumn(
                    "Revised since published",
                    width=290,
                    help="Figures changed after the quarter was published: when, the figure as "
                    "published and as revised. The Actual column shows the revised figure.",
                ),
            },
            hide_index=True,
            height=min(38 + 35 * len(shown), 460),
            key="ind_table",
            alt=f"Indicators matching the filters with their status at {period.label}",
        )
    download = explore.indicator_download(shown)
    if "Revised" in shown and shown["Revised"].astype(bool).any():
        download.insert(list(download.columns).index("Actual") + 1, "Revised", shown["Revised"])
    download_bar(  # figures as numbers, made when a file is asked for
        ctx,
        "indicators",
        download,
        prepare=partial(
            analysable, values=everything, reveal_suppressed=ctx.rules.reveal_suppressed
        ),
    )

# -- picking indicators -------------------------------------------------------------------------------
notes: list[str] = []
if link_refs and link_refs != st.session_state.get(WRITTEN):
    picked, unknown = explore.pick_refs(link_refs, names, MAX_PICKED)
    st.session_state[PICKER] = picked
    notes += [f"The link names indicator {quoted(u)}, which is not in the data." for u in unknown]
elif PICKER not in st.session_state:
    # Back from another page (Streamlit forgets a widget that was not drawn). A first visit picks
    # nothing: the list's trend column shows every indicator's course, and a chart of whichever
    # indicator happens to come first would only cost the page its opening time.
    saved = st.session_state.get(WRITTEN)
    st.session_state[PICKER] = list(saved) if saved is not None else []
kept = [r for r in st.session_state.get(PICKER, []) if r in names]
if kept != st.session_state.get(PICKER):
    st.session_state[PICKER] = kept
options = list(dict.fromkeys(list(shown["ref"] if len(shown) else []) + kept))
if not options:
    options = list(everything["ref"])

st.header("Trends", anchor=False)
for note in notes:
    st.info(escape_markdown(note), icon=":material/link:")
picked = st.multiselect(
    "Indicators to chart",
    options,
    key=PICKER,
    # Not a lambda: a widget keeps its format_func for the session, and a lambda would keep the
    # whole page's data with it.
    format_func=partial(explore.label_for, names=names),
    max_selections=MAX_PICKED,
    placeholder="Pick one or more indicators",
    help="Each indicator gets its own chart. The list offers the indicators shown above.",
)
if st.query_params.get_all(PARAM) != picked:
    if picked:
        st.query_params[PARAM] = picked
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
st.session_state[WRITTEN] = list(picked)

if not picked:
    empty_state("Pick one or more indicators above to see their trend against target.")
    st.stop()

now = everything.set_index("ref")
histories = {ref: data.histories(ctx.store_url, (ref,), ctx.rules, period) for ref in picked}
group = comparisons.pick_group(cdata.groups(ctx.store_url), st.query_params.get("group"))
facts_of = {ref: explore.indicator_facts({"ref": ref, **now.loc[ref].to_dict()}) for ref in picked}
compared_of = {
    ref: cdata.for_indicator(ctx.store_url, ref, group.name, period, ctx.rules.small_numbers)
    for ref in picked
}
charts = {  # for the downloads: built only when one is downloaded
    ref: partial(
        trend_chart,
        histories[ref],
        title=f"{ref} {facts_of[ref].name} ({facts_of[ref].polarity})",
        group_band=compared_of[ref][1] if compared_of[ref] else None,
        group_name=group.noun,
        threshold=ctx.rules.small_numbers,
        months=data.months(ctx.store_url, (ref,), period),
    )
    for ref in picked
    if not histories[ref].empty
}
# Under the picker, where the charts it carries are chosen, rather than below all of them.
download_bar(
    ctx,
    "indicator_trends",
    explore.trend_download(histories, names),
    charts,
    prepare=partial(
        analysable,
        values=pd.concat(
            [h.assign(ref=ref) for ref, h in histories.items() if not h.empty] or [pd.DataFrame()],
            ignore_index=True,
        ),
        reveal_suppressed=ctx.rules.reveal_suppressed,
    ),
)
for ref in picked:
    facts = facts_of[ref]
    hist = histories[ref]
    compared = compared_of[ref]
    with st.container(border=True, key=f"ind_card_{ref}"):
        st.caption(escape_markdown(f"{facts.context} \u00b7 {facts.polarity.capitalize()}"))
        left, right = st.columns([2, 1], gap="large")
        with left:
            if hist.empty:
                st.markdown(f"### {escape_markdown(ref)} {escape_markdown(facts.name)}")
                st.write("No values have been reported for this indicator yet.")
            else:
                altair_chart(
                    trend_chart,
                    hist,
                    title=f"{ref} {facts.name} ({facts.polarity})",
                    group_band=compared[1] if compared else None,
                    group_name=group.noun,
                    threshold=ctx.rules.small_numbers,  # the band the downloads draw too
                    alt_text=describe_trend(hist),
                    key=f"trend_{ref}",
                )
        with right:
            st.caption(f"Actual, {period.label}")
            st.markdown(f"### {escape_markdown(facts.actual)}")
            if revised_in_full.get(ref):
                st.caption(escape_markdown(revised_in_full[ref]))
            # One block of paragraphs rather than one element per fact: each element is costly
            # for the browser to draw.
            st.markdown(
                "\n\n".join(
                    f"**{escape_markdown(label)}:** {escape_markdown(value)}"
                    for label, value in (
                        ("Target", facts.target),
                        ("RAG", facts.rag),
                        ("Since last quarter", facts.since_last_quarter),
                        ("Since a year ago", facts.since_last_year),
                        ("Benchmark", facts.benchmark),
                        ("Compared with " + group.name, compared[0].sentence if compared else ""),
                    )
                    if value
                )
            )
            if facts.rag_note:
                st.warning(escape_markdown(facts.rag_note), icon=":material/report:")
            if facts.commentary:
                text(facts.commentary, prefix=f"**Commentary, {period.label}**\n\n")
            else:
                st.markdown(f"**Commentary, {period.label}**")
                st.caption("No commentary this quarter.")
        show_subject_actions(ctx, "indicator", [ref], period)
        with on_demand(
            f"Numbers behind the chart: {escape_markdown(ref)}",
            key=f"ind_numbers_{ref}",
        ) as open_:
            if open_:  # drawn only when open: a table costs the browser as much as the chart
                if facts.description:
                    text(facts.description, prefix="*What it measures:* ")
                numbers = explore.trend_table(hist)
                if compared is not None and not compared[1].empty:
                    numbers = comparisons.add_group_columns(numbers, compared[1], compared[0].unit)
                st.dataframe(
                    numbers,
                    hide_index=True,
                    height=38 + 35 * max(1, len(numbers)),
                    key=f"trend_table_{ref}",
                    alt=f"Quarterly values of {ref} {facts.name}",
                    column_config={
                        "RAG": st.column_config.TextColumn(width=230),
                        "Commentary": st.column_config.TextColumn(width="large"),
                    },
                )
                monthly_numbers = explore.monthly_table(
                    data.months(ctx.store_url, (ref,), period),
                    hist,
                    ctx.rules.small_numbers,
                )
                if len(monthly_numbers):
                    st.dataframe(
                        monthly_numbers,
                        hide_index=True,
                        key=f"monthly_table_{ref}",
                        alt=f"Monthly figures of {ref} {facts.name}",
                    )
