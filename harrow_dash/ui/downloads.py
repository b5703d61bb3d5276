"""Download buttons for what a page shows: the data as CSV, Excel and OpenDocument, each chart as PNG and SVG, and
the briefing pack (Word). The files are built by :mod:`harrow_dash.outputs.export_files` and
:mod:`harrow_dash.outputs.briefing` (no Streamlit there), only when the user clicks: the buttons take a
function, so a page never pays for files nobody downloads, and clicking does not rerun the page.

Every export is neutralised against formula injection and carries only what the user can see on
screen (the table passed in is the one displayed, so suppressed counts stay suppressed)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

import altair as alt
import pandas as pd
import streamlit as st

from harrow_dash.formats.ods import ODS_MIME
from harrow_dash.outputs.export_files import (
    briefing_file_name,
    chart_png,
    chart_svg,
    csv_bytes,
    excel_bytes,
    export_context,
    file_slug,
    ods_bytes,
    picture_spec,
)
from harrow_dash.outputs.views import Overview
from harrow_dash.ui import data
from harrow_dash.ui.frame import PageContext

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _title_from(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


ChartOrMaker = alt.TopLevelMixin | Callable[[], alt.TopLevelMixin]


def download_bar(
    ctx: PageContext,
    name: str,
    table: pd.DataFrame,
    charts: Mapping[str, ChartOrMaker] | None = None,
    *,
    title: str | None = None,
    notes: Sequence[str] = (),
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> None:
    """Offer ``table`` (exactly as displayed) as CSV, Excel and .ods, and each of ``charts`` as PNG and SVG,
    in one compact "Download" popover. ``name`` is a short slug used in file names and widget keys,
    e.g. ``indicators``; ``title`` says what the table is in the Excel sheet's heading rows;
    ``notes`` (what a filter could not do: :mod:`harrow_dash.rules.scope`) follow the filters there.
    A chart may be given as a function that builds it, so it is built only when downloaded (the
    page draws its cached spec). ``prepare`` (e.g. :func:`harrow_dash.outputs.exports.analysable`) turns the
    displayed table into the file's, row for row, when a file is asked for rather than on every
    page run."""
    period = file_slug(ctx.period.label) if ctx.period else "all"
    base = f"harrow_{file_slug(name)}_{period}"
    what = title or _title_from(name)
    illustrative = data.is_illustrative(ctx.store_url)
    threshold = ctx.rules.small_numbers
    frame = table.copy()

    @functools.cache  # made once, when a file is first asked for
    def file_table() -> pd.DataFrame:
        return frame if prepare is None else prepare(frame)

    context = export_context(
        what, ctx.filters, ctx.priority_names, illustrative, threshold, notes=notes
    )

    def make_csv() -> bytes:
        return csv_bytes(file_table(), threshold)

    def make_xlsx() -> bytes:
        return excel_bytes(file_table(), context, sheet_title=what, threshold=threshold)

    def make_ods() -> bytes:
        return ods_bytes(file_table(), context, sheet_title=what, threshold=threshold)

    with st.popover("Download", icon=":material/download:", key=f"dl_pop_{name}"):
        st.caption(f"{what}: {len(frame):,} rows, as shown on this page.")
        with st.container(horizontal=True):
            st.download_button(
                "Data (CSV)",
                make_csv,
                file_name=f"{base}.csv",
                mime="text/csv",
                key=f"dl_csv_{name}",
                on_click="ignore",
                icon=":material/table:",
            )
            st.download_button(
                "Data (Excel)",
                make_xlsx,
                file_name=f"{base}.xlsx",
                mime=XLSX_MIME,
                key=f"dl_xlsx_{name}",
                on_click="ignore",
                icon=":material/table_view:",
            )
            st.download_button(
                "Data (OpenDocument)",
                make_ods,
                file_name=f"{base}.ods",
                mime=ODS_MIME,
                key=f"dl_ods_{name}",
                on_click="ignore",
                icon=":material/table_view:",
                help="The same sheet as the Excel file, as an OpenDocument spreadsheet (.ods)",
            )
        for chart_name, chart in (charts or {}).items():
            slug = file_slug(chart_name)
            st.caption(f"Chart: {chart_name}")
            with st.container(horizontal=True):
                for fmt, maker, mime in (
                    ("PNG", _png_maker(chart, context), "image/png"),
                    ("SVG", _svg_maker(chart, context), "image/svg+xml"),
                ):
                    st.download_button(
                        f"Chart ({fmt})",
                        maker,
                        file_name=f"{base}_{slug}.{fmt.lower()}",
                        mime=mime,
                        key=f"dl_{fmt.lower()}_{name}_{slug}",
                        on_click="ignore",
                        icon=":material/image:",
                        help=f"{chart_name} as {fmt}",
                    )


def _built(chart: ChartOrMaker) -> alt.TopLevelMixin:
    return chart if isinstance(chart, alt.TopLevelMixin) else chart()


def _png_maker(chart: ChartOrMaker, context: Sequence[str]) -> Callable[[], bytes]:
    """The chart as a PNG picture with its title, quarter, filters and notes (picture_spec)."""
    return lambda: chart_png(picture_spec(_built(chart), context))


def _svg_maker(chart: ChartOrMaker, context: Sequence[str]) -> Callable[[], bytes]:
    return lambda: chart_svg(picture_spec(_built(chart), context))


def briefing_button(
    ctx: PageContext, key: str = "dl_briefing", overview: Overview | None = None
) -> None:
    """A button that downloads the briefing pack (Word) for the page's quarter and filters. Shows
    nothing when there is no quarter or nothing matches the filters. ``overview``: the page's
    ``data.overview`` for these filters, when it has read it already."""
    if ctx.period is None:
        return
    ov = overview or data.overview(ctx.store_url, ctx.filters, ctx.rules)
    if ov is None or (ov.indicators.empty and ov.actions.empty):
        return
    illustrative = data.is_illustrative(ctx.store_url)
    filters, names = ctx.filters, dict(ctx.priority_names)
    threshold = ctx.rules.small_numbers
    revised = data.revised_figures(ctx.store_url, ctx.period)

    url = ctx.store_url

    def make_docx() -> bytes:
        # Imported when the file is asked for: the Word writer (python-docx, lxml) is not needed
        # to draw a page.
        from harrow_dash.outputs.briefing import briefing_document
        from harrow_dash.outputs.comparisons import indicator_standings

        standings = indicator_standings(data.store(url), filters, threshold)
        return briefing_document(
            ov, filters, names, illustrative, threshold, revised=revised, standings=standings
        )

    st.download_button(
        "Briefing pack (Word)",
        make_docx,
        file_name=briefing_file_name(filters),
        mime=DOCX_MIME,
        key=key,
        on_click="ignore",
        icon=":material/description:",
        help=f"The Strategic Performance Report for {ctx.period.label} with these filters, "
        "as a Word document with charts",
    )
