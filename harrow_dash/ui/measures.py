"""The Data page's panel for matching comparator measures to indicators, chosen once and remembered.

Measure ids and names come from files: they are shown through :func:`escape_markdown` in labels and
as plain option text, never as Markdown or HTML.
"""

from __future__ import annotations

import streamlit as st

from harrow_dash.formats.textsafe import escape_markdown
from harrow_dash.ingest.measure_match import (
    MatchRefused,
    likely_indicators,
    match_measures,
)
from harrow_dash.store import Store
from harrow_dash.store.publishing import user_label
from harrow_dash.ui import data, editor_reads
from harrow_dash.ui.frame import PageContext
from harrow_dash.ui.loading import FLASH_KEY

NOT_OURS = ""
SHOWN = 40  # measures offered at once: the rest come once these are matched


def measure_panel(ctx: PageContext, store: Store) -> None:
    st.header("Match comparator measures", anchor=False)
    st.write(
        "A comparator file names each measure by its publisher's id, or by its name when it has "
        "no id. Choose the indicator each measure is compared with on the Comparisons page; the "
        "choice is remembered as that indicator's benchmark measure (the `benchmark_measure` "
        "column of an indicators file sets it too) and is listed under Load history, where it "
        "can be rolled back."
    )
    unmatched = editor_reads.unmatched_measures(ctx.store_url)
    if unmatched.empty:
        st.write("Every comparator measure held is compared with an indicator.")
        return
    indicators = editor_reads.indicator_names(ctx.store_url)
    labels = {NOT_OURS: "Not one of ours (leave it unmatched)"}
    labels.update(
        {str(r): f"{r}: {n}" for r, n in zip(indicators["ref"], indicators["name"], strict=True)}
    )
    n = len(unmatched)
    st.caption(
        f"{n:,} measure{'s are' if n != 1 else ' is'} not matched to an indicator"
        + (f"; the {SHOWN} with the most figures are shown." if n > SHOWN else ".")
        + " The likeliest indicators are listed first."
    )
    with st.form("measure_match", border=False):
        choices: dict[str, str] = {}
        for i, row in enumerate(unmatched.head(SHOWN).itertuples()):
            name = str(row.name) if isinstance(row.name, str) and row.name else str(row.measure)
            title = name if name == str(row.measure) else f"{row.measure}: {name}"
            options = [NOT_OURS, *likely_indicators(name, indicators)]
            picked = st.selectbox(
                escape_markdown(f"{title} ({int(row.values):,} figures)"),
                options,
                format_func=labels.__getitem__,
                key=f"measure_match_{i}",
            )
            if picked != NOT_OURS:
                choices[str(row.measure)] = picked
        saved = st.form_submit_button("Save the matches", type="primary")
    if not saved:
        return
    if not choices:
        st.info("No measure was matched to an indicator; nothing was saved.")
        return
    try:
        batch = match_measures(store, choices, user_label(ctx.user))
    except MatchRefused as exc:
        st.error(escape_markdown(str(exc)))
        return
    data.clear()
    st.session_state[FLASH_KEY] = (
        "success",
        (
            f"Matched {len(choices)} measure{'s' if len(choices) != 1 else ''} (batch {batch})."
            if batch is not None
            else "Those indicators already had those measures; nothing changed."
        ),
    )
    st.rerun()
