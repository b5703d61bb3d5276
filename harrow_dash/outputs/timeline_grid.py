"""The Flagship actions page's "Status over the quarters" as an HTML table: one row per action line,
one column per quarter, each cell the status in the status's colour with its icon and word written in
it (never colour alone). A real table rather than a chart: screen readers move through it by row and
column, and the browser draws it at once, with no chart library (the timeline chart was the page's
costliest element to draw). The same statuses as a chart, for the downloads, are
:func:`harrow_dash.outputs.charts.action_timeline`.

Pure (no Streamlit). Every piece of text from a file (titles, commentary) goes through
:func:`harrow_dash.formats.textsafe.escape_html`.
"""

from __future__ import annotations

import pandas as pd

from harrow_dash.formats.textsafe import escape_html
from harrow_dash.outputs.charts import SHORT_STATUS, STATUS_COLOURS
from harrow_dash.outputs.explore import status_label
from harrow_dash.rules.periods import Period

# A cell's tooltip holds the quarter's commentary, shortened to this many characters.
TOOLTIP_LIMIT = 240

GRID_CSS = """
<style>
.hd-tl-wrap { overflow-x: auto; }
.hd-tl { border-collapse: collapse; table-layout: fixed; width: 100%; font-size: 14px;
  line-height: 1.5; margin: 0; }
.hd-tl th, .hd-tl td { border: 2px solid #FFFFFF; padding: 1px 6px; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.hd-tl thead th { font-weight: 700; text-align: center; color: #0B0C0C; }
.hd-tl thead th:first-child { text-align: left; padding-left: 0; }
.hd-tl tbody th { font-weight: 400; text-align: left; padding-left: 0; color: #0B0C0C; }
.hd-tl td { color: #FFFFFF; font-weight: 700; text-align: center; }
.hd-tl caption { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
</style>
"""


def timeline_grid_html(timeline: pd.DataFrame, description: str) -> str:
    """``timeline`` (:func:`harrow_dash.outputs.explore.timeline_frame`: one row per action line per quarter
    with ``label``, ``row_order``, ``ref``, ``status``, ``commentary``) as a table whose caption, for
    screen readers, is ``description``. With more than six quarters a cell gives the short word
    ("Slippage"), as the chart does, so the columns stay narrow enough to read."""
    df = timeline.dropna(subset=["period"])
    if df.empty:
        return ""
    periods = sorted(int(k) for k in df["period"].unique())
    quarters = [Period.from_key(k).label for k in periods]
    full_words = len(periods) <= 6
    cell_em = 10 if full_words else 7
    cells: dict[tuple[str, int], tuple[str, str]] = {
        (ref, int(p)): (str(s), str(c or ""))
        for ref, p, s, c in zip(
            df["ref"], df["period"], df["status"], df["commentary"].fillna(""), strict=True
        )
    }
    lines = df.drop_duplicates("ref").sort_values("row_order")
    body = []
    for ref, label in zip(lines["ref"], lines["label"], strict=True):
        row = [f'<th scope="row" title="{escape_html(label)}">{escape_html(label)}</th>']
        for key, quarter in zip(periods, quarters, strict=True):
            status, commentary = cells.get((ref, key), ("", ""))
            tip = f"{ref}, {quarter}: {status}" + (f". {commentary}" if commentary else "")
            colour = STATUS_COLOURS.get(status, STATUS_COLOURS["Not yet due"])
            row.append(
                f'<td style="background: {colour};" title="{escape_html(tip, TOOLTIP_LIMIT)}">'
                f"{escape_html(_cell_text(status, full_words))}</td>"
            )
        body.append("<tr>" + "".join(row) + "</tr>")
    head = "".join(f'<th scope="col">{escape_html(q)}</th>' for q in quarters)
    cols = f'<col style="width: {cell_em}em;">' * len(periods)
    return (
        GRID_CSS
        + '<div class="hd-tl-wrap" role="region" tabindex="0" aria-label="Status over the quarters">'
        + f'<table class="hd-tl" style="min-width: {16 + cell_em * len(periods)}em;">'
        + f"<caption>{escape_html(description)}</caption>"
        + f"<colgroup><col>{cols}</colgroup>"
        + f'<thead><tr><th scope="col">Action</th>{head}</tr></thead>'
        + f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _cell_text(status: str, full_words: bool) -> str:
    """'▲ Minor slippage', or with many quarters '▲ Slippage'."""
    shown = status_label(status)
    return shown if full_words else shown.replace(status, SHORT_STATUS.get(status, status))
