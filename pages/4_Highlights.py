"""Highlights: key achievements and areas for improvement, every quarter up to the chosen one, newest
first, grouped by priority, searchable, each linked to the indicator or flagship action it is about.

Items come from harrow_dash.outputs.explore; their text is shown exactly as typed (never as HTML or Markdown).
The directorate and portfolio filters place an item by the indicator or action it refers to; the
captions say what the filters could not place (harrow_dash.rules.scope).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from harrow_dash.formats.textsafe import NOTE_LIMIT, escape_markdown
from harrow_dash.outputs import explore
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scope import caveats
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
COUNT_WORDS = {
    "achievement": ("achievement", "achievements"),
    "improvement": ("area for improvement", "areas for improvement"),
}

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
        # Lookups, not lambdas: a widget keeps its format_func for the session, and a lambda
        # would keep the whole page's data with it.
        format_func={
            s: f"{s} to {as_at}" if s == "All quarters" else s for s in explore.SCOPES
        }.get,
    )
    kinds = st.segmented_control(
        "Show",
        list(KINDS),
        key="hl_kind",
        selection_mode="multi",
        default=list(KINDS),
        format_func={k: f"{explore.KIND_MARKERS[k]} {KINDS[k]}" for k in KINDS}.get,
    )
search = st.text_input(
    "Search highlights",
    key="hl_search",
    placeholder="Search the text, an indicator or an action (e.g. PI-16, fly-tipping, FA-12)",
    icon=":material/search:",
)

quarters = scope or explore.SCOPES[0]
wanted = tuple(k for k in KINDS if k in (kinds or []))
# Filtered and grouped once per view (data.highlights_shown), not on every run.
shown, sections = data.highlights_shown(
    ctx.store_url, ctx.filters, ctx.rules, quarters, wanted, search or ""
)
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


def show_item(item: Mapping[str, Any], heading: str = "") -> None:
    """One highlight: its marker (symbol and word), the text, how what it refers to stands now, and
    links to that indicator or action. One Markdown block per item keeps long lists quick to draw;
    ``heading`` (the column's, for its first item) goes in the same block."""
    now = [
        f"{ref} {status or '(not in the data)'}"
        for ref, status in (
            (item["indicator_ref"], item["indicator_status"]),
            (item["action_ref"], item["action_status"]),
        )
        if ref
    ]
    lines = heading + f"**{item['marker']}**\u2002{escape_markdown(item['text'])}"
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


def show_quarter(per_kind: tuple[tuple[Mapping[str, Any], ...], ...]) -> None:
    """One quarter of one priority: each kind asked for in its column, under its heading."""
    cols = st.columns(len(wanted), gap="large")
    for col, kind, these in zip(cols, wanted, per_kind, strict=True):
        heading = f"**{KINDS[kind]}**\n\n"
        with col:
            if not these:
                st.markdown(heading + "None recorded.")
            for i, item in enumerate(these):
                show_item(item, heading if i == 0 else "")


# Each priority's newest quarter is shown in full; earlier quarters are listed with their counts and
# drawn when opened (every item and link is an element the browser builds, and four quarters of
# them made this the slowest page to open). A search shows every quarter it matches in full.
searching = bool((search or "").strip())
for section in sections:
    pid = section.priority_id
    with st.container(border=True, key=f"hl_priority_{pid}"):
        st.header(f"Priority {pid}: {escape_markdown(section.priority)}", anchor=False)
        for i, (quarter_label, per_kind) in enumerate(section.quarters):
            if i == 0 or searching:
                st.markdown(f"### {quarter_label}")
                show_quarter(per_kind)
                continue
            counts = ", ".join(
                f"{len(these)} {COUNT_WORDS[kind][len(these) != 1]}"
                for kind, these in zip(wanted, per_kind, strict=True)
            )
            with on_demand(
                f"{quarter_label}: {counts}", key=f"hl_open_{pid}_{quarter_label}"
            ) as open_:
                if open_:
                    show_quarter(per_kind)

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
