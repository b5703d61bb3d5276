"""Highlights: key achievements and areas for improvement, every quarter up to the chosen one, newest
first, grouped by priority, searchable, each linked to the indicator or flagship action it is about.

Items come from harrow_dash.explore; their text is shown exactly as typed (never as HTML or Markdown).
The directorate and portfolio filters place an item by the indicator or action it refers to; the
captions say what the filters could not place (harrow_dash.scope).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_dash import explore
from harrow_dash.periods import parse_period
from harrow_dash.scope import caveats
from harrow_dash.textsafe import NOTE_LIMIT, escape_markdown
from harrow_dash.ui import data
from harrow_dash.ui.components import NO_DATA_YET, empty_state, on_demand
from harrow_dash.ui.downloads import download_bar
from harrow_dash.ui.frame import page_frame

INDICATORS_PAGE = "pages/2_Indicators.py"
ACTIONS_PAGE = "pages/3_Flagship_actions.py"
KINDS = {"achievement": "Key achievements", "improvement": "Areas for improvement"}
# The links under each item are underlined, so they read as links by more than their place (WCAG
# 1.4.1); one rule for the page rather than an icon on every link (each icon is costly to draw).
LINK_STYLE = (
    "<style>[data-testid='stMain'] a[data-testid='stPageLink-NavLink'] p "
    "{ text-decoration: underline; text-underline-offset: 0.2em; }</style>"
)

ctx = page_frame("Highlights")
period = ctx.period
if period is None:
    empty_state(NO_DATA_YET)
    st.stop()
as_at = period.label

items = data.highlight_items(ctx.store_url, ctx.filters, ctx.rules)
if items.empty:
    unplaced_all = explore.in_quarters(
        data.unplaced_highlights(ctx.store_url, ctx.filters, True), period
    )
    for note in caveats(ctx.filters, len(unplaced_all), actions=False):
        st.caption(note)
    empty_state(
        f"No achievements or areas for improvement have been recorded up to {period.label} "
        "for these filters."
    )
    st.stop()

st.html(LINK_STYLE)
with st.container(horizontal=True, gap="medium", key="hl_controls"):
    scope = st.segmented_control(
        "Quarters",
        explore.SCOPES,
        key="hl_scope",
        default=explore.SCOPES[1],
        required=True,
        format_func=lambda s: f"{s} to {as_at}" if s == "All quarters" else s,
    )
    kinds = st.segmented_control(
        "Show",
        list(KINDS),
        key="hl_kind",
        selection_mode="multi",
        default=list(KINDS),
        format_func=lambda k: f"{explore.KIND_MARKERS[k]} {KINDS[k]}",
    )
search = st.text_input(
    "Search highlights",
    key="hl_search",
    placeholder="Search the text, an indicator or an action (e.g. PI-16, fly-tipping, FA-12)",
    icon=":material/search:",
)

quarters = scope or explore.SCOPES[0]
shown = explore.filter_highlights(items, period, quarters, kinds or [], search)
unplaced = explore.in_quarters(
    data.unplaced_highlights(ctx.store_url, ctx.filters, True), period, quarters, kinds or []
)
notes = caveats(ctx.filters, len(unplaced), actions=False)
for note in notes:
    st.caption(note)
n_ach = int((shown["kind"] == "achievement").sum()) if len(shown) else 0
n_imp = int((shown["kind"] == "improvement").sum()) if len(shown) else 0
st.caption(
    f"{n_ach} achievement{'s' if n_ach != 1 else ''} and {n_imp} area"
    f"{'s' if n_imp != 1 else ''} for improvement, newest quarter first."
)

if not kinds:
    empty_state("Choose achievements, areas for improvement or both to see them.")
    st.stop()
if shown.empty:
    if (search or "").strip():
        empty_state(
            f"No highlights match \u201c{escape_markdown(search, limit=NOTE_LIMIT)}\u201d in these quarters. "
            "Try fewer or different words."
        )
    else:
        empty_state("No highlights were recorded in these quarters for these filters.")
    st.stop()


def show_item(item: pd.Series) -> None:
    """One highlight: its marker (symbol and word), the text, how what it refers to stands now, and
    links to that indicator or action. One Markdown block per item keeps long lists quick to draw."""
    now = [
        f"{ref} {status or '(not in the data)'}"
        for ref, status in (
            (item["indicator_ref"], item["indicator_status"]),
            (item["action_ref"], item["action_status"]),
        )
        if ref
    ]
    lines = f"**{item['marker']}**\u2002{escape_markdown(item['text'])}"
    if now:
        lines += f"  \n*Now ({as_at}): {escape_markdown('; '.join(now))}*"
    st.markdown(lines)
    if item["indicator_ref"] and item["indicator_name"]:
        st.page_link(
            INDICATORS_PAGE,
            label=escape_markdown(f"{item['indicator_ref']} {item['indicator_name']}"),
            query_params={"ind": item["indicator_ref"]},
        )
    if item["action_ref"] and item["action_title"]:
        st.page_link(
            ACTIONS_PAGE,
            label=escape_markdown(f"{item['action_ref']} {item['action_title']}"),
            query_params={"action": item["action_ref"]},
        )


def show_quarter(in_quarter: pd.DataFrame) -> None:
    """One quarter's items of one priority, achievements and areas for improvement side by side."""
    cols = st.columns(len(wanted), gap="large")
    for col, kind in zip(cols, wanted, strict=True):
        with col:
            these = in_quarter[in_quarter["kind"] == kind]
            if these.empty:
                st.caption("None recorded.")
            for _, item in these.iterrows():
                show_item(item)


