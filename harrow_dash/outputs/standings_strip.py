"""Comparisons' "Where Harrow stands" as an HTML table: one row per benchmarked indicator, and in it a
strip from best (left) to worst (right) shaded by quartile, with Harrow's position marked by a
diamond and its rank written beside it ("17th of 33"), the quartile in words for screen readers.
A real table rather than a chart: screen readers read each indicator's rank and quartile in turn,
and the browser draws it at once, with no chart library.

Pure (no Streamlit). Indicator names come from a file, so every piece of text goes through
:func:`harrow_dash.formats.textsafe.escape_html`.
"""

from __future__ import annotations

import pandas as pd

from harrow_dash.formats.textsafe import escape_html
from harrow_dash.outputs.comparison_charts import OUR_COLOUR, QUARTILE_SHADES

BAND_NAMES = ["Top quartile", "Second", "Third", "Bottom quartile"]
TITLE = "Where Harrow stands"
SUBTITLE = "Position in the comparison group on each indicator: further left is better."
# A rank further right than this is written to the left of its diamond, so it stays on the strip.
LABEL_FLIP = 0.72

_BANDS = ", ".join(f"{shade} {25 * i}% {25 * (i + 1)}%" for i, shade in enumerate(QUARTILE_SHADES))
STRIP_CSS = f"""
<style>
.hd-st {{ border-collapse: collapse; table-layout: fixed; width: 100%; font-size: 14px;
  line-height: 1.5; margin: 0; color: #0B0C0C; }}
.hd-st caption {{ caption-side: top; text-align: left; padding: 0 0 8px 0; }}
.hd-st caption b {{ display: block; font-size: 16px; }}
.hd-st caption span {{ font-size: 14px; }}
.hd-st th, .hd-st td {{ padding: 0; border: 0; font-weight: 400; }}
.hd-st tbody th {{ text-align: right; padding-right: 10px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.hd-st tbody td {{ background: linear-gradient(to right, {_BANDS}); height: 26px; }}
.hd-st .hd-st-scale {{ display: flex; }}
.hd-st .hd-st-scale span {{ flex: 1 1 0; text-align: center; color: #3D3D3D; font-size: 13px; }}
.hd-st tfoot .hd-st-scale span {{ text-align: left; }}
.hd-st tfoot .hd-st-scale span + span {{ text-align: right; }}
.hd-st-cell {{ position: relative; height: 26px; margin: 0 10px; }}
.hd-st-mark {{ position: absolute; top: 0; white-space: nowrap; line-height: 26px; }}
.hd-st-mark i {{ font-style: normal; color: {OUR_COLOUR}; font-size: 17px; display: inline-block;
  vertical-align: top;
  transform: translateX(-50%); }}
.hd-st-mark.hd-st-left {{ transform: translateX(-100%); }}
.hd-st-mark.hd-st-left i {{ transform: translateX(50%); }}
.hd-st-sr {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }}
</style>
"""


def standings_html(overview: pd.DataFrame, description: str) -> str:
    """``overview`` (:func:`harrow_dash.outputs.comparisons.overview`: ``Ref``, ``Indicator``, ``Rank``,
    ``Harrow``, ``Period compared``, ``Quartile`` (the band in words), ``_position`` from 0 best to 1 worst) as the
    strip table, indicators that could be ranked only, in the table's order. ``description`` is
    the summary a screen reader hears first."""
    df = overview[overview["_position"].notna()]
    if df.empty:
        return ""
    rows = []
    for ref, name, rank, value, period, band, position in zip(
        df["Ref"],
        df["Indicator"],
        df["Rank"],
        df["Harrow"],
        df["Period compared"],
        df["Quartile"],
        df["_position"],
        strict=True,
    ):
        label = f"{ref} {name}"
        words = band if isinstance(band, str) else ""
        tip = f"{label}: Harrow {value}, {rank}" + (f", {words}" if words else "") + f" ({period})"
        x = min(max(float(position), 0.0), 1.0)
        flip = " hd-st-left" if x > LABEL_FLIP else ""
        rank_text = escape_html(rank)
        mark = (
            f'<i aria-hidden="true">\u25c6</i> {rank_text}'
            if not flip
            else f'{rank_text} <i aria-hidden="true">\u25c6</i>'
        )
        rows.append(
            f'<tr title="{escape_html(tip)}"><th scope="row">{escape_html(label)}</th>'
            f'<td><div class="hd-st-cell"><span class="hd-st-mark{flip}" '
            f'style="left: {100 * x:.1f}%;">{mark}'
            f'<span class="hd-st-sr">, {escape_html(words)}</span></span></div></td></tr>'
        )
    bands = "".join(f"<span>{escape_html(b)}</span>" for b in BAND_NAMES)
    return (
        STRIP_CSS
        + '<table class="hd-st"><colgroup><col style="width: 38%;"><col></colgroup>'
        + f"<caption><b>{escape_html(TITLE)}</b><span>{escape_html(SUBTITLE)}</span>"
        + f'<span class="hd-st-sr"> {escape_html(description)}</span></caption>'
        + '<thead><tr><th scope="col"><span class="hd-st-sr">Indicator</span></th>'
        + f'<th scope="col"><div class="hd-st-scale" aria-hidden="true">{bands}</div>'
        + '<span class="hd-st-sr">Rank in the group</span></th></tr></thead>'
        + f"<tbody>{''.join(rows)}</tbody>"
        + '<tfoot><tr><td></td><td><div class="hd-st-scale" aria-hidden="true">'
        + "<span>Best</span><span>Worst</span></div></td></tr></tfoot></table>"
    )
