"""Small shared Streamlit pieces: the illustrative-data note, the RAG key, charts with their data
table, summary cards and highlight lists. User text is always shown as text, never as HTML or Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from harrow_dash.formats.textsafe import escape_markdown
from harrow_dash.outputs.charts import counts_frame, describe_counts, stacked_bar_html
from harrow_dash.outputs.html_table import table_html
from harrow_dash.outputs.palette import ACTION_COLOURS, ACTION_GROUP_WORDS, RAG_COLOURS
from harrow_dash.outputs.rag_key import key_html, key_note
from harrow_dash.rules.plan import ILLUSTRATIVE_NOTE
from harrow_dash.rules.scorecard import RAG_ICONS
from harrow_dash.rules.suppression import SmallNumbers


def illustrative_note() -> None:
    st.warning(ILLUSTRATIVE_NOTE, icon=":material/science:")


def rag_key(threshold: SmallNumbers | int) -> None:
    """The key to ratings: indicator RAG ratings and flagship action statuses, each with its colour,
    icon and meaning (:mod:`harrow_dash.outputs.rag_key`), and what a hidden count can hold."""
    st.html(key_html())
    st.caption(key_note(threshold))


def text(value: object, prefix: str = "") -> None:
    """Show user-supplied text exactly as text (no Markdown, no HTML); ``prefix`` is ours, trusted."""
    st.markdown(prefix + escape_markdown(value))


def altair_chart(
    build: Callable[..., Any], *args: Any, alt_text: str, key: str, **kwargs: Any
) -> None:
    """``st.altair_chart(build(*args, **kwargs), alt=alt_text, key=key)``, with the chart's
    Vega-Lite spec cached.

    A chart is a pure function of its builder's arguments, and turning an Altair chart into its
    spec (``to_dict`` with schema validation, under a lock Streamlit holds for every session) was
    about a third of a page run: the spec is made once per distinct data and reused. The element
    sent to the browser is the one ``st.altair_chart`` sends."""
    spec = _chart_spec(f"{build.__module__}.{build.__qualname__}", build, args, kwargs)
    vega_chart(spec, alt_text=alt_text, key=key)


@st.cache_data(show_spinner=False, max_entries=1000)
def _chart_spec(name: str, _build: Callable[..., Any], args: tuple, kwargs: dict) -> dict[str, Any]:
    return spec_of(_build(*args, **kwargs))


def spec_of(chart: Any) -> dict[str, Any]:
    """The Vega-Lite spec ``st.altair_chart`` would send for ``chart``: Streamlit's own conversion
    (datasets as Arrow, theme "none"), for caching with what the chart is made from; draw it with
    :func:`vega_chart`."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    return dict(_convert_altair_to_vega_lite_spec(chart))


def vega_chart(spec: dict[str, Any], *, alt_text: str, key: str) -> None:
    """Draw a spec made by :func:`spec_of`: the element ``st.altair_chart`` draws."""
    st.vega_lite_chart(spec, alt=alt_text, key=key)


@contextmanager
def on_demand(label: str, key: str, expanded: bool = False) -> Iterator[bool]:
    """An expander whose contents are sent to the browser only while it is open: ``with
    on_demand(label, key) as shown: if shown: ...``. Opening or closing it reruns the page.

    A table in a closed expander still costs the browser as much as an open one (the grid is
    built, only hidden), so tables a reader opens are drawn when opened. ``key`` also names the
    state in ``st.session_state`` (True when open), which tests set to open it."""
    with st.expander(label, expanded=expanded, key=key, on_change="rerun") as box:
        yield bool(box.open)


def chart_with_table(
    chart: alt.Chart,
    alt_text: str,
    table: pd.DataFrame,
    key: str,
    table_label: str = "Show the data as a table",
) -> None:
    """A chart with an accessible name and, beneath it, its data as a table."""
    st.altair_chart(chart, alt=alt_text, key=f"chart_{key}")
    with st.expander(table_label):
        st.dataframe(table, hide_index=True, key=f"table_{key}")


def counts_table(counts: dict[str, int], words: dict[str, str] | None = None) -> pd.DataFrame:
    df = counts_frame(counts, words)
    total = max(1, int(df["count"].sum()))
    return pd.DataFrame(
        {
            "Status": [f"{RAG_ICONS.get(g, '')} {g}".strip() for g in df["group"]],
            "Count": df["count"],
            "Share": [f"{c / total:.0%}" for c in df["count"]],
        }
    )


