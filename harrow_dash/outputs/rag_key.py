"""The key to ratings, in one place: what each indicator RAG rating and each flagship action status
means, with the colour, icon and words every page, chart and slide uses for it. Pure (no Streamlit):
:func:`harrow_dash.ui.components.rag_key` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from harrow_dash.formats.textsafe import escape_html
from harrow_dash.outputs.palette import ACTION_COLOURS, RAG_COLOURS
from harrow_dash.rules.action_status import ACTION_GROUPS, GROUP_ICONS
from harrow_dash.rules.disclosure import RATING_WITHHELD, RATING_WITHHELD_MEANING, WITHHELD_RAG
from harrow_dash.rules.rag import Rag
from harrow_dash.rules.scorecard import NOT_RATED, RAG_ICONS
from harrow_dash.rules.suppression import DEFAULT_THRESHOLD, SmallNumbers, small_numbers


@dataclass(frozen=True)
class KeyRow:
    label: str  # as the pages write it: "On track"
    icon: str
    colour: str
    meaning: str


ACTION_MEANINGS = {
    "Complete": ("Complete", "the action is done"),
    "Green": ("On track", "on course to be delivered as planned"),
    "Amber": ("Minor slippage", "behind plan, but expected to recover"),
    "Red": ("Off track", "will not be delivered as planned without action"),
    "Not started / not yet due": ("Not started or not yet due", "work is not due to have begun"),
}


def indicator_rows() -> list[KeyRow]:
    rows = [KeyRow(r.value, RAG_ICONS[r.value], RAG_COLOURS[r.value], r.meaning) for r in Rag]
    return [
        *rows,
        KeyRow(
            RATING_WITHHELD,
            RAG_ICONS[WITHHELD_RAG],
            RAG_COLOURS[WITHHELD_RAG],
            RATING_WITHHELD_MEANING,
        ),
        KeyRow(
            NOT_RATED,
            RAG_ICONS[NOT_RATED],
            RAG_COLOURS[NOT_RATED],
            "no actual or no target this quarter",
        ),
    ]


def action_rows() -> list[KeyRow]:
    return [
        KeyRow(ACTION_MEANINGS[g][0], GROUP_ICONS[g], ACTION_COLOURS[g], ACTION_MEANINGS[g][1])
        for g in ACTION_GROUPS
    ]


def key_note(threshold: SmallNumbers | int = DEFAULT_THRESHOLD) -> str:
    """The words under the key: tolerance, official ratings and what a hidden count can hold."""
    rule = small_numbers(threshold)
    return (
        "Amber means the target was missed by no more than the indicator's tolerance (5% of the "
        "target unless set otherwise). An official RAG supplied with the data is shown where it "
        "differs from the calculated one, with a note. Counts of fewer than "
        f"{rule.threshold} people are not shown: a cell reads \u201c{rule.text}\u201d and "
        f"{rule.meaning}."
    )


def _table(caption: str, first: str, rows: list[KeyRow]) -> str:
    body = "".join(
        "<tr>"
        f'<th scope="row"><span class="hd-key-swatch" style="background: {r.colour};" '
        f'aria-hidden="true">{escape_html(r.icon)}</span> {escape_html(r.label)}</th>'
        f"<td>{escape_html(r.meaning)}</td></tr>"
        for r in rows
    )
    return (
        f'<table class="hd-key"><caption>{escape_html(caption)}</caption>'
        f'<thead><tr><th scope="col">{escape_html(first)}</th><th scope="col">Meaning</th></tr>'
        f"</thead><tbody>{body}</tbody></table>"
    )


KEY_CSS = """
<style>
.hd-key { border-collapse: collapse; margin: 0 0 12px 0; width: 100%; font-size: 15px; }
.hd-key caption { text-align: left; font-weight: 700; padding: 4px 0; caption-side: top; color: #0B0C0C; }
.hd-key th, .hd-key td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #D9D9D9;
  vertical-align: top; font-weight: 400; }
.hd-key thead th { font-weight: 700; }
.hd-key tbody th { white-space: nowrap; }
.hd-key-swatch { display: inline-block; min-width: 24px; padding: 0 4px; border-radius: 3px;
  color: #FFFFFF; font-weight: 700; text-align: center; }
</style>
"""


def key_html() -> str:
    """Both tables (indicator ratings, flagship action statuses) as HTML, all text ours."""
    return (
        KEY_CSS
        + _table("Performance indicators", "Rating", indicator_rows())
        + _table("Flagship actions", "Status", action_rows())
    )