def counted(in_quarter: pd.DataFrame) -> str:
    """'3 achievements, 1 area for improvement' (the kinds shown)."""
    words = {"achievement": ("achievement", "achievements")}
    words["improvement"] = ("area for improvement", "areas for improvement")
    parts = []
    for kind in wanted:
        n = int((in_quarter["kind"] == kind).sum())
        parts.append(f"{n} {words[kind][n != 1]}")
    return ", ".join(parts)


wanted = [k for k in KINDS if k in (kinds or [])]
# Each priority's newest quarter is shown in full; earlier quarters are listed with their counts and
# drawn when opened (every item and link is an element the browser builds, and four quarters of
# them made this the slowest page to open). A search shows every quarter it matches in full.
searching = bool((search or "").strip())
for pid, group in shown.groupby("priority_id", sort=True):
    with st.container(border=True, key=f"hl_priority_{pid}"):
        st.header(f"Priority {pid}: {escape_markdown(group['priority'].iloc[0])}", anchor=False)
        heads = st.columns(len(wanted), gap="large")
        for col, kind in zip(heads, wanted, strict=True):
            col.markdown(f"**{KINDS[kind]}**")
        for i, (key, in_quarter) in enumerate(group.groupby("period", sort=False)):
            label = in_quarter["quarter"].iloc[0]
            if i == 0 or searching:
                st.markdown(f"### {label}")
                show_quarter(in_quarter)
                continue
            with on_demand(f"{label}: {counted(in_quarter)}", key=f"hl_open_{pid}_{key}") as open_:
                if open_:
                    show_quarter(in_quarter)

hl_table = explore.highlights_download(shown)
hl_quarters = sorted({parse_period(q) for q in hl_table["Quarter"]}) if len(hl_table) else []
# The header's "Quarter:" line is the position date; say which quarters the rows cover when they
# are more than that one.
covers = (
    [f"Rows: highlights from {hl_quarters[0].label} to {hl_quarters[-1].label}, newest first."]
    if len(hl_quarters) > 1
    else []
)
download_bar(
    ctx,
    "highlights",
    hl_table,
    title="Highlights, "
    + (
        f"{hl_quarters[0].label} to {hl_quarters[-1].label}"
        if len(hl_quarters) > 1
        else period.label
    ),
    notes=[*covers, *notes],
)
