"""Open data: the published figures as a Frictionless Data Package (CSV files and datapackage.json),
for residents and anyone who wants to reuse them. Visible in public mode.

Whatever the viewer's role, the package holds only published quarters, with suppression applied and
internal commentary left out (harrow_dash.outputs.open_data builds it from the public view of the store).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_dash.outputs import open_data
from harrow_dash.rules.plan import COUNCIL_NAME
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.ui import data
from harrow_dash.ui.components import illustrative_note
from harrow_dash.ui.frame import page_frame

ctx = page_frame("Open data", show_filters=False, header=False)
# Not the frame's header: the package is every published quarter, not the quarter of a filter.
st.title("Open data", anchor=False)
st.markdown(f"**{COUNCIL_NAME}** \u00b7 Performance dashboard \u00b7 **published quarters**")
if data.is_illustrative(ctx.store_url):
    illustrative_note()


@st.cache_data(ttl=data.TTL, show_spinner=False)
def _package(url: str, rules: RuleSettings) -> tuple[bytes, list[open_data.PackageFile]] | str:
    """The package as the page offers it: zipped, and what each file holds. Not the files
    themselves, which a run would otherwise copy out of the cache, zip and read back every time."""
    try:
        files = open_data.build(data.store(url).public_view(), rules)
    except open_data.NothingPublished as exc:
        return str(exc)
    return open_data.as_zip(files), open_data.contents(files)


package = _package(ctx.store_url, ctx.rules)
if isinstance(package, str):
    st.info(package, icon=":material/unpublished:")
    st.stop()
zipped, package_files = package

published = data.published(ctx.store_url)
st.markdown(
    f"The council's published performance figures, **{published[0].label} to "
    f"{published[-1].label}**, as open data under the Open Government Licence v3.0. Quarters not yet "
    "published are not included, counts of fewer than "
    f"{ctx.rules.suppression_threshold} people are withheld ({ctx.rules.small_numbers.meaning}), "
    "and internal commentary is left out."
)
st.download_button(
    "Download the open data package (ZIP: CSV files and datapackage.json)",
    zipped,
    file_name="harrow-performance-open-data.zip",
    mime="application/zip",
    icon=":material/download:",
    type="primary",
    key="dl_open_data",
    on_click="ignore",
)
st.caption(
    "A Frictionless Data Package: each CSV file is described, field by field, in datapackage.json, "
    "so the data can be checked and loaded by standard tools."
)

st.header("What is in it", anchor=False)
st.dataframe(
    pd.DataFrame(
        {
            "File": [f.path for f in package_files],
            "What it holds": [f.title for f in package_files],
            "Rows": [f.rows for f in package_files],
            "Fields": [", ".join(field.name for field in f.fields) for f in package_files],
        }
    ),
    hide_index=True,
    key="open_data_files",
    column_config={"Fields": st.column_config.TextColumn(width=520)},
)
for f in package_files:
    with st.expander(f"Fields of {f.path}"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Field": [field.name for field in f.fields],
                    "Type": [field.type for field in f.fields],
                    "Meaning": [field.description for field in f.fields],
                }
            ),
            hide_index=True,
            key=f"fields_{f.name}",
        )
