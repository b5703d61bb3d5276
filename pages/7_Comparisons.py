"""Comparisons: how Harrow compares with other London boroughs and named groups, one indicator at a
time (every area ranked, Harrow highlighted) and all benchmarked indicators at once (Harrow's rank and
quartile on each), from comparator data shaped like LG Inform's and Oflog's downloads.

The chosen group and indicator live in the URL (``group``, ``measure``) beside the filter bar's own
parameters. The rules are in harrow_dash.rules.benchmarking; what is shown comes from harrow_dash.outputs.comparisons.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from harrow_dash.formats.textsafe import escape_markdown
from harrow_dash.outputs import comparisons
from harrow_dash.outputs.comparison_charts import ranking_chart
from harrow_dash.rules.areas import DEFAULT_GROUP
from harrow_dash.ui import comparison_data as cdata
from harrow_dash.ui.components import NO_DATA_YET, empty_state, on_demand, vega_chart
from harrow_dash.ui.downloads import download_bar
from harrow_dash.ui.frame import page_frame

GROUP_PARAM, MEASURE_PARAM = "group", "measure"
link_group = st.query_params.get(GROUP_PARAM)
link_measure = st.query_params.get(MEASURE_PARAM)

ctx = page_frame("Comparisons")
period = ctx.period
if period is None:
    empty_state(NO_DATA_YET)
    st.stop()
threshold = ctx.rules.small_numbers

everything = cdata.benchmarked(ctx.store_url)
if everything.empty:
    empty_state(
        "No indicator is mapped to comparator data yet. Load comparator values (one row per area "
        "per measure per period) and give indicators a benchmark measure: see 'Comparator values' in "
        "docs/loading-data.md."
    )
    st.stop()
groups = cdata.groups(ctx.store_url)
indicators = comparisons.filter_indicators(everything, ctx.filters)

notes: list[str] = []
if link_group is not None and link_group not in groups:
    notes.append("The link names a comparison group that is not in the data; showing London.")
if ctx.filters.rags:
    notes.append(
        "The RAG filter rates Harrow against its own targets, so it does not narrow comparisons."
    )
for note in notes:
    st.info(escape_markdown(note), icon=":material/link:")

choose_group, choose_measure = st.columns(2)
group_names = list(groups)
if "cmp_group" not in st.session_state or (
    link_group in groups and link_group != st.session_state.get("_cmp_group_written")
):
    st.session_state["cmp_group"] = link_group if link_group in groups else DEFAULT_GROUP
group_name = choose_group.selectbox(
    "Compare with",
    group_names,
    key="cmp_group",
    help="Built-in London groups, and groups loaded as data (e.g. statistical neighbours).",
)
group = comparisons.pick_group(groups, group_name)
st.session_state["_cmp_group_written"] = group.name
if st.query_params.get(GROUP_PARAM) != group.name:
    st.query_params[GROUP_PARAM] = group.name

if indicators.empty:
    empty_state(
        "No benchmarked indicator matches these filters. Clear the priority, directorate or "
        "portfolio filter to see more."
    )
    st.stop()

# -- one indicator -----------------------------------------------------------------------------------
st.header("One indicator, every area", anchor=False)
refs = list(indicators["ref"])
labels = dict(zip(indicators["ref"], indicators["ref"] + " " + indicators["name"], strict=True))
if link_measure in refs and link_measure != st.session_state.get("_cmp_measure_written"):
    st.session_state["cmp_measure"] = link_measure
if st.session_state.get("cmp_measure") not in refs:
    st.session_state["cmp_measure"] = refs[0]
if link_measure is not None and link_measure not in refs:
    st.info(
        "The link names an indicator that has no comparator data with these filters.",
        icon=":material/link:",
    )
ref = choose_measure.selectbox(
    "Indicator",
    refs,
    key="cmp_measure",
    # A lookup, not a lambda: a widget keeps its format_func for the session, and a lambda would
    # keep the whole page's data with it.
    format_func=labels.__getitem__,
)
st.session_state["_cmp_measure_written"] = ref
if st.query_params.get(MEASURE_PARAM) != ref:
    st.query_params[MEASURE_PARAM] = ref
# Ranked, tabled and charted once per indicator, group and quarter (comparison_data.ranking).
ranked = cdata.ranking(ctx.store_url, ref, group.name, period, threshold)
chosen = ranked.comparison
st.markdown(f"**{escape_markdown(chosen.sentence)}**")
if chosen.benchmark_sentence:
    st.markdown(escape_markdown(chosen.benchmark_sentence))
if ranked.chart is not None and chosen.standing is not None:
    vega_chart(ranked.chart, alt_text=ranked.alt_text, key="chart_ranking")
    shown = ranked.shown
    with on_demand("The numbers behind the chart", key="cmp_numbers") as open_:
        if open_:
            st.dataframe(shown, hide_index=True, key="table_ranking")
    gaps = chosen.standing.suppressed + chosen.standing.missing
    if gaps:
        st.caption(
            f"Not drawn: {chosen.standing.suppressed} area(s) whose figure is a small number "
            f"({threshold.text}: {threshold.meaning}) and {chosen.standing.missing} with no figure for "
            f"{chosen.period_label}."
        )
    download_bar(
        ctx,
        "comparison",
        shown,
        {"ranking": partial(ranking_chart, chosen, threshold)},  # built when downloaded
        title=f"{ref} compared with {group.name}, {chosen.period_label}",
        prepare=partial(comparisons.ranking_download, comparison=chosen),  # figures as numbers
    )
else:
    empty_state(chosen.sentence)

# -- every indicator -------------------------------------------------------------------------------
st.header("Where Harrow leads and lags", anchor=False)
st.caption(
    f"Harrow's rank among {group.noun} on each benchmarked indicator, at the latest comparator "
    f"period that had ended by {period.label}. Rank 1 is best, judged by each indicator's polarity."
)
standings = cdata.standings(ctx.store_url, ctx.filters, group.name, period, threshold)
visible = standings.table[comparisons.OVERVIEW_COLUMNS]
if standings.strip:
    st.html(standings.strip)
# Drawn when opened, as the ranking's numbers are: the strip above already gives every rank.
with on_demand(
    "The numbers behind the chart: every indicator", key="cmp_standings_numbers"
) as open_:
    if open_:
        st.dataframe(
            visible,
            hide_index=True,
            key="table_standings",
            column_config={
                "Indicator": st.column_config.TextColumn(width=280),
                "Where Harrow stands": st.column_config.TextColumn(width=420),
            },
        )
download_bar(
    ctx,
    "comparisons_all",
    standings.table,
    title=f"Benchmarked indicators compared with {group.name}",
    prepare=comparisons.overview_download,  # the shown columns, figures as numbers
)
st.caption(
    "Comparator figures are other councils' published values (illustrative in the sample data). "
    "Areas with a suppressed or missing figure are not ranked and are counted in each sentence. "
    "Ties share the better rank (=3rd)."
)