def counts_sentence(counts: dict[str, int], noun: str, words: dict[str, str] | None = None) -> str:
    return describe_counts(counts, noun, words)


# Each kind of count bar: its colours, the noun of its sentence and the words for its groups.
COUNT_KINDS = {
    "action": (ACTION_COLOURS, "flagship action lines", ACTION_GROUP_WORDS),
    "rag": (RAG_COLOURS, "indicators", None),
}


def count_bar(counts: dict[str, int], kind: str, height: int = 40) -> None:
    """Flagship action (``kind`` "action") or indicator RAG ("rag") counts as a stacked bar (plain
    HTML, :func:`harrow_dash.outputs.charts.stacked_bar_html`) with the counts in words beneath it, so the
    colour is never the only way to read them."""
    colours, noun, words = COUNT_KINDS[kind]
    sentence = counts_sentence(counts, noun, words)
    st.html(stacked_bar_html(counts, colours, sentence, height=height))
    st.caption(sentence)


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as the Arrow table ``st.dataframe`` sends, made here: a column already held in
    Arrow (the Indicators list's trend lines, ``explore.TrendLines``) goes as it is, without
    pandas' description of its type (which pandas itself cannot read back), and long texts as
    plain texts."""
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    schema = pa.schema(
        [f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f for f in table.schema]
    )
    return table.cast(schema)


HASHED_WHOLE = 50_000  # rows: Streamlit's cache hashes every row of a smaller frame
# Rows from which a table's HTML is looked up rather than made: making the HTML of a few dozen rows
# (0.15-0.5 ms) is quicker than hashing them for the key (1.4 ms alone, and on a busy server much
# more: the hashing lets go of the interpreter lock between steps, and each step then waits for it
# behind the other sessions' runs; measured 48 ms a lookup at 10 readers, a fifth of a page run).
LOOKED_UP_FROM = 500


@st.cache_data(ttl=600, show_spinner=False, max_entries=64)
def _table_html(frame: pd.DataFrame, caption: str) -> str:
    """``table_html`` made once per table: the key is the table's contents (Streamlit hashes a
    frame's values), so the same rows give the same HTML whoever asks, and a rerun that shows the
    same table (the follow-up's Red indicators, thousands at council scale) does not escape every
    cell again."""
    return table_html(frame, caption)


def small_table(frame: pd.DataFrame, caption: str) -> None:
    """A table of a few rows, read rather than explored, as plain HTML (:mod:`harrow_dash.outputs.html_table`):
    drawn at once, nothing cut off. ``caption`` is its visible heading."""
    # Streamlit hashes only a sample of a frame of 50,000 rows or more: such a table is made each
    # time, never looked up by a key that could match another table. A short one is made each time
    # too, being quicker to make than to look up.
    made = _table_html if LOOKED_UP_FROM <= len(frame) < HASHED_WHOLE else table_html
    st.html(made(frame, caption))


NO_DATA_YET = (
    "There is no data yet. Load a scorecard on the Data page or run `harrow-dash load FILE`."
)


def empty_state(message: str) -> None:
    st.info(message, icon=":material/filter_alt_off:")


def bullet_list(items: list[str], marker: str) -> None:
    """A list whose marker is a symbol and a word, not colour; items shown as plain text, one
    paragraph each, in one element (each element is costly for the browser to draw)."""
    if items:
        lead = f"{marker}\u2002" if marker else ""
        st.markdown("\n\n".join(lead + escape_markdown(item) for item in items))


def highlight_columns(items: pd.DataFrame) -> None:
    """Key achievements and areas for improvement side by side, each item marked by a symbol."""
    # Plain lists: a dozen items, where selecting them with pandas cost 20 times as long (0.6 ms).
    pairs = list(zip(items["kind"].tolist(), items["text"].tolist(), strict=True))
    achievements, improvements = st.columns(2)
    with achievements:
        st.markdown("**Key achievements**")
        bullet_list([text for kind, text in pairs if kind == "achievement"], "\u2714")
    with improvements:
        st.markdown("**Areas for improvement**")
        bullet_list([text for kind, text in pairs if kind == "improvement"], "\u2691")
