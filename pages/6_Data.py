"""Data: load the quarter's figures (check, preview, confirm), match comparator measures to indicators,
publish quarters, download the template, see or roll back earlier loads, and record Cabinet's
corrective actions and their quarterly updates.

Editors only. The frame checks the role before anything here runs: a viewer who opens this page's
address sees "You do not have access", someone not signed in sees only the sign-in prompt.
"""

from __future__ import annotations

import streamlit as st

from harrow_dash.rules.access import Role
from harrow_dash.ui import corrective_form, data, loading, measures
from harrow_dash.ui.frame import page_frame

ctx = page_frame("Data", role=Role.EDITOR, show_filters=False)
store = data.store(ctx.store_url)

loading.show_flash()
with loading.database_errors():
    # Keyed and tracked, so the open tab stays open across the reruns the buttons below cause.
    load_tab, measures_tab, publish_tab, history_tab, template_tab, corrective_tab = st.tabs(
        [
            "Load data",
            "Comparator measures",
            "Publish quarters",
            "Load history",
            "Template",
            "Corrective actions",
        ],
        key="data_tab",
        on_change="rerun",
    )
    with load_tab:
        loading.load_panel(ctx, store)
    with measures_tab:
        measures.measure_panel(ctx, store)
    with publish_tab:
        loading.publish_panel(ctx, store)
    with history_tab:
        loading.history_panel(ctx, store)
    with template_tab:
        loading.template_panel(ctx, store)
    with corrective_tab:
        corrective_form.corrective_panel(ctx, store)
