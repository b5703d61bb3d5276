"""Small read-only tables (a handful of rows, as the Overview's changes since last quarter) as plain
HTML: the browser draws them at once, text wraps rather than being cut off, and screen readers get a
real table with its caption and headers. Large or explorable tables stay ``st.dataframe`` (sort,
search, download).

Pure (no Streamlit). Every cell goes through :func:`harrow_dash.formats.textsafe.escape_html`, so text from a
file is shown as typed.
"""

from __future__ import annotations

import pandas as pd

from harrow_dash.formats.textsafe import escape_html

TABLE_CSS = """
<style>
.hd-table { border-collapse: collapse; width: 100%; font-size: 14px; line-height: 1.45;
  color: #0B0C0C; margin: 0; }
.hd-table caption { caption-side: top; text-align: left; font-weight: 700; font-size: 16px;
  padding: 0 0 6px 0; color: #0B0C0C; }
.hd-table th, .hd-table td { text-align: left; vertical-align: top; padding: 5px 10px 5px 0;
  border-bottom: 1px solid #D9D9D9; font-weight: 400; }
.hd-table thead th { font-weight: 700; border-bottom: 2px solid #B1B4B6; white-space: nowrap; }
</style>
"""


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    return escape_html(value)


def table_html(frame: pd.DataFrame, caption: str) -> str:
    """``frame`` as a table headed by ``caption`` (shown, bold, above it); the first column's cells
    are row headers (an indicator's name), so a screen reader says which row a value is in."""
    head = "".join(f'<th scope="col">{_cell(c)}</th>' for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False, name=None):
        first, *rest = row
        cells = "".join(f"<td>{_cell(v)}</td>" for v in rest)
        body.append(f'<tr><th scope="row">{_cell(first)}</th>{cells}</tr>')
    return (
        TABLE_CSS
        + f'<table class="hd-table"><caption>{escape_html(caption)}</caption>'
        + f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
